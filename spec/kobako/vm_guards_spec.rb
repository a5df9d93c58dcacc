require "spec_helper"

# Type checks added to mruby's VM by ext/guest/mruby_patches.rb: where the VM trusted a
# register's type, the script gets a TypeError instead of a fault in guest memory.
RSpec.describe Kobako::Sandbox, "VM type guards" do
  it "turns mruby 3.3's crash on a 15-parameter block that redoes into a TypeError" do
    code = "n = 0\n[[1]].each { |a,b,c,d,e,f,g,h,i,j,k,l,m,o,q| a = 5; n += 1; redo if n < 3 }\nn"
    expect { described_class.new.eval(code) }
      .to raise_error(Kobako::SandboxError, "packed arguments are not an Array") { |e| expect(e.klass).to eq("TypeError") }
  end
end
