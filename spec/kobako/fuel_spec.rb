require "spec_helper"

# Issue 15, item 5: an opt-in deterministic CPU budget. `fuel:` caps each invocation at
# that many wasmtime fuel units of the script's own work; Usage#fuel_used reports what it
# took, the same every time.
RSpec.describe Kobako::Sandbox, "fuel" do
  budget = 10_000_000
  xor = "x = 0; i = 0; while i < 2_000; x ^= i; i += 1; end; x".freeze

  def image_state(sandbox) = sandbox.instance_variable_get(:@runtime).module_info[:sandbox_image]

  def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  describe "the option" do
    it "is nil by default, and then nothing is metered" do
      sandbox = described_class.new
      expect(sandbox.fuel).to be_nil
      expect(sandbox.eval("1 + 2")).to eq(3)
      expect(sandbox.usage.fuel_used).to be_nil
      expect(sandbox.usage.to_h).to include(fuel_used: nil)
    end

    it "is read back and shown by inspect" do
      sandbox = described_class.new(fuel: 123_456)
      expect(sandbox.fuel).to eq(123_456)
      expect(sandbox.inspect).to include("fuel=123456")
      expect(described_class.new.inspect).to include("fuel=nil")
    end

    [0, -1, 1.5, "100", :lots, 2**64, true].each do |bad|
      it "refuses fuel #{bad.inspect} with an ArgumentError naming the option" do
        expect { described_class.new(fuel: bad) }
          .to raise_error(ArgumentError, /fuel must be nil or a positive Integer.*#{Regexp.escape(bad.inspect)}/)
      end
    end

    it "accepts the largest budget" do
      expect(described_class.new(fuel: 2**64 - 1).eval("1")).to eq(1)
    end

    it "is checked by the Runtime too" do
      path = described_class::DEFAULT_WASM_PATH
      expect { Kobako::Runtime.new(path, nil, nil, nil, nil, false, 0, true) }.to raise_error(ArgumentError, /fuel/)
    end
  end

  describe "exhaustion" do
    it "stops an endless loop quickly with FuelExhaustedError, without a timeout" do
      sandbox = described_class.new(fuel: budget, timeout: nil)
      started = now
      expect { sandbox.eval("loop {}") }
        .to raise_error(Kobako::FuelExhaustedError, "the script used up its fuel budget of 10000000 units")
      expect(now - started).to be < 2.0
      expect(sandbox.usage.fuel_used).to eq(budget)
    end

    it "is a TrapError" do
      expect(Kobako::FuelExhaustedError.ancestors).to include(Kobako::TrapError, Kobako::Error)
      expect { described_class.new(fuel: 1_000).eval("loop {}") }.to raise_error(Kobako::TrapError)
    end

    it "happens at the same point every time" do
      sandbox = described_class.new(fuel: budget, timeout: nil)
      counts = Array.new(3) do
        sandbox.eval("$n = 0; loop { $n += 1; puts $n if $n % 1_000 == 0 }")
      rescue Kobako::FuelExhaustedError
        sandbox.stdout
      end
      expect(counts.uniq.size).to eq(1)
      expect(counts.first).to include("1000\n")
    end

    it "leaves the Sandbox usable" do
      sandbox = described_class.new(fuel: budget)
      expect { sandbox.eval("loop {}") }.to raise_error(Kobako::FuelExhaustedError)
      expect(sandbox.eval("[1, 2, 3].sum")).to eq(6)
      expect(sandbox.usage.fuel_used).to be_between(1, budget - 1)
    end

    it "keeps the output written before it" do
      sandbox = described_class.new(fuel: budget)
      expect { sandbox.eval("puts 'before'; loop {}") }.to raise_error(Kobako::FuelExhaustedError)
      expect(sandbox.stdout).to eq("before\n")
    end

    it "stops a runaway entrypoint" do
      sandbox = described_class.new(fuel: budget).preload(code: "Spin = -> { loop {} }", name: :Spin)
      expect { sandbox.run(:Spin) }.to raise_error(Kobako::FuelExhaustedError)
      expect(sandbox.usage.fuel_used).to eq(budget)
    end

    it "stops a snippet that would not finish preparing, every time" do
      sandbox = described_class.new(fuel: budget).preload(code: "loop {}", name: :Spin)
      3.times { expect { sandbox.eval("1") }.to raise_error(Kobako::FuelExhaustedError) }
      expect(sandbox.usage.fuel_used).to eq(budget)
      expect(image_state(sandbox)).to eq(:unavailable)
    end
  end

  describe "fuel_used" do
    it "is positive and the same every time for the same script" do
      sandbox = described_class.new(fuel: budget)
      used = Array.new(5) do
        sandbox.eval("[1, 2, 3].map { |x| x * 2 }.sum")
        sandbox.usage.fuel_used
      end
      expect(used.first).to be_positive
      expect(used.uniq).to eq([used.first])
    end

    it "is the same on another Sandbox with the same budget, and does not depend on the budget" do
      a = described_class.new(fuel: budget)
      b = described_class.new(fuel: budget * 10)
      a.eval(xor)
      b.eval(xor)
      expect(a.usage.fuel_used).to eq(b.usage.fuel_used)
    end

    it "grows with the work" do
      sandbox = described_class.new(fuel: 1 << 40)
      used = [100, 1_000, 10_000].map do |n|
        sandbox.eval("i = 0; while i < #{n}; i += 1; end; i")
        sandbox.usage.fuel_used
      end
      expect(used).to eq(used.sort)
      expect(used.last).to be > used.first * 10
    end

    it "is the same with gvl: :hold and gvl: :release" do
      used = %i[hold release].map do |mode|
        sandbox = described_class.new(fuel: budget, gvl: mode)
        sandbox.eval(xor)
        sandbox.usage.fuel_used
      end
      expect(used.uniq.size).to eq(1)
    end

    it "is the same before and after the Sandbox captures its prepared image (eval and run)" do
      [:hold, :release].each do |mode|
        sandbox = described_class.new(fuel: budget, gvl: mode)
        sandbox.define(:Tools).bind(:Twice, ->(x) { x * 2 })
        sandbox.preload(code: "Square = ->(x) { x * x }", name: :Square)
        sandbox.preload(code: "Table = (1..200).map { |i| i.to_s * 3 }", name: :Table)
        evals = Array.new(4) do
          expect(sandbox.eval("Square.call(Table.size) + Tools::Twice.call(2)")).to eq(40_004)
          sandbox.usage.fuel_used
        end
        expect(image_state(sandbox)).to eq(:ready)
        runs = Array.new(3) do
          expect(sandbox.run(:Square, 9)).to eq(81)
          sandbox.usage.fuel_used
        end
        expect(evals.uniq).to eq([evals.first]), "#{mode}: #{evals}"
        expect(runs.uniq).to eq([runs.first]), "#{mode}: #{runs}"
      end
    end

    it "is the same cold, whichever invocation of the Sandbox captures the image" do
      used = Array.new(2) do |warmups|
        sandbox = described_class.new(fuel: budget).preload(code: "Sq = ->(x) { x * x }", name: :Sq)
        warmups.times { sandbox.run(:Sq, 1) }
        sandbox.eval("Sq.call(12)")
        sandbox.usage.fuel_used
      end
      expect(used.uniq.size).to eq(1)
    end

    it "counts the script, not preparing its Services and snippets" do
      heavy = described_class.new(fuel: 1 << 40)
      heavy.preload(code: "Heavy = (1..20_000).reduce(0) { |a, i| a ^ i }", name: :Heavy)
      heavy.eval("Heavy") # replays the snippets
      replayed = heavy.usage.fuel_used
      light = described_class.new(fuel: 1 << 40)
      light.eval(xor)
      expect(replayed).to be < light.usage.fuel_used / 10
    end

    it "is reported after a script that raised" do
      sandbox = described_class.new(fuel: budget)
      used = Array.new(2) do
        expect { sandbox.eval("raise ArgumentError, 'no'") }.to raise_error(Kobako::SandboxError)
        sandbox.usage.fuel_used
      end
      expect(used.first).to be_positive
      expect(used.uniq.size).to eq(1)
    end
  end

  [:hold, :release].each do |mode|
    describe "with Services and blocks (gvl: :#{mode})" do
      let(:sandbox) { described_class.new(fuel: budget, timeout: 5, gvl: mode) }
      let(:log) { [] }

      before do
        log = self.log
        sandbox.define(:Host)
               .bind(:Twice, ->(x) { x * 2 })
               .bind(:Each, ->(list, &blk) { list.map(&blk) })
               .bind(:Guarded, lambda { |&blk|
                 begin
                   blk.call
                 rescue Kobako::TrapError => e
                   log << e.class
                   :rescued
                 end
               })
               .bind(:Log, ->(x) { log << x })
      end

      it "calls Services and yields to blocks" do
        expect(sandbox.eval("Host::Each.call([1, 2, 3]) { |x| Host::Twice.call(x) + 1 }")).to eq([3, 5, 7])
        used = sandbox.usage.fuel_used
        sandbox.eval("Host::Each.call([1, 2, 3]) { |x| Host::Twice.call(x) + 1 }")
        expect(sandbox.usage.fuel_used).to eq(used)
      end

      it "stops a block the host yields to, and the host survives" do
        expect { sandbox.eval("Host::Each.call([1]) { loop {} }") }.to raise_error(Kobako::FuelExhaustedError, /10000000/)
        expect(sandbox.usage.fuel_used).to eq(budget)
        expect(sandbox.eval("Host::Twice.call(21)")).to eq(42)
      end

      it "stops a block nested in Service calls, even when the Service rescues the error" do
        script = "Host::Each.call([1]) { Host::Guarded.call { Host::Each.call([2]) { loop {} } } }"
        expect { sandbox.eval(script) }.to raise_error(Kobako::FuelExhaustedError)
        expect(log).to eq([Kobako::FuelExhaustedError])
        expect(sandbox.eval("Host::Each.call([1, 2]) { |x| x + 1 }")).to eq([2, 3])
      end

      it "stops a script that keeps calling Services" do
        expect { sandbox.eval("loop { Host::Log.call(1) }") }.to raise_error(Kobako::FuelExhaustedError)
        calls = log.size
        expect(calls).to be_positive
        log.clear
        expect { sandbox.eval("loop { Host::Log.call(1) }") }.to raise_error(Kobako::FuelExhaustedError)
        expect(log.size).to eq(calls)
      end

      it "meters a Sandbox whose snippets call Services while preparing (no image: replayed each time)" do
        sandbox.preload(code: "Base = Host::Twice.call(5)", name: :Base)
        used = Array.new(3) do
          expect(sandbox.eval("Base + 1")).to eq(11)
          sandbox.usage.fuel_used
        end
        expect(image_state(sandbox)).to eq(:unavailable)
        expect(used.uniq).to eq([used.first])
        expect(used.first).to be_positive
      end
    end
  end

  it "reports a snippet that fails while preparing as an unmetered Sandbox does" do
    errors = [nil, budget].map do |fuel|
      sandbox = described_class.new(fuel: fuel)
      sandbox.preload(code: "puts 'partial'; raise KeyError, 'broken'", name: :Broken)
      2.times.map do
        sandbox.eval("1")
      rescue Kobako::SandboxError => e
        [e.class, e.klass, e.message, e.backtrace_lines, sandbox.stdout, sandbox.usage.fuel_used.nil?]
      end
    end
    expect(errors[0].uniq.size).to eq(1)
    expect(errors[1]).to eq(errors[0].map { |e| e[0..-2] + [false] })
    expect(errors[0][0][2]).to include("broken")
  end

  it "behaves as the README's example says" do
    readme = File.read(File.expand_path("../../README.md", __dir__))
    code = readme[/<!-- readme-example: fuel -->\n```ruby\n(.*?)```/m, 1]
    sandbox = Object.new.instance_eval { binding }.eval(code.lines.first)
    expect(sandbox.eval("(1..1000).sum")).to eq(500_500)
    used = sandbox.usage.fuel_used
    expect(sandbox.eval("(1..1000).sum") && sandbox.usage.fuel_used).to eq(used)
    expect { sandbox.eval("loop {}") }.to raise_error(Kobako::FuelExhaustedError, /100000000 units/)
  end

  describe "alongside the other caps" do
    it "still times out" do
      sandbox = described_class.new(fuel: 2**62, timeout: 0.2)
      started = now
      expect { sandbox.eval("loop {}") }.to raise_error(Kobako::TimeoutError)
      expect(now - started).to be < 2.0
    end

    it "still times out with gvl: :release" do
      sandbox = described_class.new(fuel: 2**62, timeout: 0.2, gvl: :release)
      expect { sandbox.eval("loop {}") }.to raise_error(Kobako::TimeoutError)
    end

    it "still caps memory" do
      sandbox = described_class.new(fuel: 2**40, memory_limit: 1 << 20)
      expect { sandbox.eval("'x' * (4 << 20)") }.to raise_error(Kobako::MemoryLimitError)
      expect(sandbox.eval("1")).to eq(1)
    end

    it "lets plain and metered Sandboxes work side by side" do
      plain = described_class.new
      metered = described_class.new(fuel: budget)
      expect([plain.eval("1 + 1"), metered.eval("2 + 2"), plain.eval("3 + 3")]).to eq([2, 4, 6])
      expect([plain.usage.fuel_used, metered.usage.fuel_used.positive?]).to eq([nil, true])
    end
  end

  describe "threads" do
    [:hold, :release].each do |mode|
      it "gives each thread sharing one metered Sandbox its own fuel_used (gvl: :#{mode})" do
        sandbox = described_class.new(fuel: budget, gvl: mode, timeout: 10)
        sandbox.define(:Host).bind(:Twice, ->(x) { x * 2 })
        script = "v = begin; #{xor}; end; Host::Twice.call(v + 21)"
        value = sandbox.eval(script)
        expected = sandbox.usage.fuel_used
        results = Array.new(4) do |t|
          Thread.new do
            Array.new(5) do |i|
              if (t + i).odd?
                begin
                  sandbox.eval("loop {}")
                rescue Kobako::FuelExhaustedError
                  [:exhausted, sandbox.usage.fuel_used]
                end
              else
                [sandbox.eval(script), sandbox.usage.fuel_used]
              end
            end
          end
        end.flat_map(&:value)
        expect(value).to eq(42)
        expect(results.uniq).to contain_exactly([value, expected], [:exhausted, budget])
      end
    end
  end
end
