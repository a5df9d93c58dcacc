module Kobako
  # How an exception raised inside a Service is described to the script (contract S-3, X-1:
  # text is default-deny). The host keeps the exception itself: it becomes the `cause` of
  # the ServiceError that `eval` raises if the script does not rescue.
  #
  # Policies (`Sandbox.new(service_errors: ...)`):
  #   :sanitized  (default) the class (the nearest standard Ruby class) and, when the app
  #               wrote the message (see #app_written?), that message without did_you_mean/
  #               error_highlight additions and with inspections of host objects, memory
  #               addresses and absolute paths removed. A message Ruby or a library wrote
  #               (about a host object, as most of theirs are) is replaced by one kobako
  #               builds from what the script can see: the Service and method it called,
  #               the class, and which of its own arguments the error was about;
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

    # Classes an app raises with words of its own (`raise ArgumentError, "amount must be
    # positive"`, `raise "no such order"`), whose messages pass when the app's own code
    # raised them. Ruby itself raises these inside an app's method (rather than inside a C
    # method or a library) only with messages that carry no host data, except for the
    # wordings in RUBY_WORDINGS (its KeyErrors come from C methods such as Hash#fetch). Every
    # other class (TypeError, NameError, FrozenError, NoMatchingPatternError, RegexpError,
    # RangeError, ...) Ruby raises from plain Ruby code with inspections or class names of
    # the app's objects, so their messages pass only when the app defined the class.
    APP_RAISABLE = Set.new(%w[StandardError RuntimeError ArgumentError NotImplementedError KeyError IndexError]).freeze
    # What Ruby's VM says in an app's own frame about the app's objects: a failed comparison
    # (`[a, b].max`) names classes, keywords the caller passed, Array#pack's format (3.3).
    RUBY_WORDINGS = /\A(?:comparison of .+ failed|unknown keywords?: |unknown pack directive |too few arguments\z)/m

    # Longest message (in characters) a script is shown.
    MAX_MESSAGE = 2_000

    KERNEL_METHOD = Kernel.instance_method(:method)
    MODULE_NAME = Module.instance_method(:name)
    MODULE_ANCESTORS = Module.instance_method(:ancestors)
    BACKTRACE_LOCATIONS = Exception.instance_method(:backtrace_locations)
    EQUAL = BasicObject.instance_method(:equal?)
    # The objects an exception Ruby raised is about, when it says (which argument it was).
    CARRIED = [
      [NameError, NameError.instance_method(:receiver)],
      [KeyError, KeyError.instance_method(:receiver)],
      [KeyError, KeyError.instance_method(:key)],
      [FrozenError, FrozenError.instance_method(:receiver)]
    ].freeze
    KEY_OF = KeyError.instance_method(:key)
    # Labels of backtrace frames that are Ruby code (a C method's frame is labelled with
    # its bare name).
    RUBY_FRAME = /\A(?:block |block \(|rescue in |ensure in |<)/
    # Plain values whose inspect the script may be shown when it passed them itself.
    SCRIPT_VALUES = [String, Symbol, Integer, Float, NilClass, TrueClass, FalseClass].freeze

    # What a Service call looked like, for messages about it: "Shop::Orders.refund" and the
    # arguments the script passed (as the Service received them).
    Call = Struct.new(:service, :args, :kwargs)

    def self.policy(value)
      return value if POLICIES.include?(value)
      return value if !value.is_a?(Symbol) && value.respond_to?(:call)

      raise ArgumentError, "service_errors must be :sanitized, :class_only or a callable, got #{value.inspect}"
    end

    def initialize(policy, exposures)
      @policy = policy
      @exposures = exposures
    end

    # What the script is told when a Service raised `error` during `call` (a Call, or nil
    # when unknown): the class it sees (the nearest standard one), the message (nil: the
    # class alone) and the name it may log as `#service_class` (the exception's own class
    # name when the app defined that class, else the class it sees).
    # `on_purpose`: the app handed the error over for the script to read (Sandbox#resume's
    # `error:`), so its message counts as app-written even though it was never raised.
    def describe(error, call = nil, on_purpose: false)
      klass = public_class_name(error)
      text = case @policy
             when :class_only then nil
             when :sanitized
               on_purpose ? MessageSanitizer.clean(original_message(error), @exposures.labels) : sanitized_message(error, klass, call)
             else custom_message(error)
             end
      own = app_class_name(error) unless @policy == :class_only
      [klass, text, own || klass]
    end

    # The nearest standard class of `error`, by name.
    def public_class_name(error)
      MODULE_ANCESTORS.bind_call(Capabilities.class_of(error)).each do |mod|
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

    # Rule (X-1): a message reaches the script only when the app wrote it. That is so when
    # the exception's class (or the nearest named class above an anonymous one) is defined
    # in the app's own code, or when the app's own code raised one of the APP_RAISABLE
    # classes by hand: the top frame of the backtrace is in the app (not Ruby's, a gem's or
    # kobako's code), is not a C method's frame, and the text is none of Ruby's
    # RUBY_WORDINGS.
    def app_written?(error)
      named = nearest_named_class(error)
      return true if app_defined?(named)
      return false unless named && APP_RAISABLE.include?(MODULE_NAME.bind_call(named))

      raised_by_app_code?(error)
    end

    # The message kobako builds when Ruby or a library wrote the exception's: the call,
    # the class and, when the exception was about one of the script's own arguments, which.
    # A KeyError for a key the script passed keeps Ruby's wording, all of it the script's.
    def rebuilt_message(error, klass, call)
      return "#{klass} (details withheld: the message was about host data)" unless call

      key = script_key(error, call)
      return truncate("key not found: #{key.inspect}") if key

      about = argument_position(error, call)
      "#{call.service} raised #{klass}#{" about #{about}" if about} (details withheld: the message was about host data)"
    end

    private

    def sanitized_message(error, klass, call)
      # kobako's own errors are worded from what scripts see (a nested Sandbox's errors
      # without their host detail); so is the refusal of an object that is not exposed.
      return truncate(error.guest_message.to_s) if GuestFailure === error
      return original_message(error) if Exposures::NotExposed === error || Kobako::Error === error
      return rebuilt_message(error, klass, call) unless app_written?(error)

      text = original_message(error)
      if RUBY_WORDINGS.match?(text) && !app_defined?(nearest_named_class(error))
        return rebuilt_message(error, klass, call)
      end

      MessageSanitizer.clean(text, @exposures.labels)
    end

    # The exception's class, or the nearest named ancestor of an anonymous one.
    def nearest_named_class(error)
      MODULE_ANCESTORS.bind_call(Capabilities.class_of(error)).find do |mod|
        mod.is_a?(Class) && MODULE_NAME.bind_call(mod)
      end
    end

    # True when the class `klass` is defined in the app's own source (not Ruby's, a gem's
    # or kobako's).
    def app_defined?(klass)
      name = klass && MODULE_NAME.bind_call(klass)
      return false unless name

      location = Object.const_source_location(name)
      location.is_a?(Array) && !location.empty? && !CodeOrigin.library?(location[0])
    rescue StandardError
      false
    end

    # The exception's own class name when the app defined it (the script may log it).
    def app_class_name(error)
      klass = Capabilities.class_of(error)
      app_defined?(klass) ? MODULE_NAME.bind_call(klass) : nil
    end

    def raised_by_app_code?(error)
      locations = BACKTRACE_LOCATIONS.bind_call(error)
      top = locations&.first or return false
      return false if CodeOrigin.library?(top.absolute_path || top.path)

      below = locations[1]
      # A C method's frame carries the path and line of the Ruby code that called it.
      c_method = below && below.path == top.path && below.lineno == top.lineno && !RUBY_FRAME.match?(top.label.to_s)
      !c_method
    end

    # The key of a KeyError when it is a plain value equal to one the script passed.
    def script_key(error, call)
      return nil unless KeyError === error

      key = KEY_OF.bind_call(error)
      kind = Capabilities.class_of(key)
      return nil unless SCRIPT_VALUES.include?(kind)

      passed = call.args + call.kwargs.values
      passed.any? { |arg| Capabilities.class_of(arg).equal?(kind) && arg == key } ? key : nil
    rescue ArgumentError
      nil
    end

    # "the 2nd argument" / "keyword :limit" when the object the exception carries is one
    # the script passed (by identity: nothing of the host object runs).
    def argument_position(error, call)
      carried = CARRIED.filter_map do |klass, reader|
        next unless klass === error

        begin
          reader.bind_call(error)
        rescue ArgumentError
          nil
        end
      end
      carried.each do |object|
        index = call.args.index { |arg| EQUAL.bind_call(arg, object) }
        return "the #{ordinal(index + 1)} argument" if index

        key = call.kwargs.find { |_, value| EQUAL.bind_call(value, object) }&.first
        return "keyword #{key.inspect}" if key
      end
      nil
    end

    def ordinal(n)
      suffix = (11..13).cover?(n % 100) ? "th" : { 1 => "st", 2 => "nd", 3 => "rd" }.fetch(n % 10, "th")
      "#{n}#{suffix}"
    end

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
