# The time library (require "time"): Time.parse, Time.iso8601/xmlschema, Time.strptime,
# and Time#iso8601/xmlschema/httpdate/rfc2822.
class Time
  class << self
    # Time.parse (require "time"): dates and times in the common formats, with an optional
    # zone; what the string leaves out comes from `now` (today at midnight).
    def parse(str, now = nil)
      str = str.to_s
      d = Kobako::DateParse.parse(str, true)
      raise ArgumentError, "no time information in #{str.inspect}" if d.empty?

      __from_parsed(d, now)
    end

    # Fields the text left out come from `now` as in CRuby: the date parts before the
    # first one given, midnight for the time.
    def __from_parsed(d, now)
      now ||= Time.now
      year = d[:year] || now.year
      mon = d[:mon] || (d[:year] ? 1 : now.mon)
      day = d[:mday] || (d[:year] || d[:mon] ? 1 : now.day)
      __from_parts(year, mon, day, d[:hour] || 0, d[:min] || 0, d[:sec] || 0, d[:sec_fraction] || 0, d[:offset])
    end

    def iso8601(str)
      m = str.to_s.match(/\A\s*(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)\s*\z/i)
      raise ArgumentError, "invalid xmlschema format: #{str.inspect}" unless m

      frac = m[7] ? m[7][1..].to_i.quo(10**(m[7].size - 1)) : 0
      __from_parts(m[1].to_i, m[2].to_i, m[3].to_i, m[4].to_i, m[5].to_i, m[6].to_i, frac, m[8].upcase == "Z" ? "Z" : m[8])
    end
    alias xmlschema iso8601

    def strptime(str, fmt, now = nil)
      d = Kobako::DateParse.strptime(str.to_s, fmt)
      raise ArgumentError, "invalid date or strptime format - `#{str}' `#{fmt}'" unless d

      return at(d[:seconds]) if d[:seconds]

      __from_parsed(d, now)
    end
  end

  def iso8601(digits = 0)
    frac = digits.positive? ? ".#{strftime("%#{digits}N")}" : ""
    strftime("%Y-%m-%dT%H:%M:%S#{frac}") + (utc? ? "Z" : strftime("%:z"))
  end
  alias xmlschema iso8601

  def httpdate = getutc.strftime("%a, %d %b %Y %H:%M:%S GMT")
  def rfc2822 = strftime("%a, %d %b %Y %H:%M:%S ") + (utc? ? "-0000" : strftime("%z"))
  alias rfc822 rfc2822
end
