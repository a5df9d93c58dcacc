# Time methods CRuby has and mruby 3.3 lacks, and Time#round with digits. mruby's Time
# keeps microseconds, so digits beyond 6 change nothing.
class Time
  alias isdst dst?
  alias tv_sec to_i
  alias tv_usec usec
  alias tv_nsec nsec

  def to_r
    Rational(to_i * 1_000_000 + usec, 1_000_000)
  end

  def floor(ndigits = 0)
    step = __kobako_usec_step(ndigits)
    __kobako_at_usec(__kobako_usec_total - __kobako_usec_total % step)
  end

  def ceil(ndigits = 0)
    step = __kobako_usec_step(ndigits)
    excess = __kobako_usec_total % step
    excess.zero? ? __kobako_at_usec(__kobako_usec_total) : __kobako_at_usec(__kobako_usec_total - excess + step)
  end

  def round(ndigits = 0)
    step = __kobako_usec_step(ndigits)
    excess = __kobako_usec_total % step
    base = __kobako_usec_total - excess
    __kobako_at_usec(excess * 2 >= step ? base + step : base)
  end

  def __kobako_usec_step(ndigits)
    ndigits = __kobako_int_arg(ndigits)
    raise ArgumentError, "negative ndigits given" if ndigits.negative?
    ndigits >= 6 ? 1 : 10**(6 - ndigits)
  end

  def __kobako_usec_total = to_i * 1_000_000 + usec

  # The same wall-clock offset as self at another instant.
  def __kobako_at_usec(total)
    t = Time.at(total.div(1_000_000), total % 1_000_000)
    return t.utc if utc?
    t.utc_offset == utc_offset ? t : t.getlocal(utc_offset)
  end
end
