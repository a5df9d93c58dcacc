module Kobako
  # MessagePack for the values that cross the boundary (contract A-4, W-3), packed and
  # unpacked by the native extension (Runtime.pack / Runtime.unpack, ext/kobako/src/
  # ruby_codec.rs); this module checks and prepares values and names what is wrong:
  # nil, true, false, Integer (any size; beyond 64 bits ext type 3), Float, String
  # (UTF-8 -> str, binary -> bin), Symbol (ext type 0), Array, Hash, and the value types of
  # Codec::Wire (BigDecimal, Rational, Complex, Date, Time, Set, Range, Struct records:
  # ext types 4-11), nested at most MAX_DEPTH levels deep.
  # With a HandleTable, any other object becomes a Handle (ext type 1) on the way to the
  # guest and comes back as itself (contract H-1/H-2). Faults (ext type 2) only appear as
  # the whole of a Service response or block result.
  module Codec
    SYMBOL_EXT = 0
    HANDLE_EXT = 1
    FAULT_EXT = 2
    MAX_DEPTH = 128
    MAX_PAYLOAD = 16 << 20
    INTEGER_EXT = 3

    # A value that cannot cross the boundary (host side; the guest reports its own).
    class UnsupportedValue < ArgumentError; end
    # Encoding it would pass MAX_PAYLOAD (checked while encoding).
    class TooLarge < UnsupportedValue; end
    # It nests deeper than MAX_DEPTH containers (or holds a cycle).
    class TooDeep < UnsupportedValue; end
    # A Hash from the guest whose keys mix Handles with keys Ruby hashes by value.
    class KeyRefused < StandardError; end
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
    EQUAL = BasicObject.instance_method(:equal?)

    module_function

    # Encodes `value`, refusing anything outside A-4 with a message naming what and where.
    # With `handles`, objects that are not plain values become Handles instead of errors.
    # The native packer walks the value once, checking the 16 MiB cap as it writes (so a
    # value sharing subtrees cannot expand past it), and asks the block below only about
    # objects that are not plain values. Nothing of the value's own runs: Array, Hash and
    # String subclasses cross as their plain contents.
    def encode(value, handles: nil)
      # Most Service results are one scalar: no walk, no leaf block.
      case value
      when Integer, String, Symbol, nil, true, false, Float then return Runtime.pack(value)
      end

      described = nil
      refused = nil
      why = nil
      leaf = lambda do |object|
        refused = object
        begin
          wire = Wire.for(object)
        rescue Wire::Refused => e
          why = e.message
          raise LeafRefused
        end
        if wire
          refused = nil
          next wire
        end
        raise LeafRefused unless handles

        ref = handles.ref_for(object, "value", described ||= Set.new)
        refused = nil
        ref
      end
      Runtime.pack_with(value, leaf)
    rescue LeafRefused, Exposures::NotExposed
      raise refusal(value, refused, handles, why)
    rescue TooDeep => e
      deep = place(value) { |node, depth| depth >= MAX_DEPTH && (Array === node || Hash === node) }
      raise UnsupportedValue, "#{deep[0, 60]}...: #{e.message}"
    end

    # Raised by the leaf block for an object that cannot cross; #encode names its place.
    class LeafRefused < StandardError; end

    # The error for `object` (the first that could not cross), naming its place in `value`.
    def refusal(value, object, handles, why = nil)
      path = place(value) { |node, _| EQUAL.bind_call(node, object) }
      if why
        UnsupportedValue.new("#{path}: #{why}")
      elsif handles
        begin
          handles.id_for(object, path)
          UnsupportedValue.new("#{path}: the value could not cross")
        rescue Exposures::NotExposed => e
          e
        end
      else
        name = Capabilities.display_name(Capabilities.class_of(object))
        UnsupportedValue.new("#{path}: #{name} is not a supported sandbox value type")
      end
    end

    # The place ("value[1][\"items\"][0]") of the first node, in the order the packer
    # walks, for which the block is true; "value" if none is. Keeps only the containers and
    # positions on the current path, and skips a container already searched in full at the
    # same depth or deeper, so a value sharing subtrees (`a = [a, a]` forty times) is
    # searched in time linear in its distinct containers, not in its expansion.
    def place(value, &test)
      trail = [] # container, position, container, position, ...
      found = search(value, 0, trail, {}.compare_by_identity, test)
      return "value" unless found

      path = +"value"
      trail.each_slice(2) do |container, position|
        path << if !(Array === container) && !(Hash === container)
                  part_label(container, position)
                elsif Array === container
                  "[#{position}]"
                else
                  key, = HASH_TO_H.bind_call(container).to_a[position / 2]
                  position.even? ? " key ##{position / 2}" : "[#{key_label(key, position / 2)}]"
                end
      end
      path
    end

    def search(node, depth, trail, searched, test)
      return true if test.call(node, depth)

      parts = Array === node || Hash === node ? nil : parts_of(node)
      return false unless parts || Array === node || Hash === node
      return false if depth >= MAX_DEPTH || (searched[node] || -1) >= depth

      if parts
        parts.each_with_index do |item, i|
          trail.push(node, i)
          return true if search(item, depth + 1, trail, searched, test)

          trail.pop(2)
        end
      elsif Array === node
        ARRAY_TO_A.bind_call(node).each_with_index do |item, i|
          trail.push(node, i)
          return true if search(item, depth + 1, trail, searched, test)

          trail.pop(2)
        end
      else
        HASH_TO_H.bind_call(node).each_with_index do |(k, v), i|
          trail.push(node, 2 * i)
          return true if search(k, depth + 1, trail, searched, test)

          trail[-1] = 2 * i + 1
          return true if search(v, depth + 1, trail, searched, test)

          trail.pop(2)
        end
      end
      searched[node] = depth
      false
    end

    # The values inside a value type that the packer writes (Set elements, Range
    # endpoints, Struct members), nil for anything else.
    def parts_of(node)
      return nil unless Record === node || Range === node || (defined?(::Set) && ::Set === node)

      payload = Wire.for(node).payload
      Record === node ? payload[3] : payload
    end

    # How a place inside a value type is named: `[:due]` for a Struct member, `.begin`
    # and `.end` for a Range, `.to_a[2]` for a Set element.
    def part_label(container, position)
      case container
      when Record then "[#{container.members[position].inspect}]"
      when Range then position.zero? ? ".begin" : ".end"
      else ".to_a[#{position}]"
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

    # How a Hash value's place is named in messages: by its key when the key is a plain
    # value (never by inspecting a host object), else by position.
    def key_label(key, index)
      case key
      when String, Symbol, Integer, Float, nil, true, false then key.inspect[0, 40]
      else "key ##{index}"
      end
    end

  end
end

require_relative "codec/wire"
