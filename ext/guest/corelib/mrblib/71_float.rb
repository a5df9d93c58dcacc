# Float methods CRuby has and mruby 3.3 lacks; next_float/prev_float are in src/corelib.c.
class Float
  alias === ==

  def coerce(other)
    [Float(other), self]
  end

  def to_int = to_i
  def magnitude = abs

  def angle
    return self if nan?
    negative? || (zero? && (1.0 / self).negative?) ? Math::PI : 0
  end
  alias arg angle
  alias phase angle

  def numerator
    return self if nan? || infinite?
    to_r.numerator
  end

  def denominator
    return self if nan?
    return 1 if infinite?
    to_r.denominator
  end

  # The simplest Rational within eps of self, or, without eps, within the interval of
  # reals that round to self (CRuby's rb_flt_rationalize).
  def rationalize(eps = (no_eps = true; nil))
    raise FloatDomainError, to_s if nan? || infinite?
    if no_eps
      return Rational(0, 1) if zero?
      mantissa, exponent = Math.frexp(abs)
      significand = (mantissa * 2**53).to_i
      shift = exponent - 53
      return Rational(significand * 2**shift * (negative? ? -1 : 1), 1) if shift >= 0
      # The reals that round to self: half a unit in the last place either side. mruby's
      # Rational is 64-bit, so the search runs on Integer numerators and denominators.
      den = 2**(1 - shift)
      num, dnm = Rational.__kobako_simplest_between_fractions(2 * significand - 1, den, 2 * significand + 1, den)
      Rational(negative? ? -num : num, dnm)
    else
      e = eps.abs
      a = self - e
      b = self + e
      return to_r if a == b
      Rational.__kobako_simplest_between(a, b)
    end
  end
end
