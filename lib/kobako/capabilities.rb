require "set"

module Kobako
  # What a guest may call on a host object (contract S-3): only what the host declared.
  #
  # Nothing is inferred from the object's class. A bound Service names its methods
  # (`bind(:Orders, obj, methods: %i[find refund])`), or its class declares them
  # (Kobako::Exposable), or the Sandbox exposes the class (`sandbox.expose(Customer, :name)`).
  # A Proc, lambda or Method offers `call` (and `arity`); a Struct with no declaration offers
  # its member readers and `to_h`. Every rule is a method of its own here, so the
  # adversarial suite can show that turning any one of them off lets an attack through.
  module Capabilities
    # Names that can never be declared: they reflect on the object, evaluate code, or call
    # another method by a name given at run time. Declaring one raises at bind/expose.
    NEVER_EXPOSED = Set.new(%i[
      send public_send try try! method public_method singleton_method methods public_methods
      private_methods protected_methods singleton_methods instance_method public_instance_method
      instance_methods public_instance_methods private_instance_methods protected_instance_methods
      method_defined? public_method_defined? private_method_defined? protected_method_defined?
      to_enum enum_for instance_eval instance_exec class_eval module_eval class_exec module_exec
      eval binding instance_values instance_variable_names remove_instance_variable
      alias_method remove_method undef_method attr attr_accessor attr_reader attr_writer
      constants remove_const delegate instance_delegate single_delegate delegate_missing_to
      freeze display extend include prepend singleton_class method_missing respond_to_missing?
      respond_to? object_id allocate superclass ancestors included_modules module_function
      private public protected private_constant public_constant refine using set_trace_func
      trace_var untrace_var
    ]).freeze
    # Kernel's process and file functions (system, exec, open, exit, require, ...) are not
    # listed: they are private, so the visibility rule refuses them on any object, while a
    # class's own public `open` or `load` is ordinary API its author may declare.

    # Families of such names: `__send__`/`__getobj__`/`__setobj__` and every `__x__`,
    # `*_eval`/`*_exec`, `instance_variable_*`, `class_variable_*`, `const_*`, `define_*`,
    # Forwardable's `def_*delegator*`.
    NEVER_EXPOSED_FAMILY = /\A__|_(?:eval|exec)\z|\Ainstance_variable|\Aclass_variable|\Aconst_|\Adefine_|\Adef_\w*delegators?\z/

    # Method names are short identifiers or operators; anything else is refused before it
    # becomes a Symbol.
    NAME_PATTERN = /\A[a-zA-Z_][a-zA-Z0-9_]*[?!=]?\z|\A(?:\[\]=?|[+\-*\/%<>=!~^&|]+|\*\*|<=>|===?|=~|[+-]@|`)\z/

    # What a Proc, lambda or Method offers: running it (`[]` and `yield` are Proc's own
    # spellings of call) and its arity.
    CALLABLE = Set.new(%i[call [] yield arity]).freeze

    # Enumerable's folds take the name of the method to fold with when no block is given
    # (`inject(:instance_eval)`); declared, they run only with a block.
    FOLDS = Set.new(%i[inject reduce]).freeze

    # Bound once, so a host object that overrides them cannot change how it is judged, and
    # BasicObject-based objects (which lack them) can be judged too.
    KERNEL_PUBLIC_METHOD = Kernel.instance_method(:public_method)
    KERNEL_METHOD = Kernel.instance_method(:method)
    KERNEL_CLASS = Kernel.instance_method(:class)

    # Raised for a refused or unknown method; the Dispatcher turns it into a ServiceError.
    class Refused < StandardError; end

    # The methods a guest may call on one bound object or on the instances of one exposed
    # class. `label` is what guest-facing text calls it ("Shop::Customers", "Customer").
    class Capability
      attr_reader :label, :methods

      def initialize(label, methods)
        @label = label.dup.freeze
        @methods = methods.to_set.freeze
        @wire_names = @methods.map(&:to_s).sort.freeze
        freeze
      end

      # Method names as Strings, sorted: what the guest is told (preamble, Handle kinds).
      def method_names = @wire_names
    end

    module_function

    # ---- declarations -----------------------------------------------------------------

    # `names` as a Set of Symbols after checking each can be declared; raises ArgumentError
    # naming `owner` (for the host author) otherwise.
    def declared_names(names, owner)
      list = Array(names).flatten
      raise ArgumentError, "#{owner}: declare at least one method name" if list.empty?

      list.to_set do |name|
        unless (name.is_a?(Symbol) || name.is_a?(String)) && NAME_PATTERN.match?(name.to_s)
          raise ArgumentError, "#{owner}: #{name.inspect} is not a method name"
        end

        sym = name.to_sym
        if never_exposed?(sym)
          raise ArgumentError, "#{owner}: #{sym} can never be exposed to a sandbox " \
                               "(it reflects on the object, evaluates code or calls a method by name)"
        end
        sym
      end
    end

    # Rule: the reflective and dispatch-by-name family is never callable, declared or not.
    # OpenStruct answers every such name with a `!` suffix too (`instance_eval!`).
    def never_exposed?(sym)
      name = sym.to_s
      base = name.end_with?("!") ? name.chomp("!").to_sym : sym
      NEVER_EXPOSED.include?(sym) || NEVER_EXPOSED.include?(base) || NEVER_EXPOSED_FAMILY.match?(name)
    end

    # ---- calls ------------------------------------------------------------------------

    # The Method the guest may call as `name` on `object` under `capability`, or raises
    # Refused with a message for the guest. `label` names the target ("KV::Lookup").
    def resolve(object, capability, name, label)
      unless name.is_a?(String) && name.bytesize <= 256 && name.valid_encoding? && NAME_PATTERN.match?(name)
        raise Refused, "#{label}: #{name.to_s[0, 64].inspect} is not a method name"
      end

      sym = name.to_sym
      refuse!(label, sym) unless declared?(capability, sym)
      refuse!(label, sym) if never_exposed?(sym)
      method = public_method_of(object, sym)
      return method if method

      refuse!(label, sym) if method_of(object, sym) # declared, but private or protected
      raise Refused, "undefined method '#{sym}' for #{label}"
    end

    # Rule: only declared names are callable.
    def declared?(capability, sym) = capability.methods.include?(sym)

    # Rule: the method must be public as the object's own class sees it (a subclass that
    # makes an inherited method private wins), and must exist (nil otherwise). A method that
    # exists only through respond_to_missing? is found too: it was declared by name.
    def public_method_of(object, sym)
      KERNEL_PUBLIC_METHOD.bind_call(object, sym)
    rescue NameError
      nil
    end

    # True when `method` (resolved earlier) is still what the object answers publicly for
    # its name: not redefined, made private or removed since.
    def still_public?(object, method)
      current = public_method_of(object, method.name)
      !current.nil? && current == method
    end

    # The Method of any visibility, or nil.
    def method_of(object, sym)
      KERNEL_METHOD.bind_call(object, sym)
    rescue NameError
      nil
    end

    # Rule: a fold without a block would call the method its argument names.
    def needs_block?(sym) = FOLDS.include?(sym)

    def refuse!(label, sym)
      raise Refused, "#{label}.#{sym} is not callable from the sandbox"
    end

    # The object's class, even for a BasicObject (which has no #class).
    def class_of(object) = KERNEL_CLASS.bind_call(object)

    # A class's name for guest-facing text.
    def display_name(klass)
      name = Module.instance_method(:name).bind_call(klass)
      name.is_a?(String) && !name.empty? ? name : "(anonymous class)"
    end
  end
end
