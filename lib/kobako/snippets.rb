module Kobako
  # The Sandbox's preloaded code (contract P-1): source and bytecode snippets, kept in the
  # order they were added and replayed into every invocation before the user's code. Sealed
  # by the first invocation, after which the encoded snippets frame never changes.
  class Snippets
    # A snippet name becomes part of the file name "(snippet:Name)" in backtraces.
    NAME = /\A[A-Za-z_]\w*\z/
    MAX_NAME = 64
    SOURCE = 0
    BYTECODE = 1

    Entry = Struct.new(:kind, :label, :body)

    def initialize
      @entries = []
      @names = {}
      @bytes = 0
      @sealed = false
      @lock = Mutex.new
    end

    def sealed? = @sealed

    # The encoded snippets frame: [[kind, label, body], ...] (docs/architecture.md).
    def frame = @frame

    def size = @entries.size

    # Validates one preload call and appends it.
    def add(code:, name:, binary:)
      entry = if !binary.nil?
                raise ArgumentError, "preload takes either code: and name:, or binary:, not both" unless code.nil? && name.nil?

                bytecode_entry(binary)
              elsif !code.nil?
                source_entry(code, name)
              else
                raise ArgumentError, "preload needs code: and name:, or binary:"
              end
      append(entry)
    end

    # Freezes the table and encodes the frame once (contract A-5).
    def seal!
      return if @sealed # already sealed: no need to take the lock

      @lock.synchronize do
        return if @sealed

        @frame = Codec.encode(@entries.map(&:to_a)).freeze
        @entries.freeze
        # Published last: a thread that sees the seal sees the frame too.
        @sealed = true
      end
    end

    # [label, SHA-256 of the body] per snippet, in order (what a stored run checks).
    def fingerprint
      require "digest" unless defined?(::Digest::SHA256)
      @fingerprint ||= @entries.map { |e| [e.label, Digest::SHA256.hexdigest(e.body)] }.freeze
    end

    private

    def source_entry(code, name)
      label = snippet_name(name)
      raise ArgumentError, "code: must be a String, got #{code.class}" unless code.is_a?(String)

      Entry.new(SOURCE, label, utf8(code, label))
    end

    def bytecode_entry(binary)
      raise ArgumentError, "binary: must be a String of RITE bytecode, got #{binary.class}" unless binary.is_a?(String)

      Entry.new(BYTECODE, nil, binary.b.freeze)
    end

    def snippet_name(name)
      raise ArgumentError, "name: is required with code:" if name.nil?
      unless name.is_a?(Symbol) || name.is_a?(String)
        raise ArgumentError, "snippet name must be a Symbol or String, got #{name.class}"
      end

      label = name.to_s
      unless label.match?(NAME) && label.length <= MAX_NAME
        raise ArgumentError, "snippet name #{label.inspect} must be a word (letters, digits, _; " \
                             "not starting with a digit; at most #{MAX_NAME} characters)"
      end
      label
    end

    # The source as bytes, converted to UTF-8 the way Sandbox#eval converts a script.
    def utf8(code, label)
      return code.b.freeze if [Encoding::UTF_8, Encoding::US_ASCII, Encoding::BINARY].include?(code.encoding)

      code.encode(Encoding::UTF_8).b.freeze
    rescue EncodingError => e
      raise ArgumentError, "snippet #{label} cannot be converted to UTF-8: #{e.message}"
    end

    def append(entry)
      @lock.synchronize do
        raise ArgumentError, "cannot preload: the Sandbox is sealed (it has already run code)" if @sealed
        if entry.kind == SOURCE && @names.key?(entry.label)
          raise ArgumentError, "a snippet named #{entry.label} is already preloaded"
        end

        total = @bytes + entry.body.bytesize
        if total > Codec::MAX_PAYLOAD - (64 * (@entries.size + 1))
          raise ArgumentError, "preloaded snippets would total #{total} bytes, over the #{Codec::MAX_PAYLOAD}-byte limit"
        end

        entry.label ||= "##{@entries.size + 1} (bytecode)"
        @names[entry.label] = true if entry.kind == SOURCE
        @bytes = total
        @entries << entry
      end
      self
    end
  end
end
