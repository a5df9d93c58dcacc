# Integer methods CRuby has and mruby 3.3 lacks (the method-coverage sweep,
# spec/kobako/method_coverage_spec.rb).
class Integer
  alias === ==

  def self.try_convert(obj)
    return obj if obj.is_a?(Integer)
    return nil unless obj.respond_to?(:to_int)
    value = obj.to_int
    return value if value.nil? || value.is_a?(Integer)
    raise TypeError, "can't convert #{obj.class} to Integer (#{obj.class}#to_int gives #{value.class})"
  end

  # Bit reference: int[n], int[n, len], int[range].
  def [](index, length = (no_length = true; nil))
    unless no_length
      shifted = self >> __kobako_int_arg(index)
      return shifted & ((1 << __kobako_int_arg(length)) - 1)
    end
    return __kobako_bit_range(index) if index.is_a?(Range)

    bit = __kobako_int_arg(index)
    return 0 if bit < 0
    (self >> bit) & 1
  end

  def __kobako_bit_range(range)
    first = range.begin
    last = range.end
    if first.nil?
      return 0 if last.nil? || last.negative?
      width = range.exclude_end? ? last : last + 1
      return 0 if (self & ((1 << width) - 1)).zero?
      raise ArgumentError, "The beginless range for Integer#[] results in infinity"
    end
    first = __kobako_int_arg(first)
    shifted = self >> first
    return shifted if last.nil?

    last = __kobako_int_arg(last)
    if first < last
      width = last - first
      width += 1 unless range.exclude_end?
      shifted & ((1 << width) - 1)
    elsif first == last
      range.exclude_end? ? 0 : self[first]
    else
      shifted
    end
  end

  def bit_length
    n = negative? ? ~self : self
    length = 0
    while n > 0xffff_ffff
      n >>= 32
      length += 32
    end
    while n > 0
      n >>= 1
      length += 1
    end
    length
  end

  def coerce(other)
    return [other, self] if other.is_a?(Integer)
    [Float(other), to_f]
  end

  def size
    bytes = (abs.bit_length + 7) / 8
    bytes < 8 ? 8 : bytes
  end

  def integer? = true
  def numerator = self
  def denominator = 1
  def magnitude = abs
  def ord = self
  def pred = self - 1
end

# Fixes: mruby's Integer#div and #divmod gave wrong answers for a Bignum or Float
# divisor (10.div(2**70) raised, 7.div(2.5) was 3, -7.divmod(2.5) was [NaN, NaN]).
class Integer
  def div(other)
    if other.is_a?(Integer)
      raise ZeroDivisionError, "divided by 0" if other.zero?
      self / other
    elsif other.is_a?(Float)
      raise ZeroDivisionError, "divided by 0" if other.zero?
      (to_f / other).floor
    else
      (self / other).floor
    end
  end

  def divmod(other)
    if other.is_a?(Integer)
      raise ZeroDivisionError, "divided by 0" if other.zero?
      [self / other, self % other]
    elsif other.is_a?(Float)
      raise ZeroDivisionError, "divided by 0" if other.zero?
      x = to_f
      mod = x % other
      [((x - mod) / other).round, mod]
    else
      q = div(other)
      [q, self - other * q]
    end
  end
end

# Fix: an Integer to a negative Integer power is a Rational in CRuby (2 ** -2 is (1/4));
# mruby answered a Float.
class Integer
  alias __kobako_pow_float_negative **

  def **(other)
    if other.is_a?(Integer) && other.negative?
      raise ZeroDivisionError, "divided by 0" if zero?
      return Rational(1, __kobako_pow_float_negative(-other))
    end
    if other.is_a?(Rational)
      return Rational(self, 1)**other.numerator if other.denominator == 1
      return to_f**other.to_f
    end
    __kobako_pow_float_negative(other)
  end

  alias __kobako_pow_mod pow

  def pow(exponent, modulus = (no_modulus = true; nil))
    no_modulus ? self**exponent : __kobako_pow_mod(exponent, modulus)
  end
end
