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
    # Value types the codec built from the guest's bytes (docs/values.md), shown by their
    # libraries' own #inspect (never an app's object). By name: the libraries may not be
    # loaded, and ActiveSupport::TimeWithZone calls itself "Time".
    VALUE_CLASSES = %w[BigDecimal Rational Complex Date Time].freeze

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
      return value if PLAIN.include?(klass) || VALUE_CLASSES.include?(klass.name)
      return composite(value, handles, depth) if Record === value || Range === value || (defined?(::Set) && ::Set === value)

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

    # A Record, Range or Set, with its parts shown as the guest shows them.
    def composite(value, handles, depth)
      return Opaque.new(label(value, handles)) if depth > Codec::MAX_DEPTH

      part = ->(v) { mirror(v, handles, depth + 1).inspect }
      text = case value
             when Record
               fields = value.members.zip(value.values).map { |m, v| "#{m}=#{part.call(v)}" }.join(", ")
               "#<#{value.kind.downcase} #{"#{value.guest_class} " unless value.guest_class.empty?}#{fields}>"
             when Range
               "#{part.call(value.begin) unless value.begin.nil?}#{value.exclude_end? ? '...' : '..'}#{part.call(value.end) unless value.end.nil?}"
             else "#<Set: {#{value.map { |v| part.call(v) }.join(', ')}}>"
             end
      Opaque.new(text)
    end
  end
end
