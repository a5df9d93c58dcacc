# Time methods CRuby has and mruby 3.3 lacks, and Time#round/floor/ceil with digits. A Time
# keeps nanoseconds (mruby's microseconds plus @__nsec, see stdlib's 20_time.rb), so digits
# beyond 9 change nothing.
class Time
  alias isdst dst?
  alias tv_sec to_i
  alias tv_usec usec
  alias tv_nsec nsec

  def to_r
    ns = nsec
    ns.zero? ? Rational(to_i, 1) : Rational(to_i * 1_000_000_000 + ns, 1_000_000_000)
  end

  # Each keeps the offset, zone and time-zone name; only the nanoseconds move.
  def floor(ndigits = 0)
    __kobako_shift(-(nsec % __kobako_ns_step(ndigits)))
  end

  def ceil(ndigits = 0)
    step = __kobako_ns_step(ndigits)
    excess = nsec % step
    __kobako_shift(excess.zero? ? 0 : step - excess)
  end

  # Half a step rounds up (toward the future), as in CRuby.
  def round(ndigits = 0)
    step = __kobako_ns_step(ndigits)
    excess = nsec % step
    __kobako_shift(excess * 2 >= step ? step - excess : -excess)
  end

  def __kobako_ns_step(ndigits)
    ndigits = __kobako_int_arg(ndigits)
    raise ArgumentError, "negative ndigits given" if ndigits.negative?
    ndigits >= 9 ? 1 : 10**(9 - ndigits)
  end
end
