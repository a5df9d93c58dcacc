module Kobako
  # A group of Services under one guest constant: `sandbox.define(:KV)` (contract S-1).
  # Members are bound (or reserved as slots) before the Sandbox first runs; each is the
  # Service at the path "KV::Member" of the Sandbox's catalogue.
  class Namespace
    NAME = /\A[A-Z]\w*\z/

    attr_reader :name

    def initialize(name, services)
      @name = name
      @services = services
      @members = []
    end

    # Registers `object` as `Ns::Member` in every invocation; returns the namespace. The
    # guest may call only the methods declared for it (contract S-3): `methods:`, or the
    # object's class declaration (Kobako::Exposable, Sandbox#expose), or `call` for a Proc
    # or Method, or the members of a Struct. Anything else raises ArgumentError here.
    def bind(member, object, methods: nil, doc: nil, suspend: nil)
      @services.bind(path_of(member), object, methods: methods, doc: doc, suspend: suspend)
      @members << member.to_s
      self
    end

    # Reserves `Ns::Member` for an object each invocation passes in `bindings:`
    # (`sandbox.eval(code, bindings: { "Ns::Member" => object })`); returns the namespace.
    def slot(member, methods: nil, doc: nil, suspend: nil)
      @services.slot(path_of(member), methods: methods, doc: doc, suspend: suspend)
      @members << member.to_s
      self
    end

    # { "Member" => object }, in binding order (nil for a slot).
    def members = @members.to_h { |m| [m, @services.entry("#{name}::#{m}").object] }

    # { "Member" => Capabilities::Capability }, in binding order (nil for a slot whose
    # methods the filling object decides).
    def capabilities = @members.to_h { |m| [m, @services.entry("#{name}::#{m}").capability] }

    def [](member) = @services.entry("#{name}::#{member}")&.object

    def inspect = "#<Kobako::Namespace #{name} #{@members.join(', ')}>"

    # `name` as a String if it is a Symbol or String matching NAME, else ArgumentError.
    def self.constant_name(name, what)
      unless (name.is_a?(Symbol) || name.is_a?(String)) && NAME.match?(name.to_s)
        raise ArgumentError, "#{what} must be a Symbol or String like :Name (/\\A[A-Z]\\w*\\z/), got #{name.inspect}"
      end

      name.to_s.dup.freeze
    end

    private

    def path_of(member) = "#{name}::#{Namespace.constant_name(member, 'member name')}"
  end
end
