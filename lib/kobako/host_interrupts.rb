module Kobako
  # Exceptions delivered into a thread from outside it (`Thread#raise`) are the host's
  # business, not a Service failure: when one lands while a Service runs, it must reach
  # the caller of `eval` unchanged, as Interrupt does, instead of becoming a ServiceError
  # the script could rescue (contract T-1).
  #
  # Ruby gives a rescued exception no mark of how it was raised, so kobako marks the
  # exceptions `Thread#raise` delivers (building them exactly as Thread#raise would) and
  # the Dispatcher lets marked ones through. The marks are weak: they never keep an
  # exception alive.
  module HostInterrupts
    @marked = ObjectSpace::WeakMap.new
    @lock = Mutex.new

    def self.mark(exception)
      @lock.synchronize { @marked[exception] = true }
      exception
    end

    def self.delivered?(exception)
      @lock.synchronize { @marked.key?(exception) }
    end

    # The exception `Thread#raise(*args)` delivers, or nil when the arguments are ones
    # Thread#raise itself will reject (so it can say why).
    def self.build(args)
      exception = case args.size
                  when 0 then RuntimeError.new("unhandled exception")
                  when 1 then args[0].is_a?(String) ? RuntimeError.new(args[0]) : exception_of(args[0])
                  when 2, 3 then exception_of(args[0], args[1])
                  end
      exception&.set_backtrace(args[2]) if args.size == 3
      exception
    rescue StandardError
      nil
    end

    def self.exception_of(*args)
      exception = args[0].respond_to?(:exception) ? args[0].exception(*args[1..]) : nil
      exception.is_a?(Exception) ? exception : nil
    end

    # Prepended to Thread: marks what Thread#raise delivers.
    module ThreadRaise
      def raise(*args)
        exception = HostInterrupts.build(args)
        exception ? super(HostInterrupts.mark(exception)) : super
      end
    end

    Thread.prepend(ThreadRaise)
  end
end
