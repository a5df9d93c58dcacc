module Kobako
  # The host objects one invocation handed to the guest as Handles (contract H-1..H-3),
  # each with the Capability that says what the guest may call on it.
  #
  # Ids start at 1, are never reused within the invocation, and the same object always
  # gets the same id. Each distinct Capability gets a kind number, which the guest learns
  # together with the class name and method names the first time a payload carries it, so
  # its proxies can answer `respond_to?` and `inspect` without asking the host. The table
  # dies with the invocation, so ids and kinds mean nothing afterwards.
  class HandleTable
    # The cap of H-3. Read when a table is made, so specs can lower it with stub_const.
    MAX_HANDLES = (2**31) - 1
    # The Sandbox's `max_handles:` by default: each Handle keeps its host object alive
    # until the invocation ends, so their number bounds what a script can make the host
    # hold (contract X-2).
    DEFAULT_MAX = 100_000

    # A Handle id the table never issued (forged, or from another invocation).
    class UnknownHandle < StandardError; end
    # A Handle issued before a run was suspended whose object cannot be found again where
    # the run resumed (#restore).
    class StaleHandle < UnknownHandle; end

    # A Handle of a stored run (Execution#dump): its id, class label and how to find its
    # object again (a GlobalID URI, or nil).
    Stored = Struct.new(:id, :label, :locator)

    def initialize(exposures = Exposures.new, limit = DEFAULT_MAX)
      @exposures = exposures
      @ids = nil # the tables are made with the first Handle: most invocations issue none
      @limit = [limit, MAX_HANDLES].min
    end

    def size = @ids ? @objects.size : 0

    # The Codec's ext reader for payloads whose Handles resolve through this table.
    def decode_ext = (@decode_ext ||= Codec.ext_for(self))

    # The id of `object`, issuing one (after checking its class is exposed) if needed.
    # `where` names the value's place for the host author's error message.
    def id_for(object, where = "value")
      (@ids && @ids[object]) || issue(object, where)
    end

    # [id, kind, descriptor bytes] for `object` in a payload that has already described
    # the kinds in `described` (a Set this method adds to).
    def ref_for(object, where, described)
      id = id_for(object, where)
      kind = @kinds[@capabilities[id - 1]]
      descriptor = described.add?(kind) ? @descriptors[kind] : nil
      Codec::HandleRef.new(id, kind, descriptor)
    end

    def fetch(id)
      raise UnknownHandle, "unknown Handle ##{id}" unless id.is_a?(Integer) && id.between?(1, size)

      object = @objects[id - 1]
      return object unless Stored === object
      return Execution::HandleRef.new(object.id, object.label).freeze if @detached

      locate(object)
    end

    # The id of `object` if it was handed out, else nil (nothing of the object's runs).
    def id_of(object) = @ids && @ids[object]

    # The Handles for Execution#dump: each one's label and, when its object can be found
    # again in another process, the GlobalID that finds it (Rails models: ActiveRecord
    # includes GlobalID::Identification). Other objects are stored without one.
    def stored(locators: true)
      return [] unless @ids

      @objects.each_with_index.map do |object, i|
        next object if Stored === object

        Stored.new(i + 1, @capabilities[i].label, locators ? locator_of(object) : nil)
      end
    end

    # Starts a resumed run's table with the Handles its recording issued: their ids are
    # kept, and each object is found again (by its locator) the first time the resumed run
    # uses it; one that cannot be found fails that call (StaleHandle).
    #
    # `detached` (an Execution read back, not a resumed run): the objects are never looked
    # for, and each Handle reads as its Execution::HandleRef.
    def restore(stored, detached: false)
      @detached = detached
      tables!
      stored.each do |handle|
        @objects << handle
        @capabilities << nil
      end
      self
    end

    # The Capability of a Handle's object; nil if the object was never handed out.
    def capability_of(object)
      id = @ids && @ids[object]
      id && @capabilities[id - 1]
    end

    # The guest-facing class label of the Handle numbered `id` (restored ones included).
    def label_at(id)
      object = @objects[id - 1]
      Stored === object ? object.label : @capabilities[id - 1].label
    end

    # The guest-facing label of a Handle: "Customer (Handle #3)".
    def label_of(object)
      id = @ids[object]
      "#{label_at(id)} (Handle ##{id})"
    end

    # The class label of the Handle numbered `id` ("Customer"), or nil.
    def class_label(id)
      id.is_a?(Integer) && id.between?(1, size) ? label_at(id) : nil
    end

    private

    def issue(object, where)
      tables! unless @ids
      capability = capability_of_class(object, where)
      if @objects.size >= @limit
        raise HandleExhaustedError.new("the invocation created more than #{@limit} Handles (max_handles)",
                                       klass: "Kobako::HandleExhaustedError")
      end
      @objects << object
      @capabilities << capability
      kind_of(capability)
      @ids[object] = @objects.size
    end

    # The kind number of `capability`: the same descriptor always gets the same number, so
    # a restored run's kinds match what its guest learned before the suspension.
    def kind_of(capability)
      @kinds[capability] ||= begin
        descriptor = Codec.encode([capability.label, capability.method_names]).freeze
        @descriptors.index(descriptor) || (@descriptors << descriptor).size - 1
      end
    end

    def locator_of(object)
      return nil unless Object === object && object.respond_to?(:to_global_id)

      object.to_global_id.to_s
    rescue StandardError
      nil
    end

    # The object of a restored Handle, found by its locator and checked against what the
    # Sandbox exposes now; remembered under its old id.
    def locate(handle)
      found = begin
        handle.locator && defined?(::GlobalID::Locator) && ::GlobalID::Locator.locate(handle.locator)
      rescue StandardError
        nil
      end
      unless found
        raise StaleHandle, "#{handle.label} (Handle ##{handle.id}) was handed out before the run was suspended, " \
                           "and its object cannot be found again"
      end

      capability = begin
        capability_of_class(found, "value")
      rescue Exposures::NotExposed
        raise StaleHandle, "#{handle.label} (Handle ##{handle.id}) was handed out before the run was suspended, " \
                           "and its class is not exposed to this Sandbox"
      end
      @objects[handle.id - 1] = found
      @capabilities[handle.id - 1] = capability
      kind_of(capability)
      @ids[found] = handle.id
      found
    end

    def tables!
      @objects = []
      @capabilities = []
      @ids = {}.compare_by_identity
      @kinds = {}.compare_by_identity
      @descriptors = []
      @by_class = {}.compare_by_identity
    end

    # The Capability for the object's class, worked out once per class per invocation
    # (whether an object may cross depends only on its class).
    def capability_of_class(object, where)
      klass = Capabilities.class_of(object)
      @by_class.fetch(klass) { @by_class[klass] = @exposures.capability_for!(object, where) }
    end
  end
end
