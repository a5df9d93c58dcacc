module Kobako
  # Answers the Service calls of one invocation (contract S-2..S-4, H-1..H-3, Y-1). The ext
  # calls #call with each request the guest sends through env.__kobako_dispatch and copies
  # the returned bytes back into the guest.
  #
  # request  [target, method, args, kwargs, block]; target is "Ns::Member" or a Handle
  # response the result value, or a Fault: error (-> Kobako::ServiceError in the guest),
  #          reraise (the block's own exception went through), break (the block broke out)
  #
  # Exceptions that are not StandardError (Interrupt, SystemExit, ...), throws, and
  # HandleExhaustedError are not answered: they abort the invocation and reach the caller
  # of #eval unchanged.
  class Dispatcher
    Request = Struct.new(:target, :name, :args, :kwargs, :block)

    def initialize(services, handles)
      @services = services
      @handles = handles
      # object => { name => [Method, Arguments::Shape] } for calls the allowlist already admitted in this
      # invocation: a script calling one Service in a loop is checked once, not per call.
      @admitted = {}.compare_by_identity
    end

    def call(request, token)
      req = decode(request)
      return req if String === req

      found, object, label = resolve_target(req.target)
      return error("no Service is bound as #{req.target}") unless found

      method, shape = admitted(object, req.name, label)
      Arguments.check!(method, object, req.args, req.kwargs, label, shape) if shape
      invoke(method, req, label, token)
    rescue Allowlist::Refused, Arguments::Mismatch => e
      Codec.encode_fault("error", e.message)
    end

    private

    def decode(bytes)
      parts = Codec.decode(bytes, handles: @handles)
      # Module#=== rather than #is_a?: a resolved Handle may be a BasicObject.
      unless Array === parts && parts.size == 5 && String === parts[1] && Array === parts[2] &&
             Hash === parts[3] && Integer === parts[4] && parts[3].keys.all?(Symbol)
        return Codec.encode_fault("error", "the sandbox sent a malformed Service request")
      end

      Request.new(*parts)
    rescue HandleTable::UnknownHandle => e
      Codec.encode_fault("error", "#{e.message}: Handles only live for the invocation that made them")
    rescue Codec::MalformedPayload => e
      Codec.encode_fault("error", "the sandbox sent a malformed Service request (#{e.message})")
    end

    # [found, object, label] for a request target.
    def resolve_target(target)
      if String === target
        [@services.bound?(target), @services.lookup(target), target]
      else
        [true, target, "Handle ##{@handles.id_for(target)}"]
      end
    end

    def error(message) = Codec.encode_fault("error", message)

    # The allowlist's answer for `name` on `object`, remembered for this invocation (the
    # objects and their methods cannot change under a running script without a Service
    # call, and a refusal is not remembered, so it is re-evaluated each time).
    def admitted(object, name, label)
      by_name = (@admitted[object] ||= {})
      by_name[name] ||= begin
        method = Allowlist.resolve(object, name, label)
        [method, Arguments.shape(method, object)].freeze
      end
    end

    def invoke(method, req, label, token)
      return invoke_with_block(method, req, label, token) unless req.block.zero?

      begin
        value = method.call(*req.args, **req.kwargs)
      rescue StandardError => e
        return error("#{label}.#{method.name} raised #{e.class}: #{e.message}")
      end
      encode_result(value, method, label)
    end

    def invoke_with_block(method, req, label, token)
      block = GuestBlock.new(token, req.block, @handles, label)
      outcome = :broke
      value = catch(block.break_tag) do
        result = begin
          method.call(*req.args, **req.kwargs, &block)
        rescue StandardError => e
          return Codec.encode_fault("reraise", "") if e.equal?(block.raised)

          return error("#{label}.#{method.name} raised #{e.class}: #{e.message}")
        end
        outcome = :returned
        result
      end
      return Codec.encode_fault("break", "") if outcome == :broke

      encode_result(value, method, label)
    ensure
      block&.finish!
    end

    def encode_result(value, method, label)
      Codec.encode(value, handles: @handles)
    rescue Codec::UnsupportedValue => e
      error("#{label}.#{method.name} returned a value that cannot cross to the sandbox: #{e.message}")
    end
  end
end
