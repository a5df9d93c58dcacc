module Kobako
  module RunRecord
    # Checks a stored run's body field by field (types, sizes, ranges) and builds the
    # Stored run; the first thing out of place raises SnapshotError naming it. Nothing a body
    # holds is trusted: recorded bytes only ever reach the guest (whose decoders check them)
    # or the host's bounded unpacker.
    class Reader
      MAX_CALLS = Transcript::MAX_CALLS
      MAX_TEXT = Codec::MAX_PAYLOAD
      NAME = /\A[A-Z]\w*(::[A-Z]\w*)*\z/

      def initialize(body, bytes_in)
        @body = body
        @bytes_in = bytes_in
      end

      def stored_session
        identity = self.identity
        steps = list("steps", 100_000).map { |step| self.step(step) }.freeze
        StoredSession.new(identity, steps, handles).freeze
      end

      def identity
        check!(Hash === @body, "its body is not a map")
        version = field("kobako", String)
        check!(version == VERSION, "it was made by kobako #{version[0, 20]}; this is kobako #{VERSION}")
        Identity.new(field("guest", String), services, snippets).freeze
      end

      # One session step, read with this reader's checks.
      def step(body)
        check!(Hash === body, "a session step is not a map")
        Reader.new(body, @bytes_in).step_fields
      end

      def step_fields
        code = field("code", String)
        check!(code.bytesize <= MAX_TEXT, "a step's code is too long")
        record = Sandbox::Recorded.new(:eval, envelope("eval"), optional_bytes("slots"), clock, failures, nil).freeze
        Session::Step.new(code.dup.force_encoding(Encoding::UTF_8).freeze, record, calls).freeze
      end

      def stored
        identity = self.identity
        kind = field("kind", String)
        check!(%w[eval run].include?(kind), "its kind is #{kind[0, 20].inspect}")
        code = optional("code", String)
        target = optional("target", String)
        check!(kind == "eval" ? code && code.bytesize <= MAX_TEXT : target&.match?(Sandbox::ENTRYPOINT),
               "its #{kind == 'eval' ? 'code' : 'entrypoint'} is missing or malformed")
        failures = self.failures
        handles = self.handles
        entries = calls
        pending, call = self.pending(entries)
        record = Sandbox::Recorded.new(kind.to_sym, envelope(kind), optional_bytes("slots"), clock, failures,
                                       pending).freeze
        session = @body["session"]&.then do |steps|
          check!(steps.is_a?(Array) && steps.size <= 100_000 && kind == "eval", "session is malformed")
          steps.map { |step| self.step(step) }.freeze
        end
        Stored.new(record, entries, count("dropped"), handles, call, code&.dup&.force_encoding(Encoding::UTF_8)&.freeze,
                   target&.freeze, identity, outcome, session).freeze
      end

      private

      def check!(ok, what)
        raise SnapshotError, "this stored run is malformed: #{what}" unless ok
      end

      def field(key, type, from = @body)
        value = from[key]
        check!(type === value, "#{key} is not a #{type}")
        value
      end

      def optional(key, type, from = @body)
        value = from[key]
        check!(value.nil? || type === value, "#{key} is not a #{type}")
        value
      end

      def count(key)
        value = field(key, Integer)
        check!(value >= 0 && value < 2**31, "#{key} is out of range")
        value
      end

      def bytes(value, what)
        bytes = @bytes_in.call(value)
        check!(bytes.is_a?(String) && bytes.bytesize <= MAX_TEXT, "#{what} is not recorded bytes")
        bytes.b.freeze
      end

      def optional_bytes(key)
        value = @body[key]
        value.nil? ? nil : bytes(value, key)
      end

      def list(key, max = MAX_CALLS * 4)
        value = field(key, Array)
        check!(value.size <= max, "#{key} has #{value.size} entries")
        value
      end

      def services
        value = field("services", Array)
        check!(value.size == 2 && value[0].is_a?(Array) && value[1].is_a?(Array), "services is malformed")
        check!(value[0].all? { |n| n.is_a?(String) && n.match?(NAME) }, "services names a malformed namespace")
        value[1].each do |entry|
          check!(entry.is_a?(Array) && entry.size == 4 && entry[0].is_a?(String) && entry[0].match?(NAME) &&
                 names?(entry[1]) && names?(entry[2]) && [true, false].include?(entry[3]), "services has a malformed entry")
        end
        value
      end

      def names?(value) = value.nil? || (value.is_a?(Array) && value.all?(String))

      def snippets
        value = field("snippets", Array)
        check!(value.all? { |s| s.is_a?(Array) && s.size == 2 && s.all?(String) }, "snippets is malformed")
        value
      end

      def envelope(kind)
        value = @body["envelope"]
        return nil if value.nil?
        return value.map { |b| bytes(b, "envelope") }.freeze if kind == "eval" && value.is_a?(Array) && value.size == 2
        return bytes(value, "envelope") if kind == "run"

        check!(false, "envelope is malformed")
      end

      def clock
        value = @body["clock"]
        return nil if value.nil?

        check!(value.is_a?(Array) && value.size == 3 && value[0].is_a?(Integer) && value[0].abs < 2**63 &&
               [true, false].include?(value[1]) && (value[2].nil? || (value[2].is_a?(Integer) && value[2] >= 0 && value[2] < 2**64)),
               "clock is malformed")
        value.freeze
      end

      def calls
        list("calls", MAX_CALLS).map do |call|
          check!(call.is_a?(Array) && call.size == 4, "a call is malformed")
          request, response, duration, yields = call
          check!(duration.is_a?(Numeric) && duration.to_f.finite? && duration >= 0, "a call's duration is malformed")
          yields = yields&.then do |list|
            check!(list.is_a?(Array) && list.size <= MAX_CALLS * 4, "a call's block calls are malformed")
            list.map do |pair|
              check!(pair.is_a?(Array) && pair.size == 2, "a block call is malformed")
              [bytes(pair[0], "a block call"), bytes(pair[1], "a block answer")].freeze
            end.freeze
          end
          Transcript::Entry.new(bytes(request, "a request"), response.nil? ? nil : bytes(response, "a response"),
                                duration.to_f, yields).freeze
        end.freeze
      end

      def failures
        list("failures", Dispatcher::MAX_FAILURES).to_h do |failure|
          check!(failure.is_a?(Array) && failure.size == 5 && failure[0].is_a?(Integer) && failure[0].positive? &&
                 failure[1..].all? { |f| f.nil? || (f.is_a?(String) && f.bytesize <= MAX_TEXT) }, "a failure is malformed")
          id, class_name, message, detail, kind = failure
          kind = kind&.to_sym
          check!(kind.nil? || %i[refused argument no_service limit].include?(kind), "a failure's kind is malformed")
          exception = class_name && RecordedException.new(class_name, message)
          [id, Dispatcher::Failure.new(exception, detail&.freeze, kind).freeze]
        end.freeze
      end

      def handles
        list("handles", HandleTable::DEFAULT_MAX).each_with_index.map do |handle, i|
          check!(handle.is_a?(Array) && handle.size == 3 && handle[0] == i + 1 && handle[1].is_a?(String) &&
                 handle[1].bytesize <= 1024 && (handle[2].nil? || (handle[2].is_a?(String) && handle[2].bytesize <= 4096)),
                 "a Handle is malformed")
          HandleTable::Stored.new(handle[0], handle[1].dup.freeze, handle[2]&.dup&.freeze).freeze
        end.freeze
      end

      def pending(entries)
        value = @body["pending"]
        return [nil, nil] if value.nil?

        check!(value.is_a?(Hash), "pending is malformed")
        index = field("index", Integer, value)
        check!(index >= 0 && index < entries.size && entries[index].response.nil?, "pending names no unanswered call")
        target = optional("target", String, value)
        name = optional("method", String, value)
        reason = optional("reason", String, value)
        id = field("id", String, value)
        check!(id.match?(/\Asusp_\h{40}\z/), "pending's id is malformed")
        args = TaggedValue.load(field("args", Array, value))
        kwargs = TaggedValue.load(field("kwargs", Hash, value))
        check!(kwargs.keys.all?(Symbol), "pending's keywords are malformed")
        [index, PendingCall.new(target&.freeze, name&.to_sym, args.freeze, kwargs.freeze, reason&.freeze, id.freeze).freeze]
      end

      def outcome
        value = field("outcome", Hash)
        out = {
          "value" => TaggedValue.load(value["value"]),
          "stdout" => text(value, "stdout"), "stderr" => text(value, "stderr"),
          "stdout_truncated" => value["stdout_truncated"] == true, "stderr_truncated" => value["stderr_truncated"] == true
        }
        usage = field("usage", Array, value)
        check!(usage.size == 3 && usage[0].is_a?(Numeric) && usage[1].is_a?(Integer) &&
               (usage[2].nil? || usage[2].is_a?(Integer)), "usage is malformed")
        out["usage"] = usage
        error = value["error"]
        check!(error.nil? || (error.is_a?(Hash) && error.all? { |k, v| k.is_a?(String) && (v.nil? || v.is_a?(String) || (k == "backtrace" && v.is_a?(Array) && v.all?(String))) }),
               "error is malformed")
        out["error"] = error
        out
      end

      def text(from, key)
        value = field(key, String, from)
        value.dup.force_encoding(Encoding::UTF_8).scrub
      end
    end

    # A Service's exception as a stored run remembers it: its class name and message (the
    # cause of a host-side ServiceError after Execution.load or a resume elsewhere).
    class RecordedException < StandardError
      attr_reader :recorded_class

      def initialize(recorded_class, message)
        @recorded_class = recorded_class
        super("#{recorded_class}: #{message}")
      end
    end
  end
end
