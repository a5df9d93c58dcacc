# Set methods CRuby has and mruby-set lacks.
class Set
  def to_set(klass = Set, *args, &block)
    return self if klass == Set && instance_of?(Set) && args.empty? && block.nil?
    klass.new(self, *args, &block)
  end
end
