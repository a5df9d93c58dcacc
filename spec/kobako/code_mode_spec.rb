require "spec_helper"
require "open3"
require "rbconfig"
require "tmpdir"
require "kobako/code_mode"

# The code-mode toolkit (issue 17, part 4): the API reference a model reads, the tool
# result it gets back, and the example agent loop.
RSpec.describe Kobako::CodeMode do
  # The README's Services example, defined in this file so the signatures come from source.
  class CodeModeCustomer < Struct.new(:name, :tier)
    def discount(percent: 5) = tier == :gold ? percent * 2 : percent
  end

  class CodeModeCustomers
    def initialize(rows) = @rows = rows
    def find(name) = @rows.find { |c| c.name == name }
    def each_name(&block) = @rows.map(&:name).each(&block)
  end

  def readme_sandbox
    rates = { "EUR" => 1.0, "USD" => 1.08 }
    sandbox = Kobako::Sandbox.new(timeout: 1.0)
    sandbox.expose(CodeModeCustomer, :name, :tier, :discount)
    sandbox.define(:FX).bind(:Rate, ->(currency) { rates.fetch(currency) }, doc: "EUR per unit of a currency")
    sandbox.define(:Shop).bind(:Customers, CodeModeCustomers.new([CodeModeCustomer.new("ann", :gold)]),
                               methods: %i[find each_name])
    sandbox
  end

  describe "Sandbox#api_reference" do
    it "renders the README example as compact signatures, in under 130 tokens" do
      sandbox = readme_sandbox
      sandbox.slot("Ctx::Order", methods: %i[total qty], doc: "the order being priced")
      reference = sandbox.api_reference
      expect(reference).to eq(<<~TEXT)
        #{Kobako::CodeMode::ApiReference::HEADER}
        # EUR per unit of a currency
        FX::Rate.call(currency)
        Shop::Customers.each_name(&block)
        Shop::Customers.find(name)
        # the order being priced
        Ctx::Order: an object filled per run; call qty, total
        Handles (objects Services return; call only these):
        CodeModeCustomer: discount(percent: 5), name, tier
      TEXT
      expect(reference.length / 4).to be < 130
    end

    it "names the libraries the guest's require really gives" do
      libraries = Kobako::Sandbox.new.eval("Kernel::KOBAKO_LIBRARIES.keys.reject { |f| f.include?('/') }")
      expect(Kobako::CodeMode::ApiReference::LIBRARIES).to match_array(libraries)
    end

    it "shows RBS types from registered files where they describe a Service's class" do
      rbs = File.join(Dir.mktmpdir, "shop.rbs")
      File.write(rbs, <<~RBS)
        class CodeModeCustomers
          def find: (String name) -> CodeModeCustomer?
        end
        class CodeModeCustomer
          def discount: (?percent: Integer) -> Integer
        end
      RBS
      reference = readme_sandbox.api_reference(rbs: [rbs])
      expect(reference).to include("Shop::Customers.find: (String name) -> CodeModeCustomer?\n")
      expect(reference).to include("Shop::Customers.each_name(&block)\n")
      expect(reference).to include("CodeModeCustomer: discount: (?percent: Integer) -> Integer, name, tier\n")
      expect { readme_sandbox.api_reference(rbs: ["/nonexistent.rbs"]) }.to raise_error(ArgumentError, /cannot read/)
    end

    it "takes a doc: only as a short String" do
      sandbox = Kobako::Sandbox.new
      expect { sandbox.bind(:A, -> {}, doc: 5) }.to raise_error(ArgumentError, "doc: for A must be a String, got Integer")
      expect { sandbox.slot("B", doc: "x" * 501) }.to raise_error(ArgumentError, "doc: for B is over 500 characters")
      expect(Kobako::Sandbox.new.api_reference).to eq("#{Kobako::CodeMode::ApiReference::HEADER}\n")
    end

    it "reads parameter lists as the source writes them, and from #parameters otherwise" do
      signatures = Kobako::CodeMode::Signatures
      expect(signatures.def_params("  def find(id, detail: { a: 1 }, *rest)\n", "find")).to eq("(id, detail: { a: 1 }, *rest)")
      expect(signatures.def_params("def list\n", "list")).to eq("")
      expect(signatures.def_params("def total(a,\n    b = 2)\n", "total")).to eq("(a, b = 2)")
      expect(signatures.proc_params("bind(:X, ->(a, b: 'x)') { a })")).to eq("(a, b: 'x)')")
      expect(signatures.proc_params("bind(:X, lambda { |a, b| a })")).to eq("(a, b)")
      expect(signatures.from_parameters([[:req, :a], [:opt, :b], [:keyreq, :c], [:key, :d], [:rest, :e], [:block, :f]]))
        .to eq("(a, b = ..., c:, d: ..., *e, &f)")
    end
  end

  describe ".run" do
    let(:sandbox) { readme_sandbox }

    it "returns the value and output of a script that finished" do
      result = described_class.run(sandbox, "puts 'pricing'\n(100 * FX::Rate.call('USD')).round(2)")
      expect(result).to be_ok
      expect(result.to_s).to eq("ok\nvalue: 108.0\nstdout:\npricing\n")
      expect(result.to_h).to include(ok: true, value: "108.0", stdout: "pricing\n", error: nil)
    end

    it "points at the failing line and name, with the hint, for the model to repair" do
      script = "ann = Shop::Customers.find('ann')\nputs ann.tier\ndiscont = ann.discount(percent: 10)\ndiscount + 1"
      result = described_class.run(sandbox, script)
      expect(result).not_to be_ok
      expect(result.to_s).to eq(<<~TEXT)
        error: NameError: undefined local variable or method `discount' for main
        line 4: discount + 1
                ^^^^^^^^
        Did you mean? discont
        stdout:
        gold
      TEXT
      expect(result.to_h[:error]).to include(class: "NameError", line: 4, source: "discount + 1", hint: "Did you mean? discont")
    end

    it "describes refusals, Service failures, syntax errors and timeouts the same way" do
      expect(described_class.run(sandbox, "Shop::Customers.fnd('x')").to_s).to eq(<<~TEXT)
        error: NoMethodError: Shop::Customers.fnd is not callable from the sandbox
        line 1: Shop::Customers.fnd('x')
                                ^^^
        Did you mean? find
      TEXT
      expect(described_class.run(sandbox, "FX::Rate.call('JPY')").to_s)
        .to start_with("error: KeyError: FX::Rate.call raised KeyError: key not found: \"JPY\"\nline 1:")
      expect(described_class.run(sandbox, "x = 1\ndef f(\n").to_s).to start_with("error: SyntaxError: (eval):3:")
      expect(described_class.run(sandbox, "loop {}").to_s).to eq("error: Kobako::TimeoutError: the script ran past its timeout of 1.0 s\n")
    end

    it "clips long values and output" do
      result = described_class.run(sandbox, "puts 'y' * 5000\n'x' * 5000", clip: 100)
      expect(result.to_h[:value]).to eq("\"#{'x' * 99}... (4902 more characters)")
      expect(result.to_h[:stdout]).to start_with("y" * 100).and end_with("(4901 more characters)")
      expect { described_class.run(sandbox, nil) }.to raise_error(ArgumentError, /must be a String, got NilClass/)
    end
  end

  it "runs the example agent loop: a script with a mistake, the tool result, the repair, the answer" do
    example = File.expand_path("../../examples/code_mode/agent.rb", __dir__)
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), example)
    expect([err, status.exitstatus]).to eq(["", 0])
    expect(out).to include("== tool result\nerror: NoMethodError: Shop::Orders.fnd is not callable from the sandbox\n")
    expect(out).to include("Did you mean? find")
    expect(out).to include("== tool result\nok\nvalue: 17.4\n")
    expect(out).to end_with("== answer\nOrder 3 comes to 17.4 with tax.\n")
  end

  it "tells the model a script is waiting at a suspending call, without the app's reason or host objects" do
    box = Kobako::Sandbox.new
    secret = Struct.new(:token).new("sk_live_123")
    pay = Object.new
    pay.define_singleton_method(:refund) { |order, amount| Kobako.suspend!("manager #{secret.token} must approve") }
    box.expose(secret.class, :token)
    box.bind("Payments", pay, methods: %i[refund])
    box.bind("Vault", -> { secret })
    result = described_class.run(box, "v = Vault.call; Payments.refund(v, 120)")
    expect(result).to be_suspended
    expect(result.to_s).to start_with("suspended: the script is waiting at Payments.refund(#<Kobako::Handle")
    expect(result.to_s).not_to include("sk_live")
    expect(result.to_h).to include(ok: false, error: nil)
  end
end
