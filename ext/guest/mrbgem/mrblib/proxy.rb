# Every call on a Service or Handle proxy that the proxy does not answer itself (see
# src/proxy.c: inspect, to_s, respond_to?, ==, eql?, hash, nil?, is_a?, class, ...) goes
# to the host, which allows only the methods it declared. send, __send__ and public_send
# forward the method they name, so `list.map(&:name)` works on Handles.
module Kobako
  module ProxyCalls
    def method_missing(name, *args, **kwargs, &block)
      ::Kobako.__call_host(self, name, args, kwargs, block)
    end

    def __send__(name, *args, **kwargs, &block)
      unless name.is_a?(::Symbol) || name.is_a?(::String)
        ::Kernel.raise ::TypeError, "#{name.inspect} is not a symbol nor a string"
      end

      sym = name.to_sym
      if ::Kobako.__proxy_local?(sym)
        super(sym, *args, &block)
      else
        ::Kobako.__call_host(self, sym, args, kwargs, block)
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
