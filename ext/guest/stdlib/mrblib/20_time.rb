# Time as CRuby has it, on mruby's Time: nanoseconds, strftime, fixed UTC offsets (from
# Time.parse("...+09:00"), getlocal("+09:00"), Time.new(..., "+09:00")), a zone
# abbreviation and a time-zone name carried from the host, iso8601/xmlschema, and after
# `require "time"` Time.parse, Time.iso8601 and Time.strptime. The sandbox's local time
# zone is UTC, and Time.now is its frozen clock.
#
# How a guest Time is stored. The codec's C encoder reads these parts and its decoder builds
# Times with Time.__kobako_at, so every Time the guest makes must keep to this:
# - mruby-time's own seconds and microseconds are the true instant (since the epoch, UTC),
#   whatever the offset. Its UTC flag is set for UTC Times and for fixed-offset Times, and
#   clear for the sandbox's local time (UTC, shown as +0000).
# - @__nsec: the nanoseconds below the microsecond, an Integer 1..999; absent or nil is 0.
# - @__offset: seconds east of UTC (an Integer, |offset| < 86400) of a fixed-offset Time;
#   absent or nil for UTC and local Times. With it, utc? is false whatever the flag says.
# - @__zone: the zone abbreviation ("EST") of a fixed-offset Time, or absent (zone is nil).
# - @__time_zone: a time-zone name ("America/New_York"), or absent (time_zone is nil).
# - @__shifted: a cache (a UTC Time at the wall-clock reading) the codec ignores.
# Arithmetic keeps the offset, zone and time-zone name: the guest has no tz database, so a
# Time moved across a DST change keeps its offset (a documented limitation).
class Float
  # mruby's own Float#to_i, before corelib wraps it (in Ruby, for Floats beyond 2**62, which
  # Time's conversions never pass it): Time's hot paths call this one.
  alias __kobako_c_to_i to_i
end

