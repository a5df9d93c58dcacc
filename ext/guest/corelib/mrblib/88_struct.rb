# Struct#each and #each_pair without a block return an Enumerator, as in CRuby.
class Struct
  alias __kobako_struct_each each
  alias __kobako_struct_each_pair each_pair

  def each(&block)
    return enum_for(:each) { size } unless block
    __kobako_struct_each(&block)
  end

  def each_pair(&block)
    return enum_for(:each_pair) { size } unless block
    __kobako_struct_each_pair(&block)
  end
end
