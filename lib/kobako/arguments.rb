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
      key_names = shape.key_names
      keyrest = shape.keyrest
      takes_keywords = shape.takes_keywords
      call = -> { "#{label}.#{method.name}" }

      given = args.size
      given += 1 if !kwargs.empty? && !takes_keywords # keywords become a trailing Hash
      if given < required || (!rest && given > required + optional)
        expected = rest ? "#{required}+" : (optional.zero? ? required.to_s : "#{required}..#{required + optional}")
        raise Mismatch, "wrong number of arguments calling #{call.call} (given #{given}, expected #{expected})"
      end
      return unless takes_keywords

      unknown = keyrest ? [] : kwargs.keys - key_names
      raise Mismatch, "unknown keyword#{'s' if unknown.size > 1} calling #{call.call}: #{unknown.map(&:inspect).join(', ')}" unless unknown.empty?

      missing = shape.keyreq - kwargs.keys
      raise Mismatch, "missing keyword#{'s' if missing.size > 1} calling #{call.call}: #{missing.map(&:inspect).join(', ')}" unless missing.empty?
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
