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

# transform_keys with a Hash of old key => new key (Ruby 3.0), the block for the rest.
class Hash
  def transform_keys(mapping = (no_mapping = true; nil), &block)
    return to_enum(:transform_keys) if no_mapping && block.nil?
    mapping = __kobako_hash_arg(mapping) unless no_mapping
    out = {}
    each do |k, v|
      key = if !no_mapping && mapping.key?(k) then mapping[k]
            elsif block then block.call(k)
            else k
            end
      out[key] = v
    end
    out
  end

  def transform_keys!(mapping = (no_mapping = true; nil), &block)
    return to_enum(:transform_keys!) if no_mapping && block.nil?
    __kobako_check_frozen
    replace(no_mapping ? transform_keys(&block) : transform_keys(mapping, &block))
  end

  def __kobako_hash_arg(v)
    return v if v.is_a?(Hash)
    return v.to_hash if v.respond_to?(:to_hash)
    raise TypeError, "no implicit conversion of #{v.nil? ? 'nil' : v.class} into Hash"
  end
end
