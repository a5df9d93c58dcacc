module Kobako
  # The top-level constant names a guest module defines by itself: its core classes and
  # modules, and every constant a library it carries defines when required (Set, JSON,
  # Date, ...). A Service path may not start with one of them (contract S-1): the Service
  # would replace, or hide inside, a class scripts rely on.
  #
  # Asked of the guest itself, once per module file per process: the list is whatever the
  # module really defines, not a list kept by hand.
  module GuestConstants
    SCRIPT = <<~RUBY.freeze
      Kernel::KOBAKO_LIBRARIES.each_key { |feature| require feature }
      Object.constants.map(&:to_s)
    RUBY

    @cache = {}
    @lock = Mutex.new

    module_function

    # A frozen Set of names for the guest module at `wasm_path`.
    def for(wasm_path)
      stat = File.stat(wasm_path)
      key = [wasm_path, stat.size, stat.mtime.to_r].freeze
      @lock.synchronize do
        @cache[key] ||= begin
          # kobako's own look at the module: not an invocation to report (Kobako.instrumenter).
          names = Sandbox.new(wasm_path: wasm_path, timeout: 30, memory_limit: 64 << 20).tap(&:unobserved!).eval(SCRIPT)
          unless names.is_a?(Array) && names.all?(String)
            raise SetupError, "the guest module did not list its constants"
          end

          names.to_set.freeze
        end
      end
    end
  end
end
