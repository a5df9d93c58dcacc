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
    # Every allocation is a full GC here, and the host allocates while an invocation runs
    # (output, the outcome): only the looping script gets the short timeout.
    sandboxes = [described_class.new, described_class.new(timeout: 0.05)]
    errors = with_gc_stress do
      ["raise ArgumentError, 'bad'", "loop {}"].zip(sandboxes).map do |code, sandbox|
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
    GC.verify_compaction_references(toward: :empty, **VERIFY_COMPACTION_GROWTH)
    expect(sandbox.eval("'still ' + 'here'")).to eq("still here")
    expect(sandbox.usage.wall_time).to be > 0
  end

  describe "during Service dispatch" do
    let(:service) do
      Class.new do
        def echo(value) = value
        def make(name) = Struct.new(:name).new(name)
        def each(list) = list.map { |x| yield(x) }
        def compact_now(value)
          GC.compact
          GC.start
          value
        end
        def verify(value)
          GC.verify_compaction_references(toward: :empty, **VERIFY_COMPACTION_GROWTH)
          value
        end
        def fail = raise(KeyError, "gone")
      end.new
    end

    let(:sandbox) do
      described_class.new.tap { |s| s.define(:Svc).bind(:Main, service, methods: %i[echo make each compact_now verify fail]) }
    end

    it "dispatches, yields and converts Handles under GC.stress" do
      result = with_gc_stress do
        sandbox.eval(<<~RUBY)
          h = Svc::Main.make('gc')
          list = Svc::Main.each([1, 2, 3]) { |x| Svc::Main.echo([x, 'v' * x, { k: :sym }]) }
          [h.name, list, Svc::Main.echo(h).name, (begin; Svc::Main.fail; rescue Kobako::ServiceError => e; e.message; end)]
        RUBY
      end
      expect(result).to eq(["gc", [[1, "v", { k: :sym }], [2, "vv", { k: :sym }], [3, "vvv", { k: :sym }]], "gc",
                            "gone"])
    end

    it "survives GC.compact inside a Service call, between yields and in nested calls" do
      result = sandbox.eval(<<~RUBY)
        h = Svc::Main.make('moved')
        a = Svc::Main.compact_now('one')
        b = Svc::Main.each([1, 2]) { |x| Svc::Main.compact_now(x) + Svc::Main.each([x]) { |y| Svc::Main.compact_now(y) }.first }
        [a, b, h.name, Svc::Main.compact_now(h).name]
      RUBY
      expect(result).to eq(["one", [2, 4], "moved", "moved"])
    end

    it "survives GC.verify_compaction_references inside a Service call" do
      expect(sandbox.eval("Svc::Main.each([1, 2]) { |x| Svc::Main.verify(x * 3) }")).to eq([3, 6])
    end

    it "keeps the pending Service exception alive under GC.stress until it is re-raised" do
      sandbox.define(:Stop).bind(:Now, -> { raise Interrupt, "stop" })
      expect { with_gc_stress { sandbox.eval("Svc::Main.each([1]) { Stop::Now.call }") } }.to raise_error(Interrupt, "stop")
    end
  end
end

# Issue 25: the value types are built and read by the native codec, which calls into Ruby
# (Kernel#BigDecimal, Time#nsec, Codec::Wire.build) while it holds the values it built.
RSpec.describe Kobako::Sandbox, "GC safety of the value types" do
  require "bigdecimal"
  require "date"
  require "set"

  let(:values) do
    [BigDecimal("12.34"), BigDecimal("-1e-40"), 2**100, 3r / 7, Complex(1.0, 2.0), Date.new(2024, 2, 29),
     Time.at(1_700_000_000, 5, :nsec, in: "+05:30"), Time.at(0, in: "UTC"), Set[1, "a", [2]], (1..), ("a".."c"),
     Kobako::Record.new("Struct", "P", %i[x y], [BigDecimal("1"), [Date.new(2000, 1, 1)]])]
  end

  it "carries every value type both ways under GC.stress" do
    sandbox = described_class.new
    back = begin
      GC.stress = true
      sandbox.eval('require "bigdecimal"; [xs, xs.map(&:class).map(&:name), Struct.new(:a).new(BigDecimal("2"))]',
                   locals: { xs: values })
    ensure
      GC.stress = false
    end
    expect(back[0]).to eq(values.map { |v| v.is_a?(Kobako::Record) ? v.to_h : v })
    expect(back[1]).to eq(%w[BigDecimal BigDecimal Integer Rational Complex Date Time Time Set Range Range Hash])
    expect(back[2].a).to eq(BigDecimal("2"))
  end

  it "carries them from 4 threads while another thread compacts, with a watchdog" do
    sandboxes = Array.new(4) { described_class.new(gvl: :release) }
    stop = false
    compactor = Thread.new do
      until stop
        GC.compact
        sleep 0.005
      end
    end
    workers = sandboxes.each_with_index.map do |sandbox, t|
      Thread.new do
        Array.new(150) do |i|
          mine = values + [BigDecimal("#{t}.#{i}")]
          sandbox.eval("xs", locals: { xs: mine }) == mine.map { |v| v.is_a?(Kobako::Record) ? v.to_h : v }
        end
      end
    end
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 120
    results = workers.map do |w|
      raise "watchdog: a worker hung" unless w.join([deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC), 0].max)

      w.value
    end
    stop = true
    compactor.join
    expect(results.flatten).to all(be(true))
  end
end
