module Kobako
  # MessagePack for the values that cross the boundary (contract A-4, W-3), packed and
  # unpacked by the native extension (Runtime.pack / Runtime.unpack, ext/kobako/src/
  # ruby_codec.rs); this module checks and prepares values and names what is wrong:
  # nil, true, false, Integer (64-bit), Float, String (UTF-8 -> str, binary -> bin),
  # Symbol (ext type 0), Array, Hash, nested at most MAX_DEPTH containers deep.
  # With a HandleTable, any other object becomes a Handle (ext type 1) on the way to the
  # guest and comes back as itself (contract H-1/H-2). Faults (ext type 2) only appear as
  # the whole of a Service response or block result.
  module Codec
    SYMBOL_EXT = 0
    HANDLE_EXT = 1
    FAULT_EXT = 2
    MAX_DEPTH = 128
    MAX_PAYLOAD = 16 << 20
    INT64 = (-(2**63))..(2**63 - 1)

    # A value that cannot cross the boundary (host side; the guest reports its own).
    class UnsupportedValue < ArgumentError; end
    # Bytes that are not a well-formed encoded value.
    class MalformedPayload < StandardError; end

    # A Handle crossing to the guest: its id, its kind and, the first time a payload
    # mentions the kind, the kind's descriptor (encoded [class name, [method, ...]]).
    HandleRef = Struct.new(:id, :kind, :descriptor)
    # A failed Service call or block, as the whole of a response: {"kind", "message", ...}.
    Fault = Struct.new(:fields) do
      def kind = fields["kind"]
      def message = fields["message"]
    end

    ARRAY_TO_A = Array.instance_method(:to_a)
    HASH_TO_H = Hash.instance_method(:to_h)
    KERNEL_CLASS = Kernel.instance_method(:class)

    module_function

    # Encodes `value`, refusing anything outside A-4 with a message naming what and where.
    # With `handles`, non-representable leaves become Handles instead of errors.
    def encode(value, handles: nil)
      # Plain data (most results) packs as it is; #prepare walks again only to name what is
      # wrong or to put Handles in, building each place's description as it goes.
      return Runtime.pack(value) if plain?(value, 0)

      pack(prepare(value, 0, "value", handles, handles && Set.new))
    end

    # True when #prepare would return `value` itself: only values A-4 carries, in plain
    # Arrays and Hashes (no subclass), less than MAX_DEPTH deep. Allocates nothing.
    def plain?(value, depth)
      case value
      when Integer then value.bit_length < 64 # INT64.cover?, without comparing Bignums
      when String, Symbol, nil, true, false, Float then true
      when Array
        depth < MAX_DEPTH && KERNEL_CLASS.bind_call(value).equal?(Array) && value.all? { |v| plain?(v, depth + 1) }
      when Hash
        depth < MAX_DEPTH && KERNEL_CLASS.bind_call(value).equal?(Hash) &&
          value.all? { |k, v| plain?(k, depth + 1) && plain?(v, depth + 1) }
      else false
      end
    end

    # Packs a value that is already prepared (plain values, HandleRefs, Faults) as is.
    def pack(value) = Runtime.pack(value)

    # A fault response (Service call or block result).
    def encode_fault(kind, message, **extra)
      pack(Fault.new({ "kind" => kind, "message" => message }.merge(extra.transform_keys(&:to_s))))
    end

    # Decodes exactly one value from `bytes`; anything malformed raises MalformedPayload
    # (every declared length is checked against the bytes that remain before anything is
    # allocated). Handles resolve through `handles`; a Fault is accepted only as the whole
    # value and only when `faults` is true.
    def decode(bytes, handles: nil, faults: false)
      return tiny(bytes.getbyte(0)) if bytes.bytesize == 1 && TINY[bytes.getbyte(0)]
      # Requests and block calls (no faults allowed), and responses that do not start with
      # an ext (so are not a fault as a whole): a fault anywhere is refused at once.
      unless faults && (head = bytes.getbyte(0)) && EXT_HEAD[head]
        return Runtime.unpack(bytes, handles ? handles.decode_ext : NO_HANDLES_EXT)
      end

      found = 0
      ext = lambda do |type, data|
        next resolve_handle(data, handles) if type == HANDLE_EXT

        found += 1
        read_fault(data)
      end
      value = Runtime.unpack(bytes, ext)
      if found.positive? && !(found == 1 && Fault === value)
        raise MalformedPayload, "a fault can only be the whole of a response"
      end
      value
    end

    # The ext reader for a payload that may hold Handles of `handles` but no fault.
    def ext_for(handles)
      lambda do |type, data|
        raise MalformedPayload, "a fault can only be the whole of a response" unless type == HANDLE_EXT

        resolve_handle(data, handles)
      end
    end

    NO_HANDLES_EXT = ext_for(nil)

    # First bytes of a MessagePack ext (fixext 1..16, ext 8/16/32).
    EXT_HEAD = Array.new(256) { |b| (0xd4..0xd8).cover?(b) || (0xc7..0xc9).cover?(b) }.freeze

    # One-byte encodings that need no unpacker: fixints, nil, false, true, [] and {}.
    TINY = Array.new(256) { |b| b <= 0x7f || b >= 0xe0 || [0xc0, 0xc2, 0xc3, 0x90, 0x80].include?(b) }.freeze

    def tiny(byte)
      case byte
      when 0x00..0x7f then byte
      when 0xe0..0xff then byte - 256
      when 0xc0 then nil
      when 0xc2 then false
      when 0xc3 then true
      when 0x90 then []
      else {}
      end
    end

    # ext 1 -> the original host object (contract H-2).
    def resolve_handle(bytes, handles)
      raise MalformedPayload, "a Handle ext must carry 4 bytes" unless bytes.bytesize == 4

      id = bytes.unpack1("N")
      raise MalformedPayload, "a Handle (##{id}) cannot appear here" unless handles

      handles.fetch(id)
    end

    NO_EXT_INSIDE_FAULT = ->(_type, _data) { raise MalformedPayload, "a fault cannot hold a Handle or another fault" }

    def read_fault(bytes)
      fields = Runtime.unpack(bytes, NO_EXT_INSIDE_FAULT)
      unless fields.is_a?(Hash) && fields["kind"].is_a?(String) && fields.fetch("message", "").is_a?(String)
        raise MalformedPayload, "a fault must be a map with a String kind"
      end

      Fault.new(fields)
    end

    # Checks `value` against A-4 and returns what to pack: the value itself, or (with a
    # HandleTable) a copy whose non-representable leaves are HandleRefs.
    # `described` holds the Handle kinds this payload has already described.
    def prepare(value, depth, path, handles, described)
      case value
      when nil, true, false, Float, Symbol, String
        value
      when Integer
        raise UnsupportedValue, "#{path}: integer #{abbreviate(value)} is out of the 64-bit range" unless INT64.cover?(value)

        value
      when Array
        check_depth(depth, path)
        value = plain(value, Array, ARRAY_TO_A)
        prepared = nil
        value.each_with_index do |v, i|
          p = prepare(v, depth + 1, "#{path}[#{i}]", handles, described)
          next if p.equal?(v) && prepared.nil?

          prepared ||= value[0, i]
          prepared << p
        end
        prepared || value
      when Hash
        check_depth(depth, path)
        value = plain(value, Hash, HASH_TO_H)
        prepared = nil
        value.each_with_index do |(k, v), i|
          pk = prepare(k, depth + 1, "#{path} key ##{i}", handles, described)
          pv = prepare(v, depth + 1, "#{path}[#{key_label(k, i)}]", handles, described)
          next if pk.equal?(k) && pv.equal?(v) && prepared.nil?

          prepared ||= value.first(i).to_h
          prepared[pk] = pv
        end
        prepared || value
      else
        handle_for(value, path, handles, described)
      end
    end

    # An Array or Hash subclass crosses as a plain copy, made without running any of the
    # subclass's own methods (its #each, #to_h or #hash).
    def plain(value, base, copy)
      KERNEL_CLASS.bind_call(value).equal?(base) ? value : copy.bind_call(value)
    end

    def handle_for(value, path, handles, described)
      if handles.nil?
        name = Capabilities.display_name(Capabilities.class_of(value))
        raise UnsupportedValue, "#{path}: #{name} is not a supported sandbox value type"
      end

      handles.ref_for(value, path, described)
    end

    # How a Hash value's place is named in messages: by its key when the key is a plain
    # value (never by inspecting a host object), else by position.
    def key_label(key, index)
      case key
      when String, Symbol, Integer, Float, nil, true, false then key.inspect[0, 40]
      else "key ##{index}"
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
