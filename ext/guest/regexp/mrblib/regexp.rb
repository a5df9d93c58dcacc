# Regexp and MatchData as CRuby has them, on the engine primitives of src/regexp.c
# (__compile, __search, __match_at, __test, __scan, __byte_range, __char_range, __group).
class Regexp
  FLAG_BITS = { "i" => IGNORECASE, "x" => EXTENDED, "m" => MULTILINE }.freeze

  class << self
    # Regexp.new(pattern, options = nil): pattern a String or a Regexp (whose options are
    # kept); options an Integer, true (ignore case), or a String of flags like "mix".
    def new(pattern, options = nil, _encoding = nil)
      if pattern.is_a?(Regexp)
        return __compile(pattern.source, pattern.options)
      end
      raise TypeError, "no implicit conversion of #{pattern.class} into String" unless pattern.is_a?(String)

      __compile(pattern, __option_bits(options))
    end

    # What a literal /.../ compiles to (the compiler emits Regexp.compile(source, flags) each
    # time the literal is evaluated): compiled once per source and flags. A literal's
    # `\/` is the `/` it escapes, as in CRuby's #source.
    def compile(pattern, options = nil, encoding = nil)
      return new(pattern, options, encoding) unless pattern.is_a?(String)

      cache = (@__literals ||= {})
      key = [pattern, options]
      cache[key] ||= begin
        cache.clear if cache.size >= 1_000
        new(pattern.include?("\\/") ? __unescape_slashes(pattern) : pattern, options)
      end
    end

    def __unescape_slashes(pattern)
      out = +""
      i = 0
      while i < pattern.size
        c = pattern[i]
        if c == "\\" && pattern[i + 1] == "/"
          out << "/"
          i += 2
        elsif c == "\\"
          out << c << pattern[i + 1].to_s
          i += 2
        else
          out << c
          i += 1
        end
      end
      out
    end

    def __option_bits(options)
      case options
      when Integer then options & (IGNORECASE | EXTENDED | MULTILINE)
      when nil, false then 0
      when String
        options.each_char.sum do |c|
          FLAG_BITS.fetch(c) { c =~ /\A[nesu]\z/ ? 0 : raise(ArgumentError, "unknown regexp option: #{options}") }
        end
      else IGNORECASE
      end
    end

    # Escapes the characters that have a meaning in a pattern.
    def escape(str)
      str = str.to_s
      out = +""
      str.each_char do |c|
        out << case c
               when "\n" then "\\n"
               when "\t" then "\\t"
               when "\r" then "\\r"
               when "\f" then "\\f"
               when "\v" then "\\v"
               when " " then "\\ "
               when ".", "*", "?", "+", "^", "$", "|", "(", ")", "[", "]", "{", "}", "\\", "-", "#" then "\\#{c}"
               else c
               end
      end
      out
    end
    alias quote escape

    def union(*patterns)
      patterns = patterns.first if patterns.size == 1 && patterns.first.is_a?(Array)
      return new("(?!)") if patterns.empty?
      return patterns.first if patterns.size == 1 && patterns.first.is_a?(Regexp)

      new(patterns.map { |p| p.is_a?(Regexp) ? p.to_s : escape(p) }.join("|"))
    end

    def last_match(n = nil)
      md = $~
      return md if n.nil?

      md && md[n]
    end

    def try_convert(obj) = obj.is_a?(Regexp) ? obj : nil
  end

  def casefold? = options & IGNORECASE != 0

  # [[name, [group, ...]], ...] in the order the names first appear in the pattern.
  def __names = (@__names ||= __names_by_hash.sort_by { |_, groups| groups.min })

  def names = __names.map(&:first)

  def named_captures = __names.to_h { |name, groups| [name, groups] }

  def match(str, pos = 0, &block)
    if str.nil?
      Regexp.__last_match = nil
      return nil
    end
    str = str.to_s if str.is_a?(Symbol)
    md = __search_from_char(str, pos)
    Regexp.__last_match = md
    return md unless block

    md && block.call(md)
  end

  def match?(str, pos = 0)
    return false if str.nil?

    str = str.to_s if str.is_a?(Symbol)
    byte = __byte_pos(str, pos)
    byte ? __test(str, byte) : false
  end

  def =~(str)
    if str.nil?
      Regexp.__last_match = nil
      return nil
    end
    str = str.to_s if str.is_a?(Symbol)
    raise TypeError, "no implicit conversion of #{str.class} into String" unless str.is_a?(String)

    md = __search(str, 0, str.bytesize)
    Regexp.__last_match = md
    md && md.begin(0)
  end

  def ===(obj)
    str = obj.is_a?(Symbol) ? obj.to_s : obj
    return false unless str.is_a?(String)

    md = __search(str, 0, str.bytesize)
    Regexp.__last_match = md
    !md.nil?
  end

  def ~
    line = $_
    line.is_a?(String) ? (self =~ line) : nil
  end

  def ==(other) = other.is_a?(Regexp) && source == other.source && options == other.options
  alias eql? ==

  def hash = [source, options].hash

  def to_s
    on = +""
    off = +""
    [[MULTILINE, "m"], [IGNORECASE, "i"], [EXTENDED, "x"]].each { |bit, c| (options & bit != 0 ? on : off) << c }
    "(?#{on}#{off.empty? ? '' : "-#{off}"}:#{source})"
  end

  def inspect
    flags = [[MULTILINE, "m"], [IGNORECASE, "i"], [EXTENDED, "x"]].map { |bit, c| options & bit != 0 ? c : "" }.join
    "/#{source.gsub(%r{(?<!\\)/}) { '\\/' }}/#{flags}"
  end

  def freeze = self
  def frozen? = true

  # The byte offset of character position `pos` (negative counts from the end), or nil
  # when it is outside the String.
  def __byte_pos(str, pos)
    len = str.size
    pos += len if pos.negative?
    return nil if pos.negative? || pos > len

    pos.zero? ? 0 : str[0, pos].bytesize
  end

  def __search_from_char(str, pos)
    byte = __byte_pos(str, pos)
    byte && __search(str, byte, str.bytesize)
  end
