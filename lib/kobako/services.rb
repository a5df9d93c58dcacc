module Kobako
  # The Sandbox's Service catalogue: its namespaces while it is being set up, then a frozen
  # path -> [object, Capability] map and the preamble frame that tells the guest which
  # constants exist and which methods each offers.
  class Services
    # The guest's own namespace: binding into it would replace the runtime's classes.
    RESERVED = %w[Kobako].freeze

    attr_reader :exposures

    def initialize(exposures = Exposures.new)
      @exposures = exposures
      @namespaces = {}
      @sealed = false
      @lock = Mutex.new
    end

    def sealed? = @sealed

    def define(name)
      name = Namespace.constant_name(name, "namespace name")
      raise ArgumentError, "#{name} is reserved for the sandbox runtime" if RESERVED.include?(name)

      @lock.synchronize do
        raise ArgumentError, "cannot define #{name}: the Sandbox is sealed (it has already run code)" if @sealed

        @namespaces[name] ||= Namespace.new(name, self)
      end
    end

    # What the guest may call on `object` bound at `path` (contract S-3); raises
    # ArgumentError, saying how to declare, when nothing declares it.
    def capability_for_binding(path, object, methods)
      declared = if !methods.nil?
                   Capabilities.declared_names(methods, path)
                 elsif Proc === object || Method === object
                   Capabilities::CALLABLE
                 else
                   @exposures.capability_for(object)&.methods
                 end
      return Capabilities::Capability.new(path, declared) if declared

      klass = Capabilities.class_of(object)
      name = Module.instance_method(:name).bind_call(klass)
      member = path.split("::").last
      raise ArgumentError, "cannot bind #{path}: declare the methods the sandbox may call, with " \
                           "bind(:#{member}, object, methods: %i[...]), or in #{name || 'its class'} " \
                           "(include Kobako::Exposable; expose_to_sandbox :method, ...)" \
                           "#{", or with sandbox.expose(#{name}, :method, ...) before binding" if name}"
    end

    # Freezes the catalogue; later define/bind raise ArgumentError (contract A-5).
    def seal!
      return if @sealed # already sealed: no need to take the lock

      @lock.synchronize do
        return if @sealed

        by_path = {}
        list = @namespaces.map do |name, ns|
          entries = ns.capabilities.map do |member, capability|
            by_path["#{name}::#{member}"] = [ns[member], capability].freeze
            [member, capability.method_names]
          end
          [name, entries]
        end
        @by_path = by_path.freeze
        @preamble = Codec.encode(list).freeze
        @exposures.seal!
        # Published last: a thread that sees the seal sees the preamble too.
        @sealed = true
      end
    end

    # The preamble frame: [[namespace, [[member, [method, ...]], ...]], ...] (contract W-2).
    def preamble = @preamble

    # [object, Capability] bound at "Ns::Member", or nil.
    def lookup(path) = @by_path[path]
  end
end
