module Kobako
  # Values as JSON can hold them (Strings, numbers, booleans, nil, Arrays, Hashes), for
  # Execution#to_h: what JSON has no type for is a one-key Hash naming the type
  # ({"$ext" => "BigDecimal", "v" => "0.11e1"}, {"$sym" => "ok"}, ...), and .load rebuilds the
  # value exactly. Host objects (Handles) become {"$handle" => [id, class label]} and load
  # as Execution::HandleRef: the object itself stays in the process that made it.
  #
  # Nothing here calls a method on an object of the app's own classes: types are told
  # apart with Module#===, and value types are written by Codec::Wire.
  module TaggedValue
    MAX_DEPTH = Codec::MAX_DEPTH
    # Integers JSON readers outside Ruby keep exactly (2**53 - 1 in JavaScript).
    SAFE_INTEGER = (-(2**53) + 1)..((2**53) - 1)
    FLOAT_SPECIALS = { "NaN" => Float::NAN, "Infinity" => Float::INFINITY, "-Infinity" => -Float::INFINITY,
                       "-0.0" => -0.0 }.freeze
    EXT_TYPES = Codec::Wire::NAMES.invert.freeze

    module_function

    # `handles` (a HandleTable, or nil) labels Handle objects by their id.
    def dump(value, handles = nil, depth = 0)
      raise Codec::TooDeep, "the value nests deeper than #{MAX_DEPTH} levels" if depth > MAX_DEPTH

      case value
      when nil, true, false then value
      when Integer then SAFE_INTEGER.cover?(value) ? value : { "$int" => value.to_s }
      when Float then float(value)
      when Symbol then { "$sym" => value.to_s }
      when String then string(value)
      when Array then value.map { |v| dump(v, handles, depth + 1) }
      when Hash then hash(value, handles, depth)
      when Execution::HandleRef then { "$handle" => [value.id, value.class_name] }
      else other(value, handles, depth)
      end
    end

    def load(json, depth = 0)
      raise SnapshotError, "a stored value nests deeper than #{MAX_DEPTH} levels" if depth > MAX_DEPTH

      case json
      when nil, true, false, Integer, String then json
      when Float then json
      when Array then json.map { |v| load(v, depth + 1) }
      when Hash then json.size == 1 && json.keys[0].is_a?(String) && json.keys[0].start_with?("$") ? tag(json, depth) : plain_hash(json, depth)
      else raise SnapshotError, "a stored value holds a #{json.class}"
      end
    end

    def float(value)
      return value if value.finite? && !(value.zero? && (1.0 / value).negative?)

      { "$float" => value.nan? ? "NaN" : value.to_s }
    end

    def string(value)
      return value if value.encoding == Encoding::UTF_8 && value.valid_encoding?
      return value.encode(Encoding::UTF_8) if value.encoding == Encoding::US_ASCII

      { "$bin" => [value.b].pack("m0") }
    end

    # A Hash whose keys are all Strings (none starting with "$") stays a JSON object.
    def hash(value, handles, depth)
      if value.each_key.all? { |k| String === k && !k.start_with?("$") && string(k).equal?(k) }
        value.to_h { |k, v| [k, dump(v, handles, depth + 1)] }
      else
        { "$hash" => value.map { |k, v| [dump(k, handles, depth + 1), dump(v, handles, depth + 1)] } }
      end
    end

    def other(value, handles, depth)
      wire = Codec::Wire.for(value)
      return { "$ext" => Codec::Wire::NAMES.fetch(wire.type), "v" => dump(wire.payload, handles, depth + 1) } if wire

      id = handles&.id_of(value)
      label = id ? handles.class_label(id) : "?"
      { "$handle" => [id || 0, label] }
    end

    def tag(json, depth)
      key, body = json.first
      case key
      when "$int" then integer(body)
      when "$float" then FLOAT_SPECIALS.fetch(body) { raise SnapshotError, "a stored Float special is #{body.inspect}" }
      when "$sym" then body.is_a?(String) ? body.to_sym : raise(SnapshotError, "a stored Symbol is not a String")
      when "$bin" then binary(body)
      when "$hash" then pairs(body, depth)
      when "$handle" then handle(body)
      when "$ext" then raise SnapshotError, "a stored value type has no \"v\""
      else raise SnapshotError, "a stored value has the unknown tag #{key[0, 40].inspect}"
      end
    end

    def plain_hash(json, depth)
      if json.size == 2 && json.key?("$ext") && json.key?("v")
        type = EXT_TYPES.fetch(json["$ext"]) { raise SnapshotError, "a stored value has the unknown type #{json['$ext'].to_s[0, 40].inspect}" }
        return ext(type, load(json["v"], depth + 1))
      end
      json.to_h do |k, v|
        raise SnapshotError, "a stored object has a key that is not a String" unless k.is_a?(String)

        [k, load(v, depth + 1)]
      end
    end

    def ext(type, payload)
      Codec::Wire.build(type, payload, nil)
    rescue Codec::MalformedPayload => e
      raise SnapshotError, "a stored value is malformed: #{e.message}"
    end

    def integer(body)
      raise SnapshotError, "a stored Integer is malformed" unless body.is_a?(String) && body.match?(/\A-?\d{1,100000}\z/)

      Integer(body, 10)
    end

    def binary(body)
      raise SnapshotError, "stored bytes are not base64" unless body.is_a?(String)

      body.unpack1("m0")
    rescue ArgumentError
      raise SnapshotError, "stored bytes are not base64"
    end

    def pairs(body, depth)
      raise SnapshotError, "a stored Hash is malformed" unless body.is_a?(Array) && body.all? { |p| p.is_a?(Array) && p.size == 2 }

      body.to_h { |k, v| [load(k, depth + 1), load(v, depth + 1)] }
    end

    def handle(body)
      unless body.is_a?(Array) && body.size == 2 && body[0].is_a?(Integer) && body[1].is_a?(String)
        raise SnapshotError, "a stored Handle is malformed"
      end

      Execution::HandleRef.new(body[0], body[1]).freeze
    end
  end
end
