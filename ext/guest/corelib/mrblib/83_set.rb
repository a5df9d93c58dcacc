# Set methods CRuby has and mruby-set lacks.
class Set
  def compare_by_identity
    __get_hash.compare_by_identity
    self
  end

  def compare_by_identity? = __get_hash.compare_by_identity?

  def to_set(klass = Set, *args, &block)
    return self if klass == Set && instance_of?(Set) && args.empty? && block.nil?
    klass.new(self, *args, &block)
  end
end

# intersect? and disjoint? take any Enumerable, as CRuby's set.rb does.
class Set
  alias __kobako_set_intersect? intersect?

  def intersect?(other)
    return __kobako_set_intersect?(other) if other.is_a?(Set)
    raise ArgumentError, "value must be enumerable" unless other.is_a?(Enumerable)
    other.any? { |v| include?(v) }
  end

  def disjoint?(other) = !intersect?(other)
end
