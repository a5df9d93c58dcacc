# Pattern matching (case/in, `value => pattern`, `value in pattern`) as CRuby 3.3 has it.
# The parser (patches/pattern_matching.rb) rewrites every pattern into ordinary code that
# calls the methods of Kobako::PatternMatching below; this file is their runtime half, plus
# the exceptions and the deconstruct methods of the core classes (Struct's are in 50_struct.rb).

class NoMatchingPatternError < StandardError
end

class NoMatchingPatternKeyError < NoMatchingPatternError
  def initialize(message = nil, **options)
    message.nil? ? super() : super(message)
    @__matchee = options.fetch(:matchee) { NoMatchingPatternKeyError }
    @__key = options.fetch(:key) { NoMatchingPatternKeyError }
  end

  # The Hash in which #key was missing.
  def matchee
    raise ArgumentError, "no matchee is available" if @__matchee.equal?(NoMatchingPatternKeyError)

    @__matchee
  end

  def key
    raise ArgumentError, "no key is available" if @__key.equal?(NoMatchingPatternKeyError)

    @__key
  end
end

module Kobako
  module PatternMatching
    # The elements an array or find pattern looks at, or nil when the value has none.
    def self.deconstruct(value)
      return nil unless value.respond_to?(:deconstruct)

      array = value.deconstruct
      raise TypeError, "deconstruct must return Array" unless array.is_a?(Array)

      array
    end

    # The top-level array patterns of one case share a single #deconstruct call, as in
    # CRuby: `cache` is nil before the first, then the Array, or false without #deconstruct.
    def self.deconstruct_cached(value, cache)
      return cache unless cache.nil?

      deconstruct(value) || false
    end

    # `keys` is the Array of the pattern's keys, or nil when the pattern takes the rest.
    def self.deconstruct_keys(value, keys)
      return nil unless value.respond_to?(:deconstruct_keys)

      hash = value.deconstruct_keys(keys)
      raise TypeError, "deconstruct_keys must return Hash" unless hash.is_a?(Hash)

      hash
    end

    # What `**rest` binds: the pairs whose keys the pattern did not name.
    def self.rest(hash, keys)
      rest = hash.dup
      keys.each { |key| rest.delete(key) }
      rest
    end

    # case/in with several branches and no else.
    def self.no_match(value)
      raise NoMatchingPatternError, value.inspect
    end

    # A single pattern (`value => pattern`, or case/in with one branch and no else) says
    # why it failed; `why` is what the failing check recorded: [kind, operands...].
    def self.fail(value, why)
      kind, a, b, c = why
      reason =
        case kind
        when :eqq then "#{a.inspect} === #{b.inspect} does not return true"
        when :nodc then "#{a.inspect} does not respond to #deconstruct"
        when :nodk then "#{a.inspect} does not respond to #deconstruct_keys"
        when :len then "#{a.inspect} length mismatch (given #{a.length.inspect}, expected #{b.inspect}#{"+" if c})"
        when :find then "#{a.inspect} does not match to find pattern"
        when :rest then "rest of #{rest(a, b).inspect} is not empty"
        when :empty then "#{a.inspect} is not empty"
        when :guard then "guard clause does not return true"
        when :key
          raise NoMatchingPatternKeyError.new("#{value.inspect}: key not found: #{b.inspect}", matchee: a, key: b)
        else
          return no_match(value)
        end
      raise NoMatchingPatternError, "#{value.inspect}: #{reason}"
    end

  end
end

class Array
  def deconstruct
    self
  end
end

class Hash
  def deconstruct_keys(_keys)
    self
  end
end

class Data
  def deconstruct
    members.map { |name| __send__(name) }
  end

  # All pairs for nil; otherwise the requested keys in order, up to the first unknown one
  # (none when more keys are asked than there are members), as in CRuby.
  def deconstruct_keys(keys)
    return to_h if keys.nil?
    raise TypeError, "wrong argument type #{keys.class} (expected Array or nil)" unless keys.is_a?(Array)

    result = {}
    names = members
    return result if keys.size > names.size

    keys.each do |key|
      break unless (key.is_a?(Symbol) || key.is_a?(String)) && names.include?(key.to_sym)

      result[key] = __send__(key.to_sym)
    end
    result
  end
end

class Time
  # CRuby 3.2+: the requested keys it knows, in the order asked; every key for nil.
  def deconstruct_keys(keys)
    raise TypeError, "wrong argument type #{keys.class} (expected Array or nil)" unless keys.nil? || keys.is_a?(Array)

    known = %i[year month day yday wday hour min sec subsec dst zone]
    (keys.nil? ? known : keys.select { |key| known.include?(key) }).each_with_object({}) do |key, result|
      result[key] = key == :dst ? dst? : __send__(key)
    end
  end
end
