# BigDecimal for money formulas (require "bigdecimal", "bigdecimal/util"), written to give
# what CRuby's bigdecimal gem 3.1 gives. A finite value is an Integer mantissa (trailing
# zeros stripped) times a power of ten; NaN and the infinities are @__special, -0 is
# @__negative_zero. Host values arrive as the Strings BigDecimal() parses.
#
# Exact: + - * and integer powers, comparisons, round/truncate/floor/ceil in every mode,
# % / divmod / remainder / div(x). / and div(x, n) cut the quotient where CRuby's word
# arithmetic (9 digits a word) cuts it and round by the first dropped digit, so their
# digits match CRuby's; CRuby's quirk of rounding a quotient whose remainder begins words
# later (divisors of three or more words) is not reproduced. sqrt(n) is correct to its
# last digit; CRuby's Newton iteration leaves inexact digits past n, so only round(n) of
# it agrees. format/sprintf/String#% convert a BigDecimal through Float as CRuby does,
# including its "%.Nf" rounding of near-ties to an even digit.
class BigDecimal < Numeric
  ROUND_MODE = 256
  ROUND_UP = 1
  ROUND_DOWN = 2
  ROUND_HALF_UP = 3
  ROUND_HALF_DOWN = 4
  ROUND_CEILING = 5
  ROUND_FLOOR = 6
  ROUND_HALF_EVEN = 7
  EXCEPTION_ALL = 0xff
  EXCEPTION_INFINITY = 0x01
  EXCEPTION_OVERFLOW = 0x01
  EXCEPTION_NaN = 0x02
  EXCEPTION_UNDERFLOW = 0x04
  EXCEPTION_ZERODIVIDE = 0x10
  SIGN_NaN = 0
  SIGN_POSITIVE_ZERO = 1
  SIGN_NEGATIVE_ZERO = -1
  SIGN_POSITIVE_FINITE = 2
  SIGN_NEGATIVE_FINITE = -2
  SIGN_POSITIVE_INFINITE = 3
  SIGN_NEGATIVE_INFINITE = -3
  BASE = 1_000_000_000
  VERSION = "3.1.1"

  NAN_S = "NaN".freeze
  INF_S = "Infinity".freeze
  NEG_INF_S = "-Infinity".freeze

  MODES = {
    up: ROUND_UP, down: ROUND_DOWN, truncate: ROUND_DOWN, half_up: ROUND_HALF_UP, default: ROUND_HALF_UP,
    half_down: ROUND_HALF_DOWN, half_even: ROUND_HALF_EVEN, banker: ROUND_HALF_EVEN, ceiling: ROUND_CEILING,
    ceil: ROUND_CEILING, floor: ROUND_FLOOR
  }.freeze
  HALF_MODES = { "up" => ROUND_HALF_UP, "even" => ROUND_HALF_EVEN, "down" => ROUND_HALF_DOWN }.freeze

  # The String grammars, compiled on first use: compiling them costs more than the rest of
  # `require "bigdecimal"`, and values from the host never need them (the codec parses its
  # own text in C).
  DIGITS = '\d(?:_?\d)*'
  def self.__pattern = @__pattern ||= /\A\s*([-+])?(#{DIGITS})?(?:\.(#{DIGITS}))?(?:[eEdD]([-+]?#{DIGITS}))?\s*\z/
  def self.__lenient = @__lenient ||= /\A\s*([-+])?(#{DIGITS})?(?:\.(#{DIGITS})?)?(?:[eEdD]([-+]?#{DIGITS}))?/

  class << self
    # value = mantissa * 10**exponent; a zero keeps the sign it was written with.
    def __new(mantissa, exponent, negative_zero = false)
      d = allocate
      d.__set(mantissa, exponent, negative_zero, nil)
      d
    end

    def __special(name)
      d = allocate
      d.__set(0, 0, false, name)
      d
    end

    def __zero(negative) = __new(0, 0, negative)
    def __infinity(negative) = __special(negative ? NEG_INF_S : INF_S)

    def __parse(str, exception)
      text = str.strip
      return __special({ "NaN" => NAN_S, "Infinity" => INF_S, "+Infinity" => INF_S }.fetch(text, NEG_INF_S)) if
        %w[NaN Infinity +Infinity -Infinity].include?(text)

      m = str.match(BigDecimal.__pattern)
      if m.nil? || (m[2].nil? && m[3].nil?)
        raise ArgumentError, "invalid value for BigDecimal(): #{str.inspect}" if exception

        return nil
      end
      __from_match(m)
    end

    # String#to_d: the longest leading number, else 0.
    def __parse_prefix(str)
      text = str.strip
      return __special({ "NaN" => NAN_S, "Infinity" => INF_S, "+Infinity" => INF_S }.fetch(text, NEG_INF_S)) if
        %w[NaN Infinity +Infinity -Infinity].include?(text)

      m = str.match(BigDecimal.__lenient)
      m.nil? || (m[2].nil? && m[3].nil?) ? __new(0, 0) : __from_match(m)
    end

    def __from_match(m)
      int = (m[2] || "").delete("_")
      frac = (m[3] || "").delete("_")
      mantissa = "#{int}#{frac}".to_i
      mantissa = -mantissa if m[1] == "-"
      __new(mantissa, (m[4] || "0").delete("_").to_i - frac.size, m[1] == "-" && mantissa.zero?)
    end

    def __mode_value(mode)
      case mode
      when Symbol then MODES.fetch(mode) { raise ArgumentError, "invalid rounding mode" }
      when Integer
        raise ArgumentError, "invalid rounding mode" unless mode.between?(ROUND_UP, ROUND_HALF_EVEN)

        mode
      else raise ArgumentError, "invalid rounding mode"
      end
    end

    def mode(which, value = :__get)
      @rounding_mode ||= ROUND_HALF_UP
      @exception_mode ||= 0
      if which == ROUND_MODE
        @rounding_mode = __mode_value(value) unless value == :__get || value.nil?
        return @rounding_mode
      end
      raise ArgumentError, "first argument for BigDecimal.mode invalid" unless (which & ~EXCEPTION_ALL).zero?
      return @exception_mode if value == :__get
      raise ArgumentError, "second argument must be true or false" unless [true, false].include?(value)

      @exception_mode = value ? @exception_mode | which : @exception_mode & ~which
    end

    def limit(_n = nil) = 0
    def double_fig = 16
    def interpret_loosely(str) = __parse_prefix(str.to_s)

    def save_rounding_mode
      saved = mode(ROUND_MODE)
      yield
    ensure
      @rounding_mode = saved
    end

    def save_exception_mode
      saved = mode(EXCEPTION_ALL)
      yield
    ensure
      @exception_mode = saved
    end

    def save_limit = yield
  end

  attr_reader :__mantissa, :__exponent, :__special

  def __set(mantissa, exponent, negative_zero, special)
    if mantissa.zero?
      exponent = 0
    else
      negative_zero = false
      # Strip trailing zeros a digit string at a time: cheap for huge mantissas.
      digits = mantissa.abs.to_s
      stripped = digits.sub(/0+\z/, "")
      if stripped.size < digits.size
        exponent += digits.size - stripped.size
        mantissa = mantissa.negative? ? -stripped.to_i : stripped.to_i
      end
    end
    @__mantissa = mantissa
    @__exponent = exponent
    @__negative_zero = negative_zero
    @__special = special
  end

  def __negative_zero = @__negative_zero
  def __nan? = @__special.equal?(NAN_S) || @__special == NAN_S
  def __inf? = !@__special.nil? && !__nan?

  # -1, 0 or +1 as the sign of a finite value or an infinity (zero counts its sign).
  def __sign
    return(@__special == INF_S ? 1 : -1) if __inf?
    return(@__negative_zero ? -1 : 1) if @__mantissa.zero?

    @__mantissa.negative? ? -1 : 1
  end

  # The number of decimal digits of the mantissa, and the power of ten of the first one
  # plus one (CRuby's #exponent).
  def __ndigits = @__mantissa.zero? ? 0 : @__mantissa.abs.to_s.size
  def __sci_exponent = @__mantissa.zero? ? 0 : __ndigits + @__exponent

  # CRuby's internal length of the value in 9-digit words.
  def __words
    return 1 if @__mantissa.zero? || @__special

    ((__sci_exponent - 1) / 9) - (@__exponent / 9) + 1
  end

  def __word_exponent = (__sci_exponent + 8) / 9

  def __nan_result
    raise FloatDomainError, "Computation results to 'NaN'" if BigDecimal.mode(EXCEPTION_ALL).anybits?(EXCEPTION_NaN)

    BigDecimal.__special(NAN_S)
  end

  def __inf_result(negative)
    raise FloatDomainError, "Computation results in '#{negative ? '-' : ''}Infinity'" if
      BigDecimal.mode(EXCEPTION_ALL).anybits?(EXCEPTION_INFINITY)

    BigDecimal.__infinity(negative)
  end

  def __coerce_operand(other, strict = true)
    case other
    when BigDecimal then other
    when Integer then BigDecimal.__new(other, 0)
    when Float
      if other.nan? then BigDecimal.__special(NAN_S)
      elsif other.infinite? then BigDecimal.__infinity(other.negative?)
      else BigDecimal.__parse(other.to_s, true)
      end
    when Rational
      # As CRuby: the Rational gets as many digits as this value has words.
      BigDecimal.__new(other.numerator, 0).div(other.denominator, __words * 9)
    else
      raise TypeError, "#{other.nil? ? 'nil' : other.class} can't be coerced into BigDecimal" if strict && !other.respond_to?(:coerce)

      nil
    end
  end

  def coerce(other) = [__coerce_operand(other), self]

  def __redo(other, op)
    a, b = other.coerce(self)
    a.__send__(op, b)
  end

  def +(other)
    o = __coerce_operand(other)
    return __redo(other, :+) if o.nil?
    return __nan_result if __nan? || o.__nan?
    if __inf? || o.__inf?
      return __nan_result if __inf? && o.__inf? && __sign != o.__sign

      return __inf_result((__inf? ? self : o).__sign.negative?)
    end
    if @__mantissa.zero? && o.__mantissa.zero?
      return BigDecimal.__zero(@__negative_zero && o.__negative_zero)
    end
    return o if @__mantissa.zero?
    return self if o.__mantissa.zero?

    e = [@__exponent, o.__exponent].min
    BigDecimal.__new((@__mantissa * (10**(@__exponent - e))) + (o.__mantissa * (10**(o.__exponent - e))), e)
  end

  def -(other)
    o = __coerce_operand(other)
    return __redo(other, :-) if o.nil?

    self + -o
  end

  def *(other)
    o = __coerce_operand(other)
    return __redo(other, :*) if o.nil?
    return __nan_result if __nan? || o.__nan?
    if __inf? || o.__inf?
      return __nan_result if zero? || o.zero?

      return __inf_result(__sign != o.__sign)
    end
    return BigDecimal.__zero(__sign != o.__sign) if zero? || o.zero?

    BigDecimal.__new(@__mantissa * o.__mantissa, @__exponent + o.__exponent)
  end

  # NaN, infinity or a signed zero when either side is special or zero; else nil.
  def __divide_special(o)
    return __nan_result if __nan? || o.__nan?
    return __nan_result if __inf? && o.__inf?
    return __inf_result(__sign != o.__sign) if __inf?
    return BigDecimal.__zero(__sign != o.__sign) if o.__inf?
    if o.zero?
      return __nan_result if zero?
      raise FloatDomainError, "Divide by zero" if BigDecimal.mode(EXCEPTION_ALL).anybits?(EXCEPTION_ZERODIVIDE)

      return __inf_result(__sign != o.__sign)
    end
    return BigDecimal.__zero(__sign != o.__sign) if zero?

    nil
  end

  # |self / o| cut after `words` 9-digit words of CRuby's quotient, as [quotient (>= 0),
  # its power of ten, remainder, divisor]: CRuby's first quotient word lies one word above
  # the one of self's first word over o's.
  def __quotient_words(o, words)
    cut = 9 * (__word_exponent - o.__word_exponent + 2 - words)
    num = @__mantissa.abs
    den = o.__mantissa.abs
    shift = @__exponent - o.__exponent - cut
    shift.negative? ? den *= 10**-shift : num *= 10**shift
    q, r = num.divmod(den)
    [q, cut, r, den]
  end

  def /(other)
    o = __coerce_operand(other)
    return __redo(other, :/) if o.nil?

    special = __divide_special(o)
    return special if special
    return BigDecimal.__new(@__mantissa * (o.__mantissa <=> 0), @__exponent) if o.__mantissa.abs == 1 && o.__exponent.zero?

    # CRuby 3.1: the longer operand's words (at least 32 digits' worth), plus two words.
    q, cut, r, den = __quotient_words(o, ([[__words, o.__words].max * 9, 32].max + 18 + 8) / 9)
    negative = __sign != o.__sign
    # q.succ, not q += 1: the guest VM's += 1 on a big Integer overwrites the next local.
    q = q.succ if __round_up?(q, (r * 10) / den, false, BigDecimal.mode(ROUND_MODE), negative)
    BigDecimal.__new(negative ? -q : q, cut)
  end
  alias quo /

  # `div(other)` is floored integer division; `div(other, digits)` keeps `digits`
  # significant digits (0 means as many as / gives).
  def div(other, digits = nil)
    if digits.nil?
      q, = divmod(other)
      raise FloatDomainError, "Computation results in '#{q}'" unless q.finite?

      return q.to_i
    end
    raise TypeError, "no implicit conversion of #{digits.class} into Integer" unless digits.is_a?(Integer)
    raise ArgumentError, "negative precision" if digits.negative?
    return self / other if digits.zero?

    o = __coerce_operand(other)
    return __redo(other, :div) if o.nil?

    special = __divide_special(o)
    return special if special

    q, cut, = __quotient_words(o, (digits + 27 + 8) / 9)
    BigDecimal.__new(__sign == o.__sign ? q : -q, cut).__round_significant(digits, BigDecimal.mode(ROUND_MODE))
  end

  def divmod(other)
    o = __coerce_operand(other)
    return __redo(other, :divmod) if o.nil?
    return [__nan_result, __nan_result] if __nan? || o.__nan? || (__inf? && o.__inf?)
    raise ZeroDivisionError, "divided by 0" if o.zero?
    return [__inf_result(__sign != o.__sign), __nan_result] if __inf?
    return [BigDecimal.__zero(false), self] if o.__inf?
    return [BigDecimal.__zero(false), BigDecimal.__zero(false)] if zero?

    e = [@__exponent, o.__exponent].min
    q, r = (@__mantissa * (10**(@__exponent - e))).divmod(o.__mantissa * (10**(o.__exponent - e)))
    [BigDecimal.__new(q, 0), BigDecimal.__new(r, e)]
  end

  def %(other)
    o = __coerce_operand(other)
    return __redo(other, :%) if o.nil?

    divmod(o)[1]
  end
  alias modulo %

  # self - other * (self / other).truncate: the sign of self.
  def remainder(other)
    o = __coerce_operand(other)
    return __redo(other, :remainder) if o.nil?
    return __nan_result if __nan? || o.__nan? || __inf? || o.__inf? || o.zero?
    return BigDecimal.__zero(false) if zero?

    e = [@__exponent, o.__exponent].min
    a = @__mantissa * (10**(@__exponent - e))
    b = o.__mantissa * (10**(o.__exponent - e))
    BigDecimal.__new(a.abs % b.abs * (a <=> 0), e)
  end

  def **(other)
    return __power_integer(other) if other.is_a?(Integer)
    if (other.is_a?(BigDecimal) || other.is_a?(Float)) && other.finite? && other == other.to_i
      return __power_integer(other.to_i)
    end

    raise TypeError, "wrong argument type #{other.class} (expected Integer)" unless other.is_a?(Numeric)

    raise NotImplementedError, "BigDecimal#** with a non-integer exponent is not available in the sandbox"
  end
  alias power **

  def __power_integer(n)
    return __nan_result if __nan?
    return BigDecimal.__new(1, 0) if n.zero?
    if __inf?
      return BigDecimal.__zero(__sign.negative? && n.odd?) if n.negative?

      return __inf_result(__sign.negative? && n.odd?)
    end
    if zero?
      return __inf_result(@__negative_zero && n.odd?) if n.negative?

      return BigDecimal.__zero(false)
    end
    return BigDecimal.__new(@__mantissa**n, @__exponent * n) if n.positive?

    BigDecimal.__new(1, 0) / BigDecimal.__new(@__mantissa**-n, @__exponent * -n)
  end

  def sqrt(n = 0)
    raise FloatDomainError, "sqrt of 'NaN'(Not a Number)" if __nan?
    return BigDecimal.__infinity(false) if __inf? && __sign.positive?
    raise FloatDomainError, "sqrt of negative value" if __sign.negative? && !zero?
    return BigDecimal.__zero(false) if zero?

    # Enough digits that rounding the result to n (or to a Float's 16) digits is exact.
    digits = [n.to_i, 16].max + 10
    shift = (2 * digits) - __ndigits + 2
    shift += 1 if (@__exponent - shift).odd?
    BigDecimal.__new(__isqrt(@__mantissa * (10**shift)), (@__exponent - shift) / 2)
  end

  # floor(sqrt(n)) by Newton's method from a power of two above it.
  def __isqrt(n)
    x = 1 << ((n.bit_length / 2) + 1)
    loop do
      y = (x + (n / x)) / 2
      return x if y >= x

      x = y
    end
  end

  def -@
    return __nan_result if __nan?
    return BigDecimal.__infinity(__sign.positive?) if __inf?

    BigDecimal.__new(-@__mantissa, @__exponent, @__mantissa.zero? && !@__negative_zero)
  end

  def +@ = self

  def abs
    return self if __nan?
    return BigDecimal.__infinity(false) if __inf?

    BigDecimal.__new(@__mantissa.abs, @__exponent)
  end

  def <=>(other)
    o = __comparable(other)
    return nil if o.nil? || __nan? || o.__nan?
    return __sign <=> o.__sign if __inf? && o.__inf?
    return __sign if __inf?
    return -o.__sign if o.__inf?
    return 0 if zero? && o.zero?

    e = [@__exponent, o.__exponent].min
    (@__mantissa * (10**(@__exponent - e))) <=> (o.__mantissa * (10**(o.__exponent - e)))
  end

  def __comparable(other)
    case other
    when BigDecimal, Integer, Float, Rational then __coerce_operand(other)
    end
  end

  def ==(other)
    return false if __comparable(other).nil?

    (self <=> other) == 0
  end
  alias === ==
  alias eql? ==

  def <(other) = __compare(other, :<) { |c| c.negative? }
  def <=(other) = __compare(other, :<=) { |c| c <= 0 }
  def >(other) = __compare(other, :>) { |c| c.positive? }
  def >=(other) = __compare(other, :>=) { |c| c >= 0 }

  def __compare(other, op)
    o = __comparable(other)
    if o.nil?
      if !other.is_a?(BigDecimal) && other.respond_to?(:coerce) && !other.is_a?(String) && !other.nil?
        a, b = other.coerce(self)
        return a.__send__(op, b)
      end
      shown = [nil, true, false].include?(other) ? other.inspect : other.class
      raise ArgumentError, "comparison of BigDecimal with #{shown} failed"
    end
    return false if __nan? || o.__nan?

    yield(self <=> o)
  end

  def hash = @__special ? @__special.hash : [@__mantissa, @__exponent, @__negative_zero].hash

  def zero? = @__special.nil? && @__mantissa.zero?
  def nonzero? = zero? ? nil : self
  def positive? = !__nan? && !zero? && __sign.positive?
  def negative? = !__nan? && !zero? && __sign.negative?
  def finite? = @__special.nil?
  def nan? = __nan?
  def infinite? = __inf? ? __sign : nil

  def sign
    return SIGN_NaN if __nan?
    return __sign * SIGN_POSITIVE_INFINITE if __inf?
    return(@__negative_zero ? SIGN_NEGATIVE_ZERO : SIGN_POSITIVE_ZERO) if zero?

    __sign * SIGN_POSITIVE_FINITE
  end

  def exponent = finite? ? __sci_exponent : 0
  def n_significant_digits = finite? ? __ndigits : 0
  def integer? = false
  def real? = true

  def scale
    return 0 if !finite? || zero? || @__exponent >= 0

    -@__exponent
  end

  # Digits from the first significant (or the decimal point, for |x| < 1) to the last.
  def precision
    return 0 if !finite? || zero?

    e = __sci_exponent
    [__ndigits, e].max - [0, e].min
  end

  def precision_scale = [precision, scale]
  def precs = [__words * 9, (__words + 1) * 9]

  # Rounds to `n` digits after the decimal point (negative: before it).
  def round(*args)
    opts = args.last.is_a?(Hash) ? args.pop : nil
    raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 0..2)" if args.size > 2

    n, mode = args
    raise TypeError, "no implicit conversion of #{n.class} into Integer" unless n.nil? || args.empty? || n.is_a?(Integer)
    raise TypeError, "no implicit conversion from nil to integer" if args.size >= 1 && n.nil?

    mode = mode.nil? ? BigDecimal.mode(ROUND_MODE) : BigDecimal.__mode_value(mode)
    if opts&.key?(:half)
      half = opts[:half]
      mode = half.nil? ? ROUND_HALF_UP : HALF_MODES.fetch(half.to_s) { raise ArgumentError, "invalid rounding mode: #{half}" }
    end
    to_int = opts.nil? && (args.empty? || (args.size == 1 && n <= 0))
    result = __round_at(n || 0, mode)
    to_int ? result.to_i : result
  end

  def truncate(n = nil) = n.nil? ? __round_at(0, ROUND_DOWN).to_i : __round_at(n, ROUND_DOWN)
  def floor(n = nil) = n.nil? ? __round_at(0, ROUND_FLOOR).to_i : __round_at(n, ROUND_FLOOR)
  def ceil(n = nil) = n.nil? ? __round_at(0, ROUND_CEILING).to_i : __round_at(n, ROUND_CEILING)
  def fix = __round_at(0, ROUND_DOWN)

  def frac
    return self unless finite?
    return BigDecimal.__zero(false) if @__exponent >= 0

    unit = 10**-@__exponent
    BigDecimal.__new((@__mantissa.abs % unit) * (@__mantissa <=> 0), @__exponent)
  end

  # Rounded to `places` decimals; a zero result keeps the sign of self.
  def __round_at(places, mode)
    return self unless finite?

    drop = -places - @__exponent
    return self if drop <= 0

    unit = 10**drop
    q, r = @__mantissa.abs.divmod(unit)
    q = q.succ if __round_up?(q, (r * 10) / unit, (r * 10) % unit != 0, mode, @__mantissa.negative?)
    BigDecimal.__new(@__mantissa.negative? ? -q : q, @__exponent + drop, q.zero? && __sign.negative?)
  end

  def __round_significant(digits, mode)
    return self if !finite? || __ndigits <= digits

    __round_at(digits - __sci_exponent, mode)
  end

  # Whether q goes up by one: `next_digit` is the first dropped digit, `rest` whether any
  # nonzero digits follow it.
  def __round_up?(q, next_digit, rest, mode, negative)
    inexact = next_digit.positive? || rest
    case mode
    when ROUND_UP then inexact
    when ROUND_DOWN then false
    when ROUND_HALF_DOWN then next_digit > 5 || (next_digit == 5 && rest)
    when ROUND_HALF_EVEN then next_digit > 5 || (next_digit == 5 && (rest || q.odd?))
    when ROUND_CEILING then inexact && !negative
    when ROUND_FLOOR then inexact && negative
    else next_digit >= 5
    end
  end

  def to_i
    raise FloatDomainError, "Computation results in '#{__nan? ? 'NaN' : self}'#{__nan? ? ' (Not a Number)' : ''}" unless finite?
    return @__mantissa * (10**@__exponent) if @__exponent >= 0

    digits = @__mantissa.abs.to_s
    kept = digits.size + @__exponent
    kept <= 0 ? 0 : digits[0, kept].to_i * (@__mantissa <=> 0)
  end
  alias to_int to_i

  # The correctly rounded Float, as CRuby's strtod-based conversion gives.
  def to_f
    return Float::NAN if __nan?
    return(__sign * Float::INFINITY) if __inf?
    return(@__negative_zero ? -0.0 : 0.0) if zero?

    e = __sci_exponent
    return(__sign * Float::INFINITY) if e > 400
    return(__sign.negative? ? -0.0 : 0.0) if e < -400

    "#{@__mantissa}e#{@__exponent}".to_f
  end

  def to_r
    raise FloatDomainError, "Computation results in '#{__nan? ? 'NaN' : self}'#{__nan? ? ' (Not a Number)' : ''}" unless finite?

    @__exponent >= 0 ? Rational(to_i, 1) : Rational(@__mantissa, 10**-@__exponent)
  end

  def to_d = self
  def to_digits = to_s("F")

  # "0.1234e3" (CRuby's default), or with "F" "123.4". A leading space or "+" in the
  # format is the sign of positive numbers; a number groups digits (from the left) by it.
  def to_s(fmt = "")
    if fmt.is_a?(Integer)
      group = fmt
      fmt = ""
    else
      fmt = fmt.to_s
      group = fmt[/\d+/].to_i
    end
    plus = fmt.start_with?("+") ? "+" : (fmt.start_with?(" ") ? " " : "")
    return @__special if __nan?
    return(__sign.negative? ? NEG_INF_S : "#{plus}#{INF_S}") if __inf?

    sign = __sign.negative? ? "-" : plus
    digits = @__mantissa.abs.to_s
    if fmt.upcase.include?("F")
      int, frac = __fixed_parts(digits)
      "#{sign}#{__group(int, group)}.#{__group(frac, group)}"
    else
      return "#{sign}0.0" if zero?

      "#{sign}0.#{__group(digits, group)}e#{__sci_exponent}"
    end
  end

  def __fixed_parts(digits)
    return %w[0 0] if zero?
    return ["#{digits}#{'0' * @__exponent}", "0"] if @__exponent >= 0
    return ["0", "#{'0' * (-@__exponent - digits.size)}#{digits}"] if -@__exponent >= digits.size

    [digits[0, digits.size + @__exponent], digits[(digits.size + @__exponent)..]]
  end

  def __group(text, n)
    n.positive? ? text.scan(/.{1,#{n}}/).join(" ") : text
  end

  def inspect = to_s
  def _dump(_level = 0) = "18:#{self}"
  def self._load(str) = BigDecimal(str.sub(/\A\d+:/, ""))
  def clone = self
  def dup = self

  NAN = __special(NAN_S)
  INFINITY = __special(INF_S)

  # format/sprintf/String#%: CRuby passes a BigDecimal to %f/%e/%g as its Float, and its
  # own dtoa rounds a Float that lies within rounding error of a tie to an even last
  # digit (format("%.2f", 2.675) is "2.68" though 2.675 is stored below the tie). The
  # guest's C formatter is exact, so such a value is handed over already rounded.
  module Format
    # 10.0**0 .. 10.0**22, written out (Float#** at load time costs more than the table).
    TENS = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19, 1e20, 1e21, 1e22].freeze
    BIGTENS = [1e16, 1e32, 1e64, 1e128, 1e256].freeze
    DIRECTIVE = /%(?:%|(?<pos>\d+\$)?(?<flags>[-+ 0#]*)(?:<(?<name>\w+)>)?(?<width>\*|\d+)?(?:\.(?<prec>\*|\d*))?(?<conv>[a-zA-Z])|\{\w+\})/

    module_function

    # The arguments with each BigDecimal replaced as CRuby's sprintf converts it.
    def convert(fmt, args)
      return args unless fmt.is_a?(String) && fmt.include?("%")
      return args unless args.any? { |a| a.is_a?(BigDecimal) || (a.is_a?(Hash) && a.values.any?(BigDecimal)) }

      args = args.dup
      index = 0
      fmt.scan(DIRECTIVE) do
        m = Regexp.last_match
        next if m[0] == "%%" || m[0].start_with?("%{")

        [m[:width], m[:prec]].each do |star|
          next unless star == "*"

          index += 1
        end
        prec = m[:prec] == "*" ? args[index - 1] : m[:prec]
        if m[:name]
          hash = args.last.dup
          hash[m[:name].to_sym] = value(hash[m[:name].to_sym], m[:conv], prec) if hash.is_a?(Hash)
          args[-1] = hash
        elsif m[:pos]
          i = m[:pos].to_i - 1
          args[i] = value(args[i], m[:conv], prec)
        else
          args[index] = value(args[index], m[:conv], prec)
          index += 1
        end
      end
      args
    end

    def value(arg, conv, prec)
      return arg unless arg.is_a?(BigDecimal)

      case conv
      when "f", "e", "E", "g", "G"
        f = arg.to_f
        digits = prec.nil? ? 6 : prec.to_i
        quirk = conv == "f" ? near_tie(f, 3, digits) : near_tie(f, 2, conv.casecmp?("e") ? digits + 1 : [digits, 1].max)
        quirk || f
      when "a", "A" then arg.to_f
      when "d", "i", "u", "x", "X", "o", "b", "B", "c" then arg.to_i
      else arg
      end
    end

    # CRuby's dtoa (mode 2: `ndigits` significant digits, mode 3: `ndigits` decimals)
    # first tries double arithmetic; when the dropped part is within its error bound of a
    # half it rounds the last digit to even. Returns that result as a Float, or nil when
    # the exact (correctly rounded) conversion applies.
    def near_tie(value, mode, ndigits)
      return nil if value.zero? || value.nan? || value.infinite?

      d = value.abs
      frac, bexp = Math.frexp(d)
      d2 = frac * 2 # mantissa in [1, 2), d = d2 * 2**(bexp - 1)
      ds = ((d2 - 1.5) * 0.289529654602168) + 0.1760912590558 + ((bexp - 1) * 0.301029995663981)
      k = ds.floor
      k_check = true
      if k >= 0 && k <= 22
        k -= 1 if d < TENS[k]
        k_check = false
      end
      if mode == 2
        ilim = ilim1 = ndigits
      else
        ilim = ndigits + k + 1
        ilim1 = ilim - 1
      end
      return nil if ilim <= 0 || ilim > 14 # no quick path (ilim 0 never rounds to even)

      ieps = 2
      if k.positive?
        ds = TENS[k & 0xf]
        j = k >> 4
        i = 0
        if j.anybits?(16)
          j &= 15
          d /= BIGTENS[4]
          ieps += 1
        end
        while j.positive?
          if j.odd?
            ieps += 1
            ds *= BIGTENS[i]
          end
          j >>= 1
          i += 1
        end
        d /= ds
      elsif k.negative?
        j1 = -k
        d *= TENS[j1 & 0xf]
        j = j1 >> 4
        i = 0
        while j.positive?
          if j.odd?
            ieps += 1
            d *= BIGTENS[i]
          end
          j >>= 1
          i += 1
        end
      end
      if k_check && d < 1.0
        return nil if ilim1 <= 0

        ilim = ilim1
        k -= 1
        d *= 10.0
        ieps += 1
      end
      eps = ((ieps * d) + 7.0) * (2.0**-52)
      eps *= TENS[ilim - 1]
      digits = +""
      i = 1
      loop do
        l = d.to_i
        d -= l
        digits << l.to_s
        return nil if d.zero? # exact: no rounding
        break if i == ilim

        i += 1
        d *= 10.0
      end
      return nil if d > 0.5 + eps || d < 0.5 - eps

      n = digits.to_i
      n += 1 if n.odd?
      # digits hold the value's first ilim significant digits; k + 1 of them precede the point.
      rounded = "#{n}e#{k + 1 - ilim}".to_f
      value.negative? ? -rounded : rounded
    end
  end
end

module Kernel
  def BigDecimal(value, precision = nil, exception: true) # rubocop:disable Naming/MethodName
    case value
    when BigDecimal then value # CRuby ignores the precision here
    when Integer then BigDecimal.__new(value, 0)
    when Float
      return BigDecimal.__special(BigDecimal::NAN_S) if value.nan?
      return BigDecimal.__infinity(value.negative?) if value.infinite?
      raise ArgumentError, "can't omit precision for a Float." if precision.nil?

      d = BigDecimal.__parse(value.to_s, true)
      d = BigDecimal.__zero(true) if value.zero? && (1.0 / value).negative?
      precision.positive? ? d.__round_significant(precision, BigDecimal.mode(BigDecimal::ROUND_MODE)) : d
    when Rational
      raise ArgumentError, "can't omit precision for a Rational." if precision.nil?

      BigDecimal.__new(value.numerator, 0).div(value.denominator, precision)
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

  alias_method :__bigdecimal_plain_format, :format
  alias_method :__bigdecimal_plain_sprintf, :sprintf

  def format(fmt, *args) = __bigdecimal_plain_format(fmt, *BigDecimal::Format.convert(fmt, args))
  def sprintf(fmt, *args) = __bigdecimal_plain_sprintf(fmt, *BigDecimal::Format.convert(fmt, args))
  module_function :format, :sprintf
end

class String
  alias_method :__bigdecimal_plain_percent, :%

  def %(args)
    list = args.is_a?(Array) ? args : [args]
    converted = BigDecimal::Format.convert(self, list)
    __bigdecimal_plain_percent(args.is_a?(Array) ? converted : converted[0])
  end
end
