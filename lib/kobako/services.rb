module Kobako
  # The Sandbox's Service catalogue: its namespaces while it is being set up, then a frozen
  # path -> object map and the preamble frame that tells the guest which constants exist.
  class Services
    # The guest's own namespace: binding into it would replace the runtime's classes.
    RESERVED = %w[Kobako].freeze

    def initialize
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

    # Freezes the catalogue; later define/bind raise ArgumentError (contract A-5).
    def seal!
      return if @sealed # already sealed: no need to take the lock

      @lock.synchronize do
        return if @sealed

        @sealed = true
        @by_path = {}
        list = @namespaces.map do |name, ns|
          members = ns.members
          members.each { |member, object| @by_path["#{name}::#{member}"] = object }
          [name, members.keys]
        end
        @by_path.freeze
        @preamble = Codec.encode(list).freeze
      end
    end

    # The preamble frame: [[namespace, [member, ...]], ...] (contract W-2).
    def preamble = @preamble

    # The object bound at "Ns::Member", or nil.
    def lookup(path) = @by_path[path]

    def bound?(path) = @by_path.key?(path)
  end
end
