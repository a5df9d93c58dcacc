require "active_support/notifications"
require "digest"

module Kobako
  module Rails
    # Publishes every invocation as `execute.kobako` and every Service call as
    # `service_call.kobako` (ActiveSupport::Notifications, timed around the real work).
    #
    # execute.kobako payload: kind (:eval or :run), target (run's entrypoint), digest (the
    # first 16 hex digits of the script's SHA-256), wall_time, memory_peak, outcome ("ok" or
    # the error's class name), error_class (the script's own exception class, if any),
    # calls (the number of Service calls).
    # service_call.kobako payload: service ("Shop::Orders", or a Handle's label), method.
    class Instrumenter
      def execute(_sandbox, kind, code_or_target)
        payload = { kind: kind }
        if kind == :eval
          payload[:digest] = Digest::SHA256.hexdigest(code_or_target.to_s)[0, 16]
        else
          payload[:target] = code_or_target
        end
        ActiveSupport::Notifications.instrument("execute.kobako", payload) do
          execution = yield
          error = execution.error
          payload.update(wall_time: execution.usage.wall_time, memory_peak: execution.usage.memory_peak,
                         outcome: error ? error.class.name : "ok",
                         error_class: error.respond_to?(:klass) ? error.klass : nil,
                         calls: execution.calls.size + execution.calls_dropped)
          execution
        end
      end

      def service_call(payload, &block)
        ActiveSupport::Notifications.instrument("service_call.kobako", payload, &block)
      end
    end
  end
end
