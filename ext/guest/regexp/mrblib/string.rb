# The String and Symbol methods that take a pattern, as CRuby has them. A Regexp pattern
# runs on the engine; a String pattern (where CRuby takes it literally) becomes an escaped
# Regexp, except where mruby's own implementation already does what CRuby does.
class String
  alias __plain_index index
  alias __plain_rindex rindex
  alias __plain_split split
  alias __plain_aref []
  alias __plain_slice_bang slice!
  alias __plain_start_with? start_with?
  alias __plain_partition partition
  alias __plain_rpartition rpartition

  def =~(other)
    raise TypeError, "wrong argument type String (expected Regexp)" if other.is_a?(String)

    other =~ self
  end

  def match(pattern, pos = 0, &block) = __as_regexp(pattern).match(self, pos, &block)
  def match?(pattern, pos = 0) = __as_regexp(pattern).match?(self, pos)

  def scan(pattern, &block)
    re = __literal_pattern(pattern)
    found = []
    last = nil
    re.__scan(self) do |md|
      last = md
      item = md.size == 1 ? md.__group(0) : md.captures
      if block
        Regexp.__last_match = md
        block.call(item)
      else
        found << item
      end
    end
    Regexp.__last_match = last
    block ? self : found
  end

  def gsub(pattern, *replacement, &block)
    raise ArgumentError, "wrong number of arguments (given #{replacement.size + 1}, expected 1..2)" if replacement.size > 1
    return to_enum(:gsub, pattern) if replacement.empty? && !block

    __substitute(pattern, replacement, block, nil)
  end

  def sub(pattern, *replacement, &block)
    raise ArgumentError, "wrong number of arguments (given #{replacement.size + 1}, expected 2)" if replacement.size > 1
    raise ArgumentError, "wrong number of arguments (given 1, expected 2)" if replacement.empty? && !block

    __substitute(pattern, replacement, block, 1)
  end

  def gsub!(pattern, *replacement, &block)
    return to_enum(:gsub!, pattern) if replacement.empty? && !block

    result = gsub(pattern, *replacement, &block)
    $~ ? replace(result) : nil
  end

  def sub!(pattern, *replacement, &block)
    result = sub(pattern, *replacement, &block)
    $~ ? replace(result) : nil
  end

  def split(pattern = nil, limit = 0, &block)
    return __plain_split(pattern, limit, &block) unless pattern.is_a?(Regexp)

    parts = __split_regexp(pattern, limit)
    return parts unless block

    parts.each(&block)
    self
  end

  def index(pattern, start = 0)
    return __plain_index(pattern, start) unless pattern.is_a?(Regexp)

    md = pattern.__search_from_char(self, start)
    Regexp.__last_match = md
    md&.begin(0)
  end

  def rindex(pattern, start = nil)
    return (start.nil? ? __plain_rindex(pattern) : __plain_rindex(pattern, start)) unless pattern.is_a?(Regexp)

    start = size if start.nil? || start > size
    start += size if start.negative?
    return nil if start.negative?

    md = pattern.__search(self, pattern.__byte_pos(self, start), 0)
    Regexp.__last_match = md
    md&.begin(0)
  end

  def [](*args)
    return __plain_aref(*args) unless args.first.is_a?(Regexp)
    raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 1..2)" if args.size > 2

    md = args.first.match(self)
    md && md[args[1] || 0]
  end
  alias slice []

  def slice!(*args)
    return __plain_slice_bang(*args) unless args.first.is_a?(Regexp)

    md = args.first.match(self)
    return nil unless md

    range = md.__byte_range(md.__group_index(args[1] || 0))
    return nil unless range

    removed = byteslice(range[0], range[1] - range[0])
    replace(byteslice(0, range[0]) + byteslice(range[1], bytesize - range[1]))
    removed
  end

  def start_with?(*prefixes)
    prefixes.any? do |prefix|
      if prefix.is_a?(Regexp)
        md = prefix.__match_at(self, 0)
        Regexp.__last_match = md
        !md.nil?
      else
        __plain_start_with?(prefix)
      end
    end
  end

  def partition(pattern)
    return __plain_partition(pattern) unless pattern.is_a?(Regexp)

    md = pattern.match(self)
    md ? [md.pre_match, md[0], md.post_match] : [dup, "", ""]
  end

  def rpartition(pattern)
    return __plain_rpartition(pattern) unless pattern.is_a?(Regexp)

    md = pattern.__search(self, bytesize, 0)
    Regexp.__last_match = md
    md ? [md.pre_match, md[0], md.post_match] : ["", "", dup]
  end

  # CRuby converts a String given to match/match? into a Regexp as it is.
  def __as_regexp(pattern)
    case pattern
    when Regexp then pattern
    when String then Regexp.new(pattern)
    else raise TypeError, "wrong argument type #{pattern.class} (expected Regexp)"
    end
  end

  # Where CRuby takes a String pattern literally (scan, gsub, sub, ...).
  def __literal_pattern(pattern)
    case pattern
    when Regexp then pattern
    when String then Regexp.new(Regexp.escape(pattern))
    else raise TypeError, "wrong argument type #{pattern.class} (expected Regexp)"
    end
  end

  # gsub (limit nil) and sub (limit 1): the text between matches, and each match replaced
  # by the expanded template, the Hash's value or the block's value.
  def __substitute(pattern, replacement, block, limit)
    re = __literal_pattern(pattern)
    template = replacement.first
    unless replacement.empty? || template.is_a?(Hash)
      template = template.to_str if !template.is_a?(String) && template.respond_to?(:to_str)
      raise TypeError, "no implicit conversion of #{template.class} into String" unless template.is_a?(String)
    end
    out = +""
    pos = 0
    last = nil
    re.__scan(self, limit || -1) do |md|
      b, e = md.__byte_range(0)
      out << byteslice(pos, b - pos)
      out << if replacement.empty?
               Regexp.__last_match = md
               block.call(md.__group(0)).to_s
             elsif template.is_a?(Hash)
               template[md.__group(0)].to_s
             else
               __expand(template, md)
             end
      pos = e
      last = md
    end
    out << byteslice(pos, bytesize - pos)
    Regexp.__last_match = last
    out
  end

  # A replacement template: \0..\9 and \& (the match or a group), \` and \' (before and
  # after the match), \k<name>, \\ (a backslash); any other backslash stays as it is.
  def __expand(template, md)
    return template unless template.include?("\\")

    out = +""
    i = 0
    n = template.size
    while i < n
      c = template[i]
      if c != "\\" || i + 1 >= n
        out << c
        i += 1
        next
      end
      d = template[i + 1]
      case d
      when "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" then out << md[d.to_i].to_s
      when "&" then out << md[0].to_s
      when "`" then out << md.pre_match
      when "'" then out << md.post_match
      when "\\" then out << "\\"
      when "k"
        close = template[i + 2] == "<" ? template.__plain_index(">", i + 3) : nil
        if close
          out << md[template[(i + 3)...close]].to_s
          i = close + 1
          next
        end
        out << "\\k"
      else out << "\\" << d
      end
      i += 2
    end
    out
  end

  def __split_regexp(re, limit)
    return [] if empty?
    return [dup] if limit == 1

    parts = []
    pieces = 0
    pos = 0
    re.__scan(self) do |md|
      # Each piece but the last ends at a match: at most limit - 1 of them.
      next if limit.positive? && pieces >= limit - 1

      b, e = md.__byte_range(0)
      # An empty match at the start or the end does not split.
      next if b == e && (b.zero? || b >= bytesize)

      pieces += 1
      parts << byteslice(pos, b - pos)
      md.captures.each { |c| parts << c if c }
      pos = e
    end
    parts << byteslice(pos, bytesize - pos)
    parts.pop while limit.zero? && !parts.empty? && parts.last.empty?
    parts
  end
end

class Symbol
  def =~(other) = to_s =~ other
  def match(pattern, pos = 0, &block) = to_s.match(pattern, pos, &block)
  def match?(pattern, pos = 0) = to_s.match?(pattern, pos)

  def [](*args) = to_s[*args]
  alias slice []
end

module Enumerable
  unless method_defined?(:grep_v)
    def grep_v(pattern, &block)
      found = reject { |item| pattern === item }
      block ? found.map(&block) : found
    end
  end
end
