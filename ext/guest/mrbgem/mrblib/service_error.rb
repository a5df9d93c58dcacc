# A failed Service call raises, in the script, an instance of the standard exception class
# the host named (ArgumentError, KeyError, ...; RuntimeError for anything else) that is also
# a Kobako::ServiceError, so both `rescue KeyError` and `rescue Kobako::ServiceError` work.
module Kobako
  module ServiceError
    # "Shop::Orders.refund": the call that failed (nil for a refusal made before calling).
    def service
      @__kobako_service
    end

    # The host exception's class name, for the script's logs.
    def service_class
      @__kobako_service_class
    end

    # Unrescued, the host's Kobako::ServiceError says which call raised what (contract S-4).
    def __kobako_host_message
      return message if @__kobako_service.nil?
      text = message
      head = "#{@__kobako_service} raised #{@__kobako_public_class}"
      return head if text.nil? || text.empty? || text == self.class.to_s
      # A message the host rebuilt already says which call raised what.
      text.start_with?(head) ? text : "#{head}: #{text}"
    end

    def __kobako_refused(name, declared)
      @name = name
      @__kobako_candidates = declared.map(&:to_s)
      self
    end

    def __kobako_hint
      return "" unless @__kobako_candidates && @name
      DidYouMean.hint(@name.to_s, @__kobako_candidates)
    rescue StandardError
      ""
    end
  end

  # Standard exception classes a Service error may arrive as; the host names them. Looked
  # up when the error arrives (corelib defines some of them after this file loads).
  SERVICE_ERROR_CLASSES = %w[
    ArgumentError EncodingError FiberError FloatDomainError FrozenError IndexError IOError EOFError
    KeyError LocalJumpError NameError NoMethodError NotImplementedError RangeError RegexpError
    RuntimeError StopIteration ClosedQueueError ThreadError TypeError ZeroDivisionError
    NoMatchingPatternError NoMatchingPatternKeyError SystemCallError
  ].freeze

  def self.__service_error_class(name)
    name = "SystemCallError" if name.start_with?("Errno::")
    if name == "Math::DomainError"
      k = ::Math::DomainError
    elsif SERVICE_ERROR_CLASSES.include?(name) && ::Object.const_defined?(name.to_sym)
      k = ::Object.const_get(name.to_sym)
    end
    k.is_a?(::Class) && k <= ::Exception ? k : ::RuntimeError
  end

  def self.__service_error(class_name, message, service, service_class)
    class_name = "RuntimeError" unless class_name.is_a?(::String)
    klass = __service_error_class(class_name)
    e = message.is_a?(::String) ? klass.new(message) : klass.new
    e.extend(ServiceError)
    e.instance_variable_set(:@__kobako_service, service.is_a?(::String) ? service : nil)
    e.instance_variable_set(:@__kobako_public_class, class_name)
    e.instance_variable_set(:@__kobako_service_class, service_class.is_a?(::String) ? service_class : class_name)
    e
  end
end
