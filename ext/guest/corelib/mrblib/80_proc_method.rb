# Method and UnboundMethod methods CRuby has and mruby-method lacks.
class Method
  def ===(*args, &block) = call(*args, &block)
  def curry(n = (no_arity = true; nil))
    required = arity.negative? ? -arity - 1 : arity
    return to_proc.curry(required) if no_arity
    n = __kobako_int_arg(n)
    if arity >= 0 ? n != arity : n < required
      expected = arity >= 0 ? arity.to_s : "#{required}+"
      raise ArgumentError, "wrong number of arguments (given #{n}, expected #{expected})"
    end
    to_proc.curry(n)
  end
  def hash = [receiver.__id__, owner, name].hash
  # mruby keeps one name per method entry, so an alias answers its own name.
  def original_name = name
end

class UnboundMethod
  def hash = [owner, name].hash
  def original_name = name
end
