module Kobako
  # Checks a guest call's arguments against the Service method's parameters before the
  # call, so wrong arity and unknown or missing keywords get their own messages (S-4)
  # instead of an ArgumentError from inside the Service.
  module Arguments
    class Mismatch < StandardError; end

    # The methods that run a Proc or Method: checked against its own parameters.
    INVOKERS = %i[call [] yield].freeze

    module_function

    def check!(method, receiver, args, kwargs, label)
      params = parameters(method, receiver)
      return if params.nil?

      required = params.count { |kind, _| kind == :req }
      optional = params.count { |kind, _| kind == :opt }
      rest = params.any? { |kind, _| kind == :rest }
      key_names = params.filter_map { |kind, name| name if %i[key keyreq].include?(kind) }
      keyrest = params.any? { |kind, _| kind == :keyrest }
      takes_keywords = keyrest || !key_names.empty?
      call = "#{label}.#{method.name}"

      given = args.size
      given += 1 if !kwargs.empty? && !takes_keywords # keywords become a trailing Hash
      if given < required || (!rest && given > required + optional)
        expected = rest ? "#{required}+" : (optional.zero? ? required.to_s : "#{required}..#{required + optional}")
        raise Mismatch, "wrong number of arguments calling #{call} (given #{given}, expected #{expected})"
      end
      return unless takes_keywords

      unknown = keyrest ? [] : kwargs.keys - key_names
      raise Mismatch, "unknown keyword#{'s' if unknown.size > 1} calling #{call}: #{unknown.map(&:inspect).join(', ')}" unless unknown.empty?

      missing = params.filter_map { |kind, name| name if kind == :keyreq } - kwargs.keys
      raise Mismatch, "missing keyword#{'s' if missing.size > 1} calling #{call}: #{missing.map(&:inspect).join(', ')}" unless missing.empty?
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
