module Kobako
  # Answers the Service calls of one invocation (contract S-2..S-4, H-1..H-3, Y-1). The ext
  # calls #call with each request the guest sends through env.__kobako_dispatch and copies
  # the returned bytes back into the guest.
  #
  # request  [target, method, args, kwargs, block]; target is "Ns::Member" or a Handle
  # response the result value, or a Fault: error (-> Kobako::ServiceError in the guest),
  #          reraise (the block's own exception went through), break (the block broke out)
  #
  # Every failure the guest is told about is also recorded here under a fault id the
  # guest carries along, so the host-side ServiceError gets the original exception as its
  # cause and the detail only the host author should read.
  #
  # Exceptions that are not StandardError (Interrupt, SystemExit, ...), throws, and
  # HandleExhaustedError are not answered: they abort the invocation and reach the caller
  # of #eval unchanged.
  class Dispatcher
    Request = Struct.new(:target, :name, :args, :kwargs, :block)
    # What the host keeps about one failure: the exception a Service raised (or nil), text
    # for the host author only, and its kind (:refused, :argument, :no_service or nil),
    # which picks the host-side ServiceError subclass.
    Failure = Struct.new(:exception, :host_detail, :kind)

    # Failures remembered per invocation; older ones are forgotten (a script can fail in a loop).
    MAX_FAILURES = 256
    # ... and at most this many bytes of what they keep alive (the exceptions' messages and
    # backtraces, the host detail), the newest always kept (contract X-2).
    MAX_FAILURE_BYTES = 1 << 20
    EXCEPTION_TO_S = Exception.instance_method(:to_s)
    EXCEPTION_LOCATIONS = Exception.instance_method(:backtrace_locations)

    # `bindings` fills the slots for this invocation; `max_calls` (nil: no cap) is the
    # Sandbox's max_service_calls; every call is recorded in `transcript`.
    def initialize(services, handles, errors = ServiceErrors.new(:sanitized, services.exposures),
                   bindings: Bindings::NONE, max_calls: nil, transcript: nil, transcript_limit: Transcript::MAX_BYTES)
      @services = services
      @handles = handles
      @errors = errors
      @bindings = bindings
      @max_calls = max_calls
      @calls = 0
      @transcript = transcript # made by the first call: most invocations make none
      @transcript_limit = transcript_limit
      # object => { name => [Method, Arguments::Shape] } for methods already resolved in this
      # invocation: a script calling one Service in a loop resolves it once, not per call.
      @resolved = nil
      @failures = nil
      @next_failure = 0
      @depth = 0 # Service calls in progress (a block's calls run inside its Service's)
    end

    # The calls made so far (nil before the first).
    attr_reader :transcript

    def call(request, token)
      entry = (@transcript ||= Transcript.new(Transcript::MAX_CALLS, @transcript_limit)).open(request)
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      @depth += 1
      response = begin
        if (instrumenter = Kobako.instrumenter)
          payload = {}
          instrumenter.service_call(payload) { answer(request, token, entry, payload) }
        else
          answer(request, token, entry)
        end
      rescue Suspension => e
        suspend(e, entry, request)
      ensure
        @depth -= 1
      end
      @transcript.close(entry, response, Process.clock_gettime(Process::CLOCK_MONOTONIC) - started)
      response
    end

    # Continues a recorded run (Sandbox#resume): calls are recorded after the recording's,
    # `failures` are the recording's (ids go on from theirs), `calls` the number it made
    # (they count against max_service_calls).
    def continue_from(transcript, failures, calls)
      @transcript = transcript
      failures.each { |id, failure| remember_failure(id, failure) }
      @next_failure = failures.keys.max || 0
      @calls = calls
      self
    end

    # The fault a Service call answers with when the app resumes it with `error:`
    # (described to the script as if the Service had raised it).
    def fault_for(error, label, name, args, kwargs)
      klass, text, own = @errors.describe(error, ServiceErrors::Call.new("#{label}.#{name}", args, kwargs), on_purpose: true)
      fail_call(text, error, nil, klass: klass, service: "#{label}.#{name}", service_class: own)
    end

    # The Failure recorded under `id`, or nil.
    def failure(id) = @failures&.[](id)

    # Every Failure recorded, by id (replay answers error outcomes from them).
    def failures = @failures || NO_FAILURES

    NO_FAILURES = {}.freeze

    private

    def answer(request, token, entry, payload = nil)
      return over_budget if @max_calls && (@calls += 1) > @max_calls

      req = decode(request)
      return req if String === req

      object, capability, label, bound = resolve_target(req.target)
      if payload # an instrumenter is watching (Kobako.instrumenter)
        payload[:service] = label
        payload[:method] = req.name
      end
      unless capability
        return fail_call(unfilled(req.target), klass: "NameError", kind: :no_service) if UNFILLED.equal?(object)

        return fail_call(target_unknown(req.target), klass: "NameError", kind: :no_service)
      end

      method, shape = resolve(object, capability, req.name, label, bound)
      if Capabilities.needs_block?(method.name) && req.block.zero?
        return fail_call("#{label}.#{method.name} is callable from the sandbox only with a block",
                         klass: "ArgumentError", kind: :argument)
      end

      Arguments.check!(method, object, req.args, req.kwargs, label, shape) if shape
      if @services.suspending? && String === req.target &&
         @services.lookup(req.target)&.suspends?(method.name.to_s)
        raise Suspension.new.tap { |s| s.call = [label, method.name, req.args, req.kwargs] }
      end
      begin
        invoke(method, req, label, token, entry)
      rescue Suspension => e # Kobako.suspend! in the Service
        e.call ||= [label, method.name, req.args, req.kwargs]
        raise
      end
    rescue Capabilities::Refused => e
      fail_call(e.message, klass: "NoMethodError", kind: :refused)
    rescue Arguments::Mismatch => e
      fail_call(e.message, klass: "ArgumentError", kind: :argument)
    rescue HandleExhaustedError
      raise
    rescue StandardError => e
      raise if HostInterrupts.delivered?(e)

      # The host object misbehaved while being looked at (a respond_to_missing?, #hash or
      # #parameters that raised): a failed call, never an error outside the taxonomy (E-1).
      call = req.is_a?(Request) ? "#{label || 'the target'}.#{req.name[0, 64]}" : "a Service call"
      fail_call("#{call} could not be made: the host raised while resolving it", e)
    end

    # A run stops at a Service call only when nothing of the host is on the stack above
    # it: not inside the block of another Service call (that Service would never finish),
    # and with the call recorded (resuming replays the recording). Otherwise the call fails.
    def suspend(suspension, entry, request)
      label, name, = suspension.call
      where = label ? "#{label}.#{name}" : "this Service call"
      if @depth > 1
        return fail_call("#{where} cannot suspend the run: it was called inside the block of another Service call")
      end
      unless entry && @transcript.complete?
        return fail_call("#{where} cannot suspend the run: its Service calls are no longer all recorded")
      end

      suspension.call ||= [nil, nil, [], {}]
      suspension.entry = entry
      raise suspension, cause: nil
    end

    def over_budget
      fail_call("the script made more than #{@max_calls} Service calls in one invocation (max_service_calls)",
                kind: :limit)
    end

    def decode(bytes)
      parts = Codec.decode(bytes, handles: @handles)
      # Module#=== rather than #is_a?: a resolved Handle may be a BasicObject.
      unless Array === parts && parts.size == 5 && String === parts[1] && Array === parts[2] &&
             Hash === parts[3] && Integer === parts[4] && (parts[3].empty? || parts[3].keys.all?(Symbol))
        return fail_call("the sandbox sent a malformed Service request")
      end

      Request.new(*parts)
    rescue HandleTable::StaleHandle => e
      fail_call(e.message)
    rescue HandleTable::UnknownHandle => e
      fail_call("#{e.message}: Handles only live for the invocation that made them")
    rescue Codec::MalformedPayload => e
      fail_call("the sandbox sent a malformed Service request (#{e.message})")
    rescue Codec::KeyRefused => e
      fail_call("the arguments of this Service call cannot cross to the host: #{e.message}",
                klass: "TypeError", kind: :argument)
    rescue PayloadTooLargeError => e
      fail_call("the arguments of this Service call are too large for the host: #{e.message}",
                klass: "ArgumentError", kind: :argument)
    end

    # [object, Capability, label, bound Entry or nil] for a request target; no Capability if
    # it names nothing.
    def resolve_target(target)
      if String === target
        entry = @services.lookup(target)
        return [nil, nil, target] unless entry
        return [entry.object, entry.capability, target, entry] unless entry.slot?

        object, capability = @bindings[target]
        capability ? [object, capability, target] : [UNFILLED, nil, target]
      else
        capability = @handles.capability_of(target)
        [target, capability, capability && @handles.label_of(target)]
      end
    end

    # Stands for the object of a slot this invocation did not fill.
    UNFILLED = Object.new.freeze

    def unfilled(path)
      "#{path} is a slot, and this invocation did not fill it (pass bindings: { #{path.inspect} => object })"
    end

    def target_unknown(target)
      return "the sandbox sent a Service request whose target is not a Handle" unless String === target

      "no Service is bound as #{target[0, 80].inspect}"
    end

    # The Method `name` names, checked against the declaration on every call and resolved
    # once per invocation (the object's methods cannot change under a running script
    # without a Service call, and refusals are never remembered). On a bound Service the
    # resolution of an earlier invocation is reused when the object still answers the same
    # public Method for the name (a redefined, privatised or removed method resolves anew).
    def resolve(object, capability, name, label, bound = nil)
      by_name = ((@resolved ||= {}.compare_by_identity)[object] ||= {})
      entry = by_name[name]
      if entry
        Capabilities.refuse!(label, entry[0].name) unless Capabilities.declared?(capability, entry[0].name)
        return entry
      end

      known = bound && @services.resolved(bound, name)
      if known && Capabilities.declared?(capability, known[0].name) && Capabilities.still_public?(object, known[0])
        return by_name[name] = known
      end

      method = Capabilities.resolve(object, capability, name, label)
      resolution = [method, Arguments.shape(method, object)].freeze
      @services.remember_resolved(bound, name, resolution) if bound
      by_name[name] = resolution
    end

    def invoke(method, req, label, token, entry)
      return invoke_with_block(method, req, label, token, entry) unless req.block.zero?

      begin
        # Without keywords the call skips building an empty keyword splat.
        value = req.kwargs.empty? ? method.call(*req.args) : method.call(*req.args, **req.kwargs)
      rescue StandardError => e
        return service_raised(e, method, label, req)
      end
      encode_result(value, method, label)
    end

    def invoke_with_block(method, req, label, token, entry)
      block = GuestBlock.new(token, req.block, @handles, label, @transcript, entry)
      outcome = :broke
      value = catch(block.break_tag) do
        result = begin
          method.call(*req.args, **req.kwargs, &block)
        rescue StandardError => e
          return Codec.encode_fault("reraise", "") if e.equal?(block.raised)

          return service_raised(e, method, label, req)
        end
        outcome = :returned
        result
      end
      return Codec.encode_fault("break", "") if outcome == :broke

      encode_result(value, method, label)
    ensure
      block&.finish!
    end

    def service_raised(error, method, label, req)
      raise error if HostInterrupts.delivered?(error)

      detail = error.host_detail if error.is_a?(Exposures::NotExposed)
      service = "#{label}.#{method.name}"
      klass, text, own = @errors.describe(error, ServiceErrors::Call.new(service, req.args, req.kwargs))
      fail_call(text, error, detail, klass: klass, service: service, service_class: own)
    end

    def encode_result(value, method, label)
      Codec.encode(value, handles: @handles)
    rescue Exposures::NotExposed => e
      fail_call("#{label}.#{method.name} returned #{e.message}", nil, "#{label}.#{method.name}: #{e.host_detail}",
                klass: "TypeError")
    rescue Codec::UnsupportedValue => e
      fail_call("#{label}.#{method.name} returned a value that cannot cross to the sandbox: #{e.message}",
                klass: "TypeError")
    end

    # An error fault for the guest, recorded with what only the host sees. The guest raises
    # an instance of `klass` (a standard exception class name) that is also a
    # Kobako::ServiceError; `service` ("Shop::Orders.refund") is set when the Service itself
    # raised, and `message` is nil when the policy tells the class alone.
    def fail_call(message, exception = nil, host_detail = nil, klass: "RuntimeError", service: nil, service_class: nil,
                  kind: nil)
      id = (@next_failure += 1)
      remember_failure(id, Failure.new(exception, host_detail, kind))
      Codec.encode_fault("error", message, id: id, class: klass, service: service, service_class: service_class || klass)
    end

    def remember_failure(id, failure)
      @failures ||= {}
      @failure_sizes ||= {}
      @failure_bytes ||= 0
      @failures[id] = failure
      @failure_sizes[id] = size = retained_size(failure)
      @failure_bytes += size
      while @failures.size > 1 && (@failures.size > MAX_FAILURES || @failure_bytes > MAX_FAILURE_BYTES)
        old, = @failures.shift
        @failure_bytes -= @failure_sizes.delete(old)
      end
    end

    # About how many bytes a Failure keeps alive: the exception's stored message and
    # backtrace, and the host detail.
    def retained_size(failure)
      size = 200 + failure.host_detail.to_s.bytesize
      error = failure.exception or return size
      message = EXCEPTION_TO_S.bind_call(error)
      size += message.bytesize if message.is_a?(String)
      size + (EXCEPTION_LOCATIONS.bind_call(error)&.size || 0) * 200
    rescue StandardError
      size
    end
  end
end
