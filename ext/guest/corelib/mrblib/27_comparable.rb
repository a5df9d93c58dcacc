# Comparable#clamp with a Range (beginless or endless too), as in CRuby.
module Comparable
  def clamp(min, max = nil)
    if max.nil? && min.is_a?(Range)
      range = min
      raise ArgumentError, "cannot clamp with an exclusive range" if range.exclude_end? && !range.end.nil?
      min = range.begin
      max = range.end
    elsif max.nil? && !min.nil?
      raise TypeError, "wrong argument type #{min.class} (expected Range)"
    end
    if !min.nil? && !max.nil? && __kobako_cmp(min, max) > 0
      raise ArgumentError, "min argument must be less than or equal to max argument"
    end
    return min if !min.nil? && __kobako_cmp(self, min) < 0
    return max if !max.nil? && __kobako_cmp(self, max) > 0
    self
  end
end
