module Kobako
  # Runs untrusted Ruby in a fresh mruby/wasm instance per invocation, under caps on time,
  # memory and output. See README.md for the API and docs/architecture.md for the flow.
  class Sandbox
    include RecordedRuns

    DEFAULT_WASM_PATH = File.expand_path("../../data/kobako.wasm", __dir__).freeze
    DEFAULT_TIMEOUT = 60.0
    DEFAULT_MEMORY_LIMIT = 1 << 20
    DEFAULT_OUTPUT_LIMIT = 1 << 20
    DEFAULT_MAX_SERVICE_CALLS = 10_000

    # What one Fiber saw from its latest invocation on this Sandbox (contract A-6).
    Latest = Struct.new(:stdout, :stderr, :stdout_truncated, :stderr_truncated, :usage)
    NOTHING_YET = Latest.new("".freeze, "".freeze, false, false, Usage::EMPTY).freeze
    # What replay needs to run an invocation again: how it was entered, the run envelope,
    # the slot fillings frame, the clock it ran with (Runtime's per-invocation clock
    # argument), the failures its Dispatcher recorded and, for a suspended run, the index
    # of the call it stopped at.
    Recorded = Struct.new(:kind, :envelope, :slots, :clock, :failures, :pending)

    attr_reader :wasm_path, :timeout, :memory_limit, :stdout_limit, :stderr_limit, :fuel, :gvl, :service_errors,
                :max_service_calls, :transcript_limit, :max_handles
    # The guest's clock (:frozen, :host or a Time) and random seed (nil or an Integer); see Clock.
    attr_reader :clock, :seed

    # `gvl: :release` runs guest code without Ruby's GVL, so scripts on different threads
    # run in parallel; Service calls take the GVL back while they run. `:hold` (default)
    # keeps it, which is cheaper for short scripts on one thread. `service_errors:` says
    # how exceptions raised inside Services are described to the script (ServiceErrors).
    # `max_service_calls:` caps the Service calls of one invocation (nil: no cap).
    # `clock:` and `seed:` set what the guest's Time.now and randomness see (Clock).
    # `fuel:` caps each invocation at that many wasmtime fuel units (about one per wasm
    # instruction) of the script's own work, deterministically; nil (default) meters nothing.
    # `compile_cache:` (default true) lets a source evaluated again run from the bytecode the
    # guest compiled for it the last time (shared by the Sandboxes of one guest module in
    # the process); false always compiles. It is off under `fuel:`.
    # `transcript_limit:` caps the bytes of Service calls an Execution records (nil: only
    # the 1,000-call cap); `max_handles:` caps the Handles one invocation may hand out, and
    # so the host objects it keeps alive (contract X-2, docs/performance.md "Host memory").
    def initialize(wasm_path: nil, timeout: DEFAULT_TIMEOUT, memory_limit: DEFAULT_MEMORY_LIMIT,
                   stdout_limit: DEFAULT_OUTPUT_LIMIT, stderr_limit: DEFAULT_OUTPUT_LIMIT, fuel: nil, gvl: :hold,
                   service_errors: :sanitized, max_service_calls: DEFAULT_MAX_SERVICE_CALLS,
                   clock: :frozen, seed: nil, compile_cache: true, transcript_limit: Transcript::MAX_BYTES,
                   max_handles: HandleTable::DEFAULT_MAX)
      @timeout = Options.timeout(timeout)
      @memory_limit = Options.byte_limit(:memory_limit, memory_limit)
      @stdout_limit = Options.byte_limit(:stdout_limit, stdout_limit)
      @stderr_limit = Options.byte_limit(:stderr_limit, stderr_limit)
      @fuel = Options.fuel(fuel)
      @gvl = Options.gvl(gvl)
      @service_errors = ServiceErrors.policy(service_errors)
      @max_service_calls = Options.count(:max_service_calls, max_service_calls)
      @transcript_limit = Options.byte_limit(:transcript_limit, transcript_limit)
      @max_handles = Options.handles(max_handles)
      @clock = Clock.option(clock)
      @seed = Clock.seed(seed)
      @wasm_path = wasm_path.nil? ? DEFAULT_WASM_PATH : Options.wasm_path(wasm_path)
      @runtime = Runtime.new(@wasm_path, @timeout, @memory_limit, @stdout_limit, @stderr_limit, @gvl == :release,
                             @fuel, Options.flag(:compile_cache, compile_cache))
      @parts = nil # the set-up objects, made on first use (Parts)
      # Fiber => Latest, made by the first invocation. (Not an ObjectSpace::WeakMap: on Ruby
      # 3.1 its lookups miss after GC.compact.) Entries of finished Fibers are dropped as
      # new ones arrive.
      @latest = nil
      @latest_lock = nil
    end

    # The Service namespace `name` (a constant in the guest; "Billing::Tax" for a nested
    # one), created on first use (contract S-1). Bind members with Namespace#bind, or
    # reserve them with Namespace#slot, before the first invocation.
    def define(name)
      parts.services.define(name)
    end

    # Binds `object` at `path` for every invocation: a top-level constant ("Orders") or a
    # path of any depth ("Billing::Tax::Rates"), with the namespaces above it created. The
    # methods the guest may call are declared as for Namespace#bind. Returns the Sandbox.
    # Raises ArgumentError for a path under one of the guest's own constants (Object,
    # Kernel, String, JSON, ...), one already bound, or one that collides with another.
    #
    # `suspend:` names methods at which a call stops the run instead of being made
    # (contract P-2): `execute` returns a suspended Execution whose #pending_call is that
    # call, and #resume continues it with the answer the app decides.
    def bind(path, object, methods: nil, doc: nil, suspend: nil)
      parts.services.bind(path, object, methods: methods, doc: doc, suspend: suspend)
      self
    end

    # Reserves `path` for an object each invocation passes in `bindings:`:
    # `sandbox.slot("Ctx::User")`, then `sandbox.eval(code, bindings: { "Ctx::User" => user })`.
    # With `methods:` the guest may call those on any object filling it; without, what the
    # object's class declares (Kobako::Exposable, #expose, Struct members). A script that
    # uses a slot its invocation did not fill gets a NoServiceError. Returns the Sandbox.
    # `suspend:` as for #bind.
    def slot(path, methods: nil, doc: nil, suspend: nil)
      parts.services.slot(path, methods: methods, doc: doc, suspend: suspend)
      self
    end

    # The bound Services, slots and exposed classes as compact Ruby signatures for a
    # language model's prompt, after one line on what the sandbox is (CodeMode::ApiReference).
    # `rbs:` names RBS files whose types are shown where they describe a Service's class.
    def api_reference(rbs: [])
      CodeMode::ApiReference.new(parts.services, parts.exposures, rbs: rbs).to_s
    end

    # Lets instances of `klass` (and of its subclasses) cross to the guest as Handles on
    # which the script may call `methods` and nothing else (contract S-3):
    # `sandbox.expose(Customer, :name, :tier)`. Returns the Sandbox. Raises ArgumentError
    # for a method that is not public on `klass`, one that can never be exposed (send,
    # instance_eval, ...), a class whose objects never cross (Proc, IO, Class, ...), or
    # after the first invocation.
    def expose(klass, *methods)
      parts.exposures.expose(klass, methods)
      self
    end

    # Adds a snippet replayed into every invocation before the user's code (contract P-1):
    # `preload(code: "Adder = ->(a, b) { a + b }", name: :Adder)` or
    # `preload(binary: File.binread("helpers.mrb"))` (RITE bytecode from `rake kobako:mrbc`).
    # Returns the Sandbox, so calls chain.
    def preload(code: nil, name: nil, binary: nil)
      parts.snippets.add(code: code, name: name, binary: binary)
      self
    end

    # Runs `code` and returns the value of its last expression (contract A-3); raises the
    # Kobako::Error the invocation ended with, which carries its #execution. `bindings:`
    # fills slots for this invocation only; `locals:` ({name => value}) gives the script
    # plain values as local variables (Kobako::Locals).
    def eval(code, bindings: nil, locals: nil)
      Sandbox.outcome(perform_eval(code, bindings, locals))
    end

    # Calls `target.call(*args, **kwargs)`, where `target` names a top-level constant the
    # preloaded snippets define (contract P-2). Arguments that cannot cross as values go in
    # as Handles (P-3). Keywords reach a callable that declares keywords as keywords, and
    # one that takes none as a trailing positional Hash, as in Ruby. `bindings:` is this
    # method's own keyword (slot fillings), never passed to the target.
    def run(target, *args, bindings: nil, **kwargs)
      Sandbox.outcome(perform_run(target, args, kwargs, bindings))
    end

    # Like #eval, but returns the Kobako::Execution: value, output, usage, Service calls
    # and the error, if any. Never raises for what the script did (a trap, a script error,
    # a Service error); misuse of the API (bad bindings) still raises.
    def execute(code, bindings: nil, locals: nil)
      perform_eval(code, bindings, locals)
    end

    # Like #run, returning the Kobako::Execution (see #execute).
    def execute_run(target, *args, bindings: nil, **kwargs)
      perform_run(target, args, kwargs, bindings)
    end

    # Runs a recorded invocation again with every Service call answered from its
    # transcript instead of the host, and returns the new Execution, which is == to the
    # recorded one when the script behaves the same. Raises ReplayDivergenceError at the
    # first call that differs from the recording (or when there are more or fewer calls).
    def replay(execution)
      unless execution.is_a?(Execution)
        raise TypeError, "replay takes a Kobako::Execution, got #{execution.class}"
      end
      record = execution.replay_record
      raise ArgumentError, "this Execution ended before its script ran, so there is nothing to replay" unless record
      if execution.calls_dropped.positive?
        raise ArgumentError, "cannot replay: the recording kept only the first #{execution.calls.size} of " \
                             "#{execution.calls.size + execution.calls_dropped} Service calls (it keeps at most " \
                             "#{Transcript::MAX_CALLS} calls and transcript_limit bytes)"
      end

      seal!
      if (origin = execution.origin).is_a?(Session::Origin)
        # A session's step replays on top of the steps before it.
        return Session.new(self, steps: origin.steps_before, handles: execution.handle_table || new_handle_table)
                      .replay(execution)
      end
      replay = Replay.of(execution)
      handles = execution.handle_table
      clock = record.clock
      result = invoke(handles, replay, record.kind, record.envelope, record.slots, clock, execution.code,
                      execution.target) do |dispatcher|
        run_recorded(record, execution.code, dispatcher)
      end
      replay.finish!
      result
    end

    def stdout = latest.stdout
    def stderr = latest.stderr
    def stdout_truncated? = latest.stdout_truncated
    def stderr_truncated? = latest.stderr_truncated
    def usage = latest.usage

    # The compile cache this Sandbox uses (see #initialize's `compile_cache:`), as
    # `{enabled:, entries:, bytes:, hits:, stored:}`; the counts cover every Sandbox of the
    # same guest module in this process.
    def compile_cache_stats = @runtime.compile_cache_stats

    # kobako's own Sandboxes (GuestConstants) are not reported to Kobako.instrumenter.
    def unobserved! = @unobserved = true

    def sealed? = parts.services.sealed?

    # The number of preloaded snippets.
    def snippet_count = parts.snippets.size

    # The paths of the slots (Services each invocation fills), in declaration order.
    def slots = parts.services.slots

    def inspect
      "#<Kobako::Sandbox timeout=#{timeout.inspect} memory_limit=#{memory_limit.inspect} " \
        "stdout_limit=#{stdout_limit.inspect} stderr_limit=#{stderr_limit.inspect} fuel=#{fuel.inspect} " \
        "gvl=#{gvl.inspect}" \
        "#{' sealed' if sealed?}>"
    end

    # The value of a finished invocation, or the error it ended with (SuspendedError for a
    # run that stopped at a suspending call).
    def self.outcome(execution)
      raise execution.error if execution.error

      if execution.suspended?
        call = execution.pending_call
        error = SuspendedError.new("the script stopped at #{call.target}.#{call.method_name}, which suspends the run: " \
                                   "use execute (or error.execution) to store it and resume it later")
        error.execution = execution
        raise error
      end
      execution.value
    end

    ENTRYPOINT = /\A[A-Z]\w*\z/

    # The entrypoint's name as a String, checked before anything runs (contract P-2).
    def self.entrypoint_name(target)
      unless target.is_a?(Symbol) || target.is_a?(String)
        raise TypeError, "run target must be a Symbol or String naming a constant, got #{target.class}"
      end

      name = target.to_s
      unless name.match?(ENTRYPOINT) && name.length <= 255
        raise ArgumentError, "run target #{name.inspect} is not a constant name (like :Adder)"
      end
      name
    end

    # "argument 0 is a ..." for the envelope path "value[1][0] is a ...".
    def self.argument_place(text)
      text.sub(/\Avalue\[1\]\[(\d+)\]/) { "argument #{Regexp.last_match(1)}" }
          .sub(/\Avalue\[2\]\[([^\]]*)\]/) { "keyword #{Regexp.last_match(1)}" }
    end

    # The script as UTF-8 bytes, refused before anything runs when it cannot be one (A-3).
    def self.source_bytes(code)
      raise SandboxError.new("code must be a String, got #{code.class}", klass: "TypeError") unless code.is_a?(String)

      unless [Encoding::UTF_8, Encoding::US_ASCII, Encoding::BINARY].include?(code.encoding)
        begin
          code = code.encode(Encoding::UTF_8)
        rescue EncodingError => e
          raise SandboxError.new("code cannot be converted to UTF-8: #{e.message}", klass: "EncodingError")
        end
      end
      if code.bytesize > Codec::MAX_PAYLOAD
        raise SandboxError.new("code is #{code.bytesize} bytes, over the #{Codec::MAX_PAYLOAD}-byte limit",
                               klass: "ArgumentError")
      end
      code
    end

    private

    # The first invocation freezes Services and snippets (contract A-5).
    def seal!
      parts.services.seal!
      parts.snippets.seal!
    end

    def preamble = parts.services.preamble

    # An eval on a fresh instance, or (`session`, `guest`) as a step in a session's live
    # instance, its Handles in the session's table. Runtime and GuestSession take the same
    # (input, dispatcher, clock).
    def perform_eval(code, given, given_locals = nil, session: nil, guest: @runtime)
      source = begin
        Sandbox.source_bytes(code)
      rescue SandboxError => e
        return refused_before_running(e)
      end
      seal!
      bindings = Bindings.for(parts.services, given)
      locals = Locals.frames(given_locals)
      source = source.dup.freeze unless source.frozen?
      input = Transport.eval_input(source, preamble: preamble, snippets: parts.snippets.frame, slots: bindings.frame,
                                           locals: locals)
      clock = invocation_clock
      # An eval has no run envelope; its locals take that place in the replay record.
      invoke(session ? session.handles : new_handle_table, bindings, :eval, locals, bindings.frame, clock, source, nil,
             origin: session ? session.origin : self) do |dispatcher|
        guest.eval(input, dispatcher, clock)
      end
    end

    def perform_run(target, args, kwargs, given)
      name = Sandbox.entrypoint_name(target)
      seal!
      bindings = Bindings.for(parts.services, given)
      handles = HandleTable.new(parts.exposures, @max_handles)
      envelope = begin
        Codec.encode([name, args, kwargs], handles: handles)
      rescue Exposures::NotExposed => e
        raise Exposures::NotExposed.new("run(:#{name}): #{Sandbox.argument_place(e.host_detail)}", e.host_detail)
      end
      input = Transport.run_input(preamble: preamble, snippets: parts.snippets.frame, slots: bindings.frame)
      clock = invocation_clock
      invoke(handles, bindings, :run, envelope, bindings.frame, clock, nil, name) do |dispatcher|
        @runtime.run(input, envelope, dispatcher, clock)
      end
    end

    # Runs one invocation (the block calls the runtime with the dispatcher), records what
    # this Fiber saw, and returns its Execution. `with` is a Bindings (a fresh Dispatcher
    # answers the calls) or a Replay (which answers them itself); kind, envelope, slots and
    # clock are what a replay of it needs.
    # `origin` is what the Execution's #dump names (the Sandbox, or a Session::Origin).
    def invoke(handles, with, kind, envelope, slots, clock, code, target, origin: self, &run) # rubocop:disable Metrics/ParameterLists
      instrumenter = Kobako.instrumenter unless @unobserved
      return invocation(handles, with, kind, envelope, slots, clock, code, target, origin, &run) unless instrumenter

      instrumenter.execute(self, kind, code || target) do
        invocation(handles, with, kind, envelope, slots, clock, code, target, origin, &run)
      end
    end

    def invocation(handles, with, kind, envelope, slots, clock, code, target, origin) # rubocop:disable Metrics/ParameterLists
      dispatcher = if with.is_a?(Replay)
                     with
                   else
                     Dispatcher.new(parts.services, handles, parts.errors, bindings: with, max_calls: @max_service_calls,
                                                                           transcript_limit: @transcript_limit)
                   end
      wait_for_other_fibers
      snapshot = Deadline.during(@timeout) { yield dispatcher }
      seen = remember(snapshot)
      value = error = suspension = nil
      begin
        value = Transport.result(snapshot, self, handles, dispatcher)
      rescue ReplayDivergenceError
        raise
      rescue Suspension => e
        suspension = e
      rescue Error => e
        error = e
      end
      record = Recorded.new(kind, envelope, slots, clock, dispatcher.failures, suspension&.entry).freeze
      pending = suspension && RunRecord.pending_call(suspension, record, code, target, dispatcher.transcript)
      execution = Execution.new(value, seen, error, dispatcher.transcript, handles, Clock.time_of(clock),
                                clock && clock[2], code, target, record, pending, origin)
      error.execution = execution if error
      execution
    end

    # The Execution of an invocation refused before anything ran (code that is not a
    # String, or cannot be UTF-8).
    def refused_before_running(error)
      execution = Execution.new(nil, NOTHING_YET, error, nil, nil, nil, nil)
      error.execution = execution
      execution
    end

    # This invocation's clock and seed for the Runtime (nil: frozen, no seed); read as the
    # invocation starts, so a :host clock starts at the host's time then.
    def invocation_clock = Clock.for_invocation(@clock, @seed)

    # Guests cannot interleave across Fibers of one thread (docs/decisions.md): while an
    # invocation of another Fiber is paused in a Service call, the runtime refuses to start
    # one here. Under a Fiber scheduler (the async gem, Falcon) that other Fiber is waiting
    # for I/O and will finish, so this one lets the scheduler run it and tries again, for
    # at most the Sandbox's timeout; without a scheduler nothing would run it, and the
    # runtime's TrapError says why.
    def wait_for_other_fibers
      return unless Fiber.respond_to?(:scheduler) && Fiber.scheduler && Runtime.guest_busy_on_another_fiber?

      give_up = @timeout && (Process.clock_gettime(Process::CLOCK_MONOTONIC) + @timeout)
      while Runtime.guest_busy_on_another_fiber?
        break if give_up && Process.clock_gettime(Process::CLOCK_MONOTONIC) > give_up

        sleep(0.001) # a Fiber scheduler runs the other Fibers meanwhile
      end
    end

    def latest
      lock = @latest_lock or return NOTHING_YET
      lock.synchronize { @latest[Fiber.current] } || NOTHING_YET
    end

    # What a Sandbox needs once it is set up or runs, made on first use so that building
    # one stays cheap: its exposures, Service catalogue, error policy and snippets.
    Parts = Struct.new(:exposures, :services, :errors, :snippets)
    # Guards making the Parts and the latest-output map (rare, so one lock for all Sandboxes).
    SETUP_LOCK = Mutex.new

    def parts
      @parts || SETUP_LOCK.synchronize do
        @parts ||= begin
          exposures = Exposures.new
          path = @wasm_path
          Parts.new(exposures, Services.new(exposures, -> { GuestConstants.for(path) }),
                    ServiceErrors.new(@service_errors, exposures), Snippets.new).freeze
        end
      end
    end

    def remember(snapshot)
      entry = Latest.new(
        Transport.text(snapshot.stdout).freeze,
        Transport.text(snapshot.stderr).freeze,
        snapshot.stdout_truncated?,
        snapshot.stderr_truncated?,
        Usage.new(wall_time: snapshot.wall_time, memory_peak: snapshot.memory_peak, fuel_used: snapshot.fuel_used)
      ).freeze
      lock = @latest_lock || SETUP_LOCK.synchronize do
        @latest ||= {}.compare_by_identity
        @latest_lock ||= Mutex.new
      end
      lock.synchronize do
        @latest.delete_if { |fiber, _| !fiber.alive? } if @latest.size > 16
        @latest[Fiber.current] = entry
      end
      entry
    end

    # Validation of constructor options (contract A-1); runs before any engine work.
    module Options
      module_function

      def timeout(value)
        return nil if value.nil?
        unless value.is_a?(Numeric) && value.real? && value.to_f.finite? && value.positive?
          raise ArgumentError, "timeout must be nil or a positive finite number of seconds, got #{value.inspect}"
        end

        value.to_f
      end

      def byte_limit(name, value)
        return nil if value.nil?
        return value if value.is_a?(Integer) && value.positive?

        raise ArgumentError, "#{name} must be nil or a positive Integer number of bytes, got #{value.inspect}"
      end

      MAX_FUEL = (1 << 64) - 1

      def fuel(value)
        return nil if value.nil?
        return value if value.is_a?(Integer) && value.positive? && value <= MAX_FUEL

        raise ArgumentError, "fuel must be nil or a positive Integer number of units (at most 2**64 - 1), " \
                             "got #{value.inspect}"
      end

      GVL_MODES = %i[hold release].freeze

      def gvl(value)
        return value if GVL_MODES.include?(value)

        raise ArgumentError, "gvl must be :hold or :release, got #{value.inspect}"
      end

      def count(name, value)
        return nil if value.nil?
        return value if value.is_a?(Integer) && value.positive?

        raise ArgumentError, "#{name} must be nil or a positive Integer, got #{value.inspect}"
      end

      def handles(value)
        return value if value.is_a?(Integer) && value.positive? && value <= HandleTable::MAX_HANDLES

        raise ArgumentError, "max_handles must be a positive Integer (at most #{HandleTable::MAX_HANDLES}), " \
                             "got #{value.inspect}"
      end

      def flag(name, value)
        return value if [true, false].include?(value)

        raise ArgumentError, "#{name} must be true or false, got #{value.inspect}"
      end

      def wasm_path(value)
        path = value.respond_to?(:to_path) ? value.to_path : value
        raise ArgumentError, "wasm_path must be a String or Pathname, got #{value.inspect}" unless path.is_a?(String)

        File.expand_path(path)
      end
    end
  end
end
