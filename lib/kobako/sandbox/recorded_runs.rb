module Kobako
  class Sandbox
    # Runs that outlive one call (contract P-1, P-2): resuming a suspended run, sessions and
    # the steps they replay, and what a stored run is checked against. Included in Sandbox;
    # it uses the Sandbox's parts, caps and #invoke.
    module RecordedRuns
      # Continues a suspended run (Execution#dump) as if the call it stopped at had returned
      # `value`, or raised `error` (an Exception, described to the script as a Service's
      # error is), and returns the next Execution, which may be suspended again. The run is
      # replayed up to that call with every earlier Service call answered from its recording
      # (none is made again), then goes on live. The blob must come from a Sandbox with the
      # same guest module, Services and snippets (SnapshotError says what differs); the
      # answer must be able to cross (checked before anything runs). Resuming one blob twice
      # is allowed: both runs see the same calls, and PendingCall#id tells them apart from
      # other suspensions (docs/guides/approvals.md). `bindings:` fills the run's slots
      # again for the calls after the resumed one (the objects of the first part stay in the
      # process that made them); they must have the methods the run's fillings had.
      #
      # A run suspended inside a Session resumes in a new Session rebuilt from the steps
      # before it; the returned Execution's #session is that Session, which goes on from there.
      def resume(blob, value: nil, error: nil, bindings: nil)
        stored = RunRecord.load(blob, kind: :execution)
        RunRecord.check_compatible!(stored, identity)
        return resume_record(stored, value: value, error: error, bindings: bindings) unless stored.session_steps

        session = Session.new(self, steps: stored.session_steps, handles: new_handle_table.restore(stored.handles))
        session.resume_step(stored, [value, error, bindings])
      end

      # A Kobako::Session: a guest that keeps its state (locals, methods, constants) from one
      # eval to the next (contract P-1).
      def session = Session.new(self)

      # The Session a Session#dump made, in any process whose Sandbox has the same guest
      # module, Services and snippets; SnapshotError otherwise. Its steps are replayed when
      # it is first used (none of their Service calls is made again).
      def load_session(blob)
        stored = RunRecord.load_session(blob)
        RunRecord.check_compatible!(stored, identity)
        Session.new(self, steps: stored.steps, handles: new_handle_table.restore(stored.handles))
      end

      # Reads a stored Execution (Execution#dump) for this Sandbox.
      def load_execution(blob)
        stored = RunRecord.load(blob, kind: :execution)
        RunRecord.check_compatible!(stored, identity)
        stored.execution
      end

      # What a stored run must have been made with to be resumed here: the guest module's
      # digest, the Services (paths, declared and suspending methods) and the snippets.
      def identity
        seal!
        @identity ||= RunRecord.identity(@wasm_path, parts.services, parts.snippets)
      end

      private

      # Resumes a loaded recording (RunRecord::Stored): a live Dispatcher on a table holding the
      # recording's Handles answers from the call after the one the run stopped at.
      def resume_record(stored, value:, error:, bindings: nil)
        handles = new_handle_table.restore(stored.handles)
        replay = resumption(stored, handles, value, error, bindings)
        invoke(handles, replay, stored.record.kind, stored.record.envelope, stored.record.slots, stored.record.clock,
               stored.code, stored.target) do |dispatcher|
          run_recorded(stored.record, stored.code, dispatcher)
        end
      end

      # The Replay that answers a resumed run: the recording up to the call it stopped at,
      # the app's answer to that call, then a live Dispatcher (checked before anything runs).
      def resumption(stored, handles, value, error, bindings)
        record = stored.record
        raise ArgumentError, "this run was not suspended, so there is nothing to resume" unless record.pending

        bindings = Bindings.for(parts.services, bindings)
        unless bindings.frame.nil? || bindings.frame == record.slots
          raise ArgumentError, "bindings: fill the slots with objects whose methods differ from the suspended run's"
        end
        live = Dispatcher.new(parts.services, handles, parts.errors, bindings: bindings, max_calls: @max_service_calls,
                                                                     transcript_limit: @transcript_limit)
        answer = resume_answer(live, handles, stored.pending_call, value, error)
        Replay.new(stored.entries, record.failures, handles, pending: record.pending, answer: answer, live: live,
                                                             byte_limit: @transcript_limit)
      end

      # ---- for Session ---------------------------------------------------------------------

      def new_handle_table = HandleTable.new(parts.exposures, @max_handles)

      def new_guest_session
        seal!
        @runtime.session
      end

      # One step of a session: an eval in its live instance.
      def session_step(guest, session, code, given, given_locals)
        perform_eval(code, given, given_locals, session: session, guest: guest)
      end

      # A recorded step replayed into a session's instance (rebuilding the session, or
      # Sandbox#replay of a step; `pending_call` for a step that was suspended).
      def replay_step(guest, session, step, pending_call = nil)
        replay = Replay.new(step.entries, step.record.failures, session.handles, pending: step.record.pending,
                                                                                 pending_call: pending_call)
        execution = invoke(session.handles, replay, :eval, step.record.envelope, step.record.slots, step.record.clock,
                           step.code, nil, origin: session.origin) do |dispatcher|
          run_recorded(step.record, step.code, dispatcher, guest)
        end
        replay.finish!
        execution
      end

      # A stored step suspended in a session, resumed in `session`'s rebuilt instance.
      def resume_in_session(guest, session, stored, answer)
        value, error, bindings = answer
        replay = resumption(stored, session.handles, value, error, bindings)
        record = stored.record
        invoke(session.handles, replay, :eval, record.envelope, record.slots, record.clock, stored.code, nil,
               origin: session.origin) do |dispatcher|
          run_recorded(record, stored.code, dispatcher, guest)
        end
      end

      # The bytes the call a run stopped at answers with: `value`, or the fault for `error`.
      def resume_answer(live, handles, call, value, error)
        unless error.nil?
          raise ArgumentError, "resume takes value: or error:, not both" unless value.nil?
          raise TypeError, "error: must be an Exception, got #{error.class}" unless error.is_a?(Exception)

          return live.fault_for(error, call.target, call.method_name, call.args, call.kwargs)
        end
        begin
          Codec.encode(value, handles: handles)
        rescue Exposures::NotExposed => e
          raise Exposures::NotExposed.new("resume value: #{e.message}", e.host_detail)
        rescue Codec::UnsupportedValue => e
          raise ArgumentError, "the resume value cannot cross to the sandbox: #{e.message}"
        end
      end

      # Runs a recorded invocation's input again (replay and resume), an eval in `guest`
      # (a session's instance) when given.
      def run_recorded(record, code, dispatcher, guest = @runtime)
        if record.kind == :eval
          guest.eval(Transport.eval_input(code, preamble: preamble, snippets: parts.snippets.frame, slots: record.slots,
                                                locals: record.envelope),
                     dispatcher, record.clock)
        else
          @runtime.run(Transport.run_input(preamble: preamble, snippets: parts.snippets.frame, slots: record.slots),
                       record.envelope, dispatcher, record.clock)
        end
      end
    end
  end
end
