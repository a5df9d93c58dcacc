# to_d on numbers and Strings (require "bigdecimal/util").
class Integer
  def to_d = BigDecimal(self)
end

class Float
  def to_d(precision = 0) = BigDecimal(self, precision)
end

class String
  def to_d = BigDecimal.__parse_prefix(self)
end

class Rational
  def to_d(precision) = BigDecimal(self, precision)
end

class NilClass
  def to_d = BigDecimal.__new(0, 0)
end
