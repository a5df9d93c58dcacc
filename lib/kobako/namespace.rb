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

    # Registers `object` as `Ns::Member` in every invocation; returns the namespace.
    def bind(member, object)
      member = Namespace.constant_name(member, "member name")
      if @services.sealed?
        raise ArgumentError, "cannot bind #{name}::#{member}: the Sandbox is sealed (it has already run code)"
      end
      raise ArgumentError, "#{name}::#{member} is already bound" if @members.key?(member)

      @members[member] = object
      self
    end

    # { "Member" => object }, in binding order.
    def members = @members.dup

    def [](member) = @members[member.to_s]

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
