module Kobako
  # The host objects one invocation handed to the guest as Handles (contract H-1..H-3).
  # Ids start at 1, are never reused within the invocation, and the same object always
  # gets the same id. The table dies with the invocation, so ids mean nothing afterwards.
  class HandleTable
    # The cap of H-3. Read when a table is made, so specs can lower it with stub_const.
    MAX_HANDLES = (2**31) - 1

    # A Handle id the table never issued (forged, or from another invocation).
    class UnknownHandle < StandardError; end

    def initialize
      @objects = []
      @ids = {}.compare_by_identity
      @limit = MAX_HANDLES
    end

    def size = @objects.size

    def id_for(object)
      @ids[object] ||= begin
        if @objects.size >= @limit
          raise HandleExhaustedError.new("the invocation created more than #{@limit} Handles",
                                         klass: "Kobako::HandleExhaustedError")
        end
        @objects << object
        @objects.size
      end
    end

    def fetch(id)
      raise UnknownHandle, "unknown Handle ##{id}" unless id.is_a?(Integer) && id.between?(1, @objects.size)

      @objects[id - 1]
    end
  end
end
