# Exception methods CRuby has and mruby 3.3 lacks.
class Exception
  # The sandbox's stderr is captured, never a terminal.
  def self.to_tty? = false

  def ==(other)
    return true if equal?(other)
    other.class == self.class && other.message == message && other.backtrace == backtrace
  end

  def full_message(highlight: false, order: :top)
    unless highlight == true || highlight == false || highlight.nil?
      raise ArgumentError, "expected true or false as highlight: #{highlight.inspect}"
    end
    unless order == :top || order == :bottom || order.nil?
      raise ArgumentError, "expected :top or :bottom as order: #{order.inspect}"
    end
    trace = backtrace || []
    text = message.to_s
    text = "unhandled exception" if text.empty?
    first, rest = text.split("\n", 2)
    head = "#{trace.first || '(eval)'}: #{first} (#{self.class})"
    head = "#{trace.first || '(eval)'}: \e[1m#{first} (\e[1;4m#{self.class}\e[m\e[1m)\e[m" if highlight
    head += "\n#{highlight ? rest.lines.map { |l| "\e[1m#{l.chomp}\e[m\n" }.join : rest}" if rest
    head += "\n" unless head.end_with?("\n")
    from = trace.drop(1)
    if order == :bottom
      lines = from.each_with_index.map { |l, i| "\t#{from.size - i}: from #{l}\n" }.reverse
      "Traceback (most recent call last):\n#{lines.join}#{head}"
    else
      head + from.map { |l| "\tfrom #{l}\n" }.join
    end
  end
end

class Exception
  # CRuby 3.3's: the class name alone for an empty message, else #<Class: message>.
  def inspect
    text = to_s
    text.empty? ? self.class.to_s : "#<#{self.class}: #{text}>"
  end
end

# raise(..., cause: exception_or_nil): the cause given instead of the one being handled.
module Kernel
  alias __kobako_raise_plain raise

  def raise(*args, cause: (no_cause = true; nil))
    return __kobako_raise_plain(*args) if no_cause
    __kobako_raise_plain(ArgumentError, "only cause is given with no arguments") if args.empty?
    exc = if args[0].is_a?(String) then RuntimeError.new(args[0])
          elsif args.size > 1 then args[0].exception(args[1])
          else args[0].exception
          end
    __kobako_raise_plain(TypeError, "exception class/object expected") unless exc.is_a?(Exception)
    exc.set_backtrace(args[2]) if args.size > 2
    exc.__kobako_set_cause(cause)
    __kobako_raise_plain(exc)
  end
end
