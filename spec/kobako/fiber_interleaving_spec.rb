require "spec_helper"

# wasmtime keeps the guest calls in progress on one thread as a stack. A Service whose Ruby
# code switches Fibers (Fiber.yield, an Enumerator, a Fiber scheduler doing I/O) could let
# another Fiber enter a guest and still be inside it when the first resumes; wasmtime then
# aborts with a failed assertion (a `fatal` out of eval). kobako refuses to enter the
# second guest instead, with a TrapError that says why (docs/decisions.md).
RSpec.describe Kobako::Sandbox, "invocations on several Fibers of one thread" do
  %i[hold release].each do |gvl|
    it "refuses a guest on another Fiber while one is paused in a Service call, and the first finishes (gvl: :#{gvl})" do
      sandbox = described_class.new(gvl: gvl, timeout: 5)
      sandbox.define(:T).bind(:Pause, ->(x) { Fiber.yield(x) + x })
      first = Fiber.new { sandbox.eval("T::Pause.call(1) + 10") }
      second = Fiber.new { sandbox.eval("T::Pause.call(2) + 20") }
      expect(first.resume).to eq(1)
      expect { second.resume }.to raise_error(Kobako::TrapError, /paused in a Service call on another Fiber/)
      expect(first.resume(100)).to eq(111)
      expect(Fiber.new { sandbox.eval("T::Pause.call(3) + 30") }.tap(&:resume).resume(5)).to eq(38)
      expect(sandbox.eval("[1, 2].sum")).to eq(3)
    end

    it "runs Fibers one after another, and an eval nested in a Service on the same Fiber (gvl: :#{gvl})" do
      sandbox = described_class.new(gvl: gvl)
      inner = described_class.new(gvl: gvl)
      sandbox.define(:T).bind(:Inner, ->(code) { inner.eval(code) })
      expect(Array.new(3) { |i| Fiber.new { sandbox.eval("#{i} * 2") }.resume }).to eq([0, 2, 4])
      expect(Enumerator.new { |y| 3.times { |i| y << sandbox.eval("T::Inner.call('#{i} + 1')") } }.to_a).to eq([1, 2, 3])
    end
  end
end

RSpec.describe Kobako::Sandbox, "under a Fiber scheduler" do
  it "lets an eval wait while another task's invocation is paused in a Service doing I/O" do
    begin
      require "async"
    rescue LoadError => e
      skip "Debian's ruby-async does not load on this Ruby (#{e.message}); bin/setup installs it for Debian's Ruby"
    end
    sandbox = described_class.new(timeout: 5)
    sandbox.define(:T).bind(:Fetch, ->(x) { sleep(0.05) && x * 2 }) # non-blocking under the scheduler
    results = []
    Async do |task|
      tasks = 4.times.map do |i|
        task.async { results << [i, sandbox.eval("T::Fetch.call(#{i}) + 1")] }
      end
      tasks.each(&:wait)
    end
    expect(results.sort).to eq(4.times.map { |i| [i, (i * 2) + 1] })
  end
end
