module Kobako
  # Which host objects may reach this Sandbox's guest as Handles, and what the guest may
  # call on them (contract S-3, H-1). An object crosses only when its class was exposed to
  # the Sandbox (`sandbox.expose(Customer, :name, :tier)`), declares itself
  # (Kobako::Exposable), or is a Struct (member readers and `to_h` only); and never when it
  # is one of the objects in NEVER_CROSS, exposed or not.
  class Exposures
    # Objects that hold code, host state or an operating-system resource: they never cross,
    # not even as Handles. Named as Strings so optional libraries need not be loaded.
    NEVER_CROSS = %w[
      Proc Method UnboundMethod Binding Module IO Dir Thread Fiber Thread::Mutex Thread::Queue
      Thread::SizedQueue Thread::ConditionVariable Process::Status Enumerator Enumerator::Yielder
      ObjectSpace::WeakMap TracePoint Ractor Pathname Tempfile Monitor
      Kobako::Sandbox Kobako::Runtime Kobako::Snapshot Kobako::Namespace Kobako::Services
      Kobako::Exposures Kobako::Dispatcher Kobako::HandleTable Kobako::GuestBlock
    ].freeze

    # Struct instances with no declaration offer their members and `to_h`.
    STRUCT_EXTRAS = %i[to_h].freeze

    MODULE_CASE_EQ = Module.instance_method(:===)
    MODULE_ANCESTORS = Module.instance_method(:ancestors)

    # Why an object cannot cross. `guest_message` is safe for the script; `host_detail`
    # names the class and says how to expose it, for the host author only.
    class NotExposed < Codec::UnsupportedValue
      attr_reader :host_detail

      def initialize(guest_message, host_detail)
        super(guest_message)
        @host_detail = host_detail
      end
    end

    def initialize
      @by_class = {}.compare_by_identity
      @sealed = false
      @lock = Mutex.new
    end

    # `sandbox.expose(klass, *names)`: instances of `klass` (and of its subclasses, or of
    # classes including it when it is a module) cross as Handles offering `names`.
    def expose(klass, names)
      unless Module === klass
        raise ArgumentError, "expose takes a class or module and method names, got #{klass.inspect}"
      end
      if self.class.never_crosses_class?(klass)
        raise ArgumentError, "#{Capabilities.display_name(klass)} objects can never cross to a sandbox"
      end

      label = Capabilities.display_name(klass)
      declared = Capabilities.declared_names(names, label)
      missing = declared.reject { |sym| klass.public_method_defined?(sym) || answers_dynamically?(klass, sym) }
      unless missing.empty?
        raise ArgumentError, "#{label} has no public instance method#{'s' if missing.size > 1} " \
                             "#{missing.map(&:inspect).join(', ')} to expose"
      end
      @lock.synchronize do
        raise ArgumentError, "cannot expose #{label}: the Sandbox is sealed (it has already run code)" if @sealed
        raise ArgumentError, "#{label} is already exposed to this Sandbox" if @by_class.key?(klass)

        @by_class[klass] = Capabilities::Capability.new(label, declared)
      end
    end

    # { class => Capability } of every class exposed with #expose, in the order exposed.
    def exposed = @by_class.dup

    def seal!
      @lock.synchronize do
        @labels = @by_class.each_value.to_set(&:label).freeze
        @sealed = true
      end
    end

    # The names of the classes exposed to this Sandbox (messages may mention them).
    def labels = @labels || Set.new

    # The Capability for `object`'s class, or nil when nothing declares one.
    def capability_for(object)
      klass = Capabilities.class_of(object)
      MODULE_ANCESTORS.bind_call(klass).each do |mod|
        found = @by_class[mod]
        return found if found
      end
      declared_by_class(klass) || struct_members(klass)
    end

    # The Capability for a value about to cross as a Handle; raises NotExposed otherwise.
    # `where` names the value's place for the host author ("value[0]").
    def capability_for!(object, where)
      if self.class.never_crosses?(object)
        raise NotExposed.new("a host object that can never cross to the sandbox",
                             "#{where} is a #{Capabilities.display_name(Capabilities.class_of(object))}, " \
                             "which never crosses to a sandbox, exposed or not")
      end
      capability_for(object) or begin
        name = Capabilities.display_name(Capabilities.class_of(object))
        raise NotExposed.new("an object that is not exposed to this Sandbox",
                             "#{where} is a #{name}, which is not exposed to this Sandbox: expose it with " \
                             "sandbox.expose(#{name}, :method, ...), declare it with Kobako::Exposable, " \
                             "or return a plain value")
      end
    end

    # Rule: code, host state and OS resources never cross.
    def self.never_crosses?(object)
      never_cross_classes.any? { |klass| MODULE_CASE_EQ.bind_call(klass, object) }
    end

    def self.never_crosses_class?(klass)
      never_cross_classes.any? { |never| klass <= never || never <= klass }
    end

    # The classes of NEVER_CROSS that are loaded (a library loaded later joins the list).
    def self.never_cross_classes
      version = $LOADED_FEATURES.size
      return @never_cross_classes if @never_cross_version == version

      @never_cross_classes = NEVER_CROSS.filter_map { |name| Object.const_get(name) if Object.const_defined?(name) }.freeze
      @never_cross_version = version
      @never_cross_classes
    end

    private

    # OpenStruct, Delegators and method_missing classes answer names they do not define;
    # such a name can be exposed unless the class defines it privately.
    def answers_dynamically?(klass, sym)
      return false if klass.private_method_defined?(sym) || klass.protected_method_defined?(sym)

      %i[respond_to_missing? method_missing].any? do |hook|
        klass.private_method_defined?(hook) || klass.method_defined?(hook) or next false
        ![Kernel, Object, BasicObject].include?(klass.instance_method(hook).owner)
      end
    end

    def declared_by_class(klass)
      declared = Exposable.declaration_of(klass)
      declared && Capabilities::Capability.new(Capabilities.display_name(klass), declared)
    end

    # Rule: an undeclared Struct offers its member readers (its data) and to_h.
    def struct_members(klass)
      return nil unless struct_class?(klass)

      Capabilities::Capability.new(Capabilities.display_name(klass), klass.members + STRUCT_EXTRAS)
    end

    def struct_class?(klass)
      klass < Struct || (defined?(::Data) && ::Data.respond_to?(:define) && klass < ::Data)
    end
  end
end
