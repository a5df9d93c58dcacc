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
  #   suspended?       the run stopped at a suspending Service call (contract P-2);
  #                    pending_call is that call (Kobako::PendingCall)
  #
  # A run stores outside the process as a binary blob (#dump, Execution.load, Marshal) or
  # a JSON-safe Hash (#to_h, Execution.from_h); see RunRecord. A suspended one continues
  # with Sandbox#resume, any one replays with Sandbox#replay.
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

    attr_reader :value, :stdout, :stderr, :usage, :error, :calls_dropped, :clock, :seed, :code, :target, :pending_call

    # Built by the Sandbox: `seen` is the Sandbox::Latest of the invocation (output and
    # usage), `record` what replay needs (Sandbox::Recorded), `pending_call` the call a
    # suspended run stopped at, `origin` the Sandbox (or the RunRecord::Identity of a
    # stored run) that #dump names. Positional, as it is made on every invocation.
    def initialize(value, seen, error, transcript, handles, clock, seed, code = nil, target = nil, record = nil, # rubocop:disable Metrics/ParameterLists
                   pending_call = nil, origin = nil)
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
      @pending_call = pending_call
      @origin = origin
      @decoded = [] # filled on the first #calls; the only mutable part
      freeze
    end

    def stdout_truncated? = @stdout_truncated
    def stderr_truncated? = @stderr_truncated
    # Finished without an error (a suspended run has not finished).
    def ok? = @error.nil? && @pending_call.nil?
    def failed? = !@error.nil?
    def suspended? = !@pending_call.nil?

    # The run as a binary String (versioned, checksummed) for a database column or a job
    # argument: Sandbox#resume continues it when suspended, Execution.load reads it back.
    def dump = RunRecord.dump(self, identity)

    # The Execution in `blob` (#dump), its Handles as HandleRef. SnapshotError when the
    # blob is not one.
    def self.load(blob) = RunRecord.load(blob, kind: :execution).execution

    # The run as a JSON-safe Hash (Strings, numbers, booleans, nil, Arrays, Hashes): value,
    # output, usage, error, pending call and readable calls (values tagged by
    # TaggedValue), plus the recorded bytes (base64) that Sandbox#replay and #resume need.
    def to_h = RunRecord.to_h(self, identity)

    # The Execution a #to_h Hash describes (also after JSON.generate / JSON.parse).
    def self.from_h(hash) = RunRecord.from_h(hash).execution

    # Marshal stores the #dump blob.
    def _dump(_level) = dump
    def self._load(blob) = self.load(blob)

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
        calls_dropped == other.calls_dropped && clock == other.clock && seed == other.seed &&
        pending_call&.id == other.pending_call&.id
    end
    alias eql? ==

    def hash = [Execution, stdout, stderr, calls.size].hash

    def inspect
      outcome = if suspended? then "suspended at #{pending_call.target}.#{pending_call.method_name}"
                elsif ok? then "value=#{GuestView.inspect(value, @handles)[0, 80]}"
                else "error=#{error.class}: #{error.message[0, 80].inspect}"
                end
      "#<Kobako::Execution #{outcome} stdout=#{stdout.bytesize}B calls=#{calls.size + calls_dropped} " \
        "wall_time=#{usage.wall_time}>"
    end

    # What replay needs and nobody else reads.
    def replay_record = @record

    # The Kobako::Session this ran in (for a resumed one, the Session rebuilt to resume it),
    # or nil.
    def session = @origin.is_a?(Session::Origin) ? @origin.session : nil

    # The Sandbox, Session::Origin or RunRecord::Identity this was made by (for RunRecord).
    def origin = @origin

    # What #dump records about the Sandbox that ran this.
    def identity
      raise ArgumentError, "this Execution ended before its script ran, so there is nothing to store" unless @origin

      @origin.is_a?(RunRecord::Identity) ? @origin : @origin.identity
    end
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
