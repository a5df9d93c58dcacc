require "spec_helper"

# Contract A-5, A-6, R-2, R-3: nothing survives between invocations, threads see their own
# results, the guest is hermetic, and deep recursion is a rescuable guest error.
RSpec.describe Kobako::Sandbox, "isolation" do
  let(:sandbox) { described_class.new(timeout: 5) }

  it "forgets globals, constants, methods and classes between invocations" do
    sandbox.eval("$counter = 1; LIMIT = 10; def helper; end; class Widget; end; Object.new.instance_variable_set(:@a, 1)")
    expect(sandbox.eval("$counter")).to be_nil
    expect(sandbox.eval("[Object.const_defined?(:LIMIT), Object.const_defined?(:Widget)]")).to eq([false, false])
    expect { sandbox.eval("helper") }.to raise_error(Kobako::SandboxError, /\Aundefined local variable or method `helper' for main\z/)
  end

  it "forgets monkey patches of core classes" do
    sandbox.eval("class Integer; def +(other); 42; end; end; 1 + 1")
    expect(sandbox.eval("1 + 1")).to eq(2)
    sandbox.eval("def puts(*) = nil")
    sandbox.eval("puts 'visible'")
    expect(sandbox.stdout).to eq("visible\n")
  end

  it "keeps working after every kind of trap" do
    tight = described_class.new(timeout: 0.1)
    expect { tight.eval("loop {}") }.to raise_error(Kobako::TimeoutError)
    expect(tight.eval("1 + 2")).to eq(3)
    expect { tight.eval("'x' * 50_000_000") }.to raise_error(Kobako::MemoryLimitError)
    expect(tight.eval("[1, 2, 3].sum")).to eq(6)
    expect { tight.eval("raise 'x'") }.to raise_error(Kobako::SandboxError)
    expect(tight.eval(":ok")).to eq(:ok)
  end

  it "turns deep recursion into a rescuable SystemStackError" do
    code = "def down(n) = down(n + 1)\nbegin; down(0); rescue SystemStackError => e; e.class.name; end"
    expect(sandbox.eval(code)).to eq("SystemStackError")
  end

  it "reports unrescued deep recursion as a SandboxError, also through blocks" do
    expect { sandbox.eval("def down(n) = down(n + 1); down(0)") }
      .to raise_error(Kobako::SandboxError) { |e| expect(e.klass).to eq("SystemStackError") }
    expect { sandbox.eval("def dig(n) = [n].each { |x| dig(x + 1) }; dig(0)") }
      .to raise_error(Kobako::SandboxError) { |e| expect(e.klass).to eq("SystemStackError") }
    expect(sandbox.eval("1")).to eq(1)
  end

  it "has a frozen clock and a fixed random seed (hermetic by default)" do
    expect(sandbox.eval("Time.now.to_i")).to eq(946_684_800)
    expect(sandbox.eval("Time.now.year")).to eq(2000)
    first = sandbox.eval("[rand(1_000_000), Random.new.rand(1000), [1, 2, 3, 4, 5].shuffle]")
    expect(sandbox.eval("[rand(1_000_000), Random.new.rand(1000), [1, 2, 3, 4, 5].shuffle]")).to eq(first)
    expect(described_class.new.eval("rand(1_000_000)")).to eq(first[0])
  end

  it "gives each thread its own captures and usage (A-6)" do
    shared = described_class.new
    results = Array.new(4) do |i|
      Thread.new do
        outputs = []
        20.times do |round|
          shared.eval("print #{i}, '-', #{round}")
          outputs << shared.stdout
        end
        [outputs, shared.usage]
      end
    end.map(&:value)
    results.each_with_index do |(outputs, usage), i|
      expect(outputs).to eq(Array.new(20) { |round| "#{i}-#{round}" })
      expect(usage).to be_a(Kobako::Usage).and(have_attributes(wall_time: be > 0))
    end
    expect(shared.stdout).to eq("")
  end

  it "evaluates concurrently from several threads with correct values" do
    values = Array.new(4) { |i| Thread.new { Array.new(10) { |j| sandbox.eval("#{i} * 100 + #{j}") } } }.map(&:value)
    expect(values).to eq(Array.new(4) { |i| Array.new(10) { |j| i * 100 + j } })
  end
end
