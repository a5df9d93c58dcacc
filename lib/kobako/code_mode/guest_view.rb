module Kobako
  module CodeMode
    # A script's value rendered as the script itself would have seen it (contract X-1): plain
    # values as Ruby inspects them, and every host object that came back through a Handle
    # as the guest shows a Handle (`#<Kobako::Handle Customer>`), never by the host object's
    # own #inspect, which runs host code and may print host data.
    module GuestView
      KERNEL_CLASS = Kernel.instance_method(:class)
      PLAIN = [NilClass, TrueClass, FalseClass, Integer, Float, String, Symbol].freeze

      # Stands for a host object in the copy that gets inspected.
      Opaque = Struct.new(:text) do
        def inspect = text
      end

      module_function

      # The inspect text of `value`, with Handles of `handles` (a HandleTable or nil) shown
      # by their exposed class name.
      def inspect(value, handles)
        mirror(value, handles, 0).inspect
      end

      def mirror(value, handles, depth)
        klass = KERNEL_CLASS.bind_call(value)
        return value if PLAIN.include?(klass)

        if klass.equal?(Array) && depth <= Codec::MAX_DEPTH
          value.map { |v| mirror(v, handles, depth + 1) }
        elsif klass.equal?(Hash) && depth <= Codec::MAX_DEPTH
          copy = value.compare_by_identity? ? {}.compare_by_identity : {}
          value.each { |k, v| copy[mirror(k, handles, depth + 1)] = mirror(v, handles, depth + 1) }
          copy
        else
          label = handles&.capability_of(value)&.label
          Opaque.new(label ? "#<Kobako::Handle #{label}>" : "#<object>")
        end
      end
    end
  end
end
