require_relative "../record"

module Kobako
  module Codec
    # A value type beyond JSON's, as the packer writes it: ext `type` and its `payload`
    # (the decimal text of a BigDecimal, else a value packed as the ext's body).
    WireValue = Struct.new(:type, :payload)

    # The value types beyond JSON's that cross by value in both directions (docs/values.md):
    # how a host object is written (#for) and how one read from the guest is rebuilt
    # (#build, called by the native unpacker). Integers of any size are handled natively.
    # Nothing here calls a method of an object the app did not build from these classes'
    # own libraries: Handles are rebuilt by the HandleTable, and a Set or Range holding one
    # is refused or compared by identity rather than asking the host object for #hash/#<=>.
    module Wire
      BIGDECIMAL = 4
      RATIONAL = 5
      COMPLEX = 6
      DATE = 7
      TIME = 8
      SET = 9
      RANGE = 10
      RECORD = 11

      NSEC = 1_000_000_000
      # A UTC offset is less than a day either way (Ruby refuses more).
      OFFSETS = (-86_399..86_399)
      # Zone abbreviations and time zone names are short; a longer one is not a zone.
      MAX_ZONE = 64
      MAX_CLASS_NAME = 1024

      # Raised by #for for an object of a value type that cannot cross as it is (a Time
      # with sub-nanosecond digits); Codec#encode names its place.
      class Refused < StandardError; end

      module_function

      # The WireValue for `object`, nil when it is not a value type.
      def for(object)
        if defined?(::BigDecimal) && ::BigDecimal === object
          # "E" form whatever #to_s defaults to (ActiveSupport makes it "F"): exponents stay short.
          WireValue.new(BIGDECIMAL, object.to_s("E"))
        elsif ::Rational === object
          WireValue.new(RATIONAL, [object.numerator, object.denominator])
        elsif ::Complex === object
          WireValue.new(COMPLEX, [object.real, object.imaginary])
        elsif defined?(::ActiveSupport::TimeWithZone) && ::ActiveSupport::TimeWithZone === object
          time_with_zone(object)
        elsif ::Time === object
          time(object, object.utc? ? nil : object.utc_offset, object.utc? ? nil : object.zone, nil)
        elsif defined?(::DateTime) && ::DateTime === object
          # The guest has no DateTime: it crosses as the Time of the same instant and offset.
          t = object.to_time
          time(t, t.utc_offset, nil, nil)
        elsif defined?(::Date) && ::Date === object
          WireValue.new(DATE, object.jd)
        elsif defined?(::Set) && ::Set === object
          WireValue.new(SET, object.to_a)
        elsif ::Range === object
          WireValue.new(RANGE, [object.begin, object.end, object.exclude_end?])
        elsif Record === object
          WireValue.new(RECORD, [object.kind, object.guest_class, object.members, object.values])
        end
      end

      def time(t, offset, zone, zone_name)
        nsec = t.subsec * NSEC
        raise Refused, "a Time with more than nanosecond precision (#{t.subsec}) cannot cross" unless nsec.integer? || nsec.denominator == 1

        zone = nil unless zone.is_a?(String) && zone.bytesize <= MAX_ZONE
        WireValue.new(TIME, [t.to_i, nsec.to_i, offset, zone, zone_name])
      end

      # ActiveSupport::TimeWithZone: the instant, offset and zone abbreviation of its
      # wall-clock time, and its zone's name so the guest can read it and it can come back
      # as a TimeWithZone in that zone.
      def time_with_zone(twz)
        offset = twz.utc? ? nil : twz.utc_offset
        time(twz.utc, offset, twz.zone, twz.time_zone.name)
      end

      # The object for ext `type` read from the guest: `parts` is the decimal text of a
      # BigDecimal, else the ext's decoded body; `handles` says whether it holds a Handle.
      def build(type, parts, handles)
        raise MalformedPayload, "a #{NAMES.fetch(type, 'value')} ext cannot hold a Handle" if handles && ![SET, RECORD].include?(type)

        build_checked(type, parts, handles)
      rescue MalformedPayload, KeyRefused
        raise
      rescue StandardError => e
        # A constructor refused the parts (a Time or Date too far out for CRuby, ...).
        raise MalformedPayload, "a #{NAMES.fetch(type, 'value')} ext could not be rebuilt on the host (#{e.class})"
      end

      def build_checked(type, parts, handles)
        case type
        when BIGDECIMAL then big_decimal(parts)
        when RATIONAL then rational(parts)
        when COMPLEX then complex(parts)
        when DATE then date(parts)
        when TIME then build_time(parts)
        when SET then set(parts, handles)
        when RANGE then range(parts)
        when RECORD then record(parts)
        else raise MalformedPayload, "an unknown value ext type #{type}"
        end
      end

      NAMES = { BIGDECIMAL => "BigDecimal", RATIONAL => "Rational", COMPLEX => "Complex", DATE => "Date",
                TIME => "Time", SET => "Set", RANGE => "Range", RECORD => "Struct" }.freeze

      def shape!(ok, what)
        raise MalformedPayload, "a #{what} ext is malformed" unless ok
      end

      def big_decimal(text)
        require "bigdecimal" unless defined?(::BigDecimal)
        BigDecimal(text)
      end

      def rational(parts)
        shape!(Array === parts && parts.size == 2 && parts.all?(Integer) && parts[1].positive?, "Rational")
        Rational(parts[0], parts[1])
      end

      REAL = [Integer, Float, Rational].freeze

      def complex(parts)
        real = ->(x) { REAL.any? { |c| c === x } || (defined?(::BigDecimal) && ::BigDecimal === x) }
        shape!(Array === parts && parts.size == 2 && parts.all?(&real), "Complex")
        Complex.rect(parts[0], parts[1])
      end

      def date(jd)
        shape!(Integer === jd, "Date")
        require "date" unless defined?(::Date)
        Date.jd(jd)
      end

      def build_time(parts)
        sec, nsec, offset, zone, zone_name = parts
        shape!(Array === parts && parts.size == 5 && Integer === sec && Integer === nsec && (0...NSEC).cover?(nsec) &&
               (offset.nil? || (Integer === offset && OFFSETS.cover?(offset))) &&
               [zone, zone_name].all? { |z| z.nil? || (String === z && z.bytesize <= MAX_ZONE) }, "Time")
        utc = Time.at(sec, nsec, :nsec, in: "UTC")
        if zone_name && (tz = active_support_zone(zone_name))
          return utc.in_time_zone(tz)
        end
        return utc if offset.nil?

        local = Time.at(sec, nsec, :nsec)
        return local if zone && local.utc_offset == offset && local.zone == zone

        Time.at(sec, nsec, :nsec, in: offset)
      end

      # The ActiveSupport::TimeZone named `name`, when ActiveSupport is loaded and knows it.
      def active_support_zone(name)
        return nil unless defined?(::ActiveSupport::TimeZone) && ::ActiveSupport::TimeZone.respond_to?(:[])

        ::ActiveSupport::TimeZone[name]
      rescue StandardError
        nil
      end

      def set(elements, handles)
        shape!(Array === elements, "Set")
        require "set" unless defined?(::Set)
        return Set.new(elements) unless handles

        # A Handle's object is never asked for #hash: the Set compares by identity, which
        # is sound only when its other elements compare the same by identity as by value.
        unless elements.all? { |e| identity_safe?(e) || !by_value?(e) }
          raise KeyRefused, "a Set holding a Handle can cross to the host only when its other elements are Handles, " \
                            "Symbols, Integers, nil, true or false (the host would have to run the object's own #hash)"
        end
        Set.new.compare_by_identity.merge(elements)
      end

      FIXNUM = (-(2**62)...(2**62))

      # Compares the same by identity as by #eql? (what Ruby keeps as an immediate).
      def identity_safe?(object)
        # Module#=== only: `object` may be a host object, whose own methods never run here.
        [NilClass, TrueClass, FalseClass, Symbol].any? { |c| c === object } || (Integer === object && FIXNUM.cover?(object))
      end

      # Classes the codec rebuilds by value; anything else in a decoded value is a Handle's
      # object.
      def by_value?(object)
        [String, Float, Integer, Symbol, Array, Hash, Range, Rational, Complex, Time, Record, NilClass, TrueClass,
         FalseClass].any? { |c| c === object } ||
          (defined?(::BigDecimal) && ::BigDecimal === object) || (defined?(::Date) && ::Date === object) ||
          (defined?(::Set) && ::Set === object) ||
          (defined?(::ActiveSupport::TimeWithZone) && ::ActiveSupport::TimeWithZone === object)
      end

      def range(parts)
        shape!(Array === parts && parts.size == 3 && [true, false].include?(parts[2]), "Range")
        Range.new(parts[0], parts[1], parts[2])
      rescue ArgumentError
        raise MalformedPayload, "a Range ext has endpoints that do not compare"
      end

      def record(parts)
        kind, name, members, values = parts
        shape!(Array === parts && parts.size == 4 && Record::KINDS.include?(kind) && String === name &&
               name.bytesize <= MAX_CLASS_NAME && Array === members && Array === values &&
               members.size == values.size && members.all?(Symbol) && members.uniq.size == members.size, "Struct")
        Record.new(kind, name, members, values)
      end
    end
  end
end
