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

# Fix: mruby converted a Float beyond 2**62 to a wrong Integer (1e20.to_i was
# 92233720368547758080, 1e19.to_i 9999999997686317056); such a Float is integral, and its
# value is its significand shifted by its exponent.
class Float
  alias __kobako_int_to_i to_i

  def to_i
    return __kobako_int_to_i if nan? || infinite? || abs < 4_611_686_018_427_387_904.0
    mantissa, exponent = Math.frexp(self)
    (mantissa * 2**53).to_i * 2**(exponent - 53)
  end
  alias to_int to_i

  %i[floor ceil round truncate].each do |name|
    plain = :"__kobako_int_#{name}"
    alias_method plain, name
    define_method(name) do |*args, **kwargs|
      digits = args.empty? ? 0 : args[0]
      if digits.is_a?(Integer) && digits >= 0 && finite? && abs >= 4_611_686_018_427_387_904.0
        digits.zero? ? to_i : self
      else
        kwargs.empty? ? __send__(plain, *args) : __send__(plain, *args, **kwargs)
      end
    end
  end
end
