require "spec_helper"

# Contract C-1..C-4: time, memory and output caps, and usage after every outcome.
RSpec.describe Kobako::Sandbox, "caps" do
  # The pre-initialised image starts with the free heap a warm-up eval left behind
  # (docs/decisions.md), so an allocation can use up to this much before memory grows.
  ENTRY_SLACK = 128 << 10

  def elapsed
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    yield
    Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  end

  describe "timeout" do
    it "interrupts a loop {} well within a second of a 0.2 s timeout" do
      sandbox = described_class.new(timeout: 0.2)
      seconds = elapsed do
        expect { sandbox.eval("loop {}") }.to raise_error(Kobako::TimeoutError, /timeout of 0.2 s/)
      end
      expect(seconds).to be < 1.0
      expect(sandbox.usage.wall_time).to be >= 0.2
    end

    it "interrupts tight recursion-free busy work and deep method loops too" do
      sandbox = described_class.new(timeout: 0.1)
      expect { sandbox.eval("i = 0; while true; i += 1; end") }.to raise_error(Kobako::TimeoutError)
      expect { sandbox.eval("def spin; 1_000_000.times { }; spin; end; spin") }.to raise_error(Kobako::TimeoutError)
    end

    it "keeps output written before the timeout" do
      sandbox = described_class.new(timeout: 0.1)
      expect { sandbox.eval("puts 'started'; $stderr.print 'e'; loop {}") }.to raise_error(Kobako::TimeoutError)
      expect(sandbox.stdout).to eq("started\n")
      expect(sandbox.stderr).to eq("e")
    end

    it "is a TrapError" do
      expect(Kobako::TimeoutError.ancestors).to include(Kobako::TrapError)
    end
  end

  describe "memory_limit" do
    it "raises MemoryLimitError for a 50 MB string under the default cap" do
      sandbox = described_class.new
      expect { sandbox.eval('"x" * 50_000_000') }
        .to raise_error(Kobako::MemoryLimitError, /memory_limit of 1048576 bytes/)
      expect(sandbox.usage.memory_peak).to be <= 1 << 20
    end

    it "raises MemoryLimitError for an ever-growing array" do
      sandbox = described_class.new(memory_limit: 4 << 20)
      expect { sandbox.eval("a = []; loop { a << 'y' * 1000 }") }.to raise_error(Kobako::MemoryLimitError)
      expect(sandbox.usage.memory_peak).to be <= 4 << 20
    end

    it "allows growth up to the cap" do
      sandbox = described_class.new(memory_limit: 8 << 20)
      expect(sandbox.eval('("x" * 4_000_000).size')).to eq(4_000_000)
      expect(sandbox.usage.memory_peak).to be_between(4_000_000 - ENTRY_SLACK, 8 << 20)
    end

    it "does not accumulate across invocations" do
      sandbox = described_class.new(memory_limit: 2 << 20)
      5.times { expect(sandbox.eval('("x" * 1_500_000).size')).to eq(1_500_000) }
    end

    it "can be lifted with nil" do
      sandbox = described_class.new(memory_limit: nil)
      expect(sandbox.eval('("x" * 20_000_000).size')).to eq(20_000_000)
      expect(sandbox.usage.memory_peak).to be >= 20_000_000 - ENTRY_SLACK
    end
  end

  describe "stdout_limit and stderr_limit" do
    it "clips output past the cap and flags it, without raising" do
      sandbox = described_class.new(stdout_limit: 10, stderr_limit: 4)
      expect(sandbox.eval("print 'a' * 25; $stderr.print 'bcdefg'; :done")).to eq(:done)
      expect(sandbox.stdout).to eq("a" * 10)
      expect(sandbox.stdout_truncated?).to be(true)
      expect(sandbox.stderr).to eq("bcde")
      expect(sandbox.stderr_truncated?).to be(true)
    end

    it "does not flag output of exactly the cap" do
      sandbox = described_class.new(stdout_limit: 10, stderr_limit: 3)
      sandbox.eval("print 'abcde'; print 'fghij'; warn 'xy'")
      expect(sandbox.stdout).to eq("abcdefghij")
      expect(sandbox.stdout_truncated?).to be(false)
      expect(sandbox.stderr).to eq("xy\n")
      expect(sandbox.stderr_truncated?).to be(false)
    end

    it "flags one byte over the cap" do
      sandbox = described_class.new(stdout_limit: 10)
      sandbox.eval("print 'a' * 11")
      expect(sandbox.stdout).to eq("a" * 10)
      expect(sandbox.stdout_truncated?).to be(true)
    end

    it "resets the flags on the next invocation" do
      sandbox = described_class.new(stdout_limit: 2)
      sandbox.eval("print 'abc'")
      sandbox.eval("print 'a'")
      expect(sandbox.stdout_truncated?).to be(false)
    end

    it "keeps the clipped output after a trap" do
      sandbox = described_class.new(stdout_limit: 5, timeout: 0.1)
      expect { sandbox.eval("loop { print 'zz' }") }.to raise_error(Kobako::TimeoutError)
      expect(sandbox.stdout).to eq("zzzzz")
      expect(sandbox.stdout_truncated?).to be(true)
    end

    it "keeps the output before a memory trap" do
      sandbox = described_class.new
      expect { sandbox.eval("puts 'first'; 'x' * 50_000_000") }.to raise_error(Kobako::MemoryLimitError)
      expect(sandbox.stdout).to eq("first\n")
    end
  end

  describe "usage" do
    let(:sandbox) { described_class.new(timeout: 0.1) }

    it "is filled after success" do
      sandbox.eval("1 + 1")
      expect(sandbox.usage).to be_a(Kobako::Usage)
      expect(sandbox.usage.wall_time).to be_a(Float).and(be > 0)
      expect(sandbox.usage.memory_peak).to be_a(Integer).and(be >= 0)
    end

    it "is filled after a script error, a syntax error, a bad value and each trap" do
      ["raise 'x'", "1 +", "Object.new", "loop {}", "'x' * 50_000_000"].each do |code|
        before = sandbox.usage
        expect { sandbox.eval(code) }.to raise_error(Kobako::Error)
        expect(sandbox.usage).not_to equal(before)
        expect(sandbox.usage.wall_time).to be > 0
        expect(sandbox.usage.memory_peak).to be <= sandbox.memory_limit
      end
    end

    it "reports growth past the entry size" do
      sandbox.eval("nil")
      small = sandbox.usage.memory_peak
      sandbox.eval("s = 'x' * 600_000; s.size")
      expect(sandbox.usage.memory_peak).to be >= 600_000 - ENTRY_SLACK
      expect(sandbox.usage.memory_peak).to be > small
    end

    it "compares by value and converts to a Hash" do
      usage = Kobako::Usage.new(wall_time: 1.0, memory_peak: 2)
      expect(usage).to eq(Kobako::Usage.new(wall_time: 1.0, memory_peak: 2))
      expect(usage.to_h).to eq(wall_time: 1.0, memory_peak: 2, fuel_used: nil)
      expect(usage).to be_frozen
      expect(Kobako::Usage::EMPTY.to_h).to eq(wall_time: 0.0, memory_peak: 0, fuel_used: nil)
      metered = Kobako::Usage.new(wall_time: 1.0, memory_peak: 2, fuel_used: 30)
      expect(metered).not_to eq(usage)
      expect(metered).to eq(Kobako::Usage.new(wall_time: 1.0, memory_peak: 2, fuel_used: 30))
      expect(metered.hash).to eq(Kobako::Usage.new(wall_time: 1.0, memory_peak: 2, fuel_used: 30).hash)
      expect(metered.to_h).to eq(wall_time: 1.0, memory_peak: 2, fuel_used: 30)
      expect(metered.inspect).to eq("#<Kobako::Usage wall_time=1.0 memory_peak=2 fuel_used=30>")
      expect(usage.inspect).to end_with("fuel_used=nil>")
    end
  end
end
