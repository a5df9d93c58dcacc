# Integer and Float arithmetic with a Numeric they do not know (a BigDecimal, a script's
# own class) goes through `other.coerce(self)`, as in CRuby. The VM's fast paths for
# Integer and Float operands never reach these methods, so ordinary arithmetic costs the
# same.
[Integer, Float].each do |klass|
  %i[+ - * / % ** <=> < <= > >= divmod fdiv quo].each do |op|
    next unless klass.method_defined?(op)

    plain = :"__kobako_plain_#{op}"
    klass.__send__(:alias_method, plain, op)
    klass.__send__(:define_method, op) do |other|
      if other.is_a?(Integer) || other.is_a?(Float) || !other.respond_to?(:coerce) ||
         other.is_a?(Rational) || other.is_a?(Complex)
        __send__(plain, other)
      else
        a, b = other.coerce(self)
        a.__send__(op, b)
      end
    end
  end

  # Equality asks the other side, as CRuby's Integer#== does for a foreign Numeric.
  klass.__send__(:alias_method, :__kobako_plain_eq, :==)
  klass.__send__(:define_method, :==) do |other|
    if other.is_a?(Numeric) && !other.is_a?(Integer) && !other.is_a?(Float) && other.respond_to?(:coerce) &&
       !other.is_a?(Rational) && !other.is_a?(Complex)
      other == self
    else
      __kobako_plain_eq(other)
    end
  end
end

class Integer
  def odd? = self % 2 == 1
  def even? = self % 2 == 0
end
