# Array and Hash methods CRuby has and mruby 3.3 lacks or answers differently.
class Array
  def sort_by!(&block)
    return to_enum(:sort_by!) unless block
    replace(sort_by(&block))
  end

  def to_h(&block)
    h = {}
    each_with_index do |pair, i|
      __kobako_store_pair(h, block ? block.call(pair) : pair, i, "wrong array length at #{i}")
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
    each { |k, v| __kobako_store_pair(h, block.call(k, v), nil) }
    h
  end

  def sum(init = 0, &block)
    super
  end
end
