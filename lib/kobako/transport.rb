module Kobako
  # The wire between the Ruby layer and the guest (contract W-2): framed stdin going in,
  # outcome bytes coming back inside a Snapshot.
  module Transport
    OUTCOME_VALUE = 0
    OUTCOME_ERROR = 1
    OUTCOME_REFUSAL = 2
    EMPTY_LIST = Codec.encode([]).freeze
    EMPTY_TEXT = "".encode(Encoding::UTF_8).freeze

    module_function

    # u32 big-endian length + bytes, for each frame.
    def frames(*parts)
      parts.flat_map { |part| [part.bytesize, part] }.pack(FRAME_FORMATS[parts.size])
    end

    FRAME_FORMATS = Hash.new { |h, n| h[n] = ("Na*" * n).freeze }

    # eval input: [preamble (services), source, snippets], plus this invocation's slot
    # fillings when it has any.
    def eval_input(source, preamble: EMPTY_LIST, snippets: EMPTY_LIST, slots: nil, locals: nil)
      # Locals (Kobako::Locals): two more frames, names then values.
      return frames(preamble, source, snippets, slots || EMPTY_LIST, *locals) if locals

      if slots
        return [preamble.bytesize, preamble, source.bytesize, source, snippets.bytesize, snippets, slots.bytesize,
                slots].pack("Na*Na*Na*Na*")
      end

      [preamble.bytesize, preamble, source.bytesize, source, snippets.bytesize, snippets].pack("Na*Na*Na*")
    end

    # run input: [preamble, snippets] (and the slot fillings); the run envelope goes into
    # guest memory instead.
    def run_input(preamble: EMPTY_LIST, snippets: EMPTY_LIST, slots: nil)
      slots ? frames(preamble, snippets, slots) : frames(preamble, snippets)
    end

    # Turns a Snapshot into the invocation's value, or raises the error it describes.
    # Handles in the value come back as the host objects they stand for (contract H-2).
    def result(snapshot, sandbox, handles = nil, dispatcher = nil)
      if (kind = snapshot.trap_kind)
        Runtime.raise_host_error if kind == :host
        raise trap_error(kind, snapshot.trap_message, sandbox)
      end

      bytes = snapshot.outcome
      raise TrapError, "the guest returned an empty outcome" if bytes.nil? || bytes.empty?

      payload = decode(bytes.byteslice(1, bytes.bytesize - 1), handles)
      case bytes.getbyte(0)
      when OUTCOME_VALUE then payload
      when OUTCOME_ERROR then raise_guest_error(payload, dispatcher)
      when OUTCOME_REFUSAL then raise refusal(payload)
      else raise TrapError, "the guest returned an outcome with unknown tag #{bytes.getbyte(0)}"
      end
    end

    def decode(bytes, handles = nil)
      Codec.decode(bytes, handles: handles)
    rescue Codec::MalformedPayload, HandleTable::UnknownHandle => e
      raise TrapError, "the guest returned a malformed outcome: #{e.message}"
    rescue Codec::KeyRefused => e
      raise SandboxError.new("the script's value cannot cross to the host: #{e.message}", klass: "TypeError")
    end

    def trap_error(kind, message, sandbox)
      case kind
      when :timeout
        TimeoutError.new("the script ran past its timeout of #{sandbox.timeout} s")
      when :memory_limit
        MemoryLimitError.new("the script exceeded its memory_limit of #{sandbox.memory_limit} bytes: #{message}")
      when :fuel
        FuelExhaustedError.new("the script used up its fuel budget of #{sandbox.fuel} units")
      else
        TrapError.new("the guest trapped: #{message}")
      end
    end

    ERROR_FIELDS = %w[origin class message backtrace].freeze
    # What the host keeps of a guest error (contract X-2): a script can raise with a
    # message of many megabytes, or define methods with enormous names for its backtrace.
    MAX_ERROR_MESSAGE = 64 << 10
    MAX_BACKTRACE_LINES = 256
    MAX_BACKTRACE_LINE = 1 << 10

    # `text` cut to `limit` bytes (on a character boundary), saying how much was cut.
    def clip(text, limit)
      return text if text.bytesize <= limit

      kept = text.byteslice(0, limit).scrub("")
      "#{kept}... (#{text.bytesize - kept.bytesize} more bytes)"
    end

    # Raises the guest's error. A ServiceError that started as a failure the Dispatcher
    # recorded gets that failure's exception as its cause, and its host-only detail (what
    # was not exposed, and how to expose it) appended to the message.
    def raise_guest_error(payload, dispatcher)
      failure = dispatcher.failure(payload["fault"]) if dispatcher && Hash === payload && payload["origin"] == "service"
      kind = failure&.kind
      # Fault 0: the guest refused an undeclared method itself, without a round trip.
      kind ||= :refused if Hash === payload && payload["origin"] == "service" && payload["fault"] == 0
      raise guest_error(payload, failure&.host_detail, kind), cause: failure&.exception
    end

    SERVICE_ERROR_KINDS = { refused: ServiceRefusedError, argument: ServiceArgumentError, no_service: NoServiceError,
                            limit: ServiceLimitError }.freeze

    def guest_error(payload, host_detail = nil, kind = nil)
      unless Hash === payload && ERROR_FIELDS.all? { |k| payload.key?(k) } &&
             payload.values_at("origin", "class", "message").all?(String) &&
             Array === payload["backtrace"] && payload["backtrace"].all?(String)
        return TrapError.new("the guest returned a malformed error outcome")
      end

      text = clip(payload["message"], MAX_ERROR_MESSAGE)
      lines = payload["backtrace"].first(MAX_BACKTRACE_LINES).map { |line| clip(line, MAX_BACKTRACE_LINE) }
      fields = { origin: payload["origin"], klass: clip(payload["class"], MAX_BACKTRACE_LINE), backtrace_lines: lines,
                 guest_message: text, host_detail: host_detail }
      error_class = payload["origin"] == "service" ? SERVICE_ERROR_KINDS.fetch(kind, ServiceError) : SandboxError
      message = host_detail ? "#{text} (host detail: #{host_detail})" : text
      error_class.new(message, **fields)
    end

    # The runtime refused the invocation: bad bytecode or an unknown entrypoint. Only the
    # guest runtime writes this tag, so a script cannot forge these errors.
    def refusal(payload)
      return TrapError.new("the guest returned a malformed refusal") unless Hash === payload && String === payload["message"]

      message = payload["message"]
      details = payload["details"]
      case payload["class"]
      when "Kobako::BytecodeError"
        BytecodeError.new(message, klass: "Kobako::BytecodeError")
      when "Kobako::UndefinedEntrypointError"
        return TrapError.new("the guest returned a malformed refusal") unless Hash === details &&
                                                                                 Array === details["available"]

        UndefinedEntrypointError.new(message, klass: "Kobako::UndefinedEntrypointError",
                                              name: details["name"].to_s.to_sym, available: details["available"])
      else
        TrapError.new("the guest returned a refusal of unknown class #{payload['class'].inspect}")
      end
    end

    # Captured output is UTF-8 when it is valid UTF-8, else binary (contract C-3).
    def text(bytes)
      return EMPTY_TEXT if bytes.empty?

      utf8 = bytes.dup.force_encoding(Encoding::UTF_8)
      utf8.valid_encoding? ? utf8 : bytes
    end
  end
end
