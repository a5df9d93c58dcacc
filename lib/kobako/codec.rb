require "msgpack"

module Kobako
  # MessagePack for the values that cross the boundary (contract A-4, W-3):
  # nil, true, false, Integer (64-bit), Float, String (UTF-8 -> str, binary -> bin),
  # Symbol (ext type 0), Array, Hash, nested at most MAX_DEPTH containers deep.
  module Codec
    SYMBOL_EXT = 0
    MAX_DEPTH = 128
    MAX_PAYLOAD = 16 << 20
    INT64 = (-(2**63))..(2**63 - 1)

    # A value that cannot cross the boundary (host side; the guest reports its own).
    class UnsupportedValue < ArgumentError; end
    # Bytes that are not a well-formed encoded value.
    class MalformedPayload < StandardError; end

    symbol_unpacker = lambda do |bytes|
      name = bytes.dup.force_encoding(Encoding::UTF_8)
      name.force_encoding(Encoding::BINARY) unless name.valid_encoding?
      name.to_sym
    end

    FACTORY = MessagePack::Factory.new
    FACTORY.register_type(SYMBOL_EXT, Symbol, packer: ->(sym) { sym.name.b }, unpacker: symbol_unpacker)

    module_function

    # Encodes `value`, refusing anything outside A-4 with a message naming what and where.
    def encode(value)
      check(value, 0, "value")
      bytes = FACTORY.dump(value)
      if bytes.bytesize > MAX_PAYLOAD
        raise UnsupportedValue, "encoded value is #{bytes.bytesize} bytes, over the #{MAX_PAYLOAD}-byte limit"
      end
      bytes
    end

    # Decodes exactly one value from `bytes`; anything malformed raises MalformedPayload.
    def decode(bytes)
      if bytes.bytesize > MAX_PAYLOAD
        raise MalformedPayload, "payload is #{bytes.bytesize} bytes, over the #{MAX_PAYLOAD}-byte limit"
      end
      unpacker = FACTORY.unpacker
      unpacker.feed(bytes)
      value = unpacker.read
      raise MalformedPayload, "trailing bytes after the value" unless unpacker.buffer.empty?
      value
    rescue EOFError
      raise MalformedPayload, "payload is truncated"
    rescue MessagePack::StackError
      raise MalformedPayload, "value nests deeper than #{MAX_DEPTH} levels"
    rescue MessagePack::UnknownExtTypeError, MessagePack::MalformedFormatError, EncodingError, RangeError => e
      raise MalformedPayload, "malformed payload (#{e.message})"
    end

    def check(value, depth, path)
      case value
      when nil, true, false, Float, Symbol, String
        nil
      when Integer
        raise UnsupportedValue, "#{path}: integer #{abbreviate(value)} is out of the 64-bit range" unless INT64.cover?(value)
      when Array
        check_depth(depth, path)
        value.each_with_index { |v, i| check(v, depth + 1, "#{path}[#{i}]") }
      when Hash
        check_depth(depth, path)
        value.each do |k, v|
          check(k, depth + 1, "#{path} key")
          check(v, depth + 1, "#{path}[#{k.inspect[0, 40]}]")
        end
      else
        raise UnsupportedValue, "#{path}: #{value.class} is not a supported sandbox value type"
      end
    end

    def check_depth(depth, path)
      return if depth < MAX_DEPTH

      raise UnsupportedValue, "#{path[0, 60]}...: value nests deeper than #{MAX_DEPTH} levels (or contains a cycle)"
    end

    def abbreviate(int)
      s = int.to_s
      s.length > 40 ? "#{s[0, 40]}..." : s
    end
  end
end
