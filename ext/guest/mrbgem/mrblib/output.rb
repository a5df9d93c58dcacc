# IO-like behaviour of the captured channels and the Kernel printing methods.
# Everything funnels into Kobako::Output#syswrite (src/output.c).
module Kobako
  class Output
    def write(*objects)
      objects.inject(0) { |sum, obj| sum + syswrite(obj.to_s) }
    end

    def print(*objects)
      objects.each { |obj| syswrite(obj.to_s) }
      nil
    end

    def puts(*objects)
      if objects.empty?
        syswrite("\n")
      else
        objects.each { |obj| __puts_one(obj, 0) }
      end
      nil
    end

    def printf(format, *args)
      syswrite(sprintf(format, *args))
      nil
    end

    def putc(char)
      syswrite(char.is_a?(Integer) ? (char & 0xff).chr : char.to_s[0].to_s)
      char
    end

    def <<(obj)
      syswrite(obj.to_s)
      self
    end

    def flush; self; end
    def fsync; 0; end
    def sync; true; end
    def sync=(value); value; end
    def tty?; false; end
    alias isatty tty?
    def fileno; @fd; end

    def inspect
      @fd == 1 ? "#<Kobako::Output:<STDOUT>>" : "#<Kobako::Output:<STDERR>>"
    end

    private

    def __puts_one(obj, depth)
      if obj.is_a?(Array)
        # Ruby prints a recursive array's inner reference as [...]
        return syswrite("[...]\n") if depth > 64
        obj.each { |o| __puts_one(o, depth + 1) } # `puts []` prints nothing, as in CRuby
        return
      end
      s = obj.nil? ? "" : obj.to_s
      s = obj.inspect unless s.is_a?(String)
      syswrite(s)
      syswrite("\n") unless s.end_with?("\n")
    end
  end
end

STDOUT = Kobako::Output.new(1)
STDERR = Kobako::Output.new(2)
$stdout = STDOUT
$stderr = STDERR

module Kernel
  def print(*objects)
    $stdout.print(*objects)
  end

  def puts(*objects)
    $stdout.puts(*objects)
  end

  def p(*objects)
    objects.each { |obj| $stdout.write(obj.inspect, "\n") }
    objects.size <= 1 ? objects.first : objects
  end

  def printf(*args)
    return nil if args.empty?
    if args.first.respond_to?(:syswrite) || args.first.is_a?(Kobako::Output)
      io = args.shift
      io.printf(*args)
    else
      $stdout.printf(*args)
    end
    nil
  end

  def putc(char)
    $stdout.putc(char)
  end

  def warn(*messages, uplevel: nil, category: nil)
    messages.flatten.each { |m| $stderr.puts(m) }
    nil
  end
end
