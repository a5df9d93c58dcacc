# Fixes for bugs that mruby's own test suite found in the guest (see
# spec/kobako/mruby_own_tests_spec.rb). Loaded after the other corelib files, so these
# definitions win over theirs.

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
end

class Float
  class << self
    alias __kobako_each_step_by_count __kobako_each_step

    # CRuby's float step with an infinite receiver, limit or step (test/t/numeric.rb): an
    # infinite step yields the start once when it points the right way (i * unit would
    # be NaN), and a count that is NaN (Infinity.step(Infinity)) yields nothing. Both
    # used to yield NaN without end.
    def __kobako_each_step(b, e, unit, excl, &block)
      if unit.infinite?
        block.call(b) if unit > 0 ? b <= e : b >= e
        return
      end
      return if unit != 0 && ((e - b) / unit).nan?

      __kobako_each_step_by_count(b, e, unit, excl, &block)
    end
  end
end
