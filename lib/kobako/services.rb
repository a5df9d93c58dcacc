module Kobako
  # The Sandbox's Service catalogue (contract S-1): while the Sandbox is being set up, the
  # namespaces and Services bound at paths ("KV::Lookup", "Orders", "Billing::Tax::Rates")
  # or reserved as slots each invocation fills; once sealed, a frozen path -> Entry map and
  # the preamble frame that tells the guest which constants exist and what each offers.
  class Services
    # The guest's own namespace: binding into it would replace the runtime's classes.
    RESERVED = %w[Kobako].freeze
    SEGMENT = /\A[A-Z]\w*\z/
    MAX_PATH = 255

    # One Service. `object` and `capability` are nil for a slot (filled per invocation);
    # a slot declared with `methods:` has its capability already. `index` is the Service's
    # number in the guest (its place in the preamble). `suspend` lists the method names
    # (Strings) at which a call stops the run (contract P-2), or is nil.
    Entry = Struct.new(:path, :object, :capability, :slot, :index, :suspend) do
      def slot? = slot

      def suspends?(name) = suspend&.include?(name)
    end

    attr_reader :exposures

    # `guest_constants` answers the guest module's own top-level names (GuestConstants),
    # asked only when a path needs checking.
    def initialize(exposures = Exposures.new, guest_constants = -> { Set.new })
      @exposures = exposures
      @guest_constants = guest_constants
      @namespaces = {}
      @entries = {}
      @sealed = false
      @lock = Mutex.new
      @fill_cache = nil # made on the first filling that needs it
      # bound Entry => { name => [Method, Arguments::Shape] } (#resolved), by identity (an
      # Entry's hash would hash the bound object, which may be a BasicObject).
      @resolved = {}.compare_by_identity.freeze
    end

    def sealed? = @sealed

    # The Namespace at `path` ("KV", "Billing::Tax"), created on first use.
    def define(path)
      path = Services.path(path, "namespace name")
      @lock.synchronize do
        raise ArgumentError, "cannot define #{path}: the Sandbox is sealed (it has already run code)" if @sealed

        @namespaces[path] ||= begin
          check_free!(path, :namespace)
          Namespace.new(path, self)
        end
      end
    end

    # Binds `object` at `path` for every invocation (contract S-1, S-3).
    def bind(path, object, methods: nil, doc: nil, suspend: nil)
      path = Services.path(path, "Service path")
      doc = Services.doc(doc, path)
      add(path, doc) do
        capability = capability_for_binding(path, object, methods)
        Entry.new(path, object, capability, false, nil, Services.suspending(suspend, path, capability))
      end
    end

    # Reserves `path` for an object each invocation passes in `bindings:`. With `methods:`
    # the guest may call those on whatever fills it; without, what the filling object's
    # class declares (as for bind).
    def slot(path, methods: nil, doc: nil, suspend: nil)
      path = Services.path(path, "slot path")
      doc = Services.doc(doc, path)
      add(path, doc) do
        capability = methods.nil? ? nil : Capabilities::Capability.new(path, Capabilities.declared_names(methods, path))
        Entry.new(path, nil, capability, true, nil, Services.suspending(suspend, path, capability))
      end
    end

    # The `suspend:` names of a binding as frozen Strings (nil for none). Each must be one
    # of the declared methods when the declaration is known now (a slot without `methods:`
    # learns its methods from each filling object, so only the names are checked).
    def self.suspending(names, path, capability)
      return nil if names.nil?

      list = Array(names)
      unless !list.empty? && list.all? { |n| n.is_a?(Symbol) || n.is_a?(String) }
        raise ArgumentError, "suspend: for #{path} must be a method name or a list of them, got #{names.inspect}"
      end

      list = list.map { |n| n.to_s.dup.freeze }.uniq.freeze
      undeclared = capability && list.reject { |n| capability.method_names.include?(n) }
      if undeclared&.any?
        raise ArgumentError, "suspend: for #{path} names #{undeclared.join(', ')}, which #{path} does not declare " \
                             "(declared: #{capability.method_names.join(', ')})"
      end
      list
    end

    # True when some Service declares `suspend:` (the Dispatcher looks no further otherwise).
    def suspending? = @suspending

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

    # [Capability, encoded slots-frame entry or nil] for `object` filling the slot `entry`:
    # the slot's own declaration, or (worked out once per class, until a declaration
    # changes) what the object's class declares. Raises ArgumentError like bind.
    def fill(entry, object)
      return [entry.capability, nil] if entry.capability

      klass = Capabilities.class_of(object)
      generation = Exposable.generation
      cache = (@fill_cache ||= {}.compare_by_identity)
      cached = cache[klass]
      cached = nil unless cached && cached[0] == generation
      found = cached && cached[1][entry.path]
      return found if found

      capability = capability_for_binding(entry.path, object, nil)
      found = [capability, Codec.encode([entry.index, capability.method_names]).freeze].freeze
      cache.clear if cache.size >= FILL_CACHE_CLASSES
      (cached ||= (cache[klass] = [generation, {}]))[1][entry.path] = found
      found
    end

    # Classes whose slot capabilities are kept at once (a bound on host memory).
    FILL_CACHE_CLASSES = 256

    # Freezes the catalogue; later define/bind/slot raise ArgumentError (contract A-5).
    def seal!
      return if @sealed # already sealed: no need to take the lock

      @lock.synchronize do
        return if @sealed

        entries = @entries.values.each_with_index.map do |e, i|
          Entry.new(e.path, e.object, e.capability, e.slot, i, e.suspend).freeze
        end
        @suspending = entries.any?(&:suspend)
        @by_path = entries.to_h { |e| [e.path, e] }.freeze
        @slots = entries.select(&:slot?).map(&:path).freeze
        @preamble = if entries.empty? && @namespaces.empty?
                      Transport::EMPTY_LIST
                    else
                      Codec.encode([@namespaces.keys, entries.map { |e| [e.path, e.capability&.method_names] }]).freeze
                    end
        @exposures.seal!
        # Published last: a thread that sees the seal sees the rest too.
        @sealed = true
      end
    end

    # The preamble frame: [[namespace path, ...], [[path, [method, ...] or nil], ...]] (W-2).
    def preamble = @preamble

    # The Entry bound or reserved at `path`, or nil (before the seal, without its index).
    def lookup(path) = (@by_path || @entries)[path]

    # A description given at bind time (`doc:`), for Sandbox#api_reference: a String of at
    # most 500 characters, or nil.
    def self.doc(doc, path)
      return nil if doc.nil?
      raise ArgumentError, "doc: for #{path} must be a String, got #{doc.class}" unless doc.is_a?(String)
      raise ArgumentError, "doc: for #{path} is over 500 characters" if doc.length > 500

      doc.dup.freeze
    end

    # [Entry, doc or nil] for every Service and slot, in the order they were declared.
    def described
      @lock.synchronize { @entries.values.map { |e| [e, @docs&.[](e.path)] } }
    end

    # What an earlier invocation resolved `name` to on the bound Service `entry` (a Dispatcher
    # checks it is still the object's public method before using it), or nil. Kept across
    # invocations so a Service's first call in each does not look its method up and read
    # its parameters again. Slots and Handles are not kept: their objects change.
    def resolved(entry, name) = (by_name = @resolved[entry]) && by_name[name]

    # Remembers a resolution for #resolved. Copy-on-write: readers never take the lock.
    def remember_resolved(entry, name, resolution)
      @lock.synchronize do
        by_name = (@resolved[entry] || {}).merge(name => resolution).freeze
        copy = {}.compare_by_identity
        copy.update(@resolved)
        copy[entry] = by_name
        @resolved = copy.freeze
      end
    end

    # What a stored run checks the Sandbox resuming it against (RunRecord): the namespaces,
    # then [path, declared method names or nil, suspending names or nil, slot?] per Service.
    def fingerprint
      [@namespaces.keys, @by_path.each_value.map { |e| [e.path, e.capability&.method_names, e.suspend, e.slot?] }]
    end

    # The paths of the slots, in declaration order.
    def slots = @slots || @entries.each_value.select(&:slot?).map(&:path)

    # The Entry at `path` while setting up (Namespace reads its members through this).
    def entry(path) = @entries[path]

    # `path` as a frozen String if it is a Symbol or String of constant names joined by
    # "::" ("Orders", "Billing::Tax::Rates"), else ArgumentError.
    def self.path(path, what)
      text = path.to_s if path.is_a?(Symbol) || path.is_a?(String)
      unless text && text.length <= MAX_PATH && !text.empty? && text.split("::", -1).all?(SEGMENT)
        raise ArgumentError, "#{what} must be a Symbol or String of constant names joined by \"::\" " \
                             "(like :Orders or \"Billing::Tax\"), got #{path.inspect}"
      end

      text.dup.freeze
    end

    private

    def add(path, doc = nil)
      @lock.synchronize do
        raise ArgumentError, "cannot bind #{path}: the Sandbox is sealed (it has already run code)" if @sealed
        raise ArgumentError, "#{path} is already bound" if @entries.key?(path)

        check_free!(path, :service)
        entry = yield
        @entries[path] = entry
        (@docs ||= {})[path] = doc if doc
        entry
      end
    end


    # Refuses a path that would replace or hide inside a guest constant, or that collides
    # with another Service or namespace: a Service is a leaf, so nothing goes under it, and
    # a namespace cannot also be a Service.
    def check_free!(path, kind)
      root = path.split("::").first
      raise ArgumentError, "cannot use #{path}: #{root} is reserved for the sandbox runtime" if RESERVED.include?(root)
      if @guest_constants.call.include?(root)
        raise ArgumentError, "cannot use #{path}: #{root} is one of the sandbox's own constants (a core class, module or library); choose another name"
      end

      prefixes(path).each do |above|
        if @entries.key?(above)
          raise ArgumentError, "#{path}: #{above} is a Service, so nothing can be bound under it"
        end
      end
      if kind == :namespace
        raise ArgumentError, "#{path} is already bound as a Service" if @entries.key?(path)
        return
      end
      raise ArgumentError, "#{path} is a namespace, so it cannot also be a Service" if @namespaces.key?(path)

      below = "#{path}::"
      clash = @entries.each_key.find { |p| p.start_with?(below) } || @namespaces.each_key.find { |p| p.start_with?(below) }
      raise ArgumentError, "#{path}: #{clash} is already defined under it" if clash
    end

    # "A::B::C" -> ["A", "A::B"].
    def prefixes(path)
      parts = path.split("::")
      (1...parts.size).map { |n| parts.first(n).join("::") }
    end
  end
end
