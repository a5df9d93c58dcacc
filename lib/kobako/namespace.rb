module Kobako
  # A group of Services under one guest constant: `sandbox.define(:KV)` (contract S-1).
  # Members are bound once, before the Sandbox first runs.
  class Namespace
    NAME = /\A[A-Z]\w*\z/

    attr_reader :name

    def initialize(name, services)
      @name = name
      @services = services
      @members = {}
    end

    # Registers `object` as `Ns::Member` in every invocation; returns the namespace. The
    # guest may call only the methods declared for it (contract S-3): `methods:`, or the
    # object's class declaration (Kobako::Exposable, Sandbox#expose), or `call` for a Proc
    # or Method, or the members of a Struct. Anything else raises ArgumentError here.
    def bind(member, object, methods: nil)
      member = Namespace.constant_name(member, "member name")
      path = "#{name}::#{member}"
      if @services.sealed?
        raise ArgumentError, "cannot bind #{path}: the Sandbox is sealed (it has already run code)"
      end
      raise ArgumentError, "#{path} is already bound" if @members.key?(member)

      @members[member] = [object, @services.capability_for_binding(path, object, methods)].freeze
      self
    end

    # { "Member" => object }, in binding order.
    def members = @members.transform_values(&:first)

    # { "Member" => Capabilities::Capability }, in binding order.
    def capabilities = @members.transform_values(&:last)

    def [](member) = @members[member.to_s]&.first

    def inspect = "#<Kobako::Namespace #{name} #{@members.keys.join(', ')}>"

    # `name` as a String if it is a Symbol or String matching NAME, else ArgumentError.
    def self.constant_name(name, what)
      unless (name.is_a?(Symbol) || name.is_a?(String)) && NAME.match?(name.to_s)
        raise ArgumentError, "#{what} must be a Symbol or String like :Name (/\\A[A-Z]\\w*\\z/), got #{name.inspect}"
      end

      name.to_s.dup.freeze
    end
  end
end
