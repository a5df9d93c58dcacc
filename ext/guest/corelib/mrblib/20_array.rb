# Array methods CRuby has and mruby 3.3 lacks or answers differently.
class Array
  def sort_by!(&block)
    return to_enum(:sort_by!) unless block
    replace(sort_by(&block))
  end

  def to_h(&block)
    h = {}
    each_with_index do |pair, i|
      pair = block.call(pair) if block
      pair = pair.to_ary if !pair.is_a?(Array) && pair.respond_to?(:to_ary)
      raise TypeError, "wrong element type #{pair.class} at #{i} (expected array)" unless pair.is_a?(Array)
      raise ArgumentError, "wrong array length at #{i} (expected 2, was #{pair.size})" unless pair.size == 2
      h[pair[0]] = pair[1]
    end
    h
  end

  def sum(init = 0, &block)
    super
  end

  def min(n = nil, &block)
    super
  end

  def max(n = nil, &block)
    super
  end

  def minmax(&block)
    [min(&block), max(&block)]
  end
end

class Hash
  alias __kobako_plain_to_h to_h

  def to_h(&block)
    return __kobako_plain_to_h unless block
    h = {}
    each do |k, v|
      pair = block.call(k, v)
      pair = pair.to_ary if !pair.is_a?(Array) && pair.respond_to?(:to_ary)
      raise TypeError, "wrong element type #{pair.class} (expected array)" unless pair.is_a?(Array)
      raise ArgumentError, "element has wrong array length (expected 2, was #{pair.size})" unless pair.size == 2
      h[pair[0]] = pair[1]
    end
    h
  end

  def sum(init = 0, &block)
    super
  end
end

class Range
  def min(n = nil, &block)
    return super if n || block
    b = self.begin
    e = self.end
    if b.is_a?(Numeric) && e.is_a?(Numeric)
      return nil if b > e || (b == e && exclude_end?)
      return b
    end
    raise RangeError, "cannot get the minimum of beginless range" if b.nil?
    return b if e.nil?
    super()
  end

  def max(n = nil, &block)
    return super if n || block
    b = self.begin
    e = self.end
    raise RangeError, "cannot get the maximum of endless range" if e.nil?
    if e.is_a?(Numeric) && (b.nil? || b.is_a?(Numeric))
      raise TypeError, "cannot exclude non Integer end value" if exclude_end? && !e.is_a?(Integer)
      raise TypeError, "cannot exclude end value with non Integer begin value" if exclude_end? && b && !b.is_a?(Integer)
      return nil if b && (b > e || (b == e && exclude_end?))
      return exclude_end? ? e - 1 : e
    end
    super()
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
  def self.__kobako_each_step(b, e, unit, excl, &block)
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
