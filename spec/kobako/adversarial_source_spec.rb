require "spec_helper"

# Scripts built to break the parser, the code generator or the VM must end in a Kobako
# error (or a value), never a host crash or a hang.
RSpec.describe Kobako::Sandbox, "adversarial scripts" do
  let(:sandbox) { described_class.new(timeout: 2) }

  {
    "100,000 nested array brackets" => "[" * 100_000 + "]" * 100_000,
    "50,000 nested parentheses" => "(" * 50_000 + "1" + ")" * 50_000,
    "20,000 chained modifiers" => "1 if " * 20_000 + "true",
    "3,000 nested lambdas" => "-> { " * 3_000 + "1" + " }" * 3_000,
    "5,000 nested begin blocks" => "begin; " * 5_000 + "1; " + "end; " * 5_000,
    "a 200,000-term sum" => "1" + " + 1" * 200_000,
    "a format width bomb" => 'format("%999999999d", 1)',
    "a string multiplication bomb" => '"ab" * (2**40)',
    "an array size bomb" => "Array.new(2**40, 0)",
    "a recursive inspect" => "a = []; a << a; a.inspect * 1_000_000",
    "a symbol flood" => "500_000.times { |i| :\"s\#{i}\" }; 1",
    "unbounded string growth" => 's = "x"; loop { s += s }'
  }.each do |name, code|
    it "survives #{name}" do
      begin
        sandbox.eval(code)
      rescue Kobako::SandboxError, Kobako::TrapError => e
        expect(e.message).not_to be_empty
      end
      expect(sandbox.eval("1 + 1")).to eq(2)
    end
  end

  it "reports a parser that runs out of room as a SyntaxError" do
    expect { sandbox.eval("[" * 100_000 + "]" * 100_000) }
      .to raise_error(Kobako::SandboxError, /memory exhausted/) { |e| expect(e.klass).to eq("SyntaxError") }
  end
end
