require "set"

module Kobako
  # Which methods a guest may call on a Service or Handle (contract S-3). The rule: only
  # public methods that the object's own class (or its modules, or its singleton class)
  # defines. Anything every object or every class has (owned by BasicObject, Object,
  # Kernel, Module, Class, or a module mixed into them) is refused, and so are the
  # reflective and process-level names below whoever defines them. A Proc or Method can
  # only be called; a Binding or UnboundMethod cannot be used at all. An object can narrow
  # its surface further with a private `respond_to_guest?(name)`.
  module Allowlist
    # Refused on every object, even when its own class defines them.
    ALWAYS_REFUSED = Set.new(%i[
      send __send__ public_send instance_eval instance_exec instance_variable_get
      instance_variable_set instance_variable_defined? instance_variables remove_instance_variable
      define_method define_singleton_method singleton_class const_get const_set class_eval
      module_eval class_exec module_exec class_variable_get class_variable_set binding method
      methods public_method singleton_method instance_method public_instance_method
      method_missing respond_to? respond_to_missing? eval system ` exec exit exit! abort fork
      spawn syscall trap at_exit object_id __id__ extend
    ]).freeze

    # The only methods of a Proc or Method a guest may call.
    CALLABLE = Set.new(%i[call [] yield arity]).freeze

    # Method names are short identifiers; anything else is refused before it becomes a Symbol.
    NAME_PATTERN = /\A[a-zA-Z_][a-zA-Z0-9_]*[?!=]?\z|\A(?:\[\]=?|[+\-*\/%<>=!~^&|]+|\*\*|<=>|===?|=~|[+-]@)\z/

    # Bound once, so a host object that overrides #method cannot change how it is
    # inspected, and BasicObject-based objects (which lack #method) can be inspected too.
    # Module#=== is used instead of #is_a? for the same reason.
    KERNEL_METHOD = Kernel.instance_method(:method)

    # Raised for a refused or unknown method; the Dispatcher turns it into a ServiceError.
    class Refused < StandardError; end

    module_function

    # The Method `name` names on `object` if the guest may call it; else raises Refused
    # with a message for the guest. `label` names the target in messages ("KV::Lookup").
    def resolve(object, name, label)
      unless name.is_a?(String) && name.bytesize <= 256 && name.valid_encoding? && NAME_PATTERN.match?(name)
        raise Refused, "#{label}: #{name.to_s[0, 64].inspect} is not a method name"
      end

      sym = name.to_sym
      refuse!(label, sym) if ALWAYS_REFUSED.include?(sym)
      method = find(object, sym)
      raise Refused, "undefined method '#{sym}' for #{label}" if method.nil?
      refuse!(label, sym) if Binding === object || UnboundMethod === object
      refuse!(label, sym) if (Proc === object || Method === object) && !CALLABLE.include?(sym)

      owner = method.owner
      refuse!(label, sym) if denied_owner?(owner)
      refuse!(label, sym) unless owner.public_method_defined?(sym, false)
      refuse!(label, sym) unless guest_may_call?(object, sym)
      method
    end

    # The Method (of any visibility) `sym` names on `object`, or nil.
    def find(object, sym)
      KERNEL_METHOD.bind_call(object, sym)
    rescue NameError
      nil
    end

    def refuse!(label, sym)
      raise Refused, "#{label}.#{sym} is not callable from the sandbox"
    end

    # Owners whose methods every object (or every class) has.
    def denied_owner?(owner)
      owner == Kernel.singleton_class || Object.singleton_class.ancestors.include?(owner)
    end

    def guest_may_call?(object, sym)
      narrower = find(object, :respond_to_guest?)
      narrower.nil? || narrower.call(sym) ? true : false
    end
  end
end
