module Kobako
  # A guest that lives across evals (contract P-1): `session = sandbox.session`, then
  # `session.eval("orders = Shop::Orders.recent")` and later `session.eval("orders.size")`.
  # Local variables, methods, classes, constants, globals and required libraries stay from
  # one eval to the next, as in irb. Each eval has the Sandbox's caps (timeout, fuel,
  # output, max_service_calls); `memory_limit` bounds the session's whole guest heap, and
  # `max_handles` the Handles of the whole session. Services, slots (`bindings:`) and
  # `locals:` work per eval.
  #
  # The session records each step (its code, clock and Service answers), which is what
  # #dump stores and Sandbox#load_session replays in another process. The same record lets
  # a session come back from a step that trapped (timeout, memory, fuel, an aborting
  # Service): that step is dropped and the session is as it was before it. A session whose
  # live instance is set aside (Session.max_live) is rebuilt the same way when next used.
  #
  # One thread at a time: an eval while another is running on the session raises
  # SessionError. See docs/decisions.md "Sessions and suspension".
  class Session
    # What replaying one step needs: its code, the replay record (Sandbox::Recorded) and
    # its Service calls as recorded.
    Step = Struct.new(:code, :record, :entries)
    # What an Execution made in a session records about it (for #dump, replay and resume):
    # the session (nil for an Execution read back), the steps before it, and the identity
    # of a stored one.
    Origin = Struct.new(:session, :steps_before, :stored_identity) do
      def identity = stored_identity || session.sandbox.identity
    end

    # Live instances kept per process before the least recently used one is closed (its
    # session rebuilds it from its steps when used again): each holds two of the engine's
    # 1,000 pooled slots (its memory and the heap wasm exceptions use) and the pages it
    # dirtied. Keyed by the instance, not the Session, so a Session nobody references can
    # still be collected. At most MAX_LIVE, so running invocations always find slots.
    DEFAULT_MAX_LIVE = 64
    MAX_LIVE = 256
    LIVE = {}.compare_by_identity # GuestSession => true, in order of last use
    LIVE_LOCK = Mutex.new
    @max_live = DEFAULT_MAX_LIVE

    class << self
      attr_reader :max_live

      # How many sessions keep a live instance at once (default 64, at most MAX_LIVE).
      def max_live=(count)
        unless count.is_a?(Integer) && count.between?(1, MAX_LIVE)
          raise ArgumentError, "max_live must be an Integer from 1 to #{MAX_LIVE}, got #{count.inspect}"
        end

        @max_live = count
      end
    end

    attr_reader :sandbox, :handles

    # Made by Sandbox#session and Sandbox#load_session.
    def initialize(sandbox, steps: [], handles: nil)
      @sandbox = sandbox
      @steps = steps.dup
      @handles = handles || sandbox.send(:new_handle_table)
      @guest = nil
      @lock = Mutex.new
      @closed = false
      @unrecorded = nil # why the steps no longer replay (a step's calls were not all recorded)
    end

    # Runs `code` in the session and returns its value, or raises the error it ended with
    # (as Sandbox#eval).
    def eval(code, bindings: nil, locals: nil)
      Sandbox.outcome(execute(code, bindings: bindings, locals: locals))
    end

    # Like #eval, returning the Kobako::Execution (as Sandbox#execute).
    def execute(code, bindings: nil, locals: nil)
      exclusively do
        guest = live_guest
        execution = @sandbox.send(:session_step, guest, self, code, bindings, locals)
        settle(execution)
      end
    end

    # The steps run so far (those that trapped are not counted).
    def size = @steps.size

    def closed? = @closed

    # Frees the live instance; later evals raise SessionError.
    def close
      @lock.synchronize do
        @closed = true
        drop_guest
        @steps = []
      end
      nil
    end

    # The session as a binary String (versioned, checksummed): Sandbox#load_session in any
    # process whose Sandbox has the same guest module, Services and snippets makes it
    # again. Raises SnapshotError when a step's Service calls were not all recorded.
    def dump
      exclusively do
        raise SnapshotError, "the session cannot be stored: #{@unrecorded}" if @unrecorded

        RunRecord.dump_session(self, @sandbox.identity, @steps)
      end
    end

    def inspect = "#<Kobako::Session steps=#{@steps.size}#{' live' if @guest}#{' closed' if @closed}>"

    # ---- for Sandbox ------------------------------------------------------------------

    # Continues a suspended step stored with the session's earlier steps (Sandbox#resume).
    def resume_step(stored, answer)
      exclusively do
        guest = live_guest
        execution = @sandbox.send(:resume_in_session, guest, self, stored, answer)
        settle(execution)
      end
    end

    # Replays a step Execution of this session's kind on top of the steps before it (which
    # this session was made from), for Sandbox#replay; the session is then closed.
    def replay(execution)
      exclusively do
        guest = live_guest
        step = Step.new(execution.code, execution.replay_record, execution.transcript_entries)
        @sandbox.send(:replay_step, guest, self, step, execution.pending_call)
      ensure
        drop_guest
        @closed = true
      end
    end

    # The Origin of an Execution made now.
    def origin = Origin.new(self, @steps.dup.freeze)

    private

    def exclusively(&block)
      raise SessionError, "the session is closed" if @closed

      unless @lock.try_lock
        raise SessionError, "the session is running an eval on #{@lock.owned? ? 'this' : 'another'} thread; a session " \
                            "runs one eval at a time"
      end
      begin
        raise SessionError, "the session is closed" if @closed

        block.call
      ensure
        @lock.unlock
      end
    end

    # Records a finished step; a step that trapped leaves the session as it was before it
    # (its instance is rebuilt from the steps on the next eval).
    def settle(execution)
      if execution.error.is_a?(TrapError) || execution.suspended?
        drop_guest
        return execution
      end
      record = execution.replay_record
      return execution unless record # refused before running: nothing happened

      @unrecorded ||= "step #{@steps.size + 1} made more Service calls than were recorded" if execution.calls_dropped.positive?
      @steps << Step.new(execution.code, record, execution.transcript_entries).freeze
      execution
    end

    # The live instance, rebuilt from the recorded steps when there is none (a new or
    # loaded session, one set aside, or one whose last step trapped).
    def live_guest
      if @guest&.usable?
        touch(@guest)
        return @guest
      end

      raise SessionError, "the session cannot be rebuilt: #{@unrecorded}" if @unrecorded && @steps.any?

      drop_guest
      guest = @sandbox.send(:new_guest_session)
      @steps.each_with_index do |step, i|
        execution = @sandbox.send(:replay_step, guest, self, step)
        next if execution.ok? || (execution.error && !execution.error.is_a?(TrapError))

        guest.close
        raise SessionError, "the session could not be rebuilt: replaying step #{i + 1} ended with " \
                            "#{execution.error&.class || 'a suspension'}"
      rescue ReplayDivergenceError => e
        guest.close
        raise SessionError, "the session could not be rebuilt: step #{i + 1}: #{e.message}"
      end
      touch(guest)
      @guest = guest
    end

    def drop_guest
      guest = @guest
      @guest = nil
      return unless guest

      LIVE_LOCK.synchronize { LIVE.delete(guest) }
      guest.close
    end

    # Marks this session's instance most recently used and closes the least recently used
    # ones past Session.max_live (GuestSession#close leaves one that is running an eval).
    def touch(guest)
      evict = []
      LIVE_LOCK.synchronize do
        LIVE.delete(guest)
        LIVE[guest] = true
        excess = LIVE.size - Session.max_live
        LIVE.each_key do |other|
          break if excess <= 0
          next if other.equal?(guest)

          evict << other
          excess -= 1
        end
        evict.each { |g| LIVE.delete(g) }
      end
      evict.each(&:close)
    end
  end
end
