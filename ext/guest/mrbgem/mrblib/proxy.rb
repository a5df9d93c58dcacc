# Every call on a Service or Handle proxy that the proxy does not answer itself
# (==, eql?, hash, inspect) goes to the host, which decides whether it is allowed.
module Kobako
  class Service
    def method_missing(name, *args, **kwargs, &block)
      ::Kobako.__call_host(self, name, args, kwargs, block)
    end
  end

  class Handle
    def method_missing(name, *args, **kwargs, &block)
      ::Kobako.__call_host(self, name, args, kwargs, block)
    end
  end

  # Runs a block the host yielded to with keyword arguments (src/service.c).
  def self.__call_block(block, args, kwargs)
    block.call(*args, **kwargs)
  end
end
