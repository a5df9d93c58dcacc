# Symbol methods CRuby has and mruby 3.3 lacks.
class Symbol
  alias === ==
  alias id2name to_s

  def start_with?(*prefixes) = to_s.start_with?(*prefixes)
  def end_with?(*suffixes) = to_s.end_with?(*suffixes)
  def succ = to_s.succ.to_sym
  alias next succ
  def swapcase = to_s.swapcase.to_sym
end
