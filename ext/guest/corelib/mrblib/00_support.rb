# Helpers the rest of corelib shares. Names start with __kobako_ so a script's own
# methods cannot collide with them.
module Kernel
  # CRuby's comparison failure: `<=>` answered nil (or is missing).
  def __kobako_cmp(a, b)
    c = a <=> b
    raise ArgumentError, "comparison of #{a.class} with #{__kobako_cmp_desc(b)} failed" if c.nil?
    c
  end

  def __kobako_cmp_desc(v)
    v.nil? || v == true || v == false || v.is_a?(Numeric) ? v.inspect : v.class.to_s
  end

  def __kobako_int_arg(v, what = "Integer")
    return v if v.is_a?(Integer)
    return v.to_int if v.respond_to?(:to_int)
    raise TypeError, "no implicit conversion of #{v.nil? ? 'nil' : v.class} into #{what}"
  end

  # One [key, value] pair of a to_h, checked as CRuby checks it (`index` names the element
  # in the TypeError when there is one).
  def __kobako_store_pair(h, pair, index, length_error = "element has wrong array length")
    pair = pair.to_ary if !pair.is_a?(Array) && pair.respond_to?(:to_ary)
    unless pair.is_a?(Array)
      raise TypeError, "wrong element type #{pair.class}#{index.nil? ? '' : " at #{index}"} (expected array)"
    end
    raise ArgumentError, "#{length_error} (expected 2, was #{pair.size})" unless pair.size == 2
    h[pair[0]] = pair[1]
  end

  # CRuby's rounding modes for round(half:).
  def __kobako_half_mode(half)
    return :up if half.nil?
    mode = half.is_a?(String) ? half.to_sym : half
    raise ArgumentError, "invalid rounding mode: #{half}" unless %i[up even down].include?(mode)
    mode
  end
end

module Kernel
  # `defined?(super)` (the parser turns it into this call): is there a method `name` to
  # reach with super from here?
  def __kobako_super_defined?(name)
    return false if name.nil?
    !method(name).super_method.nil?
  rescue NameError
    false
  end
end