class Time
  class << self
    alias __mruby_at at
    alias __mruby_gm gm
    alias __mruby_local local

    # CRuby's Time.at: an exact number of seconds (Integer, Float, Rational), a subsecond
    # part in `unit`, a Time, and `in:` a zone. Below the nanosecond is dropped.
    def at(time, subsec = nil, unit = :microsecond, **opts)
      return __mruby_at(time) if subsec.nil? && opts.empty? && time.is_a?(Integer)

      zone = opts.empty? ? nil : __zone_option(opts)
      t = if time.is_a?(Time)
            raise TypeError, "can't convert Time into an exact number" if subsec

            time.__kobako_copy
          elsif subsec.nil? && time.is_a?(Integer)
            __mruby_at(time)
          else
            ns = __exact_ns(time, 1_000_000_000)
            ns += __exact_ns(subsec, __unit_ns(unit)) if subsec
            __from_ns(ns, false)
          end
      zone.nil? ? t : t.localtime(zone)
    end

    # The codec's constructor: `sec` (Integer) and `nsec` (0..999_999_999) since the epoch,
    # UTC when `offset` is nil, else at that many seconds east of UTC with the zone
    # abbreviation `zone` (or nil); `time_zone` a time-zone name (or nil).
    def __kobako_at(sec, nsec, offset, zone, time_zone)
      raise TypeError, "Time seconds must be an Integer, not #{sec.class}" unless sec.is_a?(Integer)
      raise ArgumentError, "Time nanoseconds out of range: #{nsec.inspect}" unless nsec.is_a?(Integer) && nsec >= 0 && nsec < 1_000_000_000
      unless offset.nil? || (offset.is_a?(Integer) && offset > -86_400 && offset < 86_400)
        raise ArgumentError, "Time offset out of range: #{offset.inspect}"
      end
      raise TypeError, "Time zone must be a String or nil" unless zone.nil? || zone.is_a?(String)
      raise TypeError, "Time zone name must be a String or nil" unless time_zone.nil? || time_zone.is_a?(String)

      t = begin
        __build(sec, nsec, true)
      rescue ArgumentError, RangeError
        raise RangeError, "#{sec} seconds since the epoch is out of the range a sandbox Time can hold"
      end
      t.__kobako_with(nil, offset, offset && zone&.dup&.freeze, time_zone&.dup&.freeze)
    end

    # A Time `sec` seconds and `ns` (0..999_999_999) nanoseconds after the epoch, with the
    # UTC flag when `utc`. The path every constructor and operator ends in, so it uses `/`
    # (an opcode that floors) where % and divmod would be method calls.
    def __build(sec, ns, utc)
      usec = ns / 1000
      t = __mruby_at(sec, usec)
      t.__mruby_utc if utc
      sub = ns - usec * 1000
      t.instance_variable_set(:@__nsec, sub) unless sub == 0
      t
    end

    def __from_ns(total, utc)
      sec = total / 1_000_000_000
      __build(sec, total - sec * 1_000_000_000, utc)
    end

    # floor(value * scale) for an exact (Integer, Rational) or Float value: a Float counts
    # as the binary fraction it is, as CRuby takes it.
    def __exact_ns(value, scale)
      case value
      when Integer then value * scale
      when Float
        raise FloatDomainError, value.to_s if value.nan? || value.infinite?

        if scale == 1_000_000_000
          ns = __float_ns(value)
          return ns if ns
        end
        frac, exp = Math.frexp(value)
        shift = 53 - exp
        mantissa = Math.ldexp(frac, 53).to_i * scale
        # div, not >>: mruby-bigint's >> truncates a negative bignum toward zero.
        shift.positive? ? mantissa.div(1 << shift) : mantissa << -shift
      when Rational then (value.numerator * scale).div(value.denominator)
      when String, nil then raise TypeError, "can't convert #{value.class} into an exact number"
      else
        raise TypeError, "can't convert #{value.class} into an exact number" unless value.respond_to?(:to_r)

        __exact_ns(value.to_r, scale)
      end
    end

    # floor(f * 10**9) exactly, in Float opcodes (no bignum, no Rational), or nil beyond 4e18.
    # frac * 10**9 rounds to the nearest Float; when that is not a whole number the exact
    # product lies between the same two integers. When it is, Dekker's exact product (frac
    # split in halves of 26 bits; 10**9 has 21 significant bits) gives the rounding error's
    # sign, which says on which side of that whole number the exact product is.
    def __float_ns(f)
      neg = f < 0
      a = neg ? -f : f
      return nil unless a < 4.0e18

      whole = a.__kobako_c_to_i
      frac = a - whole
      return (neg ? -whole : whole) * 1_000_000_000 if frac == 0.0

      p = frac * 1_000_000_000.0
      k = p.__kobako_c_to_i
      if p == k
        c = frac * 134217729.0
        hi = c - (c - frac)
        err = (hi * 1_000_000_000.0 - p) + (frac - hi) * 1_000_000_000.0
        if err == 0.0
          ns = whole * 1_000_000_000 + k
          return neg ? -ns : ns
        end
        k -= 1 if err < 0.0
      end
      ns = whole * 1_000_000_000 + k
      # floor(-x) is -ceil(x), and x is not a whole number of nanoseconds here
      neg ? -(ns + 1) : ns
    end

    def __unit_ns(unit)
      case unit
      when :microsecond, :usec then 1000
      when :millisecond then 1_000_000
      when :nanosecond, :nsec then 1
      else raise ArgumentError, "unexpected unit: #{unit}"
      end
    end

    def __zone_option(opts)
      opts.each_key { |k| raise ArgumentError, "unknown keyword: #{k.inspect}" unless k == :in }
      opts[:in]
    end

    # Fractional seconds are kept (mruby drops them); a month may be a name ("Jan").
    def gm(year, mon = 1, day = 1, hour = 0, min = 0, sec = 0, usec = 0)
      __civil(:__mruby_gm, year, mon, day, hour, min, sec, usec)
    end
    alias utc gm

    def local(year, mon = 1, day = 1, hour = 0, min = 0, sec = 0, usec = 0)
      __civil(:__mruby_local, year, mon, day, hour, min, sec, usec)
    end
    alias mktime local

    def __civil(maker, year, mon, day, hour, min, sec, usec)
      whole = sec.is_a?(Integer) ? sec : sec.to_i
      usec = usec.to_i if usec.is_a?(String)
      t = __send__(maker, year, __month(mon), day, hour, min, whole, usec.is_a?(Integer) ? usec : 0)
      extra = 0
      extra += __exact_ns(sec - whole, 1_000_000_000) unless sec.is_a?(Integer) || sec.is_a?(String)
      extra += __exact_ns(usec, 1000) unless usec.is_a?(Integer)
      extra.zero? ? t : t.__kobako_shift(extra)
    end

    def __month(mon)
      return mon unless mon.is_a?(String)

      Kobako::Strftime::MONTHS.index { |m| m[0, 3].casecmp?(mon[0, 3]) }&.+(1) || mon.to_i
    end

    # "+09:00", "-0500", "+09:00:30", "UTC", "Z", a military letter, or seconds, as CRuby's
    # getlocal, Time.new and `in:` take them: nil for UTC itself, else the offset in seconds.
    def __zone_offset(zone)
      return zone if zone.is_a?(Integer)

      z = zone.to_s
      return nil if %w[Z UTC -00:00].include?(z)

      m = z.match(/\A([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?\z/)
      unless m
        i = z.size == 1 ? "ABCDEFGHIKLMNOPQRSTUVWXY".index(z) : nil
        raise ArgumentError, "\"+HH:MM\", \"-HH:MM\", \"UTC\" or \"A\"..\"I\",\"K\"..\"Z\" expected for utc_offset: #{z}" unless i

        return i < 12 ? (i + 1) * 3600 : (11 - i) * 3600
      end

      s = (m[2].to_i * 3600) + (m[3].to_i * 60) + m[4].to_i
      m[1] == "-" ? -s : s
    end

    # The offset of a parsed zone: "+09:00", "-0500", "Z", "UTC", or seconds.
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
  alias __mruby_utc utc
  alias __mruby_localtime localtime
  alias __mruby_plus +
  alias __mruby_minus -
  alias __mruby_cmp <=>
  alias __mruby_eq ==
  alias __mruby_initialize initialize
  alias __mruby_initialize_copy initialize_copy

  # CRuby's Time.new: no arguments is now; a seventh argument or `in:` is a zone ("+09:00",
  # "UTC", seconds); seconds may be fractional.
  def initialize(*args, **opts)
    zone = opts.empty? ? nil : Time.__zone_option(opts)
    if args.size == 7
      raise ArgumentError, "timezone argument given as positional and keyword arguments" unless zone.nil?

      zone = args.pop
    end
    raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 0..7)" if args.size > 6

    if args.empty?
      __mruby_initialize
      localtime(zone) unless zone.nil?
      return self
    end

    offset = zone.nil? ? 0 : Time.__zone_offset(zone)
    src = Time.gm(*args)
    src = src.__mruby_minus(offset).__kobako_with(src.__nsec_part, nil, nil, nil) if offset && offset != 0
    __mruby_initialize_copy(src)
    @__nsec = src.__nsec_part if src.__nsec_part
    if zone.nil?
      __mruby_localtime
    elsif offset
      @__offset = offset
    end
    self
  end

  # A Time at the same instant, offset, zone and time-zone name.
  def __kobako_copy = Time.__build(to_i, nsec, __utc_p).__kobako_with(nil, @__offset, @__zone, @__time_zone)

  def __nsec_part = @__nsec

  # Sets the sub-microsecond nanoseconds and zone parts a new Time takes from another.
  def __kobako_with(nsec, offset, zone, time_zone)
    @__nsec = nsec if nsec
    @__offset = offset if offset
    @__zone = zone if zone
    @__time_zone = time_zone if time_zone
    self
  end

  def __kobako_set_zone(offset, zone, time_zone)
    @__offset = offset
    @__shifted = nil
    @__zone = zone
    @__time_zone = time_zone
    self
  end

  # This Time moved by `delta` nanoseconds, at the same offset, zone and time-zone name.
  def __kobako_shift(delta)
    total = usec * 1000 + (@__nsec || 0) + delta
    sec = total / 1_000_000_000
    Time.__build(to_i + sec, total - sec * 1_000_000_000, __utc_p).__kobako_with(nil, @__offset, @__zone, @__time_zone)
  end

  # This Time seen at `offset` seconds east of UTC (a copy).
  def __with_offset(offset)
    Time.__build(to_i, nsec, true).__kobako_with(nil, offset, nil, nil)
  end

  # A UTC Time whose fields are the wall-clock reading at the offset. Cached, except on a
  # frozen Time (which may not take an instance variable).
  def __shifted
    @__shifted || begin
      s = Time.__mruby_at(to_i + @__offset).__mruby_utc
      frozen? ? s : (@__shifted = s)
    end
  end

  def year = @__offset ? __shifted.__utc_year : __utc_year
  def mon = @__offset ? __shifted.__utc_mon : __utc_mon
  alias month mon
  def mday = @__offset ? __shifted.__utc_mday : __utc_mday
  alias day mday
  def hour = @__offset ? __shifted.__utc_hour : __utc_hour
  def min = @__offset ? __shifted.__utc_min : __utc_min
  def sec = @__offset ? __shifted.__utc_sec : __utc_sec
  def wday = @__offset ? __shifted.__utc_wday : __utc_wday
  def yday = @__offset ? __shifted.__utc_yday : __utc_yday
  def utc? = @__offset ? false : __utc_p
  alias gmt? utc?

  # Seconds east of UTC: the fixed offset, else 0 (the sandbox's zone is UTC).
  def utc_offset = @__offset || 0
  alias gmt_offset utc_offset
  alias gmtoff utc_offset

  # The sandbox's zone is UTC. A Time at a fixed offset has the abbreviation it came with
  # from the host, else none, as in CRuby.
  def zone = @__offset ? @__zone : "UTC"

  # The time-zone name the Time came with from the host (Kobako::TimeZone), or nil.
  def time_zone = @__time_zone && Kobako::TimeZone.new(@__time_zone)

  def nsec = usec * 1000 + (@__nsec || 0)

  def subsec
    ns = nsec
    ns.zero? ? 0 : Rational(ns, 1_000_000_000)
  end

  # As CRuby computes it: the nanoseconds since the epoch over 10**9, in Float.
  def to_f
    ns = nsec
    ns.zero? ? to_i.to_f : (to_i * 1_000_000_000 + ns).to_f / 1_000_000_000.0
  end

  def __check_frozen
    raise FrozenError, "can't modify frozen Time: #{inspect}" if frozen?
  end

  def utc
    return self if utc?

    __check_frozen
    __kobako_set_zone(nil, nil, nil)
    __mruby_utc
  end
  alias gmtime utc

  def getutc = Time.__build(to_i, nsec, true)
  alias getgm getutc

  def localtime(offset = nil)
    __check_frozen
    if offset.nil?
      __kobako_set_zone(nil, nil, nil)
      return __mruby_localtime
    end

    seconds = Time.__zone_offset(offset)
    return utc if seconds.nil?
    raise ArgumentError, "utc_offset out of range" unless seconds > -86_400 && seconds < 86_400

    __mruby_utc
    __kobako_set_zone(seconds, nil, nil)
  end

  def getlocal(offset = nil) = Time.__build(to_i, nsec, false).localtime(offset)

  def +(other)
    if other.is_a?(Integer)
      t = __mruby_plus(other)
      return t unless @__nsec || @__offset || @__time_zone

      t.__kobako_with(@__nsec, @__offset, @__zone, @__time_zone)
    elsif other.is_a?(Float) && (ns = Time.__float_ns(other))
      __kobako_shift(ns)
    else
      raise TypeError, "time + time?" if other.is_a?(Time)

      __kobako_shift(Time.__exact_ns(other, 1_000_000_000))
    end
  end

  # Time - Time is a Float, as CRuby computes it from the nanoseconds between them.
  def -(other)
    if other.is_a?(Integer)
      t = __mruby_minus(other)
      return t unless @__nsec || @__offset || @__time_zone

      t.__kobako_with(@__nsec, @__offset, @__zone, @__time_zone)
    elsif other.is_a?(Time)
      d = (to_i - other.to_i) * 1_000_000_000 + nsec - other.nsec
      q = d / 1_000_000_000
      d == q * 1_000_000_000 ? q.to_f : d.to_f / 1_000_000_000.0
    elsif other.is_a?(Float) && (ns = Time.__float_ns(-other))
      __kobako_shift(ns)
    else
      # floor(t - x) is t + floor(-x): negate first what may have a part below 1 ns.
      exact = other.is_a?(Float) || other.is_a?(Rational)
      ns = Time.__exact_ns(exact ? -other : other, 1_000_000_000)
      __kobako_shift(exact ? ns : -ns)
    end
  end

  def <=>(other)
    c = __mruby_cmp(other)
    return c unless c == 0

    (@__nsec || 0) <=> (other.__nsec_part || 0)
  end

  def ==(other) = __mruby_eq(other) && (@__nsec || 0) == (other.__nsec_part || 0)
  def eql?(other) = __mruby_eq(other) && (@__nsec || 0) == (other.__nsec_part || 0)

  # The instant alone, as eql? compares it (mruby's also hashed the UTC flag).
  def hash = (to_i * 1_000_000_000 + nsec).hash

  def strftime(fmt) = Kobako::Strftime.format(self, fmt.to_s)

  def to_s
    return strftime("%Y-%m-%d %H:%M:%S %z") if @__offset
    utc? ? strftime("%Y-%m-%d %H:%M:%S UTC") : strftime("%Y-%m-%d %H:%M:%S %z")
  end

  # CRuby's: the nanoseconds without trailing zeros, and an offset's seconds when it has any.
  def inspect
    ns = nsec
    frac = ""
    unless ns.zero?
      digits = 9
      while ns % 10 == 0
        ns /= 10
        digits -= 1
      end
      frac = ".#{ns.to_s.rjust(digits, '0')}"
    end
    return strftime("%Y-%m-%d %H:%M:%S#{frac} UTC") if utc?

    off = utc_offset
    tail = off % 60 == 0 ? "" : (off.abs % 60).to_s.rjust(2, "0")
    strftime("%Y-%m-%d %H:%M:%S#{frac} %z#{tail}")
  end

  def to_a = [sec, min, hour, day, mon, year, wday, yday, false, zone]
end

module Kobako
  # The time-zone name a Time brought from the host (ActiveSupport::TimeZone#name such as
  # "Eastern Time (US & Canada)", or a tz database name). Only the name: the guest has no tz
  # database, so it answers no offsets.
  class TimeZone
    attr_reader :name

    def initialize(name)
      @name = name.to_s.dup.freeze
      freeze
    end

    def to_s = @name
    def ==(other) = other.is_a?(TimeZone) && other.name == @name
    alias eql? ==
    def hash = [TimeZone, @name].hash
    def inspect = "#<Kobako::TimeZone #{@name}>"
  end
end
