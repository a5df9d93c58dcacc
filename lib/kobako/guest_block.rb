module Kobako
  # The host side of a block the script passed to a Service call (contract Y-1). The
  # Service receives #to_proc; each call runs the guest block synchronously through
  # Runtime.yield_to_active_invocation and returns its value.
  class GuestBlock
    # What the Service sees when the block raised; the Dispatcher re-raises the original
    # exception in the guest if the Service lets this one through.
    attr_reader :raised
    # Thrown (with Kernel#throw) when the block breaks out of the Service call.
    attr_reader :break_tag

    # Each block call is recorded in `transcript` under the call's `entry`.
    def initialize(token, serial, handles, label, transcript = nil, entry = nil)
      @transcript = transcript
      @entry = entry
      @token = token
      @serial = serial
      @handles = handles
      @label = label
      @live = true
      @raised = nil
      @break_tag = Object.new.freeze
    end

    # Called when the Service call returns: from then on the block cannot run.
    def finish! = @live = false

    def to_proc
      block = self
      proc { |*args, **kwargs| block.run(args, kwargs) }
    end

    def run(args, kwargs)
      unless @live
        raise LocalJumpError, "the sandbox block given to #{@label} was called after that Service call returned"
      end

      request = begin
        Codec.encode([@serial, args, kwargs], handles: @handles)
      rescue Exposures::NotExposed => e
        raise Exposures::NotExposed.new("the block given to #{@label} cannot be passed #{e.message}",
                                        "a block argument of #{@label}: #{e.host_detail}")
      end
      bytes = Runtime.yield_to_active_invocation(@token, request)
      @transcript&.record_yield(@entry, request, bytes)
      answer = Codec.decode(bytes, handles: @handles, faults: true)
      return answer unless Codec::Fault === answer

      case answer.kind
      when "break" then throw @break_tag
      when "raise"
        klass = answer.fields["class"].to_s
        @raised = SandboxError.new("the sandbox block raised #{klass}: #{answer.message}", klass: klass)
        raise @raised
      else
        raise TrapError, "the sandbox could not run the block: #{answer.message}"
      end
    rescue Codec::MalformedPayload => e
      raise TrapError, "the sandbox answered a block call with a malformed result: #{e.message}"
    rescue Codec::KeyRefused => e
      raise SandboxError.new("the block's result cannot cross to the host: #{e.message}", klass: "TypeError")
    end
  end
end
