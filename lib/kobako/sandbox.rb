module Kobako
  # Runs untrusted Ruby in a fresh mruby/wasm instance per invocation, under caps on time,
  # memory and output. See README.md for the API and docs/architecture.md for the flow.
  class Sandbox
    DEFAULT_WASM_PATH = File.expand_path("../../data/kobako.wasm", __dir__).freeze
    DEFAULT_TIMEOUT = 60.0
    DEFAULT_MEMORY_LIMIT = 1 << 20
    DEFAULT_OUTPUT_LIMIT = 1 << 20

    # What one thread saw from its latest invocation on this Sandbox (contract A-6).
    Latest = Struct.new(:stdout, :stderr, :stdout_truncated, :stderr_truncated, :usage)
    NOTHING_YET = Latest.new("".freeze, "".freeze, false, false, Usage::EMPTY).freeze

    attr_reader :wasm_path, :timeout, :memory_limit, :stdout_limit, :stderr_limit, :fuel, :gvl, :service_errors

    # `gvl: :release` runs guest code without Ruby's GVL, so scripts on different threads
    # run in parallel; Service calls take the GVL back while they run. `:hold` (default)
    # keeps it, which is cheaper for short scripts on one thread. `service_errors:` says
    # how exceptions raised inside Services are described to the script (ServiceErrors).
    # `fuel:` caps each invocation at that many wasmtime fuel units (about one per wasm
    # instruction) of the script's own work, deterministically; nil (default) meters nothing.
    def initialize(wasm_path: nil, timeout: DEFAULT_TIMEOUT, memory_limit: DEFAULT_MEMORY_LIMIT,
                   stdout_limit: DEFAULT_OUTPUT_LIMIT, stderr_limit: DEFAULT_OUTPUT_LIMIT, fuel: nil, gvl: :hold,
                   service_errors: :sanitized)
      @timeout = Options.timeout(timeout)
      @memory_limit = Options.byte_limit(:memory_limit, memory_limit)
      @stdout_limit = Options.byte_limit(:stdout_limit, stdout_limit)
      @stderr_limit = Options.byte_limit(:stderr_limit, stderr_limit)
      @fuel = Options.fuel(fuel)
      @gvl = Options.gvl(gvl)
      @service_errors = ServiceErrors.policy(service_errors)
      @wasm_path = Options.wasm_path(wasm_path || DEFAULT_WASM_PATH)
      @runtime = Runtime.new(@wasm_path, @timeout, @memory_limit, @stdout_limit, @stderr_limit, @gvl == :release,
                             @fuel)
      @exposures = Exposures.new
      @services = Services.new(@exposures)
      @errors = ServiceErrors.new(@service_errors, @exposures)
      @snippets = Snippets.new
      @latest = {}.compare_by_identity
      @latest_lock = Mutex.new
    end

    # The Service namespace `name` (a constant in the guest), created on first use
    # (contract S-1). Bind members with Namespace#bind before the first invocation.
    def define(name)
      @services.define(name)
    end

    # Lets instances of `klass` (and of its subclasses) cross to the guest as Handles on
    # which the script may call `methods` and nothing else (contract S-3):
    # `sandbox.expose(Customer, :name, :tier)`. Returns the Sandbox. Raises ArgumentError
    # for a method that is not public on `klass`, one that can never be exposed (send,
    # instance_eval, ...), a class whose objects never cross (Proc, IO, Class, ...), or
    # after the first invocation.
    def expose(klass, *methods)
      @exposures.expose(klass, methods)
      self
    end

    # Adds a snippet replayed into every invocation before the user's code (contract P-1):
    # `preload(code: "Adder = ->(a, b) { a + b }", name: :Adder)` or
    # `preload(binary: File.binread("helpers.mrb"))` (RITE bytecode from `rake kobako:mrbc`).
    # Returns the Sandbox, so calls chain.
    def preload(code: nil, name: nil, binary: nil)
      @snippets.add(code: code, name: name, binary: binary)
      self
    end

    # Runs `code` and returns the value of its last expression (contract A-3).
    def eval(code)
      source = Sandbox.source_bytes(code)
      seal!
      invoke { |dispatcher| @runtime.eval(Transport.eval_input(source, preamble: preamble, snippets: @snippets.frame), dispatcher) }
    end

    # Calls `target.call(*args, **kwargs)`, where `target` names a top-level constant the
    # preloaded snippets define (contract P-2). Arguments that cannot cross as values go in
    # as Handles (P-3). Keywords reach a callable that declares keywords as keywords, and
    # one that takes none as a trailing positional Hash, as in Ruby.
    def run(target, *args, **kwargs)
      name = Sandbox.entrypoint_name(target)
      seal!
      handles = HandleTable.new(@exposures)
      envelope = begin
        Codec.encode([name, args, kwargs], handles: handles)
      rescue Exposures::NotExposed => e
        raise Exposures::NotExposed.new("run(:#{name}): #{Sandbox.argument_place(e.host_detail)}", e.host_detail)
      end
      invoke(handles) do |dispatcher|
        @runtime.run(Transport.run_input(preamble: preamble, snippets: @snippets.frame), envelope, dispatcher)
      end
    end

    def stdout = latest.stdout
    def stderr = latest.stderr
    def stdout_truncated? = latest.stdout_truncated
    def stderr_truncated? = latest.stderr_truncated
    def usage = latest.usage

    def sealed? = @services.sealed?

    # The number of preloaded snippets.
    def snippet_count = @snippets.size

    def inspect
      "#<Kobako::Sandbox timeout=#{timeout.inspect} memory_limit=#{memory_limit.inspect} " \
        "stdout_limit=#{stdout_limit.inspect} stderr_limit=#{stderr_limit.inspect} fuel=#{fuel.inspect} " \
        "gvl=#{gvl.inspect}" \
        "#{' sealed' if sealed?}>"
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
      @services.seal!
      @snippets.seal!
    end

    def preamble = @services.preamble

    # Runs one invocation with a fresh HandleTable and dispatcher, records what this thread
    # saw, and turns the Snapshot into the result or the error.
    def invoke(handles = HandleTable.new(@exposures))
      dispatcher = Dispatcher.new(@services, handles, @errors)
      snapshot = Deadline.during(@timeout) { yield dispatcher }
      remember(snapshot)
      Transport.result(snapshot, self, handles, dispatcher)
    end

    def latest
      @latest_lock.synchronize { @latest[Thread.current] } || NOTHING_YET
    end

    def remember(snapshot)
      entry = Latest.new(
        Transport.text(snapshot.stdout).freeze,
        Transport.text(snapshot.stderr).freeze,
        snapshot.stdout_truncated?,
        snapshot.stderr_truncated?,
        Usage.new(wall_time: snapshot.wall_time, memory_peak: snapshot.memory_peak, fuel_used: snapshot.fuel_used)
      ).freeze
      @latest_lock.synchronize do
        @latest.delete_if { |thread, _| !thread.alive? } if @latest.size > 16
        @latest[Thread.current] = entry
      end
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

      def wasm_path(value)
        path = value.respond_to?(:to_path) ? value.to_path : value
        raise ArgumentError, "wasm_path must be a String or Pathname, got #{value.inspect}" unless path.is_a?(String)

        File.expand_path(path)
      end
    end
  end
end
