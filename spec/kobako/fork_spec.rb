require "spec_helper"

# Issue 5: a Sandbox created before `fork` (Puma/Unicorn preload, Sidekiq) works in the
# child, and its timeouts still fire there: the epoch ticker thread does not survive fork,
# so the child starts its own.
RSpec.describe Kobako::Sandbox, "after fork" do
  # Runs the block in a forked child and returns what it returned (or raised).
  def in_child
    reader, writer = IO.pipe
    pid = Process.fork do
      reader.close
      result = begin
        [:ok, yield]
      rescue Exception => e # rubocop:disable Lint/RescueException
        [:raised, e.class.name, e.message]
      end
      writer.write(Marshal.dump(result))
      writer.close
      exit!(0)
    end
    writer.close
    data = reader.read
    reader.close
    _, status = Process.wait2(pid)
    expect(status.success?).to be(true)
    Marshal.load(data)
  end

  it "evaluates in the child with a Sandbox the parent created and used" do
    sandbox = described_class.new
    sandbox.define(:Tools).bind(:Twice, ->(x) { x * 2 })
    sandbox.preload(code: "Square = ->(x) { x * x }", name: :Square)
    expect(sandbox.eval("Tools::Twice.call(Square.call(3))")).to eq(18)
    sandbox.eval("1") # the parent has a prepared image now
    expect(in_child { [sandbox.eval("Tools::Twice.call(Square.call(4))"), sandbox.run(:Square, 5)] }).to eq([:ok, [32, 25]])
    expect(sandbox.eval("Square.call(6)")).to eq(36)
  end

  it "evaluates in the child with a Sandbox the parent created but never used" do
    sandbox = described_class.new
    expect(in_child { sandbox.eval("[1, 2, 3].sum") }).to eq([:ok, 6])
  end

  it "still times out in the child" do
    sandbox = described_class.new(timeout: 0.2)
    expect { sandbox.eval("loop {}") }.to raise_error(Kobako::TimeoutError) # the ticker runs in the parent
    result = in_child do
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      begin
        sandbox.eval("loop {}")
        :no_timeout
      rescue Kobako::TimeoutError
        Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
      end
    end
    expect(result.first).to eq(:ok)
    expect(result.last).to be_a(Float).and(be < 2.0)
  end

  it "meters fuel in the child as in the parent, and still times out there" do
    sandbox = described_class.new(fuel: 10_000_000, timeout: 0.2)
    sandbox.preload(code: "Sq = ->(x) { x * x }", name: :Sq)
    used = Array.new(3) { sandbox.run(:Sq, 4) && sandbox.usage.fuel_used } # the last from the image
    result = in_child do
      value = sandbox.run(:Sq, 4)
      child_used = sandbox.usage.fuel_used
      exhausted = begin
        sandbox.eval("loop {}")
      rescue Kobako::FuelExhaustedError
        :exhausted
      end
      timed_out = begin
        Kobako::Sandbox.new(fuel: 2**62, timeout: 0.2).eval("loop {}")
      rescue Kobako::TimeoutError
        :timed_out
      end
      [value, child_used, exhausted, timed_out]
    end
    expect(used.uniq.size).to eq(1)
    expect(result).to eq([:ok, [16, used.first, :exhausted, :timed_out]])
  end

  it "keeps working in the parent while children run" do
    sandbox = described_class.new(timeout: 0.2)
    children = Array.new(2) { in_child { sandbox.eval("'child'.upcase") } }
    expect(children).to all(eq([:ok, "CHILD"]))
    expect { sandbox.eval("loop {}") }.to raise_error(Kobako::TimeoutError)
    expect(sandbox.eval("'parent'")).to eq("parent")
  end
end
