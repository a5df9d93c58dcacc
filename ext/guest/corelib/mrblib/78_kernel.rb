# Kernel, NilClass, TrueClass and FalseClass methods CRuby has and mruby 3.3 lacks,
# SystemExit with Kernel#exit and #abort, and Kernel#pp.
class SystemExit < Exception
  attr_reader :status

  def initialize(*args)
    status = 0
    if !args.empty? && (args[0] == true || args[0] == false || args[0].is_a?(Integer))
      first = args.shift
      status = first == true ? 0 : (first == false ? 1 : first)
    end
    super(*args.empty? ? ["SystemExit"] : args)
    @status = status
  end

  def success? = @status.zero?
end

module Kernel
  # A script that exits ends its invocation by raising SystemExit, as CRuby does
  # (ensure clauses run; a rescue of SystemExit or Exception sees it).
  def exit(status = true)
    raise SystemExit.new(status, "exit")
  end

  def abort(message = nil)
    unless message.nil?
      message = __kobako_str_arg(message)
      $stderr.puts(message)
    end
    raise SystemExit.new(false, message || "exit")
  end

  def display(port = $stdout)
    port.write(self)
    nil
  end

  # mruby 3.3 does not enforce method visibility, so every method is public.
  def public_method(name) = method(name)
  def public_send(name, *args, **kwargs, &block) = __send__(name, *args, **kwargs, &block)

  def pp(*objects)
    objects.each { |obj| $stdout.syswrite(__kobako_pretty(obj, 0, 80) + "\n") }
    objects.size <= 1 ? objects.first : objects
  end

  # pp's layout: an Array or Hash too wide for what is left of the line puts one
  # element per line, indented under its opening bracket.
  def __kobako_pretty(obj, indent, room)
    flat = obj.inspect
    return flat if flat.size <= room || !(obj.is_a?(Array) || obj.is_a?(Hash)) || obj.empty?
    pad = "\n" + " " * (indent + 1)
    if obj.is_a?(Array)
      parts = obj.each_with_index.map do |v, i|
        __kobako_pretty(v, indent + 1, 80 - indent - 1 - (i == obj.size - 1 ? 1 : 0) - 1)
      end
      "[" + parts.join("," + pad) + "]"
    else
      pairs = obj.to_a
      parts = pairs.each_with_index.map do |(k, v), i|
        key = k.inspect + "=>"
        last = i == pairs.size - 1 ? 1 : 0
        value_room = 80 - indent - 1 - key.size - last - 1
        flat_value = v.inspect
        if flat_value.size <= value_room
          key + flat_value
        else
          key + "\n" + " " * (indent + 2) + __kobako_pretty(v, indent + 2, 80 - indent - 2 - last - 1)
        end
      end
      "{" + parts.join("," + pad) + "}"
    end
  end
end

class NilClass
  alias === ==

  def =~(_other) = nil

  def rationalize(_eps = nil) = Rational(0, 1)
end

class TrueClass
  alias === ==
end

class FalseClass
  alias === ==
end
