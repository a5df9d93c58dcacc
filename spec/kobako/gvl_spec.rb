require "spec_helper"
require_relative "../support/observe"

# Issue 5: `gvl: :release` runs guest code without Ruby's GVL and takes it back for each
# Service call. What a script observes must not depend on the mode.
RSpec.describe Kobako::Sandbox, "gvl option" do
  include Observe

  it "defaults to :hold and accepts :release" do
    expect(described_class.new.gvl).to eq(:hold)
    expect(described_class.new(gvl: :release).gvl).to eq(:release)
    expect(described_class.new(gvl: :release).inspect).to include("gvl=:release")
  end

  it "refuses anything else, naming the option" do
    [:released, "release", nil, true].each do |bad|
      expect { described_class.new(gvl: bad) }.to raise_error(ArgumentError, /gvl must be :hold or :release, got #{Regexp.escape(bad.inspect)}/)
    end
  end

  def build(gvl, **options)
    sandbox = described_class.new(gvl: gvl, **options)
    tools = sandbox.define(:Tools)
    tools.bind(:Twice, ->(x) { x * 2 })
    tools.bind(:Each, ->(n, &blk) { Array.new(n) { |i| blk.call(i) } })
    tools.bind(:Fail, ->(_) { raise KeyError, "missing" })
    sandbox.preload(code: "Square = ->(x) { x * x }", name: :Square)
    sandbox
  end

  GVL_SCRIPTS = [
    "1 + 2",
    "Tools::Twice.call(21)",
    "Tools::Each.call(3) { |i| Tools::Twice.call(Square.call(i)) }",
    "Tools::Fail.call(1)",
    "begin; Tools::Fail.call(1); rescue => e; e.class.name; end",
    "puts 'out'; warn 'err'; [rand(100), Time.now.year]",
    "raise TypeError, 'nope'",
    "'x' * 2_000_000",
    "def f(n) = n.zero? ? 0 : 1 + f(n - 1); f(100_000)",
    "loop {}"
  ].freeze

  it "gives the same outcomes, output and usage in both modes" do
    options = { timeout: 0.2, memory_limit: 1 << 20 }
    held = GVL_SCRIPTS.map { |code| observe(build(:hold, **options), code) }
    released = GVL_SCRIPTS.map { |code| observe(build(:release, **options), code) }
    expect(released).to eq(held)
    expect(held.last.first).to eq([Kobako::TimeoutError, "the script ran past its timeout of 0.2 s"])
  end

  it "lets other Ruby threads run while the guest computes" do
    sandbox = described_class.new(gvl: :release)
    ticks = 0
    during = nil
    counter = Thread.new { loop { ticks += 1 } }
    before = ticks
    sandbox.eval("i = 0; i += 1 while i < 3_000_000; i")
    during = ticks - before
    counter.kill.join
    expect(during).to be > 0
  end

  it "is safe when Ruby collects and compacts garbage during a released invocation" do
    sandbox = described_class.new(gvl: :release)
    sandbox.define(:Tools).bind(:Make, ->(i) { "item-#{i}" * 3 })
    stop = false
    collector = Thread.new do
      until stop
        GC.start
        GC.compact if GC.respond_to?(:compact)
        Thread.pass
      end
    end
    results = Array.new(4) { sandbox.eval("Array.new(30) { |i| Tools::Make.call(i) }") }
    stop = true
    collector.join
    expected = Array.new(30) { |i| "item-#{i}" * 3 }
    expect(results).to all(eq(expected))
  end

  it "gives the thread back when Ruby interrupts it" do
    sandbox = described_class.new(gvl: :release, timeout: 30)
    worker = Thread.new { sandbox.eval("loop {}") }
    worker.report_on_exception = false
    sleep 0.1
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    worker.raise(Interrupt, "stop")
    expect { worker.join }.to raise_error(Interrupt)
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 5
    expect(sandbox.eval("1")).to eq(1)
  end
end
