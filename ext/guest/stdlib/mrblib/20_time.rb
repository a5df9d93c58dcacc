# Time as CRuby has it, on mruby's Time: strftime, fractional seconds, fixed UTC offsets
# (from Time.parse("...+09:00"), getlocal("+09:00")), iso8601/xmlschema, and after
# `require "time"` Time.parse, Time.iso8601 and Time.strptime. The sandbox's local time
# zone is UTC, and Time.now is its frozen clock.
class Time
  class << self
    alias __mruby_gm gm
    alias __mruby_local local

    # Fractional seconds are kept (mruby drops them); a month may be a name ("Jan").
    def gm(year, mon = 1, day = 1, hour = 0, min = 0, sec = 0, usec = 0)
      __build(:__mruby_gm, year, mon, day, hour, min, sec, usec)
    end
    alias utc gm

    def local(year, mon = 1, day = 1, hour = 0, min = 0, sec = 0, usec = 0)
      __build(:__mruby_local, year, mon, day, hour, min, sec, usec)
    end
    alias mktime local

    def __build(maker, year, mon, day, hour, min, sec, usec)
      whole = sec.to_i
      t = __send__(maker, year, __month(mon), day, hour, min, whole, usec.to_i)
      sec.is_a?(Integer) ? t : t + (sec - whole)
    end

    def __month(mon)
      return mon unless mon.is_a?(String)

      Kobako::Strftime::MONTHS.index { |m| m[0, 3].casecmp?(mon[0, 3]) }&.+(1) || mon.to_i
    end

    # "+09:00", "-0500", "Z", "UTC", or seconds.
    def __offset_seconds(zone)
      case zone
      when Integer then zone
      when nil then 0
      else
        z = zone.to_s
        return 0 if %w[Z UTC GMT z utc gmt].include?(z)

        m = z.match(/\A([+-])(\d\d):?(\d\d)(?::?(\d\d))?\z/)
        raise ArgumentError, "\"+HH:MM\", \"-HH:MM\", \"UTC\" or \"A\"..\"I\",\"K\"..\"Z\" expected for utc_offset: #{z}" unless m

        s = (m[2].to_i * 3600) + (m[3].to_i * 60) + m[4].to_i
        m[1] == "-" ? -s : s
      end
    end

    def __from_parts(year, mon, day, hour, min, sec, frac, zone)
      base = gm(year, mon, day, hour, min, sec)
      base += frac unless frac.zero?
      return base.getlocal if zone.nil?

      offset = __offset_seconds(zone)
      shifted = base - offset
      zone.to_s =~ /\A(Z|UTC|GMT)\z/i ? shifted : shifted.__with_offset(offset)
    end
  end

  alias __utc_year year
  alias __utc_mon mon
  alias __utc_mday mday
  alias __utc_hour hour
  alias __utc_min min
  alias __utc_sec sec
  alias __utc_wday wday
  alias __utc_yday yday
  alias __utc_zone zone
  alias __utc_to_s to_s
  alias __utc_p utc?
  alias __mruby_localtime localtime
  alias __mruby_getlocal getlocal
  alias __mruby_plus +
  alias __mruby_minus -

  # This Time seen at `offset` seconds east of UTC (a copy).
  def __with_offset(offset)
    t = Time.at(to_i).utc.__mruby_plus(to_f - to_i)
    t.instance_variable_set(:@__offset, offset)
    t.instance_variable_set(:@__shifted, Time.at(to_i + offset).utc)
    t
  end

  def __shifted = @__shifted || self

  def year = @__offset ? @__shifted.__utc_year : __utc_year
  def mon = @__offset ? @__shifted.__utc_mon : __utc_mon
  alias month mon
  def mday = @__offset ? @__shifted.__utc_mday : __utc_mday
  alias day mday
  def hour = @__offset ? @__shifted.__utc_hour : __utc_hour
  def min = @__offset ? @__shifted.__utc_min : __utc_min
  def sec = @__offset ? @__shifted.__utc_sec : __utc_sec
  def wday = @__offset ? @__shifted.__utc_wday : __utc_wday
  def yday = @__offset ? @__shifted.__utc_yday : __utc_yday
  def utc? = @__offset ? false : __utc_p
  alias gmt? utc?

  # Seconds east of UTC: the fixed offset, else 0 (the sandbox's zone is UTC).
  def utc_offset = @__offset || 0
  alias gmt_offset utc_offset
  alias gmtoff utc_offset

  # The sandbox's zone is UTC; a Time at a fixed offset has no zone name, as in CRuby.
  def zone = @__offset ? nil : "UTC"

  def nsec = usec * 1000
  def subsec = Rational(usec, 1_000_000)

  def localtime(offset = nil)
    return __mruby_localtime if offset.nil?

    __with_offset(Time.__offset_seconds(offset))
  end

  def getlocal(offset = nil)
    return Time.at(to_i).__mruby_plus(to_f - to_i).__mruby_localtime if offset.nil?

    __with_offset(Time.__offset_seconds(offset))
  end

  def +(other)
    t = __mruby_plus(other)
    @__offset ? t.utc.__with_offset(@__offset) : t
  end

  def -(other)
    return __mruby_minus(other) if other.is_a?(Time)

    t = __mruby_minus(other)
    @__offset ? t.utc.__with_offset(@__offset) : t
  end

  def strftime(fmt) = Kobako::Strftime.format(self, fmt.to_s)

  def to_s
    return strftime("%Y-%m-%d %H:%M:%S %z") if @__offset
    utc? ? strftime("%Y-%m-%d %H:%M:%S UTC") : strftime("%Y-%m-%d %H:%M:%S %z")
  end

  def inspect
    frac = usec.zero? ? "" : ".#{usec.to_s.rjust(6, '0').sub(/0+\z/, '')}"
    utc? ? strftime("%Y-%m-%d %H:%M:%S#{frac} UTC") : strftime("%Y-%m-%d %H:%M:%S#{frac} %z")
  end

  def to_a = [sec, min, hour, day, mon, year, wday, yday, false, zone]

end
