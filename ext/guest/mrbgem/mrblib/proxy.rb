# Every call on a Service or Handle proxy that the proxy does not answer itself
# (==, eql?, hash, inspect) goes to the host, which decides whether it is allowed.
# send, __send__ and public_send forward the method they name, so `list.map(&:name)`
# works on Handles; the host's allowlist judges that name like any other.
module Kobako
  module ProxyCalls
    def method_missing(name, *args, **kwargs, &block)
      ::Kobako.__call_host(self, name, args, kwargs, block)
    end

    def __send__(name, *args, **kwargs, &block)
      case name
      when :inspect, "inspect" then inspect
      when :hash, "hash" then hash
      when :==, "==" then self == args[0]
      when :!=, "!=" then self != args[0]
      when :eql?, "eql?" then eql?(args[0])
      when :equal?, "equal?" then equal?(args[0])
      when :!, "!" then !self
      else ::Kobako.__call_host(self, name, args, kwargs, block)
      end
    end
    alias send __send__
    alias public_send __send__
  end

  class Service
    include ProxyCalls
  end

  class Handle
    include ProxyCalls
  end

  # Runs a block the host yielded to with keyword arguments (src/service.c).
  def self.__call_block(block, args, kwargs)
    block.call(*args, **kwargs)
  end
end
