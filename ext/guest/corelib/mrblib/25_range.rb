# Range and numeric steps as CRuby defines them: Range#min/max/sum/hash, Range#step and %,
# and Float steps counted the way CRuby counts them (no accumulated rounding error).
class Range
  # mruby's core Range#hash used #first and #last, which mruby-range-ext makes raise for
  # beginless and endless ranges, so (1..).hash raised RangeError. CRuby hashes begin,
  # end and exclude_end?.
  def hash
    [self.begin, self.end, exclude_end?].hash
  end

  # CRuby 3.3's Range#min: a block on an endless range is a RangeError (instead of an
  # endless loop), min(n) is first(n), and without either nothing is iterated.
  def min(*args, &block)
    b = self.begin
    e = self.end
    raise RangeError, "cannot get the minimum of beginless range" if b.nil?
    if block
      raise RangeError, "cannot get the minimum of endless range with custom comparison method" if e.nil?
      return super
    end
    return first(*args) unless args.empty?
    return b if e.nil?

    c = b <=> e
    raise ArgumentError, "comparison of #{b.class} with #{e.class} failed" if c.nil?
    c > 0 || (c == 0 && exclude_end?) ? nil : b
  end

  # CRuby 3.3's Range#max: the same checks in CRuby's order (a block or n on a beginless
  # range is a RangeError naming the custom comparison).
  def max(*args, &block)
    b = self.begin
    e = self.end
    raise RangeError, "cannot get the maximum of endless range" if e.nil?
    numeric_end = e.is_a?(Numeric)
    if block || (exclude_end? && !numeric_end) || !args.empty?
      raise RangeError, "cannot get the maximum of beginless range with custom comparison method" if b.nil?
      return super
    end

    c = b.nil? ? -1 : (b <=> e)
    raise ArgumentError, "comparison of #{b.class} with #{e.class} failed" if c.nil?
    return nil if c > 0
    return e unless exclude_end?
    raise TypeError, "cannot exclude non Integer end value" unless e.is_a?(Integer)
    return nil if c == 0
    raise TypeError, "cannot exclude end value with non Integer begin value" unless b.is_a?(Integer)
    e - 1
  end

  def sum(init = 0, &block)
    b = self.begin
    e = self.end
    if block.nil? && b.is_a?(Integer) && e.is_a?(Integer) && init.is_a?(Integer)
      e -= 1 if exclude_end?
      return init if e < b
      return init + (b + e) * (e - b + 1) / 2
    end
    super
  end

  # CRuby's Range#step: numeric ranges count from begin by the step (Floats without
  # accumulating error), other ranges take every n-th element.
  def step(n = nil, &block)
    b = self.begin
    e = self.end
    numeric = b.is_a?(Numeric) || (b.nil? && e.is_a?(Numeric))
    n = 1 if n.nil?
    unless block
      raise ArgumentError, "step can't be 0" if n == 0
      return to_enum(:step, n)
    end
    if numeric
      raise ArgumentError, "step can't be 0" if n == 0
      raise ArgumentError, "step can't be negative" if n < 0
      raise ArgumentError, "#step iteration for beginless ranges is meaningless" if b.nil?
      if b.is_a?(Float) || e.is_a?(Float) || n.is_a?(Float)
        Float.__kobako_each_step(b.to_f, e.nil? ? Float::INFINITY : e.to_f, n.to_f, exclude_end?, &block)
      else
        i = b
        while e.nil? || (exclude_end? ? i < e : i <= e)
          block.call(i)
          i += n
        end
      end
    else
      raise TypeError, "no implicit conversion of #{n.class} into Integer" unless n.is_a?(Integer)
      raise ArgumentError, "step can't be negative" if n < 0
      raise ArgumentError, "step can't be 0" if n == 0
      i = 0
      each do |x|
        block.call(x) if i % n == 0
        i += 1
      end
    end
    self
  end
  alias % step

end

class Float
  # Yields the values of a Float step: begin + i * unit for each i the step size allows,
  # the last clamped to the end (so no value overshoots by a rounding error).
  # An infinite step yields the start once when it points the right way (i * unit would be
  # NaN), and a count that is NaN (Infinity.step(Infinity)) yields nothing.
  def self.__kobako_each_step(b, e, unit, excl, &block)
    if unit.infinite?
      block.call(b) if unit > 0 ? b <= e : b >= e
      return
    end
    return if unit != 0 && ((e - b) / unit).nan?

    count = __kobako_step_size(b, e, unit, excl)
    if count.infinite?
      i = 0
      loop { block.call(b + i * unit); i += 1 }
    end
    i = 0
    while i < count
      d = i * unit + b
      d = e if unit >= 0 ? e < d : d < e
      block.call(d)
      i += 1
    end
  end

  # How many values a Float step from b to e visits, counting the rounding error of
  # (e - b) / unit the way CRuby does, so 1.0.step(2.0, 0.1) ends at 2.0.
  def self.__kobako_step_size(b, e, unit, excl)
    return(unit > 0 ? (b <= e ? Float::INFINITY : 0) : (b >= e ? Float::INFINITY : 0)) if unit.infinite?
    return Float::INFINITY if unit == 0
    n = (e - b) / unit
    err = (b.abs + e.abs + (e - b).abs) / unit.abs * Float::EPSILON
    return Float::INFINITY if n.infinite? && n > 0
    err = 0.5 if err > 0.5
    if excl
      return 0 if n <= 0
      n = n < 1 ? 0 : (n - err).floor
      d = (n + 1) * unit + b
      if b < e
        n += 1 if d < e
      elsif b > e
        n += 1 if d > e
      end
      n + 1
    else
      return 0 if n < 0
      (n + err).floor + 1
    end
  end
end

class Numeric
  # CRuby's Numeric#step: Floats step by count (no accumulated error), `by:`/`to:` work.
  def step(limit = nil, step = 1, by: nil, to: nil, &block)
    step = by unless by.nil?
    limit = to unless to.nil?
    raise ArgumentError, "step can't be 0" if step == 0
    return to_enum(:step, limit, step) unless block
    if is_a?(Float) || limit.is_a?(Float) || step.is_a?(Float)
      unit = step.to_f
      stop = limit.nil? ? (unit > 0 ? Float::INFINITY : -Float::INFINITY) : limit.to_f
      Float.__kobako_each_step(to_f, stop, unit, false, &block)
    elsif limit.nil?
      i = self
      loop { block.call(i); i += step }
    else
      i = self
      if step > 0
        while i <= limit
          block.call(i)
          i += step
        end
      else
        while i >= limit
          block.call(i)
          i += step
        end
      end
    end
    self
  end
end

class Float
  def step(limit = nil, step = 1, by: nil, to: nil, &block)
    super
  end
end
