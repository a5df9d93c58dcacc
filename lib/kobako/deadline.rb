module Kobako
  # The running invocation's deadline, visible to the Services it calls, so a long Service
  # can cooperate with the sandbox's timeout (kobako cannot interrupt host Ruby code).
  #
  #   def search(query)
  #     rows.each { |r| break if Kobako.time_remaining&.<=(0); ... }
  #   end
  module Deadline
    KEY = :__kobako_deadline

    # Runs the block with the deadline `timeout` seconds from now (nil: none). Fiber-local,
    # so concurrent invocations on threads or fibers each see their own; nested sandboxes
    # restore the outer deadline when they return.
    def self.during(timeout)
      outer = Thread.current[KEY]
      Thread.current[KEY] = timeout && (Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout)
      yield
    ensure
      Thread.current[KEY] = outer
    end
  end

  # The deadline of the invocation whose Service is running on this fiber, as a
  # Process::CLOCK_MONOTONIC time in seconds; nil outside an invocation or without a timeout.
  def self.current_deadline = Thread.current[Deadline::KEY]

  # Seconds left before the current invocation's deadline (0.0 once it passed); nil when
  # there is none.
  def self.time_remaining
    deadline = current_deadline
    deadline && [deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC), 0.0].max
  end
end
