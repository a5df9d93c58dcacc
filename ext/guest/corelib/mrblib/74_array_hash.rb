# Array and Hash methods CRuby has and mruby 3.3 lacks.
class Array
  def self.try_convert(obj)
    return obj if obj.is_a?(Array)
    return nil unless obj.respond_to?(:to_ary)
    value = obj.to_ary
    return value if value.nil? || value.is_a?(Array)
    raise TypeError, "can't convert #{obj.class} to Array (#{obj.class}#to_ary gives #{value.class})"
  end

  def to_ary = self
end

class Hash
  def self.try_convert(obj)
    return obj if obj.is_a?(Hash)
    return nil unless obj.respond_to?(:to_hash)
    value = obj.to_hash
    return value if value.nil? || value.is_a?(Hash)
    raise TypeError, "can't convert #{obj.class} to Hash (#{obj.class}#to_hash gives #{value.class})"
  end

  def to_hash = self

  def assoc(key)
    each { |k, v| return [k, v] if k == key }
    nil
  end

  def rassoc(value)
    each { |k, v| return [k, v] if v == value }
    nil
  end
end
