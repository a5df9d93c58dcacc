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
