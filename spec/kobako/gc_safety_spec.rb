require "spec_helper"

# The extension must stay correct while Ruby's GC runs at every allocation and while
# compaction moves objects between calls (design card: Proc and data pinned, W-4).
RSpec.describe Kobako::Sandbox, "GC safety" do
  def with_gc_stress
    GC.stress = true
    yield
  ensure
    GC.stress = false
  end

  it "evaluates, decodes and captures under GC.stress" do
    sandbox = described_class.new(stdout_limit: 64)
    results = with_gc_stress do
      [
        sandbox.eval("{ list: [1, 'two', :three, 4.5], 'text' => 'héllo' * 3 }"),
        sandbox.eval("puts 'x' * 100; 7"),
        sandbox.stdout,
        sandbox.stdout_truncated?,
        sandbox.usage
      ]
    end
    expect(results[0]).to eq({ list: [1, "two", :three, 4.5], "text" => "héllo" * 3 })
    expect(results[1]).to eq(7)
    expect(results[2]).to eq("x" * 64)
    expect(results[3]).to be(true)
    expect(results[4].wall_time).to be > 0
  end

  it "raises structured errors under GC.stress" do
    sandbox = described_class.new(timeout: 0.05)
    errors = with_gc_stress do
      ["raise ArgumentError, 'bad'", "loop {}"].map do |code|
        sandbox.eval(code)
      rescue Kobako::Error => e
        e
      end
    end
    expect(errors[0]).to be_a(Kobako::SandboxError).and(have_attributes(klass: "ArgumentError", message: "bad"))
    expect(errors[1]).to be_a(Kobako::TimeoutError)
  end

  it "constructs sandboxes under GC.stress" do
    sandbox = with_gc_stress { described_class.new }
    expect(sandbox.eval("40 + 2")).to eq(42)
  end

  it "keeps working with GC.compact between calls" do
    sandboxes = Array.new(3) { described_class.new }
    GC.compact
    sandboxes.each_with_index do |sandbox, i|
      expect(sandbox.eval("[#{i}] * 3")).to eq([i] * 3)
      GC.compact
      expect(sandbox.eval("puts #{i}; :ok")).to eq(:ok)
      GC.compact
      expect(sandbox.stdout).to eq("#{i}\n")
    end
  end

  it "survives GC.verify_compaction_references around an eval" do
    sandbox = described_class.new
    sandbox.eval("1")
    GC.verify_compaction_references(toward: :empty, double_heap: true)
    expect(sandbox.eval("'still ' + 'here'")).to eq("still here")
    expect(sandbox.usage.wall_time).to be > 0
  end
end
