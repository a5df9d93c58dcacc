module Kobako
  # Checks a guest call's arguments against the Service method's parameters before the
  # call, so wrong arity and unknown or missing keywords get their own messages (S-4)
  # instead of an ArgumentError from inside the Service.
  module Arguments
    class Mismatch < StandardError; end

    # The methods that run a Proc or Method: checked against its own parameters.
    INVOKERS = %i[call [] yield].freeze

    module_function

    # What a parameter list accepts, worked out once per admitted method.
    Shape = Struct.new(:required, :optional, :rest, :key_names, :keyreq, :keyrest) do
      def takes_keywords = keyrest || !key_names.empty?
    end

    # nil when the call is not checked (see #parameters).
    def shape(method, receiver)
      params = parameters(method, receiver)
      return nil if params.nil?

      Shape.new(
        params.count { |kind, _| kind == :req },
        params.count { |kind, _| kind == :opt },
        params.any? { |kind, _| kind == :rest },
        params.filter_map { |kind, name| name if %i[key keyreq].include?(kind) },
        params.filter_map { |kind, name| name if kind == :keyreq },
        params.any? { |kind, _| kind == :keyrest }
      ).freeze
    end

    def check!(method, receiver, args, kwargs, label, shape = shape(method, receiver))
      return if shape.nil?

      required = shape.required
      optional = shape.optional
      rest = shape.rest
      takes_keywords = shape.takes_keywords

      given = args.size
      given += 1 if !kwargs.empty? && !takes_keywords # keywords become a trailing Hash
      if given < required || (!rest && given > required + optional)
        expected = rest ? "#{required}+" : (optional.zero? ? required.to_s : "#{required}..#{required + optional}")
        raise Mismatch, "wrong number of arguments calling #{label}.#{method.name} (given #{given}, expected #{expected})"
      end
      return unless takes_keywords
      return if kwargs.empty? && shape.keyreq.empty? # the common call: nothing more to check

      unknown = shape.keyrest ? [] : kwargs.keys - shape.key_names
      unless unknown.empty?
        raise Mismatch, "unknown keyword#{'s' if unknown.size > 1} calling #{label}.#{method.name}: " \
                        "#{unknown.map(&:inspect).join(', ')}"
      end

      missing = shape.keyreq - kwargs.keys
      return if missing.empty?

      raise Mismatch, "missing keyword#{'s' if missing.size > 1} calling #{label}.#{method.name}: " \
                      "#{missing.map(&:inspect).join(', ')}"
    end

    # The parameter list to check, or nil when Ruby would not check it either (a plain
    # proc's call) or it is unknown (a C method taking any arguments).
    def parameters(method, receiver)
      if (Proc === receiver || Method === receiver) && INVOKERS.include?(method.name)
        return nil if Proc === receiver && !receiver.lambda?

        return receiver.parameters
      end

      params = method.parameters
      params == [[:rest]] ? nil : params
    end
  end
end
