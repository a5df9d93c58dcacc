# strftime for Time and Date, with every directive and flag CRuby documents: flags
# - _ 0 ^ #, a width, %N precision, and %z's colon forms. The guest's clock is UTC.
module Kobako
  module Strftime
    MONTHS = %w[January February March April May June July August September October November December].freeze
    DAYS = %w[Sunday Monday Tuesday Wednesday Thursday Friday Saturday].freeze

    extend self

    # `t` answers year, mon, mday, hour, min, sec, wday, yday, nsec, utc_offset, zone,
    # and to_i (seconds since the epoch).
    def format(t, fmt)
      out = +""
      i = 0
      n = fmt.size
      while i < n
        c = fmt[i]
        if c != "%" || i + 1 >= n
          out << c
          i += 1
          next
        end
        j = i + 1
        flags = +""
        while j < n && "-_0^#".include?(fmt[j])
          flags << fmt[j]
          j += 1
        end
        width = +""
        while j < n && fmt[j] >= "0" && fmt[j] <= "9"
          width << fmt[j]
          j += 1
        end
        colons = 0
        while j < n && fmt[j] == ":"
          colons += 1
          j += 1
        end
        directive = fmt[j]
        piece = directive ? expand(t, directive, flags, width.empty? ? nil : width.to_i, colons) : nil
        if piece.nil?
          out << fmt[i..j].to_s
        else
          out << piece
        end
        i = j + 1
      end
      out
    end

    def expand(t, d, flags, width, colons)
      case d
      when "Y" then number(t.year, flags, width, t.year.negative? ? 5 : 4, "0")
      when "C" then number(t.year.div(100), flags, width, 2, "0")
      when "y" then number(t.year % 100, flags, width, 2, "0")
      when "m" then number(t.mon, flags, width, 2, "0")
      when "B" then text(MONTHS[t.mon - 1], flags, width)
      when "b", "h" then text(MONTHS[t.mon - 1][0, 3], flags, width)
      when "d" then number(t.mday, flags, width, 2, "0")
      when "e" then number(t.mday, flags, width, 2, " ")
      when "j" then number(t.yday, flags, width, 3, "0")
      when "H" then number(t.hour, flags, width, 2, "0")
      when "k" then number(t.hour, flags, width, 2, " ")
      when "I" then number(hour12(t), flags, width, 2, "0")
      when "l" then number(hour12(t), flags, width, 2, " ")
      when "P" then text(t.hour < 12 ? "am" : "pm", flags, width)
      when "p" then text(t.hour < 12 ? "AM" : "PM", flags, width)
      when "M" then number(t.min, flags, width, 2, "0")
      when "S" then number(t.sec, flags, width, 2, "0")
      when "L" then fraction(t, width || 3)
      when "N" then fraction(t, width || 9)
      when "z" then offset(t.utc_offset, flags, width, colons)
      when "Z" then text(t.zone.to_s, flags, width)
      when "A" then text(DAYS[t.wday], flags, width)
      when "a" then text(DAYS[t.wday][0, 3], flags, width)
      when "u" then number(t.wday.zero? ? 7 : t.wday, flags, width, 1, "0")
      when "w" then number(t.wday, flags, width, 1, "0")
      when "G" then number(iso_year(t), flags, width, 4, "0")
      when "g" then number(iso_year(t) % 100, flags, width, 2, "0")
      when "V" then number(iso_week(t), flags, width, 2, "0")
      when "U" then number((t.yday - 1 - t.wday + 7) / 7, flags, width, 2, "0")
      when "W" then number((t.yday - 1 - ((t.wday + 6) % 7) + 7) / 7, flags, width, 2, "0")
      when "s" then number(t.to_i, flags, width, 1, "0")
      when "n" then "\n"
      when "t" then "\t"
      when "%" then "%"
      when "c" then text(format(t, "%a %b %e %H:%M:%S %Y"), flags, width)
      when "D", "x" then text(format(t, "%m/%d/%y"), flags, width)
      when "F" then text(format(t, "%Y-%m-%d"), flags, width)
      when "X", "T" then text(format(t, "%H:%M:%S"), flags, width)
      when "R" then text(format(t, "%H:%M"), flags, width)
      when "r" then text(format(t, "%I:%M:%S %p"), flags, width)
      when "v" then text(format(t, "%e-%^b-%4Y"), flags, width)
      when "+" then text(format(t, "%a %b %e %H:%M:%S %Z %Y"), flags, width)
      end
    end

    def hour12(t)
      h = t.hour % 12
      h.zero? ? 12 : h
    end

    def number(value, flags, width, default_width, default_pad)
      digits = value.abs.to_s
      sign = value.negative? ? "-" : ""
      return sign + digits if flags.include?("-")

      pad = flags.include?("_") ? " " : (flags.include?("0") ? "0" : default_pad)
      w = width || default_width
      len = sign.size + digits.size
      return sign + digits if len >= w

      pad == "0" ? sign + ("0" * (w - len)) + digits : (" " * (w - len)) + sign + digits
    end

    # `#` swaps the case of an all-capitals name (%p, %Z) and upcases the others, as CRuby does.
    def text(str, flags, width)
      str = str.upcase if flags.include?("^")
      str = (str == str.upcase ? str.downcase : str.upcase) if flags.include?("#")
      return str unless width && width > str.size && !flags.include?("-")

      (flags.include?("0") ? "0" : " ") * (width - str.size) + str
    end

    def fraction(t, digits)
      ns = t.nsec.to_s.rjust(9, "0")
      digits <= 9 ? ns[0, digits] : ns + ("0" * (digits - 9))
    end

    def offset(seconds, flags, width, colons)
      sign = seconds.negative? ? "-" : "+"
      s = seconds.abs
      hh = s / 3600
      mm = (s % 3600) / 60
      ss = s % 60
      body = case colons
             when 1 then "%02d:%02d" % [hh, mm]
             when 2 then "%02d:%02d:%02d" % [hh, mm, ss]
             else "%02d%02d" % [hh, mm]
             end
      str = sign + body
      return str unless width && width > str.size

      pad = flags.include?("_") ? " " : "0"
      pad == " " ? (" " * (width - str.size)) + str : sign + ("0" * (width - str.size)) + body
    end

    # ISO 8601 week-numbering year and week of `t`.
    def iso_year(t) = iso_week_and_year(t).last
    def iso_week(t) = iso_week_and_year(t).first

    def iso_week_and_year(t)
      wday = t.wday.zero? ? 7 : t.wday
      thursday_yday = t.yday - wday + 4
      year = t.year
      if thursday_yday < 1
        year -= 1
        thursday_yday += leap?(year) ? 366 : 365
      elsif thursday_yday > (leap?(year) ? 366 : 365)
        thursday_yday -= leap?(year) ? 366 : 365
        year += 1
      end
      [((thursday_yday - 1) / 7) + 1, year]
    end

    def leap?(y) = (y % 4).zero? && (!(y % 100).zero? || (y % 400).zero?)
  end
end
