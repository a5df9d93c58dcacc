# Range methods CRuby has and mruby 3.3 lacks.
class Range
  def bsearch(&block)
    return enum_for(:bsearch) unless block
    first = self.begin
    last = self.end
    if first.is_a?(Float) || last.is_a?(Float)
      lo = (first.nil? ? -Float::INFINITY : first.to_f).__kobako_ordinal
      hi = (last.nil? ? Float::INFINITY : last.to_f).__kobako_ordinal
      hi -= 1 if exclude_end? && !last.nil?
      return __kobako_bsearch_between(lo, hi, block) { |n| Float.__kobako_from_ordinal(n) }
    end
    unless (first.nil? || first.is_a?(Integer)) && (last.nil? || last.is_a?(Integer)) && !(first.nil? && last.nil?)
      raise TypeError, "can't do binary search for #{(first.nil? ? last : first).class}"
    end
    last -= 1 if exclude_end? && !last.nil?
    if last.nil?
      diff = 1
      loop do
        mid = first + diff
        verdict, value = __kobako_bsearch_check(mid, block)
        return value if verdict == :found
        return __kobako_bsearch_between(first, mid, block) if verdict == :left || verdict == :left_any
        diff *= 2
      end
    elsif first.nil?
      diff = 1
      loop do
        mid = last - diff
        verdict, value = __kobako_bsearch_check(mid, block)
        return value if verdict == :found
        return __kobako_bsearch_between(mid, last, block) if verdict == :right
        diff *= 2
      end
    else
      __kobako_bsearch_between(first, last, block)
    end
  end

  # :found (find-any mode hit), :left (the answer is here or before) or :right.
  def __kobako_bsearch_check(x, block)
    r = block.call(x)
    case r
    when true then [:left, x]
    when false, nil then [:right, x]
    when Numeric
      c = r <=> 0
      c.zero? ? [:found, x] : [c.negative? ? :left_any : :right, x]
    else raise TypeError, "wrong argument type #{r.class} (must be numeric, true, false or nil)"
    end
  end

  def __kobako_bsearch_between(lo, hi, block)
    found = nil
    while lo <= hi
      mid = lo + (hi - lo) / 2
      x = block_given? ? yield(mid) : mid
      verdict, = __kobako_bsearch_check(x, block)
      case verdict
      when :found then return x
      when :left
        found = x
        hi = mid - 1
      when :left_any then hi = mid - 1
      else lo = mid + 1
      end
    end
    found
  end
end
