# Array and Hash methods CRuby has and mruby 3.3 lacks or answers differently.
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