end

class MatchData
  def [](index, length = nil)
    return to_a[index, length] if length
    return to_a[index] if index.is_a?(Range)

    if index.is_a?(Integer)
      # As in CRuby, a negative index counts groups from the end and never reaches the
      # whole match.
      if index.negative?
        index += size
        return nil if index <= 0
      end
      return nil if index >= size
    end
    __group(__group_index(index))
  end

  def begin(n) = __char_range(__group_index(n))&.first
  def end(n) = __char_range(__group_index(n))&.last
  def offset(n) = __char_range(__group_index(n)) || [nil, nil]
  def byteoffset(n) = __byte_range(__group_index(n)) || [nil, nil]

  def pre_match = string.byteslice(0, __byte_range(0).first)

  def post_match
    finish = __byte_range(0).last
    string.byteslice(finish, string.bytesize - finish)
  end

  def to_a = Array.new(size) { |i| __group(i) }
  def captures = Array.new(size - 1) { |i| __group(i + 1) }
  def deconstruct = captures

  def names = regexp.names

  # { name => text } with the last group of each name that took part.
  def named_captures(symbolize_names: false)
    regexp.__names.to_h do |name, groups|
      value = nil
      groups.each { |g| value = __group(g) if __byte_range(g) }
      [symbolize_names ? name.to_sym : name, value]
    end
  end

  # As CRuby: the named groups asked for, stopping at the first that is not there.
  def deconstruct_keys(keys)
    captures = named_captures(symbolize_names: true)
    return captures if keys.nil?
    raise TypeError, "wrong argument type #{keys.class} (expected Array or nil)" unless keys.is_a?(Array)
    return {} if keys.size > captures.size
    found = {}
    keys.each do |k|
      raise TypeError, "wrong argument type #{k.class} (expected Symbol)" unless k.is_a?(Symbol)
      break unless captures.key?(k)
      found[k] = captures[k]
    end
    found
  end

  def values_at(*indexes) = indexes.flat_map { |i| i.is_a?(Range) ? to_a[i] : [self[i]] }

  def to_s = __group(0)

  def ==(other)
    other.is_a?(MatchData) && string == other.string && regexp == other.regexp && to_a == other.to_a &&
      byteoffset(0) == other.byteoffset(0)
  end
  alias eql? ==

  def inspect
    parts = ["#<MatchData #{to_s.inspect}"]
    labels = Array.new(size, nil)
    regexp.__names.each { |name, groups| groups.each { |g| labels[g] = name } }
    (1...size).each { |i| parts << "#{labels[i] || i}:#{__group(i).inspect}" }
    "#{parts.join(' ')}>"
  end

  # A group by number, or by name (the last group of that name that took part).
  def __group_index(index)
    case index
    when Integer
      index += size if index.negative?
      raise IndexError, "index #{index} out of matches" if index.negative? || index >= size

      index
    when String, Symbol
      groups = regexp.__names.find { |name, _| name == index.to_s }&.last
      raise IndexError, "undefined group name reference: #{index}" unless groups

      groups.reverse.find { |g| __byte_range(g) } || groups.last
    else
      raise TypeError, "no implicit conversion of #{index.class} into Integer"
    end
  end
end
