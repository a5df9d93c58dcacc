# Regexp and MatchData methods CRuby has and the regexp gem lacks.
class Regexp
  # The process-wide timeout CRuby checks during a match; the sandbox's own timeout is
  # what stops a runaway match in the guest, so this one is kept and reported only.
  @__kobako_timeout = nil

  def self.timeout = @__kobako_timeout

  def self.timeout=(seconds)
    unless seconds.nil?
      value = Float(seconds)
      raise ArgumentError, "invalid timeout: #{seconds}" unless value.positive?
      seconds = value
    end
    @__kobako_timeout = seconds
  end

  def timeout = @__kobako_timeout

  # A pattern with a non-ASCII character matches only UTF-8 strings.
  def fixed_encoding? = !source.ascii_only?
end

class MatchData
  def hash = [regexp, string, offset(0)].hash

  def match(n)
    __kobako_group_check(n)
    self[n]
  end

  def match_length(n)
    __kobako_group_check(n)
    s = self[n]
    s&.size
  end

  def __kobako_group_check(n)
    if n.is_a?(String) || n.is_a?(Symbol)
      raise IndexError, "undefined group name reference: #{n}" unless names.include?(n.to_s)
    else
      i = __kobako_int_arg(n)
      raise IndexError, "index #{n} out of matches" if i.negative? || i >= size
    end
  end
end
