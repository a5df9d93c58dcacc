# Rational and Complex methods CRuby has and mruby 3.3 lacks.
class Rational
  # The simplest rational in [a, b) by continued fractions (CRuby's
  # nurat_rationalize_internal); a and b may be Rationals or Floats.
  def self.__kobako_simplest_between(a, b)
    p0 = 0
    p1 = 1
    q0 = 1
    q1 = 0
    loop do
      c = a.ceil
      break Rational(c * p1 + p0, c * q1 + q0) if c < b
      k = c - 1
      p0, p1 = p1, k * p1 + p0
      q0, q1 = q1, k * q1 + q0
      t = __kobako_reciprocal(b - k)
      b = __kobako_reciprocal(a - k)
      a = t
    end
  end

  # The same on fractions an/ad < bn/bd with positive denominators, as [num, den].
  def self.__kobako_simplest_between_fractions(an, ad, bn, bd)
    p0 = 0
    p1 = 1
    q0 = 1
    q1 = 0
    loop do
      c = -((-an) / ad)
      return [c * p1 + p0, c * q1 + q0] if c * bd < bn
      k = c - 1
      p0, p1 = p1, k * p1 + p0
      q0, q1 = q1, k * q1 + q0
      an, ad, bn, bd = bd, bn - k * bd, ad, an - k * ad
    end
  end

  def self.__kobako_reciprocal(x)
    x.is_a?(Float) ? 1.0 / x : Rational(1, 1) / x
  end

  def rationalize(eps = (no_eps = true; nil))
    return self if no_eps
    e = eps.abs
    a = self - e
    b = self + e
    return self if a == b
    Rational.__kobako_simplest_between(a, b)
  end

  # Fix: mruby's Rational to a negative Integer power was (0/1).
  alias __kobako_pow_plain **

  def **(other)
    other = other.numerator if other.is_a?(Rational) && other.denominator == 1
    return __kobako_pow_plain(other) unless other.is_a?(Integer)
    return Rational(1, 1) if other.zero?
    return Rational(numerator**other, denominator**other) if other.positive?
    raise ZeroDivisionError, "divided by 0" if zero?
    num = denominator**-other
    den = numerator**-other
    den.negative? ? Rational(-num, -den) : Rational(num, den)
  end

  def coerce(other)
    case other
    when Integer then [Rational(other, 1), self]
    when Float then [other, to_f]
    when Rational then [other, self]
    when Complex then [other, Complex(self, 0)]
    else raise TypeError, "#{other.class} can't be coerced into Rational"
    end
  end
end

class Complex
  def coerce(other)
    return [other, self] if other.is_a?(Complex)
    return [Complex(other, 0), self] if other.is_a?(Numeric)
    raise TypeError, "#{other.class} can't be coerced into Complex"
  end

  def <=>(other)
    return nil unless imaginary.zero?
    if other.is_a?(Complex)
      other.imaginary.zero? ? real <=> other.real : nil
    elsif other.is_a?(Numeric)
      real <=> other
    end
  end

  def denominator
    real.denominator.lcm(imaginary.denominator)
  end

  def numerator
    d = denominator
    Complex(real.numerator * (d / real.denominator), imaginary.numerator * (d / imaginary.denominator))
  end

  def rationalize(eps = (no_eps = true; nil))
    # mruby's Complex keeps Float parts, so an exact zero cannot be told from 0.0.
    raise RangeError, "can't convert #{self} into Rational" unless imaginary.zero?
    no_eps ? real.rationalize : real.rationalize(eps)
  end

  def **(other)
    return Complex(1, 0) if (other.is_a?(Integer) || other.is_a?(Rational)) && other.zero?
    other = other.numerator if other.is_a?(Rational) && other.denominator == 1
    if other.is_a?(Complex) && (other.imaginary.is_a?(Integer) || other.imaginary.is_a?(Rational)) && other.imaginary.zero?
      other = other.real
    end
    return Complex(real, imaginary) if other == 1 && other.is_a?(Integer)

    if other.is_a?(Complex)
      r = abs
      theta = arg
      log_r = Math.log(r)
      nr = Math.exp(other.real * log_r - other.imaginary * theta)
      ntheta = theta * other.real + other.imaginary * log_r
      return Complex.polar(nr, ntheta)
    end
    return __kobako_int_pow(other) if other.is_a?(Integer)
    if other.is_a?(Numeric)
      return Complex.polar(abs**other, arg * other)
    end
    raise TypeError, "#{other.class} can't be coerced into Complex" unless other.respond_to?(:coerce)
    a, b = other.coerce(self)
    a**b
  end

  def __kobako_int_pow(n)
    base = self
    if n < 0
      base = Rational(1, 1) / self
      n = -n
    end
    xr = base.real
    xi = base.imaginary
    return Complex(xr**n, xi) if xi.zero?
    if xr.zero?
      zi = xi**n
      zi = -zi if n & 2 != 0
      return n.odd? ? Complex(xr, zi) : Complex(zi, xr)
    end
    zr = xr
    zi = xi
    n -= 1
    while n > 0
      while n.even?
        xr, xi = xr * xr - xi * xi, 2 * xr * xi
        n /= 2
      end
      zr, zi = zr * xr - zi * xi, zr * xi + zi * xr
      n -= 1
    end
    Complex(zr, zi)
  end
end

# Kernel#Complex of a String, read strictly (the whole String, spaces aside), with
# exception: false.
module Kernel
  alias __kobako_complex_plain Complex

  def Complex(*args, exception: true)
    if args.any? { |a| a.is_a?(String) }
      parts = args.map { |a| a.is_a?(String) ? a.__kobako_strict_complex : a }
      if parts.include?(nil)
        return nil unless exception
        bad = args[parts.index(nil)]
        raise ArgumentError, "invalid value for convert(): #{bad.inspect}"
      end
      return parts.size == 1 ? parts[0] : parts[0] + parts[1] * Complex(0, 1)
    end
    return __kobako_complex_plain(*args) if exception
    begin
      args.include?(nil) ? nil : __kobako_complex_plain(*args)
    rescue StandardError
      nil
    end
  end
end

class String
  def __kobako_strict_complex
    text = strip
    COMPLEX_FORMS.each do |form|
      m = form.match(text)
      return text.to_c if m && m.post_match.empty? && !m[0].strip.empty?
    end
    nil
  end
end
