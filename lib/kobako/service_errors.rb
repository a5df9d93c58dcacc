module Kobako
  # How an exception raised inside a Service is described to the script (contract S-3:
  # messages that cross are safe). The host keeps the exception itself: it becomes the
  # `cause` of the ServiceError that `eval` raises if the script does not rescue.
  #
  # Policies (`Sandbox.new(service_errors: ...)`):
  #   :sanitized  (default) the class (the nearest standard Ruby class) and the original
  #               message, without did_you_mean/error_highlight additions, with inspections
  #               of host objects, memory addresses and absolute paths removed;
  #   :class_only the class alone (the guest's exception then has the class's default message);
  #   a callable  `->(error) { "text" }`: the String it returns is the message, as is
  #               (it is host code); anything else, or an exception, means :class_only.
  class ServiceErrors
    POLICIES = %i[sanitized class_only].freeze

    # Standard exception classes a script may be told about; any other class is reported as
    # its nearest ancestor in this list (or Errno::*), so host class names stay on the host.
    STANDARD = Set.new(%w[
      StandardError ArgumentError UncaughtThrowError EncodingError FiberError IOError EOFError
      IndexError KeyError StopIteration ClosedQueueError LocalJumpError NameError NoMethodError
      RangeError FloatDomainError RegexpError RuntimeError FrozenError SystemCallError
      ThreadError TypeError ZeroDivisionError NotImplementedError NoMatchingPatternError
      NoMatchingPatternKeyError Math::DomainError Encoding::CompatibilityError
      Encoding::UndefinedConversionError Encoding::InvalidByteSequenceError
      Encoding::ConverterNotFoundError JSON::ParserError JSON::GeneratorError Date::Error
      Kobako::Error Kobako::TrapError Kobako::TimeoutError Kobako::MemoryLimitError
      Kobako::FuelExhaustedError
      Kobako::SandboxError Kobako::ServiceError Kobako::HandleExhaustedError
    ]).freeze
    ERRNO = /\AErrno::E[A-Z0-9]+\z/

    # Longest message (in characters) a script is shown.
    MAX_MESSAGE = 2_000

    KERNEL_METHOD = Kernel.instance_method(:method)
    MODULE_NAME = Module.instance_method(:name)

    def self.policy(value)
      return value if POLICIES.include?(value)
      return value if !value.is_a?(Symbol) && value.respond_to?(:call)

      raise ArgumentError, "service_errors must be :sanitized, :class_only or a callable, got #{value.inspect}"
    end

    def initialize(policy, exposures)
      @policy = policy
      @exposures = exposures
    end

    # What the script is told when a Service raised `error`: the class it sees (the nearest
    # standard one), the message (nil: the class alone) and the name it may log as
    # `#service_class` (the exception's own class name, except under :class_only).
    def describe(error)
      klass = public_class_name(error)
      text = case @policy
             when :class_only then nil
             when :sanitized then MessageSanitizer.clean(original_message(error), @exposures.labels)
             else custom_message(error)
             end
      own = MODULE_NAME.bind_call(Capabilities.class_of(error)) unless @policy == :class_only
      [klass, text, own || klass]
    end

    # The nearest standard class of `error`, by name.
    def public_class_name(error)
      Capabilities.class_of(error).ancestors.each do |mod|
        name = MODULE_NAME.bind_call(mod)
        return name if name && (STANDARD.include?(name) || ERRNO.match?(name))
      end
      "StandardError"
    end

    # The message as the exception itself made it, before did_you_mean or error_highlight
    # added suggestions and source lines drawn from the host.
    def original_message(error)
      message = KERNEL_METHOD.bind_call(error, :message)
      text = if message.owner == Exception
               to_s = KERNEL_METHOD.bind_call(error, :to_s)
               to_s = to_s.super_method while to_s && helper?(to_s.owner)
               to_s ? to_s.call : ""
             else
               message.call
             end
      text.is_a?(String) ? truncate(text) : "(no message)"
    rescue StandardError
      "(the message could not be read)"
    end

    private

    def helper?(owner)
      name = MODULE_NAME.bind_call(owner)
      name&.start_with?("DidYouMean", "ErrorHighlight")
    end

    def custom_message(error)
      text = @policy.call(error)
      text.is_a?(String) ? truncate(text) : nil
    rescue StandardError
      nil
    end

    def truncate(text)
      text = text.scrub("?") unless text.valid_encoding?
      text.length > MAX_MESSAGE ? "#{text[0, MAX_MESSAGE]}..." : text
    end
  end
end
