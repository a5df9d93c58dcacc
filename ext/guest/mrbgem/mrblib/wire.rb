# Builds the value types beyond JSON's that arrive from the host (src/decode.c calls
# Kobako::Wire.build with the ext type and its decoded parts; docs/values.md). Each type's
# library is required on first use, as a CRuby script holding such a value would have it.
module Kobako
  module Wire
    BIGDECIMAL = 4
    RATIONAL = 5
    COMPLEX = 6
    DATE = 7
    TIME = 8
    SET = 9
    RANGE = 10
    RECORD = 11
    INT64 = (-(2**63) + 1)..(2**63 - 1) # mruby negates parts: -(2**63) overflows

    def self.build(type, parts)
      case type
      when BIGDECIMAL
        require "bigdecimal"
        BigDecimal(parts)
      when RATIONAL
        unless parts.all? { |x| INT64.cover?(x) }
          raise RangeError, "a Rational whose parts pass 64 bits cannot be represented in the sandbox"
        end

        Rational(parts[0], parts[1])
      when COMPLEX then Complex(parts[0], parts[1])
      when DATE
        require "date"
        Date.jd(parts)
      when TIME then Time.__kobako_at(*parts) # stdlib mrblib/20_time.rb
      when SET then Set.new(parts)
      when RANGE then Range.new(parts[0], parts[1], parts[2])
      when RECORD then record(*parts)
      else raise TypeError, "unknown value type #{type} from the host"
      end
    end

    # The script's own Struct or Data class of that name and members, else a Hash of the
    # members (the guest starts fresh: a class the script has not defined yet is not
    # there).
    def self.record(kind, name, members, values)
      klass = constant(name)
      base = kind == "Data" ? (Object.const_defined?(:Data) ? Data : nil) : Struct
      if klass.is_a?(Class) && base && klass < base && klass.members == members
        kind == "Data" ? klass.new(*values) : klass.new(*values)
      else
        members.zip(values).to_h
      end
    end

    def self.constant(name)
      return nil if name.empty?

      name.split("::").reduce(Object) do |scope, part|
        return nil unless scope.is_a?(Module) && part.match?(/\A[A-Z]\w*\z/) && scope.const_defined?(part)

        scope.const_get(part)
      end
    end
  end
end
