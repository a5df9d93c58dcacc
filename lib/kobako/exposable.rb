module Kobako
  # A class-level declaration of what a sandbox may call on instances of a class:
  #
  #   class Customer
  #     include Kobako::Exposable
  #     expose_to_sandbox :name, :tier, :discount
  #   end
  #
  # Instances may then be bound as Services without `methods:` and cross to the guest as
  # Handles. Subclasses inherit the declaration and may add to it; a module that includes
  # Exposable passes its declaration to the classes that include it. A Sandbox's own
  # `expose(Customer, ...)` replaces the class's declaration for that Sandbox.
  module Exposable
    @generation = 0

    # Bumped by every declaration, so caches of what a class declares know when to drop
    # what they keep (Services caches slot capabilities by class).
    def self.generation = @generation

    def self.changed! = @generation += 1

    def self.included(base)
      base.extend(ClassMethods)
      changed!
    end

    module ClassMethods
      # Declares methods callable from a sandbox (Symbols or Strings). Names that reflect
      # on the object or call a method by name (send, instance_eval, ...) raise ArgumentError.
      def expose_to_sandbox(*names)
        declared = Capabilities.declared_names(names, Capabilities.display_name(self))
        @kobako_exposed = (Exposable.own_declaration(self) || Set.new) | declared
        Exposable.changed!
        nil
      end

      # Every method this class and its ancestors declared, as a Set of Symbols.
      def sandbox_exposed_methods = Exposable.declaration_of(self)
    end

    # The declaration made by `mod` itself, or nil.
    def self.own_declaration(mod)
      return nil unless Module.instance_method(:instance_variable_defined?).bind_call(mod, :@kobako_exposed)

      Module.instance_method(:instance_variable_get).bind_call(mod, :@kobako_exposed)
    end

    # The union of the declarations of `klass` and its ancestors, or nil if none declared.
    def self.declaration_of(klass)
      found = nil
      Module.instance_method(:ancestors).bind_call(klass).each do |mod|
        own = own_declaration(mod)
        found = found ? found | own : own.dup if own
      end
      found&.freeze
    end
  end
end
