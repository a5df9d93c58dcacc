# Date and time parsing shared by the date and time libraries (loaded by either).
module Kobako
  # Parsing shared by Date.parse, Time.parse and the strptime methods.
  module DateParse
    MONTH_ABBR = %w[jan feb mar apr may jun jul aug sep oct nov dec].freeze
    DAY_ABBR = %w[sun mon tue wed thu fri sat].freeze

    extend self

    def month_number(name) = MONTH_ABBR.index(name[0, 3].downcase)&.+(1)

    # The fields found in `str` (year, mon, mday, hour, min, sec, sec_fraction, offset,
    # wday), as Date._parse finds them for the formats scripts use.
    def parse(str, with_time = false)
      s = str.strip
      h = {}
      rest = s.dup
      if (m = rest.match(/(\d{1,2}):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*([ap]\.?m\.?)?(?:\s*(Z|UTC|GMT|[+-]\d\d:?\d\d)\b)?/i))
        hour = m[1].to_i
        if m[5]
          hour %= 12
          hour += 12 if m[5].downcase.start_with?("p")
        end
        h[:hour] = hour
        h[:min] = m[2].to_i
        h[:sec] = m[3].to_i if m[3]
        h[:sec_fraction] = m[4].to_i.quo(10**m[4].size) if m[4]
        h[:offset] = m[6] if m[6]
        rest = m.pre_match + " " + m.post_match
      end
      if (m = rest.match(/\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b/i))
        h[:wday] = DAY_ABBR.index(m[1].downcase)
      end
      if (m = rest.match(/(-?\d{4})-(\d{1,2})-(\d{1,2})/) || rest.match(%r{(\d{4})/(\d{1,2})/(\d{1,2})}) ||
              rest.match(/(\d{4})\.(\d{1,2})\.(\d{1,2})/))
        h[:year] = m[1].to_i
        h[:mon] = m[2].to_i
        h[:mday] = m[3].to_i
      elsif (m = rest.match(%r{\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b}))
        # CRuby reads d/m/y? No: mm/dd/yyyy (American) when the first part cannot be a year.
        h[:year] = year_of(m[3])
        h[:mon] = m[1].to_i
        h[:mday] = m[2].to_i
      elsif (m = rest.match(/\b(\d{1,2})(?:st|nd|rd|th)?[\s\-]+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:[\s\-,]+(-?\d+))?/i))
        h[:mday] = m[1].to_i
        h[:mon] = month_number(m[2])
        h[:year] = year_of(m[3]) if m[3]
      elsif (m = rest.match(/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(-?\d+))?/i))
        h[:mon] = month_number(m[1])
        h[:mday] = m[2].to_i
        h[:year] = year_of(m[3]) if m[3]
      elsif (m = rest.match(/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{4})\b/i))
        h[:mon] = month_number(m[1])
        h[:year] = m[2].to_i
      elsif (m = rest.match(/\b(\d{4})(\d\d)(\d\d)(?:T?(\d\d)(\d\d)(\d\d)?)?\b/))
        h[:year] = m[1].to_i
        h[:mon] = m[2].to_i
        h[:mday] = m[3].to_i
        if m[4]
          h[:hour] = m[4].to_i
          h[:min] = m[5].to_i
          h[:sec] = m[6].to_i if m[6]
        end
      elsif (m = rest.match(/\b(\d{4})-(\d\d)\b/))
        h[:year] = m[1].to_i
        h[:mon] = m[2].to_i
      elsif (m = rest.match(/\b(\d{1,2})(?:st|nd|rd|th)\b/))
        h[:mday] = m[1].to_i
      end
      h.delete(:offset) unless with_time
      h
    end

    def year_of(text)
      return nil if text.nil?

      y = text.to_i
      text.size == 2 ? (y >= 69 ? 1900 + y : 2000 + y) : y
    end

    # The fields `str` gives under the strptime format `fmt`, or nil if it does not fit.
    def strptime(str, fmt)
      h = {}
      si = 0
      fi = 0
      while fi < fmt.size
        c = fmt[fi]
        if c == "%" && fi + 1 < fmt.size
          j = fi + 1
          j += 1 while j < fmt.size && "-_0^#".include?(fmt[j])
          d = fmt[j]
          fi = j + 1
          rest = str[si..] || ""
          m = case d
              when "Y" then rest.match(/\A[+-]?\d+/)
              when "m", "d", "H", "M", "S", "y", "I", "e", "k", "l" then rest.match(/\A\s?\d{1,2}/)
              when "j" then rest.match(/\A\d{1,3}/)
              when "L", "N" then rest.match(/\A\d+/)
              when "b", "h", "B" then rest.match(/\A(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/i)
              when "a", "A" then rest.match(/\A(sun|mon|tue|wed|thu|fri|sat)[a-z]*/i)
              when "p", "P" then rest.match(/\A[ap]\.?m\.?/i)
              when "z" then rest.match(/\A(Z|UTC|GMT|[+-]\d\d:?\d\d)/i)
              when "Z" then rest.match(/\A[A-Za-z]+|\A[+-]\d\d:?\d\d/)
              when "s" then rest.match(/\A-?\d+/)
              when "%" then rest.match(/\A%/)
              when "F" then rest.match(/\A(-?\d+)-(\d\d)-(\d\d)/)
              when "T" then rest.match(/\A(\d\d):(\d\d):(\d\d)/)
              when "R" then rest.match(/\A(\d\d):(\d\d)/)
              when "D" then rest.match(%r{\A(\d\d)/(\d\d)/(\d\d)})
              end
          return nil unless m

          v = m[0]
          case d
          when "Y" then h[:year] = v.to_i
          when "y" then h[:year] = year_of(v.strip)
          when "m" then h[:mon] = v.to_i
          when "d", "e" then h[:mday] = v.to_i
          when "H", "k" then h[:hour] = v.to_i
          when "I", "l" then h[:hour12] = v.to_i
          when "M" then h[:min] = v.to_i
          when "S" then h[:sec] = v.to_i
          when "j" then h[:yday] = v.to_i
          when "L", "N" then h[:sec_fraction] = v.to_i.quo(10**v.size)
          when "b", "h", "B" then h[:mon] = month_number(m[1])
          when "a", "A" then h[:wday] = DAY_ABBR.index(m[1].downcase)
          when "p", "P" then h[:pm] = v.downcase.start_with?("p")
          when "z", "Z" then h[:offset] = v
          when "s" then h[:seconds] = v.to_i
          when "F" then h[:year], h[:mon], h[:mday] = m[1].to_i, m[2].to_i, m[3].to_i
          when "T" then h[:hour], h[:min], h[:sec] = m[1].to_i, m[2].to_i, m[3].to_i
          when "R" then h[:hour], h[:min] = m[1].to_i, m[2].to_i
          when "D" then h[:mon], h[:mday], h[:year] = m[1].to_i, m[2].to_i, year_of(m[3])
          end
          si += v.size
        elsif c =~ /\s/
          si += 1 while si < str.size && str[si] =~ /\s/
          fi += 1
        else
          return nil unless str[si] == c

          si += 1
          fi += 1
        end
      end
      return nil unless si == str.size

      if h[:hour12]
        h[:hour] = (h[:hour12] % 12) + (h.delete(:pm) ? 12 : 0)
        h.delete(:hour12)
      end
      h
    end
  end
end

