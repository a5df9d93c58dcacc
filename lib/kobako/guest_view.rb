module Kobako
  # A script's value rendered as the script itself would have seen it (contract X-1): plain
  # values as Ruby inspects them, and every host object that came back through a Handle as
  # the guest shows a Handle (`#<Kobako::Handle Customer>`), never by the host object's own
  # #inspect, which is an undeclared method (it runs host code and may print host data).
  # CodeMode, the CLI, the Sidekiq records, the RSpec matchers and Execution#inspect show
  # values this way.
  module GuestView
    KERNEL_CLASS = Kernel.instance_method(:class)
    PLAIN = [NilClass, TrueClass, FalseClass, Integer, Float, String, Symbol].freeze

    # Stands for a host object in the copy that gets inspected.
    Opaque = Struct.new(:text) do
      def inspect = text
      alias_method :to_s, :inspect
    end

    module_function

    # The inspect text of `value`, with Handles of `handles` (a HandleTable or nil) shown
    # by their exposed class name.
    def inspect(value, handles = nil)
      mirror(value, handles, 0).inspect
    end

    # How a host object in a value is shown: `#<Kobako::Handle Customer>`, or `#<object>`
    # when `handles` does not know it.
    def label(object, handles = nil)
      name = handles&.capability_of(object)&.label
      name ? "#<Kobako::Handle #{name}>" : "#<object>"
    end

    # A copy of `value` in which every object that is not a plain value is an Opaque.
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
        Opaque.new(label(value, handles))
      end
    end
  end
end
