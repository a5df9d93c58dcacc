# Date as CRuby's date library has it (require "date"): civil dates on a Julian Day
# Number, arithmetic, comparison, the calendar queries, parsing of the common formats,
# strptime and strftime. DateTime is not provided.

class Date
  include Comparable

  class Error < ArgumentError; end

  MONTHNAMES = [nil, *Kobako::Strftime::MONTHS].freeze
  DAYNAMES = Kobako::Strftime::DAYS.dup.freeze
  ABBR_MONTHNAMES = [nil, *Kobako::Strftime::MONTHS.map { |m| m[0, 3] }].freeze
  ABBR_DAYNAMES = Kobako::Strftime::DAYS.map { |d| d[0, 3] }.freeze
  ITALY = 2_299_161
  ENGLAND = 2_361_222
  GREGORIAN = -Float::INFINITY

  # Julian Day Number of a proleptic Gregorian date.
  def self.civil_to_jd(y, m, d)
    a = (14 - m) / 12
    yy = y + 4800 - a
    mm = m + (12 * a) - 3
    d + (((153 * mm) + 2) / 5) + (365 * yy) + (yy / 4) - (yy / 100) + (yy / 400) - 32_045
  end

  def self.jd_to_civil(jd)
    a = jd + 32_044
    b = ((4 * a) + 3) / 146_097
    c = a - ((146_097 * b) / 4)
    d = ((4 * c) + 3) / 1461
    e = c - ((1461 * d) / 4)
    m = ((5 * e) + 2) / 153
    [(100 * b) + d - 4800 + (m / 10), m + 3 - (12 * (m / 10)), e - (((153 * m) + 2) / 5) + 1]
  end

  def self.leap?(year) = (year % 4).zero? && (!(year % 100).zero? || (year % 400).zero?)
  def self.gregorian_leap?(year) = leap?(year)

  def self.days_in_month(y, m) = [nil, 31, leap?(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m]

  def self.valid_civil?(y, m, d, _start = ITALY)
    return false unless y.is_a?(Integer) && m.is_a?(Integer) && d.is_a?(Integer)

    m += 13 if m.negative?
    return false unless m.between?(1, 12)

    dim = days_in_month(y, m)
    d += dim + 1 if d.negative?
    d.between?(1, dim)
  end

  class << self
    alias valid_date? valid_civil?

    def civil(year = -4712, mon = 1, mday = 1, _start = ITALY)
      raise TypeError, "invalid year (not numeric)" unless year.is_a?(Numeric)

      mon += 13 if mon.negative?
      raise Date::Error, "invalid date" unless mon.between?(1, 12)

      dim = days_in_month(year, mon)
      mday += dim + 1 if mday.negative?
      raise Date::Error, "invalid date" unless mday.between?(1, dim)

      __from_jd(civil_to_jd(year, mon, mday))
    end
    alias new civil

    def jd(jd = 0, _start = ITALY) = __from_jd(jd.floor)

    def ordinal(year = -4712, yday = 1, _start = ITALY)
      days = leap?(year) ? 366 : 365
      yday += days + 1 if yday.negative?
      raise Date::Error, "invalid date" unless yday.between?(1, days)

      __from_jd(civil_to_jd(year, 1, 1) + yday - 1)
    end

    def commercial(cwyear, cweek = 1, cwday = 1, _start = ITALY)
      jan4 = civil_to_jd(cwyear, 1, 4)
      week1_monday = jan4 - (((jan4 + 1) % 7) + 6) % 7
      __from_jd(week1_monday + ((cweek - 1) * 7) + (cwday - 1))
    end

    def __from_jd(jd)
      date = allocate
      date.__set_jd(jd)
      date
    end

    def today(_start = ITALY)
      t = Time.now
      civil(t.year, t.mon, t.day)
    end

    def parse(str = "-4712-01-01", _comp = true, _start = ITALY, limit: 128)
      str = str.to_str if !str.is_a?(String) && str.respond_to?(:to_str)
      raise TypeError, "no implicit conversion of #{str.class} into String" unless str.is_a?(String)
      raise ArgumentError, "string length (#{str.size}) exceeds the limit #{limit}" if limit && str.size > limit

      h = Kobako::DateParse.parse(str)
      __from_fields(h, str)
    end

    def _parse(str, _comp = true) = Kobako::DateParse.parse(str, true)

    def iso8601(str = "-4712-01-01", _start = ITALY, limit: 128)
      m = str.to_s.match(/\A\s*(-?\d{4,})-(\d\d)-(\d\d)(?:T|\s|\z)/) || str.to_s.match(/\A\s*(-?\d{4})(\d\d)(\d\d)\s*\z/)
      raise Date::Error, "invalid date" unless m

      civil(m[1].to_i, m[2].to_i, m[3].to_i)
    end

    def strptime(str = "-4712-01-01", fmt = "%F", _start = ITALY)
      h = Kobako::DateParse.strptime(str.to_s, fmt)
      raise Date::Error, "invalid date" unless h
      return ordinal(h[:year] || today.year, h[:yday]) if h[:yday] && !h[:mon]

      __from_fields(h, str)
    end

    def __from_fields(h, str)
      if h[:year].nil? && h[:mon].nil? && h[:mday].nil?
        raise Date::Error, "invalid date" unless h[:wday]

        t = today
        return t + ((h[:wday] - t.wday) % 7)
      end
      y = h[:year] || today.year
      m = h[:mon] || 1
      d = h[:mday] || 1
      raise Date::Error, "invalid date" unless valid_civil?(y, m, d)

      civil(y, m, d)
    rescue Date::Error
      raise Date::Error, "invalid date"
    end
  end

  def __set_jd(jd)
    @jd = jd
    @year, @mon, @mday = Date.jd_to_civil(jd)
  end

  attr_reader :jd, :year, :mon, :mday
  alias month mon
  alias day mday

  def wday = (@jd + 1) % 7
  def yday = @jd - Date.civil_to_jd(@year, 1, 1) + 1
  def cwday = wday.zero? ? 7 : wday
  def cweek = Kobako::Strftime.iso_week(self)
  def cwyear = Kobako::Strftime.iso_year(self)
  def mjd = @jd - 2_400_001
  def ajd = Rational((@jd * 2) - 1, 2)
  def ld = @jd - 2_299_160
  def start = ITALY
  def leap? = Date.leap?(@year)
  def gregorian? = true
  def julian? = false

  %w[sunday monday tuesday wednesday thursday friday saturday].each_with_index do |name, i|
    define_method(:"#{name}?") { wday == i }
  end

  # Time's fields for strftime: a Date is midnight UTC.
  def hour = 0
  def min = 0
  alias minute min
  def sec = 0
  alias second sec
  def nsec = 0
  def utc_offset = 0
  def zone = "+00:00"
  def to_i = (@jd - 2_440_588) * 86_400

  def +(other)
    raise TypeError, "expected numeric" unless other.is_a?(Numeric)

    Date.jd(@jd + other.floor)
  end

  def -(other)
    case other
    when Date then Rational(@jd - other.jd, 1)
    when Numeric then Date.jd(@jd - other.floor)
    else raise TypeError, "expected numeric or date"
    end
  end

  def >>(months)
    raise TypeError, "expected numeric" unless months.is_a?(Numeric)

    total = (@year * 12) + (@mon - 1) + months.to_i
    y = total.div(12)
    m = (total % 12) + 1
    Date.civil(y, m, [@mday, Date.days_in_month(y, m)].min)
  end

  def <<(months) = self >> -months
  def next_day(n = 1) = self + n
  def prev_day(n = 1) = self - n
  def next_month(n = 1) = self >> n
  def prev_month(n = 1) = self << n
  def next_year(n = 1) = self >> (n * 12)
  def prev_year(n = 1) = self << (n * 12)
  def succ = next_day
  alias next succ

  def <=>(other)
    case other
    when Date then @jd <=> other.jd
    when Numeric then @jd <=> other
    end
  end

  def ==(other) = other.is_a?(Date) && @jd == other.jd
  def ===(other) = other.is_a?(Date) ? @jd == other.jd : (other.is_a?(Numeric) && @jd == other)
  def eql?(other) = other.is_a?(Date) && @jd == other.jd
  def hash = @jd.hash

  def step(limit, by = 1)
    return to_enum(:step, limit, by) unless block_given?

    d = self
    if by.positive?
      while d <= limit
        yield d
        d += by
      end
    else
      while d >= limit
        yield d
        d += by
      end
    end
    self
  end

  def upto(max, &block) = step(max, 1, &block)
  def downto(min, &block) = step(min, -1, &block)

  def strftime(fmt = "%F") = Kobako::Strftime.format(self, fmt.to_s)
  def to_s = format("%s-%02d-%02d", @year.negative? ? format("-%04d", -@year) : format("%04d", @year), @mon, @mday)
  alias iso8601 to_s
  alias xmlschema to_s
  def inspect = "#<Date: #{self} ((#{@jd}j,0s,0n),+0s,2299161j)>"
  def httpdate = strftime("%a, %d %b %Y 00:00:00 GMT")
  def rfc3339 = strftime("%Y-%m-%dT00:00:00+00:00")
  def jisx0301 = to_s

  def to_date = self
  def to_time = Time.local(@year, @mon, @mday)

  def deconstruct_keys(keys)
    h = { year: @year, month: @mon, day: @mday, yday: yday, wday: wday }
    keys ? h.slice(*keys) : h
  end
end

class Time
  def to_date = Date.civil(year, mon, day)
  def to_time = self
end
