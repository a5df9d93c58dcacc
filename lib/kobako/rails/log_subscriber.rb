require "active_support/log_subscriber"

module Kobako
  module Rails
    # One debug line per invocation:
    #   Kobako eval 1a2b3c4d5e6f7a8b ok (0.4ms, 12.0 KB, 2 calls)
    class LogSubscriber < ActiveSupport::LogSubscriber
      def execute(event)
        return unless logger&.debug?

        p = event.payload
        what = p[:kind] == :eval ? "eval #{p[:digest]}" : "run #{p[:target]}"
        outcome = p[:outcome] == "ok" ? "ok" : [p[:outcome], p[:error_class]].compact.join(" ")
        memory = format("%.1f KB", (p[:memory_peak] || 0) / 1024.0)
        debug("  Kobako #{what} #{outcome} (#{event.duration.round(1)}ms, #{memory}, #{p[:calls]} calls)")
      end
    end
  end
end
