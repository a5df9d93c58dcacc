module Kobako
  # Stops a run at the Service call being answered (contract P-2). Raised by the Dispatcher
  # for a method declared with `suspend:`, or by a Service itself through Kobako.suspend!.
  # It is not a StandardError, so a Service's own `rescue => e` lets it through; the
  # invocation ends at that call and the Sandbox returns a suspended Execution.
  class Suspension < Exception # rubocop:disable Lint/InheritException
    # The app's reason (Kobako.suspend!(reason)), or nil.
    attr_reader :reason
    # Set by the Dispatcher: the call the run stopped at ([label, method name, args, kwargs]).
    attr_accessor :call
    # Set by the Dispatcher: the call's place in the transcript.
    attr_accessor :entry

    def initialize(reason = nil)
      @reason = reason
      super("Kobako.suspend!#{" (#{reason})" if reason}: a run stops here only when raised inside a Service call")
    end
  end

  # The Service call a suspended run stopped at: `target` the Service path ("Payments") or
  # Handle label ("Order (Handle #2)"), `method_name` a Symbol, `args` and `kwargs` as the
  # Service would have received them (host objects for Handles; in an Execution loaded in
  # another process, Execution::HandleRef), `reason` what Kobako.suspend! was given (nil
  # for a declared `suspend:` method), and `id`, the suspension's stable id: the same run
  # stopping at the same call after the same answers always has the same id, so an app can
  # make approving it idempotent.
  PendingCall = Struct.new(:target, :method_name, :args, :kwargs, :reason, :id) do
    def inspect
      call = "#{target}.#{method_name}(#{(args.map(&:inspect) + kwargs.map { |k, v| "#{k}: #{v.inspect}" }).join(', ')})"
      "#<Kobako::PendingCall #{call} id=#{id}#{" reason=#{reason.inspect}" if reason}>"
    end
  end

  # Stops the run at the Service call now being answered: call it from inside a bound
  # Service's method (e.g. only for refunds above a limit). The script does not see the
  # call return; the Sandbox returns a suspended Execution, and Sandbox#resume continues it
  # with the value (or error) the app decides. `reason` (a String, or nil) is kept in the
  # Execution's pending_call for the app. Outside a Service call it raises Kobako::Suspension
  # to the caller.
  def self.suspend!(reason = nil)
    unless reason.nil? || reason.is_a?(String)
      raise ArgumentError, "Kobako.suspend! takes a String reason or nothing, got #{reason.class}"
    end

    raise Suspension, reason
  end
end
