require "digest"

module Kobako
  # A run stored outside the process (contract P-2): Execution#dump / Execution.load (a
  # binary blob), Execution#to_h / .from_h (JSON-safe), and what Sandbox#resume reads.
  #
  # The guest is hermetic, so a run is a function of its input, clock, seed and the
  # answers its Service calls got: a record holds exactly those (the recorded bytes), the
  # outcome as it was seen, the Handles it handed out (label and GlobalID) and, for a
  # suspended run, the call it stopped at. Resuming replays the recording
  # (docs/decisions.md "Sessions and suspension").
  #
  # A blob is "KOBAKO\0", a format byte, a kind byte, the SHA-256 of the body, then the
  # body: one MessagePack map read by the extension's bounded unpacker. It is host data, but
  # everything in it is checked as if a script wrote it; anything unexpected raises
  # SnapshotError.
  module RunRecord
    MAGIC = "KOBAKO\0".b.freeze
    FORMAT = 1
    KINDS = { execution: 1, session: 2 }.freeze
    HEADER = MAGIC.bytesize + 2 + 32
    FORMAT_NAME = "kobako.execution/#{FORMAT}".freeze

    # What a run needs of the Sandbox that resumes it (Sandbox#identity).
    Identity = Struct.new(:guest, :services, :snippets)

    # A record read back: the replay record (Sandbox::Recorded), transcript entries, Handles,
    # the pending call (nil unless suspended), code/target, the identity it was made with,
    # and the outcome fields an Execution shows.
    Stored = Struct.new(:record, :entries, :dropped, :handles, :pending_call, :code, :target, :identity, :outcome,
                        :session_steps) do
      def execution = RunRecord.execution(self)
    end
    # A stored Session: its identity, steps (Session::Step) and Handles.
    StoredSession = Struct.new(:identity, :steps, :handles)

    GUEST_DIGESTS = {}
    DIGEST_LOCK = Mutex.new

    module_function

    # ---- identity -------------------------------------------------------------------------

    def identity(wasm_path, services, snippets)
      Identity.new(guest_digest(wasm_path), services.fingerprint, snippets.fingerprint).freeze
    end

    # The SHA-256 of the guest module file, read once per file version.
    def guest_digest(path)
      stat = File.stat(path)
      key = [path, stat.size, stat.mtime.to_r]
      DIGEST_LOCK.synchronize { GUEST_DIGESTS[key] ||= Digest::SHA256.file(path).hexdigest.freeze }
    end

    # Raises SnapshotError naming the first thing `stored` was made with that differs.
    def check_compatible!(stored, identity)
      made = stored.identity
      if made.guest != identity.guest
        raise SnapshotError, "this was stored by a Sandbox running another guest module (#{made.guest[0, 12]}; " \
                             "this one runs #{identity.guest[0, 12]})"
      end
      difference = services_difference(made.services, identity.services) ||
                   snippets_difference(made.snippets, identity.snippets)
      raise SnapshotError, "this was stored by a Sandbox set up differently: #{difference}" if difference
    end

    def services_difference(made, now)
      return "its namespaces were #{made[0].join(', ')}; this Sandbox's are #{now[0].join(', ')}" if made[0] != now[0]

      mine = made[1].to_h { |e| [e[0], e] }
      ours = now[1].to_h { |e| [e[0], e] }
      missing = mine.keys - ours.keys
      return "it bound #{missing.first}, which this Sandbox does not" if missing.any?

      extra = ours.keys - mine.keys
      return "this Sandbox binds #{extra.first}, which it did not" if extra.any?

      mine.each do |path, (_, methods, suspend, slot)|
        _, our_methods, our_suspend, our_slot = ours[path]
        return "#{path} was #{slot ? 'a slot' : 'bound'} there and is #{our_slot ? 'a slot' : 'bound'} here" if slot != our_slot
        if methods != our_methods
          return "#{path} declared #{Array(methods).join(', ')}; here it declares #{Array(our_methods).join(', ')}"
        end
        if suspend != our_suspend
          return "#{path} suspended at #{Array(suspend).join(', ')}; here at #{Array(our_suspend).join(', ')}"
        end
      end
      return "its Services were declared in another order" if made[1].map(&:first) != now[1].map(&:first)

      nil
    end

    def snippets_difference(made, now)
      return "it preloaded #{made.size} snippets; this Sandbox preloads #{now.size}" if made.size != now.size

      made.each_with_index do |(label, digest), i|
        next if now[i] == [label, digest]

        return "its snippet ##{i + 1} was #{label}, here it is #{now[i][0]}" if now[i][0] != label

        return "its snippet #{label} had other code"
      end
      nil
    end

    # ---- a suspension ---------------------------------------------------------------------

    # The PendingCall of a run that stopped at `suspension`, with its stable id: a digest of
    # the run's input and every call's request and answer up to the stop.
    def pending_call(suspension, record, code, target, transcript)
      label, name, args, kwargs = suspension.call
      entries = transcript.entries.first(suspension.entry + 1)
      seen = entries.each_with_index.map do |e, i|
        [e.request, i == suspension.entry ? nil : e.response, e.yields&.map(&:to_a)]
      end
      id = Digest::SHA256.hexdigest(Runtime.pack(["kobako suspension", record.kind.to_s, code, target, record.envelope,
                                                  record.slots, record.clock, seen]))
      PendingCall.new(label, name&.to_sym, args.freeze, kwargs.freeze, suspension.reason, "susp_#{id[0, 40]}").freeze
    end

    # ---- writing --------------------------------------------------------------------------

    def dump(execution, identity)
      seal(:execution, body(execution, identity, ->(bytes) { bytes&.b }, locators: true))
    end

    def dump_session(session, identity, steps)
      binary = ->(bytes) { bytes&.b }
      seal(:session, "kobako" => VERSION, "guest" => identity.guest, "services" => identity.services,
                     "snippets" => identity.snippets,
                     "handles" => session.handles.stored.map { |h| [h.id, h.label, h.locator] },
                     "steps" => steps.map { |step| step_body(step, binary) })
    end

    def seal(kind, hash)
      payload = Runtime.pack(hash)
      MAGIC + [FORMAT, KINDS.fetch(kind)].pack("CC") + Digest::SHA256.digest(payload) + payload
    rescue Codec::UnsupportedValue, PayloadTooLargeError => e
      raise SnapshotError, "this run is too large to store (#{e.message})"
    end

    # What replaying one session step needs.
    def step_body(step, bytes)
      record = step.record
      { "code" => step.code, "envelope" => envelope_out(record.envelope, bytes), "slots" => bytes.call(record.slots),
        "clock" => record.clock, "calls" => calls_out(step.entries, bytes),
        "failures" => record.failures.map { |id, f| failure_out(id, f) } }
    end

    def calls_out(entries, bytes)
      entries.map do |e|
        [bytes.call(e.request), bytes.call(e.response), e.duration || 0.0,
         e.yields&.map { |req, ans| [bytes.call(req), bytes.call(ans)] }]
      end
    end

    def to_h(execution, identity)
      hash = body(execution, identity, ->(bytes) { bytes && [bytes].pack("m0") })
      hash["format"] = FORMAT_NAME
      hash["calls_readable"] = execution.calls.map { |call| readable_call(call, execution.handle_table) }
      hash
    end

    # The record as a Hash; `bytes` writes recorded bytes (binary in a blob, base64 in to_h).
    # `locators`: ask each Handle's object for its GlobalID (a blob is for resuming; to_h
    # runs no method of the app's objects).
    def body(execution, identity, bytes, locators: false)
      record = execution.replay_record
      raise ArgumentError, "this Execution ended before its script ran, so there is nothing to store" unless record

      handles = execution.handle_table
      {
        "kobako" => VERSION, "guest" => identity.guest, "services" => identity.services,
        "snippets" => identity.snippets,
        "kind" => record.kind.to_s, "code" => execution.code, "target" => execution.target,
        "envelope" => envelope_out(record.envelope, bytes), "slots" => bytes.call(record.slots),
        "clock" => record.clock,
        "calls" => calls_out(execution.transcript_entries, bytes),
        "dropped" => execution.calls_dropped,
        "failures" => record.failures.map { |id, f| failure_out(id, f) },
        "handles" => handles ? handles.stored(locators: locators).map { |h| [h.id, h.label, h.locator] } : [],
        "pending" => pending_out(execution.pending_call, record.pending, handles),
        "outcome" => outcome_out(execution, handles),
        # A step of a session: the steps before it, which replaying or resuming it needs.
        "session" => (origin = execution.origin).is_a?(Session::Origin) ? origin.steps_before.map { |s| step_body(s, bytes) } : nil
      }
    end

    def envelope_out(envelope, bytes)
      envelope.is_a?(Array) ? envelope.map { |b| bytes.call(b) } : bytes.call(envelope)
    end

    def failure_out(id, failure)
      exception = failure.exception
      [id, exception && Module.instance_method(:name).bind_call(exception.class), exception && safe_message(exception),
       failure.host_detail, failure.kind&.to_s]
    end

    def safe_message(exception)
      text = Exception.instance_method(:message).bind_call(exception)
      text.is_a?(String) ? text.scrub : nil
    rescue StandardError
      nil
    end

    def pending_out(call, index, handles)
      return nil unless call && index

      { "index" => index, "target" => call.target, "method" => call.method_name.to_s,
        "args" => TaggedValue.dump(call.args, handles), "kwargs" => TaggedValue.dump(call.kwargs, handles),
        "reason" => call.reason, "id" => call.id }
    end

    def outcome_out(execution, handles)
      error = execution.error
      {
        "value" => TaggedValue.dump(execution.value, handles), "stdout" => execution.stdout,
        "stderr" => execution.stderr, "stdout_truncated" => execution.stdout_truncated?,
        "stderr_truncated" => execution.stderr_truncated?,
        "usage" => [execution.usage.wall_time, execution.usage.memory_peak, execution.usage.fuel_used],
        "error" => error && error_out(error)
      }
    end

    def error_out(error)
      fields = { "class" => error.class.name, "message" => error.message }
      if error.is_a?(GuestFailure)
        fields.merge!("origin" => error.origin, "klass" => error.klass, "backtrace" => error.backtrace_lines,
                      "guest_message" => error.guest_message, "host_detail" => error.host_detail)
      end
      fields
    end

    def readable_call(call, handles)
      { "target" => call.target, "method" => call.method.to_s, "args" => TaggedValue.dump(call.args, handles),
        "kwargs" => TaggedValue.dump(call.kwargs, handles), "result" => TaggedValue.dump(call.result, handles),
        "error" => call.error, "duration" => call.duration, "yields" => call.yields }
    end

    # ---- reading --------------------------------------------------------------------------

    # The StoredSession in `blob` (Session#dump); SnapshotError for anything else.
    def load_session(blob)
      body = open_blob(blob, :session)
      Reader.new(body, ->(bytes) { bytes }).stored_session
    rescue SnapshotError
      raise
    rescue StandardError => e
      raise SnapshotError, "this stored session is malformed (#{e.class}: #{e.message[0, 200]})"
    end

    # The Stored run in `blob` (Execution#dump); SnapshotError for anything else.
    def load(blob, kind: :execution)
      read(open_blob(blob, kind), ->(bytes) { bytes })
    end

    # The body of a blob of `kind`, after checking its header and checksum.
    def open_blob(blob, kind)
      raise SnapshotError, "a stored run must be a String, got #{blob.class}" unless blob.is_a?(String)

      blob = blob.b
      raise SnapshotError, "this is not a kobako blob (#{blob.bytesize} bytes, too short)" if blob.bytesize < HEADER
      raise SnapshotError, "this is not a kobako blob (it does not start with KOBAKO)" unless blob.start_with?(MAGIC)

      format, found = blob.byteslice(MAGIC.bytesize, 2).unpack("CC")
      raise SnapshotError, "this blob has format #{format}; this kobako reads format #{FORMAT}" unless format == FORMAT
      unless found == KINDS.fetch(kind)
        raise SnapshotError, "this blob holds a #{KINDS.key(found) || 'unknown thing'}, not a #{kind}"
      end

      payload = blob.byteslice(HEADER, blob.bytesize - HEADER)
      unless Digest::SHA256.digest(payload) == blob.byteslice(MAGIC.bytesize + 2, 32)
        raise SnapshotError, "this blob is corrupted or truncated (its checksum does not match)"
      end

      Runtime.unpack(payload, ->(_type, _data) { raise Codec::MalformedPayload, "an ext value" })
    rescue Codec::MalformedPayload, Codec::KeyRefused, PayloadTooLargeError => e
      raise SnapshotError, "this blob's body is malformed (#{e.message})"
    end

    # The Stored run in `hash` (Execution#to_h, maybe through JSON); SnapshotError otherwise.
    def from_h(hash)
      raise SnapshotError, "Execution.from_h takes a Hash, got #{hash.class}" unless hash.is_a?(Hash)

      hash = hash.transform_keys(&:to_s)
      unless hash["format"] == FORMAT_NAME
        raise SnapshotError, "this Hash has format #{hash['format'].inspect[0, 40]}; this kobako reads #{FORMAT_NAME}"
      end

      # Recorded bytes are base64 in a Hash, as binary Strings are in tagged values.
      read(hash, TaggedValue.method(:binary))
    end

    # Checks every field of a body and builds the Stored run.
    def read(body, bytes_in)
      Reader.new(body, bytes_in).stored
    rescue SnapshotError
      raise
    rescue StandardError => e
      raise SnapshotError, "this stored run is malformed (#{e.class}: #{e.message[0, 200]})"
    end

    # The Execution a Stored run shows: its outcome as recorded, its Handles as
    # Execution::HandleRef (the objects stayed in the process that made them).
    def execution(stored)
      out = stored.outcome
      seen = Sandbox::Latest.new(out["stdout"].freeze, out["stderr"].freeze, out["stdout_truncated"],
                                 out["stderr_truncated"],
                                 Usage.new(wall_time: out["usage"][0], memory_peak: out["usage"][1],
                                           fuel_used: out["usage"][2]))
      handles = HandleTable.new.restore(stored.handles, detached: true)
      transcript = Transcript.recorded(stored.entries, stored.dropped)
      error = out["error"] && rebuild_error(out["error"])
      clock = stored.record.clock
      origin = stored.session_steps ? Session::Origin.new(nil, stored.session_steps, stored.identity) : stored.identity
      execution = Execution.new(out["value"], seen, error, transcript, handles, Clock.time_of(clock), clock && clock[2],
                                stored.code, stored.target, stored.record, stored.pending_call, origin)
      error.execution = execution if error
      execution
    end

    ERROR_NAME = /\AKobako::[A-Z]\w*\z/

    # The Kobako::Error a stored outcome names (only Kobako's own error classes).
    def rebuild_error(fields)
      name = fields["class"]
      klass = name.is_a?(String) && name.match?(ERROR_NAME) && Kobako.const_get(name.delete_prefix("Kobako::"), false)
      raise SnapshotError, "a stored error names #{name.to_s[0, 60].inspect}, not a Kobako error" unless klass.is_a?(Class) && klass < Error

      message = fields["message"].to_s
      return klass.new(message) unless klass.include?(GuestFailure)

      klass.new(message, origin: fields["origin"], klass: fields["klass"], backtrace_lines: Array(fields["backtrace"]),
                         guest_message: fields["guest_message"], host_detail: fields["host_detail"])
    rescue NameError
      raise SnapshotError, "a stored error names #{name.to_s[0, 60].inspect}, not a Kobako error"
    end
  end
end

require_relative "run_record/reader"
