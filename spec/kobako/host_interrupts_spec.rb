require "spec_helper"

# The host's own interruptions and misbehaving host objects end an invocation with a clean,
# documented outcome (contract E-1, T-1), never as a Service failure the script could
# swallow, and never as an error outside kobako's taxonomy.
RSpec.describe Kobako::Sandbox, "host interrupts and misbehaving host objects" do
  %i[hold release].each do |gvl|
    it "passes a Thread#raise that lands inside a Service through the script unchanged (gvl: :#{gvl})" do
      sandbox = described_class.new(timeout: 5, gvl: gvl)
      inside = Queue.new
      sandbox.define(:T).bind(:Slow, -> { inside << true; sleep 5 })
      worker = Thread.new do
        Thread.current.report_on_exception = false
        sandbox.eval("begin; T::Slow.call; rescue Exception => e; :swallowed; end")
      end
      inside.pop
      worker.raise(ArgumentError, "stop from the host")
      expect { worker.join(5) }.to raise_error(ArgumentError, "stop from the host")
      expect(sandbox.eval("1 + 1")).to eq(2)
    end

    it "still turns a Service's own exceptions into ServiceErrors (gvl: :#{gvl})" do
      sandbox = described_class.new(gvl: gvl)
      sandbox.define(:T).bind(:Fail, -> { raise ArgumentError, "own" })
      expect(sandbox.eval("begin; T::Fail.call; rescue Kobako::ServiceError => e; [e.class.to_s, e.message, e.service]; end"))
        .to eq(["ArgumentError", "own", "T::Fail.call"])
    end
  end

  it "leaves Thread#raise outside kobako working as before" do
    t = Thread.new { Thread.current.report_on_exception = false; sleep }
    sleep 0.01 until t.status == "sleep"
    t.raise(KeyError, "k")
    expect { t.join }.to raise_error(KeyError, "k")
    t = Thread.new { Thread.current.report_on_exception = false; sleep }
    sleep 0.01 until t.status == "sleep"
    t.raise("plain")
    expect { t.join }.to raise_error(RuntimeError, "plain")
    expect { Thread.current.raise(TypeError.new("x")) }.to raise_error(TypeError, "x")
    expect { Thread.current.raise(42) }.to raise_error(TypeError, /exception class\/object expected/)
  end

  it "rebuilds a Hash keyed by a Handle to a BasicObject without hashing it (keys compare by identity)" do
    bare = Class.new(BasicObject) { def hi = :hi }
    sandbox = described_class.new
    sandbox.expose(bare, :hi)
    sandbox.define(:B).bind(:Make, -> { bare.new }).bind(:Take, ->(h) { h.size })
    result = sandbox.eval("{ B::Make.call => 1 }")
    expect(result).to be_compare_by_identity
    expect(result.size).to eq(1)
    expect(result.values).to eq([1])
    expect(sandbox.eval("B::Take.call({ B::Make.call => 1 })")).to eq(1)
    expect(sandbox.eval("B::Make.call.hi")).to eq(:hi)
  end

  it "turns a host object that raises while it is resolved into a ServiceError" do
    weird = Class.new do
      def respond_to_missing?(*) = raise("boom in respond_to_missing?")
      def method_missing(*) = :never
    end.new
    sandbox = described_class.new
    sandbox.define(:W).bind(:X, weird, methods: %i[ghost])
    expect { sandbox.eval("W::X.ghost") }.to raise_error(Kobako::ServiceError) { |e|
      expect(e.message).to eq("W::X.ghost could not be made: the host raised while resolving it")
      expect(e.cause.message).to eq("boom in respond_to_missing?")
    }
  end

  it "keeps answering with a Ruby signal handler and gvl: :release" do
    handled = 0
    old = trap(:USR2) { handled += 1 }
    sandbox = described_class.new(gvl: :release)
    sandbox.define(:T).bind(:Calc, ->(a, b) { a + b })
    500.times do |i|
      Process.kill(:USR2, Process.pid)
      expect(sandbox.eval("T::Calc.call(#{i}, 2)")).to eq(i + 2)
    end
    sleep 0.05
    expect(handled).to be > 0
  ensure
    trap(:USR2, old || "DEFAULT")
  end
end
