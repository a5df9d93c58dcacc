# Numeric methods as CRuby defines them: rounding to negative digits and with half:,
# fdiv, gcd/lcm, Integer.sqrt, Rational rounding and parsing.
class Integer
  def round(ndigits = 0, half: nil)
    mode = __kobako_half_mode(half)
    nd = __kobako_int_arg(ndigits)
    return self if nd >= 0
    unit = 10**-nd
    q, r = abs.divmod(unit)
    twice = r * 2
    q += 1 if twice > unit || (twice == unit && (mode == :up || (mode == :even && q.odd?)))
    v = q * unit
    self < 0 ? -v : v
  end

  def floor(ndigits = 0)
    nd = __kobako_int_arg(ndigits)
    return self if nd >= 0
    unit = 10**-nd
    (self / unit) * unit
  end

  def ceil(ndigits = 0)
    nd = __kobako_int_arg(ndigits)
    return self if nd >= 0
    unit = 10**-nd
    -((-self / unit) * unit)
  end

  def truncate(ndigits = 0)
    nd = __kobako_int_arg(ndigits)
    return self if nd >= 0
    self < 0 ? -(-self).floor(nd) : floor(nd)
  end

  def fdiv(other)
    raise TypeError, "#{other.class} can't be coerced into Float" unless other.is_a?(Numeric)
    to_f / other.to_f
  end

  def gcd(other)
    raise TypeError, "not an integer" unless other.is_a?(Integer)
    a = abs
    b = other.abs
    a, b = b, a % b while b != 0
    a
  end

  def lcm(other)
    raise TypeError, "not an integer" unless other.is_a?(Integer)
    return 0 if self == 0 || other == 0
    (self / gcd(other) * other).abs
  end

  def gcdlcm(other)
    [gcd(other), lcm(other)]
  end

  def ceildiv(other)
    -(-self).div(other)
  end

  def rationalize(_eps = nil)
    Rational(self, 1)
  end

  def self.sqrt(n)
    n = __kobako_int_arg(n)
    raise Math::DomainError, 'Numerical argument is out of domain - "isqrt"' if n < 0
    return n if n < 2
    x = Math.sqrt(n).to_i
    x -= 1 while x * x > n
    x += 1 while (x + 1) * (x + 1) <= n
    x
  end
end

class Float
  alias __kobako_round_up round

  def round(ndigits = 0, half: nil)
    mode = __kobako_half_mode(half)
    return __kobako_round_up(ndigits) if mode == :up || nan? || infinite?
    nd = __kobako_int_arg(ndigits)
    return __kobako_round_up(ndigits) if nd > 14 || nd < 0
    scale = 10.0**nd
    x = abs
    down = (x * scale).floor
    tie = (down + 0.5) / scale == x
    f = if tie
          mode == :even && down.odd? ? down + 1 : down
        else
          (x * scale).round
        end
    v = nd > 0 ? f / scale : f.to_i
    self < 0 ? -v : v
  end

  def fdiv(other)
    raise TypeError, "#{other.class} can't be coerced into Float" unless other.is_a?(Numeric)
    self / other.to_f
  end
end

class Rational
  def floor(ndigits = 0)
    __kobako_round_with(ndigits) { |r| r.numerator.div(r.denominator) }
  end

  def ceil(ndigits = 0)
    __kobako_round_with(ndigits) { |r| -(-r.numerator).div(r.denominator) }
  end

  def truncate(ndigits = 0)
    __kobako_round_with(ndigits) do |r|
      q = r.numerator.abs / r.denominator
      r.numerator < 0 ? -q : q
    end
  end

  def round(ndigits = 0, half: nil)
    mode = __kobako_half_mode(half)
    __kobako_round_with(ndigits) do |r|
      n = r.numerator.abs
      d = r.denominator
      q, rem = n.divmod(d)
      twice = rem * 2
      q += 1 if twice > d || (twice == d && (mode == :up || (mode == :even && q.odd?)))
      r.numerator < 0 ? -q : q
    end
  end

  def __kobako_round_with(ndigits)
    nd = __kobako_int_arg(ndigits)
    return yield(self) if nd == 0
    scale = Rational(10**nd.abs, 1)
    if nd > 0
      Rational(yield(self * scale), 1) / scale
    else
      yield(self / scale) * (10**-nd)
    end
  end

  def abs
    numerator < 0 ? -self : self
  end
  alias magnitude abs

  def zero?
    numerator == 0
  end

  def positive?
    numerator > 0
  end

  def integer?
    false
  end

  def fdiv(other)
    to_f / other.to_f
  end

  def rationalize(_eps = nil)
    self
  end
end

class String
  # CRuby's String#to_r: the longest leading rational ("1/3", "0.035", "-2e3"), else 0.
  def to_r
    Rational.__kobako_parse(self, false) || Rational(0, 1)
  end
end

class Rational
  DECIMAL = /\A\s*([-+])?(\d[\d_]*)?(?:\.(\d[\d_]*))?(?:[eE]([-+]?\d+))?(?:\/(\d[\d_]*))?/

  # strict: the whole string must be a rational (Kernel#Rational); else a prefix is enough.
  def self.__kobako_parse(str, strict)
    m = DECIMAL.match(str)
    return nil if m.nil? || (m[2].nil? && m[3].nil?)
    return nil if strict && !m.post_match.match?(/\A\s*\z/)
    return nil if strict && (str.include?("__") || m[0].match?(/_(\D|\z)/))
    int = (m[2] || "0").delete("_")
    frac = (m[3] || "").delete("_")
    num = (int + frac).to_i
    den = 10**frac.size
    if m[4]
      e = m[4].to_i
      e >= 0 ? num *= 10**e : den *= 10**-e
    end
    den *= m[5].delete("_").to_i if m[5]
    raise ZeroDivisionError, "divided by 0" if den == 0
    num = -num if m[1] == "-"
    Rational(num, den)
  end
end

module Kernel
  alias __kobako_Rational Rational
  alias __kobako_Integer Integer
  alias __kobako_Float Float

  def Rational(a, b = 1, exception: true)
    a = __kobako_rational_arg(a)
    b = __kobako_rational_arg(b)
    return a if b == 1 && a.is_a?(Rational)
    a = Rational(a.numerator, a.denominator) if a.is_a?(Rational)
    b.is_a?(Rational) || a.is_a?(Rational) ? __kobako_Rational(a, 1) / b : __kobako_Rational(a, b)
  rescue ArgumentError, TypeError, ZeroDivisionError
    raise if exception
    nil
  end

  def __kobako_rational_arg(v)
    case v
    when String
      Rational.__kobako_parse(v, true) or raise ArgumentError, "invalid value for convert(): #{v.inspect}"
    when nil
      raise TypeError, "can't convert nil into Rational"
    when Float
      v.to_r
    else
      v
    end
  end

  def Integer(arg, base = nil, exception: true)
    return (base.nil? ? __kobako_Integer(arg) : __kobako_Integer(arg, base)) if exception
    return nil if arg.nil?
    begin
      base.nil? ? __kobako_Integer(arg) : __kobako_Integer(arg, base)
    rescue ArgumentError, TypeError, RangeError, FloatDomainError
      nil
    end
  end

  def Float(arg, exception: true)
    return __kobako_Float(arg) if exception
    return nil if arg.nil?
    begin
      __kobako_Float(arg)
    rescue ArgumentError, TypeError, RangeError
      nil
    end
  end

  module_function :Rational, :Integer, :Float
end
