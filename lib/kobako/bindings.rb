module Kobako
  # The objects one invocation puts into the Sandbox's slots:
  # `sandbox.eval(code, bindings: { "Ctx::User" => current_user })` (contract S-1).
  #
  # Checked before anything runs: every key must name a slot, and every object must have
  # declared methods (the slot's `methods:`, or its class's declaration, as for bind). The
  # fillings live only in this invocation's Dispatcher, so threads filling the same slot at
  # the same time each see their own object; the guest learns the methods of slots without
  # `methods:` from a frame sent after its prepared image, which therefore never changes.
  class Bindings
    attr_reader :frame

    def initialize(fills, frame)
      @fills = fills
      @frame = frame
      freeze
    end

    NONE = new({}.freeze, nil)

    # [object, Capability] filling the slot at `path`, or nil.
    def [](path) = @fills[path]

    def empty? = @fills.empty?

    def self.for(services, given)
      return NONE if given.nil?
      raise TypeError, "bindings: must be a Hash of slot path => object, got #{given.class}" unless Hash === given
      return NONE if given.empty?

      fills = {}
      frame = nil
      given.each do |key, object|
        entry = services.lookup(key) if String === key
        entry = services.lookup(slot_path(services, key)) unless entry&.slot # Symbols, and the errors
        capability, frame_entry = services.fill(entry, object)
        fills[entry.path] = [object, capability].freeze
        (frame ||= []) << frame_entry if frame_entry
      end
      new(fills.freeze, frame && frame_of(frame))
    end

    # MessagePack array headers for up to 15 entries.
    FIXARRAY = Array.new(16) { |n| [0x90 | n].pack("C").freeze }.freeze

    # A MessagePack array of entries already encoded: the slots frame, [[index, [method,
    # ...]], ...], and the values frame of `locals:`.
    def self.frame_of(entries)
      count = entries.size
      return FIXARRAY[1] + entries[0] if count == 1

      (count < 16 ? FIXARRAY[count] : [0xdc, count].pack("Cn")) + entries.join
    end

    def self.slot_path(services, key)
      path = key.is_a?(Symbol) ? key.name : key
      unless path.is_a?(String)
        raise TypeError, "bindings: keys must be slot paths like \"Ctx::User\", got #{key.inspect}"
      end

      entry = services.lookup(path)
      return path if entry&.slot?

      slots = services.slots
      reason = entry ? "is bound at setup, not a slot" : "is not a slot of this Sandbox"
      known = slots.empty? ? "it has no slots (declare one with define(:Ns).slot(:Name) or slot(\"Ns::Name\"))" : "its slots: #{slots.join(', ')}"
      raise ArgumentError, "bindings: #{path.inspect} #{reason}; #{known}"
    end
  end
end
