# Kernel#caller_locations and Exception#backtrace_locations: CRuby's
# Thread::Backtrace::Location objects, read from the guest's backtrace strings
# ("(eval):3:in name", "(eval):1" for the top level). The guest has no threads: Thread is
# only the namespace of Backtrace::Location here, and Thread.new says so. corelib's own
# frames carry no line information, so caller(0) here starts at the calling frame.
class Thread
  def self.new(*)
    raise NotImplementedError, "threads are not available in the sandbox"
  end

  class << self
    alias start new
    alias fork new
  end

  module Backtrace
    class Location
      def initialize(line)
        @line = line
        m = /\A(.*?):(\d+)(?::in (.*))?\z/.match(line)
        if m
          @path = m[1]
          @lineno = m[2].to_i
          @label = m[3] ? m[3].delete_prefix("`").delete_suffix("'") : "<main>"
        else
          @path = line
          @lineno = 0
          @label = nil
        end
      end

      attr_reader :path, :lineno, :label

      def base_label = @label
      # Scripts have no file on the host.
      def absolute_path = nil
      def to_s = @label ? "#{@path}:#{@lineno}:in `#{@label}'" : @line
      def inspect = to_s.inspect
    end
  end
end

module Kernel
  def caller_locations(start = 1, length = nil)
    if start.is_a?(Range)
      lines = caller(0)[start]
      return nil if lines.nil?
    else
      raise ArgumentError, "negative level (#{start})" if start.negative?
      lines = caller(0)
      return nil if start > lines.size
      lines = lines.drop(start)
      unless length.nil?
        raise ArgumentError, "negative size (#{length})" if length.negative?
        lines = lines.first(length)
      end
    end
    lines.map { |l| Thread::Backtrace::Location.new(l) }
  end
end

class Exception
  def backtrace_locations
    trace = backtrace
    trace&.map { |l| Thread::Backtrace::Location.new(l) }
  end
end
