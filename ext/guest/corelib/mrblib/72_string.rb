# String methods CRuby has and mruby 3.3 lacks.
module Kernel
  def __kobako_str_arg(v)
    return v if v.is_a?(String)
    return v.to_str if v.respond_to?(:to_str)
    raise TypeError, "no implicit conversion of #{v.nil? ? 'nil' : v.class} into String"
  end
end

class String
  alias === ==

  def self.try_convert(obj)
    return obj if obj.is_a?(String)
    return nil unless obj.respond_to?(:to_str)
    value = obj.to_str
    return value if value.nil? || value.is_a?(String)
    raise TypeError, "can't convert #{obj.class} to String (#{obj.class}#to_str gives #{value.class})"
  end

  def dedup = -self

  # The length of the valid UTF-8 character at byte i, or -(length of the maximal
  # invalid subpart) there (Unicode's "maximal subpart" rule, as CRuby replaces).
  def __kobako_utf8_at(i)
    lead = getbyte(i)
    return 1 if lead < 0x80
    need, low, high =
      if lead >= 0xC2 && lead <= 0xDF then [1, 0x80, 0xBF]
      elsif lead == 0xE0 then [2, 0xA0, 0xBF]
      elsif lead == 0xED then [2, 0x80, 0x9F]
      elsif lead >= 0xE1 && lead <= 0xEF then [2, 0x80, 0xBF]
      elsif lead == 0xF0 then [3, 0x90, 0xBF]
      elsif lead == 0xF4 then [3, 0x80, 0x8F]
      elsif lead >= 0xF1 && lead <= 0xF3 then [3, 0x80, 0xBF]
      else return -1
      end
    k = 1
    while k <= need
      b = getbyte(i + k)
      return -k if b.nil? || b < low || b > high
      low = 0x80
      high = 0xBF
      k += 1
    end
    need + 1
  end

  def scrub(replacement = nil, &block)
    return dup if ascii_only?
    unless replacement.nil?
      replacement = __kobako_str_arg(replacement)
      raise ArgumentError, "replacement must be valid byte sequence '#{replacement}'" unless replacement.valid_encoding?
    end
    out = +""
    i = 0
    size = bytesize
    start = 0
    while i < size
      n = __kobako_utf8_at(i)
      if n > 0
        i += n
        next
      end
      out << byteslice(start, i - start)
      bad = byteslice(i, -n)
      out << (replacement || (block ? __kobako_str_arg(block.call(bad)) : "\uFFFD"))
      i += -n
      start = i
    end
    out << byteslice(start, size - start)
    out
  end

  def scrub!(replacement = nil, &block)
    __kobako_check_frozen
    replace(scrub(replacement, &block))
  end

  UNDUMP_ESCAPES = { "n" => "\n", "t" => "\t", "r" => "\r", "f" => "\f", "v" => "\v", "a" => "\a",
                     "b" => "\b", "e" => "\e", "s" => " " }.freeze

  # The inverse of #dump.
  def undump
    body = self
    unless body.start_with?('"') && body.end_with?('"') && body.size >= 2
      raise RuntimeError, "invalid dumped string; not wrapped with '\"' nor '\"...\".force_encoding(\"...\")' form"
    end
    body = body[1..-2]
    out = "".b
    i = 0
    while i < body.size
      c = body[i]
      if c == '"'
        raise RuntimeError, "unescaped double quote found" # same as CRuby's error
      elsif c != "\\"
        out << c
        i += 1
        next
      end
      e = body[i + 1]
      raise RuntimeError, "invalid escape" if e.nil?
      if e == "x"
        hex = body[i + 2, 2]
        raise RuntimeError, "invalid hex escape" unless hex =~ /\A\h\h\z/
        out << hex.to_i(16).chr
        i += 4
      elsif e == "u"
        if body[i + 2] == "{"
          close = body.index("}", i + 3)
          raise RuntimeError, "unterminated Unicode escape" unless close
          body[(i + 3)...close].split(" ").each { |h| out << h.to_i(16).chr("UTF-8") }
          i = close + 1
        else
          hex = body[i + 2, 4]
          raise RuntimeError, "invalid Unicode escape" unless hex =~ /\A\h{4}\z/
          out << hex.to_i(16).chr("UTF-8")
          i += 6
        end
      else
        out << (UNDUMP_ESCAPES[e] || e)
        i += 2
      end
    end
    out
  end

  COMPLEX_NUMBER = '(?:\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?(?:[eE][-+]?\d+)?(?:/\d+)?)'
  COMPLEX_FORMS = [
    /\A\s*([-+]?#{COMPLEX_NUMBER})@([-+]?#{COMPLEX_NUMBER})/,
    /\A\s*([-+]?#{COMPLEX_NUMBER})?([-+])(#{COMPLEX_NUMBER})?[ij]/,
    /\A\s*()([-+]?)(#{COMPLEX_NUMBER})?[ij]/,
    /\A\s*([-+]?#{COMPLEX_NUMBER})/
  ].freeze

  def __kobako_complex_part(text)
    text = text.delete("_")
    if text.include?("/")
      Rational(text)
    elsif text =~ /[.eE]/
      text.to_f
    else
      text.to_i
    end
  end

  def to_c
    if (m = COMPLEX_FORMS[0].match(self))
      return Complex.polar(__kobako_complex_part(m[1]), __kobako_complex_part(m[2]))
    end
    [COMPLEX_FORMS[1], COMPLEX_FORMS[2]].each do |form|
      next unless (m = form.match(self))
      real = m[1].nil? || m[1].empty? ? 0 : __kobako_complex_part(m[1])
      imag = m[3] ? __kobako_complex_part(m[3]) : 1
      return Complex(real, m[2] == "-" ? -imag : imag)
    end
    m = COMPLEX_FORMS[3].match(self)
    Complex(m ? __kobako_complex_part(m[1]) : 0, 0)
  end
end
