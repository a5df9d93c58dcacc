module Kobako
  # Everything one invocation produced, frozen: returned by Sandbox#execute and
  # #execute_run (which never raise for what the script did) and carried by every
  # Kobako::Error that #eval and #run raise (`error.execution`).
  #
  #   value            the script's value (nil when it failed)
  #   stdout, stderr   captured output; *_truncated? when a cap cut it
  #   usage            Kobako::Usage
  #   calls            the Service calls, in order (ServiceCall), at most Transcript::MAX_CALLS
  #   calls_dropped    how many more calls were made past that cap
  #   error            the Kobako::Error the invocation ended with, or nil
  #   clock, seed      the clock value the invocation started at and its random seed
  #
  # Two Executions are == when the script did the same: value, output, error (class,
  # message, backtrace), calls (not their durations), clock and seed; usage is not compared.
  class Execution
    # A Handle in a recorded call: the host object is not kept in the transcript, only its
    # number in the invocation and the name of its class.
    HandleRef = Struct.new(:id, :class_name) do
      def inspect = "#<Kobako::Handle #{class_name} ##{id}>"
      alias_method :to_s, :inspect
    end

    # One Service call as the script made it. `target` is the Service path ("Shop::Orders")
    # or the Handle's label ("Customer (Handle #2)"); `result` is the value returned (nil
    # when the call raised); `error` [class name, message] when it raised.
    ServiceCall = Struct.new(:target, :method, :args, :kwargs, :result, :error, :duration, :yields) do
      def raised? = !error.nil?

      def same_call?(other)
        other.is_a?(ServiceCall) && target == other.target && method == other.method && args == other.args &&
          kwargs == other.kwargs && result == other.result && error == other.error && yields == other.yields
      end

      def inspect
        call = "#{target}.#{method}(#{(args.map(&:inspect) + kwargs.map { |k, v| "#{k}: #{v.inspect}" }).join(', ')})"
        outcome = raised? ? "raised #{error[0]}: #{error[1]}" : "=> #{result.inspect}"
        "#<Kobako::Execution::ServiceCall #{call} #{outcome} (#{(duration * 1e6).round(1)} us)>"
      end
    end

    attr_reader :value, :stdout, :stderr, :usage, :error, :calls_dropped, :clock, :seed, :code, :target

    # Built by the Sandbox: `seen` is the Sandbox::Latest of the invocation (output and
    # usage), `record` what replay needs (Sandbox::Recorded). Positional, as it is made on
    # every invocation.
    def initialize(value, seen, error, transcript, handles, clock, seed, code = nil, target = nil, record = nil)
      @value = value
      @stdout = seen.stdout
      @stderr = seen.stderr
      @stdout_truncated = seen.stdout_truncated
      @stderr_truncated = seen.stderr_truncated
      @usage = seen.usage
      @error = error
      @transcript = transcript
      @handles = handles
      @calls_dropped = transcript ? transcript.dropped : 0
      @clock = clock
      @seed = seed
      @code = code
      @target = target
      @record = record
      @decoded = [] # filled on the first #calls; the only mutable part
      freeze
    end

    def stdout_truncated? = @stdout_truncated
    def stderr_truncated? = @stderr_truncated
    def ok? = @error.nil?
    def failed? = !ok?

    # The Service calls, decoded on first read.
    def calls
      return @decoded.first if @decoded.any?

      list = (@transcript ? @transcript.entries.map { |e| Execution.decode_call(e, @handles) } : []).freeze
      @decoded << list
      list
    end

    def ==(other)
      other.is_a?(Execution) && value == other.value && stdout == other.stdout && stderr == other.stderr &&
        stdout_truncated? == other.stdout_truncated? && stderr_truncated? == other.stderr_truncated? &&
        Execution.error_signature(error) == Execution.error_signature(other.error) &&
        calls.size == other.calls.size && calls.zip(other.calls).all? { |a, b| a.same_call?(b) } &&
        calls_dropped == other.calls_dropped && clock == other.clock && seed == other.seed
    end
    alias eql? ==

    def hash = [Execution, stdout, stderr, calls.size].hash

    def to_h
      { value: value, stdout: stdout, stderr: stderr, stdout_truncated: stdout_truncated?,
        stderr_truncated: stderr_truncated?, usage: usage.to_h, calls: calls.map(&:to_h),
        calls_dropped: calls_dropped, error: error && { class: error.class.name, message: error.message },
        clock: clock, seed: seed }
    end

    def inspect
      outcome = ok? ? "value=#{GuestView.inspect(value, @handles)[0, 80]}" : "error=#{error.class}: #{error.message[0, 80].inspect}"
      "#<Kobako::Execution #{outcome} stdout=#{stdout.bytesize}B calls=#{calls.size + calls_dropped} " \
        "wall_time=#{usage.wall_time}>"
    end

    # What replay needs and nobody else reads.
    def replay_record = @record
    def transcript_entries = @transcript ? @transcript.entries : []
    def handle_table = @handles

    # ---- decoding recorded calls --------------------------------------------------------

    # [class, message, guest class, backtrace] of an error, for ==.
    def self.error_signature(error)
      return nil if error.nil?

      [error.class, error.message, error.respond_to?(:klass) ? error.klass : nil,
       error.respond_to?(:backtrace_lines) ? error.backtrace_lines : nil]
    end

    def self.decode_call(entry, handles)
      target, name, args, kwargs, = decode(entry.request, handles)
      target = target.is_a?(HandleRef) ? "#{target.class_name} (Handle ##{target.id})" : target
      answer = entry.response ? decode(entry.response, handles, faults: true, host_written: true) : nil
      result, error = outcome(answer)
      name = name.to_sym if name.is_a?(String)
      ServiceCall.new(target, name, args, kwargs, result, error, entry.duration || 0.0, entry.yields&.size || 0).freeze
    end

    def self.outcome(answer)
      return [answer, nil] unless answer.is_a?(Codec::Fault)

      case answer.kind
      when "error" then [nil, [answer.fields["class"] || "RuntimeError", answer.message.to_s].freeze]
      when "reraise" then [nil, ["(the block's exception)", ""].freeze]
      else [nil, nil] # a break out of the Service call: it returned nothing, and did not raise
      end
    end

    # A recorded request (written by the guest) or response (`host_written`, whose Handles
    # carry their kind too); nil if the bytes do not decode.
    def self.decode(bytes, handles, faults: false, host_written: false)
      ext = lambda do |type, data|
        if type == Codec::HANDLE_EXT
          id = data.unpack1("N")
          HandleRef.new(id, handles&.class_label(id) || "?").freeze
        elsif faults
          Codec.read_fault(data)
        else
          raise Codec::MalformedPayload, "unexpected fault"
        end
      end
      host_written ? Runtime.unpack_host_written(bytes, ext) : Runtime.unpack(bytes, ext)
    rescue Codec::MalformedPayload, Codec::KeyRefused, PayloadTooLargeError
      nil
    end
  end
end
