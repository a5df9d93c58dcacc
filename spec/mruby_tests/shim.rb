# Guest-side glue for running mruby's own tests (test/assert.rb + one test file) in the
# sandbox. It stands in for what mruby's native driver (mrbgems/mruby-test/driver.c)
# defines in C, and reports every top-level assertion on stdout as one line:
#   "\x02mrbtest\t<status>\t<title>\t<message>\n"
# with backslash, tab and newline escaped. status is pass, fail, skip, warn or crash.
# Printing as we go means the assertions before a crash at a file's top level still count.

# The native driver's t_print writes the progress dots; they are noise here.
def t_print(*_args)
  nil
end

module Mrbtest
  FLOAT_TOLERANCE = 1e-10
end

# File.fnmatch-like matching with {a,b} alternatives, as the driver's _str_match? does
# (byte-wise: `*`, `?`, `[set]` / `[!set]` / `[^set]` with ranges, `\` escapes).
module KobakoGlob
  BACKSLASH = 92

  # (mruby's module_function takes method names only, so singleton methods it is.)
  class << self
    def match?(pattern, string)
      expand(pattern).any? { |alternative| plain?(alternative.bytes, 0, string.bytes, 0) }
    end

    # Every pattern the first outermost {...} group stands for, expanded recursively.
    def expand(pattern)
      bytes = pattern.bytes
      depth = 0
      open_at = nil
      i = 0
      while i < bytes.size
        b = bytes[i]
        if b == BACKSLASH
          i += 1
        elsif b == 123 # {
          open_at = i if depth == 0
          depth += 1
        elsif b == 125 && open_at # }
          depth -= 1
          if depth == 0
            head = pattern.byteslice(0, open_at)
            body = pattern.byteslice(open_at + 1, i - open_at - 1)
            tail = pattern.byteslice(i + 1, bytes.size - i - 1)
            return split_alternatives(body).flat_map { |alt| expand(head + alt + tail) }
          end
        end
        i += 1
      end
      [pattern]
    end

    def split_alternatives(body)
      parts = []
      depth = 0
      start = 0
      bytes = body.bytes
      i = 0
      while i < bytes.size
        b = bytes[i]
        if b == BACKSLASH
          i += 1
        elsif b == 123
          depth += 1
        elsif b == 125
          depth -= 1
        elsif b == 44 && depth == 0 # ,
          parts << body.byteslice(start, i - start)
          start = i + 1
        end
        i += 1
      end
      parts << body.byteslice(start, bytes.size - start)
    end

    def plain?(pat, pi, str, si)
      while pi < pat.size
        case pat[pi]
        when 42 # *
          pi += 1 while pi < pat.size && pat[pi] == 42
          return true if pi == pat.size
          (si..str.size).each { |start| return true if plain?(pat, pi, str, start) }
          return false
        when 63 # ?
          return false if si == str.size
          pi += 1
          si += 1
        when 91 # [
          return false if si == str.size
          after = bracket(pat, pi + 1, str[si])
          return false unless after
          pi = after
          si += 1
        else
          pi += 1 if pat[pi] == BACKSLASH && pi + 1 < pat.size
          return false if si == str.size || pat[pi] != str[si]
          pi += 1
          si += 1
        end
      end
      si == str.size
    end

    # The index after the closing ] when byte c is in the set starting at pi, else nil.
    def bracket(pat, pi, c)
      negated = false
      if pat[pi] == 33 || pat[pi] == 94 # ! ^
        negated = true
        pi += 1
      end
      found = false
      while pi < pat.size && pat[pi] != 93
        pi += 1 if pat[pi] == BACKSLASH
        return nil if pi >= pat.size
        low = pat[pi]
        pi += 1
        if pat[pi] == 45 && pi + 1 < pat.size && pat[pi + 1] != 93 # a-z
          pi += 1
          pi += 1 if pat[pi] == BACKSLASH
          return nil if pi >= pat.size
          high = pat[pi]
          pi += 1
          found = true if low <= c && c <= high
        elsif low == c
          found = true
        end
      end
      return nil if pi >= pat.size
      found == negated ? nil : pi + 1
    end
  end
end

def _str_match?(pattern, str)
  KobakoGlob.match?(pattern, str)
end

# Reporting: wrap the top-level assert of test/assert.rb. Nested asserts fold into their
# parent's result (assert.rb already does that), so only depth 0 is reported.
alias __kobako_mrbtest_assert assert

module KobakoMrbtestReport
  OUT = $stdout
  ESCAPES = { "\\" => "\\\\", "\t" => "\\t", "\n" => "\\n" }.freeze
  @depth = 0

  class << self
    attr_accessor :depth

    # Byte by byte with core methods only: a test may remove Regexp (codegen.rb does).
    def escape(text)
      text = text.to_s
      out = ""
      i = 0
      while i < text.bytesize
        c = text.byteslice(i, 1)
        out << (ESCAPES[c] || c)
        i += 1
      end
      out
    end

    def status_of(messages)
      return "pass" if messages.empty?

      case messages.first.to_s.byteslice(0, 6)
      when "Fail: " then "fail"
      when "Skip: " then "skip"
      when "Warn: " then "warn"
      else "crash"
      end
    end

    def emit(title, messages)
      OUT.syswrite("\x02mrbtest\t#{status_of(messages)}\t#{escape(title)}\t#{escape(messages.join("\n"))}\n")
    end
  end
end

def assert(str = 'assert', iso = '', &block)
  return __kobako_mrbtest_assert(str, iso, &block) if KobakoMrbtestReport.depth > 0

  before = $asserts.size
  KobakoMrbtestReport.depth += 1
  begin
    __kobako_mrbtest_assert(str, iso, &block)
  ensure
    KobakoMrbtestReport.depth -= 1
  end
  KobakoMrbtestReport.emit(str, $asserts[before..-1] || [])
  nil
end
