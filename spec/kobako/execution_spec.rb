require "spec_helper"

# Kobako::Execution, #execute/#execute_run, Error#execution and the per-Fiber latest
# readers (issue 15, item 3).
RSpec.describe Kobako::Execution do
  let(:sandbox) { Kobako::Sandbox.new(stdout_limit: 64) }

  it "records value, output, usage and calls of a run that succeeded, frozen" do
    sandbox.define(:Shop).bind(:Orders, { 3 => "three" }, methods: %i[fetch])
    execution = sandbox.execute('puts "hi"; $stderr.print "warn"; Shop::Orders.fetch(3)')
    expect(execution).to be_frozen
    expect(execution).to be_ok
    expect(execution).not_to be_failed
    expect(execution.value).to eq("three")
    expect(execution.stdout).to eq("hi\n")
    expect(execution.stderr).to eq("warn")
    expect(execution.stdout_truncated?).to be(false)
    expect(execution.usage).to be_a(Kobako::Usage)
    expect(execution.usage.wall_time).to be > 0
    expect(execution.error).to be_nil
    expect(execution.code).to eq('puts "hi"; $stderr.print "warn"; Shop::Orders.fetch(3)')
    call = execution.calls.first
    expect(call.to_h).to include(target: "Shop::Orders", method: :fetch, args: [3], kwargs: {}, result: "three",
                                 error: nil)
    expect(call.duration).to be_a(Float)
    expect(call).not_to be_raised
    expect(execution.calls).to be_frozen
  end

  it "never raises for the script's outcome: errors, traps and Service errors are in #error" do
    sandbox.define(:Shop).bind(:Orders, ->(id) { raise KeyError, "no order #{id}" })
    script_error = sandbox.execute("puts 1; raise ArgumentError, 'bad'")
    expect(script_error).to be_failed
    expect(script_error.error).to be_a(Kobako::SandboxError)
    expect(script_error.error.klass).to eq("ArgumentError")
    expect(script_error.stdout).to eq("1\n")
    expect(script_error.value).to be_nil

    service_error = sandbox.execute("Shop::Orders.call(9)")
    expect(service_error.error).to be_a(Kobako::ServiceError)
    expect(service_error.error.cause).to be_a(KeyError)
    expect(service_error.calls.first.error).to eq(["KeyError", "no order 9"])
    expect(service_error.calls.first).to be_raised

    trap = Kobako::Sandbox.new(timeout: 0.05).execute("loop {}")
    expect(trap.error).to be_a(Kobako::TimeoutError)

    truncated = sandbox.execute("print 'x' * 100; :done")
    expect(truncated.value).to eq(:done)
    expect(truncated.stdout_truncated?).to be(true)
    expect(truncated.stdout.bytesize).to eq(64)

    not_code = sandbox.execute(42)
    expect(not_code.error).to be_a(Kobako::SandboxError)
    expect(not_code.error.execution).to be(not_code)
  end

  it "still raises for misuse of the API" do
    sandbox.slot("Ctx::User", methods: %i[name])
    expect { sandbox.execute("1", bindings: { "Nope" => 1 }) }.to raise_error(ArgumentError)
    expect { sandbox.execute_run("lower") }.to raise_error(ArgumentError)
  end

  it "is attached to every Kobako::Error that eval and run raise" do
    sandbox.preload(code: "Boom = ->(x) { puts x; raise IndexError, 'oops' }", name: :Boom)
    begin
      sandbox.eval("print 'before'; raise 'x'")
    rescue Kobako::SandboxError => e
      expect(e.execution).to be_a(described_class)
      expect(e.execution.error).to be(e)
      expect(e.execution.stdout).to eq("before")
    end
    expect { sandbox.run(:Boom, 5) }.to raise_error(Kobako::SandboxError) { |e|
      expect(e.execution.stdout).to eq("5\n")
      expect(e.execution.target).to eq("Boom")
    }
    expect { Kobako::Sandbox.new(timeout: 0.05).eval("loop {}") }
      .to raise_error(Kobako::TimeoutError) { |e| expect(e.execution.error).to be(e) }
  end

  it "gives eval and execute the same answers" do
    code = "x = [3, 1, 2].sort; puts x.inspect; x.sum"
    execution = sandbox.execute(code)
    expect(sandbox.eval(code)).to eq(execution.value)
    expect(sandbox.stdout).to eq(execution.stdout)
    expect(sandbox.execute(code)).to eq(execution)
  end

  it "caps the recorded calls and counts the rest" do
    sandbox.bind("Tick", -> { 1 })
    execution = sandbox.execute("1_500.times { Tick.call }; :ok")
    expect(execution.value).to eq(:ok)
    expect(execution.calls.size).to eq(Kobako::Transcript::MAX_CALLS)
    expect(execution.calls_dropped).to eq(500)
  end

  it "shows Handles in calls as placeholders naming the host class" do
    customer = Struct.new(:name)
    sandbox.bind("Customers", ->(name) { customer.new(name) })
    sandbox.bind("Echo", ->(c) { c.name })
    execution = sandbox.execute('c = Customers.call("Ann"); Echo.call(c)')
    first, second = execution.calls
    expect(first.result).to be_a(Kobako::Execution::HandleRef)
    expect(first.result.id).to eq(1)
    expect(second.args.first).to eq(first.result)
    expect(execution.value).to eq("Ann")
  end

  describe "latest readers, per Fiber" do
    it "keeps each Fiber's latest output apart" do
      fiber = Fiber.new do
        sandbox.eval("print 'in fiber'")
        Fiber.yield sandbox.stdout
        sandbox.stdout
      end
      expect(fiber.resume).to eq("in fiber")
      sandbox.eval("print 'outside'")
      expect(sandbox.stdout).to eq("outside")
      expect(fiber.resume).to eq("in fiber")
      expect(sandbox.stdout).to eq("outside")
    end

    it "keeps each thread's latest output apart too" do
      outputs = 4.times.map { |i| Thread.new { sandbox.eval("print #{i}"); sandbox.stdout } }.map(&:value)
      expect(outputs).to eq(%w[0 1 2 3])
    end

    it "works under the async gem's Fiber scheduler" do
      begin
        require "async"
      rescue LoadError => e
        skip "Debian's ruby-async does not load on this Ruby (#{e.message}); bin/setup installs it for Debian's Ruby"
      end
      seen = []
      Async do |task|
        tasks = 5.times.map do |i|
          task.async do |t|
            sandbox.eval("print #{i}")
            t.sleep(0.001 * (5 - i)) # the others run meanwhile
            seen << [i, sandbox.stdout]
          end
        end
        tasks.each(&:wait)
      end
      expect(seen.sort).to eq(5.times.map { |i| [i, i.to_s] })
    end
  end
end
