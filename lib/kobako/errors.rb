module Kobako
  # Base of every error kobako raises on purpose (contract §4).
  class Error < StandardError
    # The Kobako::Execution of the invocation that raised this (value nil, its output,
    # usage and Service calls), when an eval/run/execute raised it; nil otherwise.
    attr_accessor :execution
  end

  # The engine faulted or a cap ran out; the invocation was abandoned mid-flight.
  class TrapError < Error; end
  class TimeoutError < TrapError; end
  class MemoryLimitError < TrapError; end
  # The script used up the Sandbox's fuel budget (`Sandbox.new(fuel:)`).
  class FuelExhaustedError < TrapError; end

  # Fields shared by errors that describe a failure inside the guest (contract E-2).
  module GuestFailure
    # "sandbox" or "service": where the failure started.
    attr_reader :origin
    # The guest exception's class name, e.g. "ZeroDivisionError".
    attr_reader :klass
    # The guest backtrace, e.g. ["(eval):3:in foo", "(eval):5"].
    attr_reader :backtrace_lines
    # Host-only detail that #message adds for the app's logs (which class was not exposed,
    # and how to expose it), or nil. Never shown to the script.
    attr_reader :host_detail

    def initialize(message = nil, origin: nil, klass: nil, backtrace_lines: [], guest_message: nil, host_detail: nil)
      super(message)
      @origin = origin || default_origin
      @klass = klass
      @backtrace_lines = backtrace_lines.freeze
      @guest_message = guest_message
      @host_detail = host_detail
    end

    # The message as the script could read it: #message without host-only detail. What
    # Kobako::CodeMode shows a model (contract X-1).
    def guest_message = @guest_message || message
  end

  # The script raised, failed to compile, or returned a value that cannot cross.
  class SandboxError < Error
    include GuestFailure

    private def default_origin = "sandbox"
  end

  class HandleExhaustedError < SandboxError; end

  # A value the script handed the host (its result, a Service call's arguments, a block's
  # result) would take more host memory to rebuild than one value may (contract X-2):
  # `size` is the estimate in bytes, `limit` the cap.
  class PayloadTooLargeError < SandboxError
    attr_reader :limit, :size

    def initialize(message = nil, limit: nil, size: nil, **fields)
      super(message, **fields)
      @limit = limit
      @size = size
    end
  end
  class BytecodeError < SandboxError; end

  class UndefinedEntrypointError < SandboxError
    attr_reader :name, :available

    def initialize(message = nil, name: nil, available: [], **fields)
      super(message, **fields)
      @name = name
      @available = available.freeze
    end
  end

  # A Service call failed and the script did not rescue it.
  class ServiceError < Error
    include GuestFailure

    private def default_origin = "service"
  end

  # The script named a Service target that is not bound.
  class NoServiceError < ServiceError; end
  # The script called a method its capabilities do not declare.
  class ServiceRefusedError < ServiceError; end
  # The call's arguments did not fit the method (arity, unknown or missing keyword, a
  # required block).
  class ServiceArgumentError < ServiceError; end
  # The invocation made more Service calls than the Sandbox's max_service_calls.
  class ServiceLimitError < ServiceError; end

  # Sandbox#replay: the script made a Service call other than the one the transcript
  # recorded next (or one more than it recorded).
  class ReplayDivergenceError < Error
    # The 0-based position of the first call that differs.
    attr_reader :index

    def initialize(message = nil, index: nil)
      super(message)
      @index = index
    end
  end

  # Sandbox#eval or #run reached a Service call that suspends (`suspend:`, Kobako.suspend!):
  # the run is paused, not finished. Its #execution is suspended; store it with
  # Execution#dump and continue it with Sandbox#resume (Sandbox#execute returns it instead).
  class SuspendedError < Error; end

  # A Kobako::Session was used wrongly: closed, already running an eval (a session runs
  # one at a time), or its recorded steps no longer rebuild it.
  class SessionError < Error; end

  # A stored run or session (Execution#dump, Session#dump, #to_h) cannot be used: truncated,
  # corrupted, made by another kobako version or guest build, or for a Sandbox whose
  # Services or snippets differ (the message names what).
  class SnapshotError < Error; end

  # The runtime could not be built (bad guest module, engine failure).
  class SetupError < Error; end
  # The guest module file does not exist yet.
  class ModuleNotBuiltError < SetupError; end
end
