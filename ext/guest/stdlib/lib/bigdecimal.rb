# BigDecimal for money formulas (require "bigdecimal", "bigdecimal/util"): exact decimal
# arithmetic on an Integer mantissa and a power-of-ten exponent. + - * are exact; / keeps
# 36 significant digits (CRuby's count varies with the operands; round the result as money
# code does); div(x, digits), round/truncate/floor/ceil with CRuby's rounding modes,
# to_s (engineering form, or "F"), to_f, to_i, comparisons, and to_d on numbers and
# Strings. NaN and infinities are not represented.
class BigDecimal < Numeric
  ROUND_MODE = 256
  ROUND_UP = 1
  ROUND_DOWN = 2
  ROUND_HALF_UP = 3
  ROUND_HALF_DOWN = 4
  ROUND_CEILING = 5
  ROUND_FLOOR = 6
  ROUND_HALF_EVEN = 7
  SIGN_POSITIVE_ZERO = 1
  SIGN_NEGATIVE_ZERO = -1
  SIGN_POSITIVE_FINITE = 2
  SIGN_NEGATIVE_FINITE = -2
  VERSION = "3.1.5"
  DIVISION_DIGITS = 36

  MODES = {
    up: ROUND_UP, down: ROUND_DOWN, truncate: ROUND_DOWN, half_up: ROUND_HALF_UP, default: ROUND_HALF_UP,
    half_down: ROUND_HALF_DOWN, half_even: ROUND_HALF_EVEN, banker: ROUND_HALF_EVEN, ceiling: ROUND_CEILING,
    ceil: ROUND_CEILING, floor: ROUND_FLOOR
  }.freeze

  PATTERN = /\A\s*([-+])?(\d[\d_]*)?(?:\.(\d[\d_]*)?)?(?:[eEdD]([-+]?\d+))?\s*\z/

  class << self
    # value = mantissa * 10**exponent; a zero keeps the sign it was written with.
    def __new(mantissa, exponent, negative_zero = false)
      d = allocate
      d.__set(mantissa, exponent, negative_zero)
      d
    end

    def __parse(str, exception)
      m = str.match(PATTERN)
      if m.nil? || (m[2].nil? && m[3].nil?)
        raise ArgumentError, "invalid value for BigDecimal(): #{str.inspect}" if exception

        return nil
      end
      int = (m[2] || "").delete("_")
      frac = (m[3] || "").delete("_")
      mantissa = "#{int}#{frac}".to_i
      mantissa = -mantissa if m[1] == "-"
      __new(mantissa, (m[4] || 0).to_i - frac.size, m[1] == "-" && mantissa.zero?)
    end

    def mode(which, value = nil)
      @rounding_mode ||= ROUND_HALF_UP
      return @rounding_mode if value.nil? || which != ROUND_MODE

      @rounding_mode = value.is_a?(Symbol) ? MODES.fetch(value) : value
    end

    def limit(_n = nil) = 0
    def double_fig = 16
    def save_rounding_mode = yield
    def save_exception_mode = yield
    def save_limit = yield
  end

  attr_reader :__mantissa, :__exponent

  def __set(mantissa, exponent, negative_zero)
    if mantissa.zero?
      exponent = 0
    else
      while (mantissa % 10).zero?
        mantissa /= 10
        exponent += 1
      end
    end
    @__mantissa = mantissa
    @__exponent = exponent
    @__negative_zero = negative_zero
  end

  def __coerce_operand(other)
    case other
    when BigDecimal then other
    when Integer then BigDecimal.__new(other, 0)
    when Float then BigDecimal.__parse(other.to_s, true)
    when Rational then (BigDecimal.__new(other.numerator, 0) / BigDecimal.__new(other.denominator, 0))
    else
      raise TypeError, "#{other.class} can't be coerced into BigDecimal" unless other.respond_to?(:coerce)

      nil
    end
  end

  def coerce(other) = [__coerce_operand(other), self]

  def +(other)
    o = __coerce_operand(other)
    return (a, b = other.coerce(self)) && a + b if o.nil?

    e = [@__exponent, o.__exponent].min
    BigDecimal.__new((@__mantissa * (10**(@__exponent - e))) + (o.__mantissa * (10**(o.__exponent - e))), e)
  end

  def -(other)
    o = __coerce_operand(other)
    return (a, b = other.coerce(self)) && a - b if o.nil?

    self + BigDecimal.__new(-o.__mantissa, o.__exponent)
  end

  def *(other)
    o = __coerce_operand(other)
    return (a, b = other.coerce(self)) && a * b if o.nil?

    BigDecimal.__new(@__mantissa * o.__mantissa, @__exponent + o.__exponent)
  end

  def /(other) = __divide(other, DIVISION_DIGITS)
  alias quo /

  def __divide(other, digits, mode = ROUND_HALF_UP)
    o = __coerce_operand(other)
    return (a, b = other.coerce(self)) && a / b if o.nil?
    raise ZeroDivisionError, "divided by 0" if o.__mantissa.zero?
    return BigDecimal.__new(0, 0) if @__mantissa.zero?

    # Scale the dividend so the quotient has at least `digits` + 1 significant digits.
    shift = [digits + 2 + o.__mantissa.abs.to_s.size - @__mantissa.abs.to_s.size, 0].max
    q, r = (@__mantissa * (10**shift)).divmod(o.__mantissa)
    q += 1 if q.negative? && r.nonzero? # toward zero, remainder kept for rounding below
    exact = r.zero?
    raw = BigDecimal.__new(q, @__exponent - o.__exponent - shift)
    exact ? raw : raw.__round_significant(digits, mode, !exact)
  end

  # `div(other)` is floored integer division; `div(other, digits)` keeps `digits`
  # significant digits (0 means as many as / gives).
  def div(other, digits = nil)
    if digits.nil?
      o = __coerce_operand(other)
      raise ZeroDivisionError, "divided by 0" if o.__mantissa.zero?

      return (self / o).floor
    end
    digits.zero? ? self / other : __divide(other, digits, BigDecimal.mode(ROUND_MODE))
  end

  def %(other)
    o = __coerce_operand(other)
    self - (o * div(o))
  end
  alias modulo %

  def divmod(other)
    o = __coerce_operand(other)
    q = div(o)
    [BigDecimal.__new(q, 0), self - (o * q)]
  end

  def remainder(other)
    o = __coerce_operand(other)
    self - (o * (self / o).truncate)
  end

  def **(n)
    raise TypeError, "wrong argument type #{n.class} (expected Integer)" unless n.is_a?(Integer)

    n.negative? ? BigDecimal.__new(1, 0) / (self**-n) : BigDecimal.__new(@__mantissa**n, @__exponent * n)
  end
  alias power **

  def -@ = BigDecimal.__new(-@__mantissa, @__exponent, @__mantissa.zero? && !@__negative_zero)
  def +@ = self
  def abs = BigDecimal.__new(@__mantissa.abs, @__exponent)

  def <=>(other)
    o = other.is_a?(Numeric) ? (__coerce_operand(other) rescue nil) : nil
    return nil unless o

    (self - o).__mantissa <=> 0
  end

  def ==(other)
    return false unless other.is_a?(Numeric)

    (self <=> other) == 0
  end
  alias === ==
  alias eql? ==

  def <(other) = __compare(other) { |c| c.negative? }
  def <=(other) = __compare(other) { |c| c <= 0 }
  def >(other) = __compare(other) { |c| c.positive? }
  def >=(other) = __compare(other) { |c| c >= 0 }

  def __compare(other)
    c = self <=> other
    raise ArgumentError, "comparison of BigDecimal with #{other.inspect} failed" if c.nil?

    yield c
  end

  def hash = [@__mantissa, @__exponent].hash
  def zero? = @__mantissa.zero?
  def nonzero? = zero? ? nil : self
  def positive? = @__mantissa.positive?
  def negative? = @__mantissa.negative? || @__negative_zero
  def finite? = true
  def infinite? = nil
  def nan? = false
  def sign = zero? ? (@__negative_zero ? SIGN_NEGATIVE_ZERO : SIGN_POSITIVE_ZERO) : (positive? ? SIGN_POSITIVE_FINITE : SIGN_NEGATIVE_FINITE)
  def exponent = zero? ? 0 : @__mantissa.abs.to_s.size + @__exponent
  def precision = zero? ? 0 : [@__mantissa.abs.to_s.size, exponent].max - [0, exponent].min
  def scale = zero? || @__exponent >= 0 ? 0 : -@__exponent
  def n_significant_digits = zero? ? 0 : @__mantissa.abs.to_s.size
  def precs = [n_significant_digits, n_significant_digits + 9]
  def integer? = false

  # Rounds to `n` digits after the decimal point (negative: before it).
  def round(n = nil, mode = nil)
    if n.is_a?(Symbol)
      mode = n
      n = nil
    end
    mode = mode.is_a?(Symbol) ? MODES.fetch(mode) { raise ArgumentError, "invalid rounding mode" } : (mode || BigDecimal.mode(ROUND_MODE))
    result = __round_at(n || 0, mode)
    n.nil? ? result.to_i : result
  end

  def truncate(n = nil) = n.nil? ? __round_at(0, ROUND_DOWN).to_i : __round_at(n, ROUND_DOWN)
  def fix = __round_at(0, ROUND_DOWN)
  def frac = self - fix
  def floor(n = nil) = n.nil? ? __round_at(0, ROUND_FLOOR).to_i : __round_at(n, ROUND_FLOOR)
  def ceil(n = nil) = n.nil? ? __round_at(0, ROUND_CEILING).to_i : __round_at(n, ROUND_CEILING)

  def __round_at(places, mode, sticky = false)
    drop = -places - @__exponent
    return self if drop <= 0 && !sticky

    drop = 0 if drop.negative?
    unit = 10**drop
    q, r = @__mantissa.abs.divmod(unit)
    q = __round_digit(q, r, unit, mode, @__mantissa.negative?, sticky)
    BigDecimal.__new(@__mantissa.negative? ? -q : q, @__exponent + drop)
  end

  def __round_significant(digits, mode, sticky)
    size = @__mantissa.abs.to_s.size
    return self if size <= digits && !sticky

    __round_at(digits - size - @__exponent, mode, sticky)
  end

  # q rounded by the dropped remainder r (of unit); `sticky` says nonzero digits were
  # dropped beyond r already.
  def __round_digit(q, r, unit, mode, negative, sticky)
    return q if r.zero? && !sticky

    half = r * 2 <=> unit
    half = 1 if half.zero? && sticky
    up = case mode
         when ROUND_UP then true
         when ROUND_DOWN then false
         when ROUND_HALF_UP then half >= 0
         when ROUND_HALF_DOWN then half.positive?
         when ROUND_HALF_EVEN then half.positive? || (half.zero? && q % 2 == 1)
         when ROUND_CEILING then !negative
         when ROUND_FLOOR then negative
         else half >= 0
         end
    up ? q + 1 : q
  end

  def to_i
    @__exponent >= 0 ? @__mantissa * (10**@__exponent) : (@__mantissa.abs / (10**-@__exponent)) * (@__mantissa <=> 0)
  end
  alias to_int to_i

  def to_f = @__exponent >= 0 ? to_i.to_f : @__mantissa.to_f / (10**-@__exponent).to_f
  def to_r = @__exponent >= 0 ? Rational(to_i, 1) : Rational(@__mantissa, 10**-@__exponent)
  def to_d = self
  def to_digits = to_s("F")

  # "0.1234e3" (engineering form, CRuby's default), or with "F" "123.4". A leading space
  # or "+" in the format is the sign of positive numbers; a number groups digits by it.
  def to_s(fmt = "")
    fmt = fmt.to_s
    sign = negative? ? "-" : (fmt.start_with?("+") ? "+" : (fmt.start_with?(" ") ? " " : ""))
    digits = @__mantissa.abs.to_s
    if fmt.upcase.include?("F")
      return "#{sign}0.0" if zero?

      text = if @__exponent >= 0
               "#{digits}#{'0' * @__exponent}.0"
             elsif -@__exponent >= digits.size
               "0.#{'0' * (-@__exponent - digits.size)}#{digits}"
             else
               "#{digits[0, digits.size + @__exponent]}.#{digits[(digits.size + @__exponent)..]}"
             end
      "#{sign}#{text}"
    else
      return "#{sign}0.0" if zero?

      "#{sign}0.#{digits}e#{exponent}"
    end
  end

  def inspect = to_s
  def _dump(_level = 0) = "18:#{self}"
  def clone = self
  def dup = self
end

module Kernel
  def BigDecimal(value, precision = nil, exception: true) # rubocop:disable Naming/MethodName
    case value
    when BigDecimal then precision&.positive? ? value.__round_significant(precision, BigDecimal::ROUND_HALF_UP, false) : value
    when Integer then BigDecimal.__new(value, 0)
    when Float
      raise ArgumentError, "can't omit precision for a Float." if precision.nil?

      d = BigDecimal.__parse(value.to_s, true)
      precision.positive? ? d.__round_significant(precision, BigDecimal::ROUND_HALF_UP, false) : d
    when Rational
      raise ArgumentError, "can't omit precision for a Rational." if precision.nil?

      BigDecimal.__new(value.numerator, 0).__divide(value.denominator, precision.positive? ? precision : BigDecimal::DIVISION_DIGITS)
    when String then BigDecimal.__parse(value, exception)
    when nil
      raise TypeError, "can't convert nil into BigDecimal" if exception

      nil
    else
      if value.respond_to?(:to_str)
        BigDecimal.__parse(value.to_str, exception)
      else
        raise TypeError, "can't convert #{value.class} into BigDecimal" if exception
      end
    end
  end
end
