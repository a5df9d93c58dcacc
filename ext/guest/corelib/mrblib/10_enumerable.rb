# Enumerable methods as CRuby defines them. Several values yielded at once reach the block
# packed into one Array (so `each_with_index.filter_map { |(a, b), i| }` destructures as in
# CRuby); mruby-enum-ext's versions kept only the first value. Comparisons use <=>, so
# Array and other Comparable keys work.
module Enumerable
  # The keys in order, then one stable sort of the items by key in C (src/sort.c); mruby's
  # own sorts [key, index] pairs with a merge sort and Array#<=> written in Ruby.
  def sort_by(&block)
    return to_enum(:sort_by) unless block

    items = to_a
    items.__kobako_sort_by_keys(items.map(&block))
  end

  def filter_map(&block)
    return to_enum(:filter_map) unless block
    result = []
    each do |*v|
      x = block.call(v.__svalue)
      result << x if x
    end
    result
  end

  def tally(hash = nil)
    counts = hash || {}
    counts.__kobako_check_frozen if hash
    each do |*v|
      x = v.__svalue
      counts[x] = (counts[x] || 0) + 1
    end
    counts
  end

  def to_h(*args, &block)
    h = {}
    each(*args) do |*v|
      pair = v.__svalue
      __kobako_store_pair(h, block ? block.call(pair) : pair, nil)
    end
    h
  end

  # Floats are summed with Kahan-Babuska compensation, as CRuby does, so
  # `([0.1] * 10).sum` is 1.0.
  def sum(init = 0, &block)
    acc = init
    float = nil
    comp = 0.0
    each do |*v|
      x = v.__svalue
      x = block.call(x) if block
      if float.nil?
        if acc.is_a?(Integer) && x.is_a?(Integer)
          acc += x
          next
        elsif x.is_a?(Float) && (acc.is_a?(Integer) || acc.is_a?(Float) || acc.is_a?(Rational))
          float = acc.to_f
        elsif acc.is_a?(Float) && (x.is_a?(Integer) || x.is_a?(Rational))
          float = acc
        else
          acc += x
          next
        end
      end
      unless x.is_a?(Float) || x.is_a?(Integer) || x.is_a?(Rational)
        acc = float + comp + x
        float = nil
        comp = 0.0
        next
      end
      x = x.to_f
      if float.nan?
        next
      elsif x.nan?
        float = x
        next
      elsif x.infinite?
        float = (float.infinite? && (x > 0) != (float > 0)) ? Float::NAN : x
        next
      elsif float.infinite?
        next
      end
      t = float + x
      if float.abs >= x.abs
        comp += (float - t) + x
      else
        comp += (x - t) + float
      end
      float = t
    end
    float.nil? ? acc : float + comp
  end

  def min_by(n = nil, &block)
    return to_enum(:min_by, n) unless block
    return __kobako_sorted_by(block).first(n) unless n.nil?
    __kobako_extreme(-1, block)
  end

  def max_by(n = nil, &block)
    return to_enum(:max_by, n) unless block
    return __kobako_sorted_by(block).reverse.first(n) unless n.nil?
    __kobako_extreme(1, block)
  end

  def minmax_by(&block)
    return to_enum(:minmax_by) unless block
    [min_by(&block), max_by(&block)]
  end

  def min(n = nil, &block)
    return __kobako_sorted(block).first(n) unless n.nil?
    __kobako_extreme(-1, nil, block)
  end

  def max(n = nil, &block)
    return __kobako_sorted(block).reverse.first(n) unless n.nil?
    __kobako_extreme(1, nil, block)
  end

  def minmax(&block)
    [min(&block), max(&block)]
  end

  def slice_when(&block)
    raise ArgumentError, "tried to create Proc object without a block" unless block
    source = self
    Enumerator.new do |out|
      chunk = nil
      prev = nil
      source.each do |*v|
        x = v.__svalue
        if chunk.nil?
          chunk = [x]
        elsif block.call(prev, x)
          out << chunk
          chunk = [x]
        else
          chunk << x
        end
        prev = x
      end
      out << chunk unless chunk.nil?
    end
  end

  def chunk_while(&block)
    raise ArgumentError, "tried to create Proc object without a block" unless block
    slice_when { |a, b| !block.call(a, b) }
  end

  def each_entry(*args, &block)
    return to_enum(:each_entry, *args) unless block
    each(*args) { |*v| block.call(v.__svalue) }
    self
  end

  # The element ranked first: the smallest for sign -1, the largest for 1, the first of
  # equals. `key` (min_by/max_by) is called once per element; `cmp` is a <=>-style block.
  def __kobako_extreme(sign, key = nil, cmp = nil)
    best = nil
    best_key = nil
    first = true
    each do |*v|
      x = v.__svalue
      k = key ? key.call(x) : x
      if first || (cmp ? __kobako_block_cmp(cmp, k, best_key) : __kobako_cmp(k, best_key)) * sign > 0
        best = x
        best_key = k
        first = false
      end
    end
    best
  end

  def __kobako_block_cmp(block, a, b)
    c = block.call(a, b)
    raise ArgumentError, "comparison of #{a.class} with #{b.class} failed" if c.nil?
    c
  end

  def __kobako_sorted(block)
    n = to_a
    block ? n.sort { |a, b| __kobako_block_cmp(block, a, b) } : n.sort { |a, b| __kobako_cmp(a, b) }
  end

  def __kobako_sorted_by(block)
    to_a.map { |x| [block.call(x), x] }.sort { |a, b| __kobako_cmp(a[0], b[0]) }.map { |pair| pair[1] }
  end
end

class Object
  def __kobako_check_frozen
    raise FrozenError, "can't modify frozen #{self.class}: #{inspect}" if frozen?
  end
end
