require "spec_helper"
require "date"

# Issue 15 item 7: `Sandbox.new(clock:, seed:)`. The default stays hermetic (contract R-2):
# a frozen clock and a fixed random sequence. `clock: :host` or a Time and an Integer
# `seed:` change what the guest sees, the same way whichever image an invocation starts from.
RSpec.describe Kobako::Sandbox, "clock and seed" do
  FROZEN = Time.utc(2000, 1, 1)
  RANDOM_SCRIPT = <<~RUBY.freeze
    require "securerandom"
    [rand, rand(1_000_000), Random.rand(100), Random.rand(1.0..2.0), (1..20).to_a.shuffle, (1..20).to_a.sample(3),
     Random.new.rand(1_000_000), Random.new.rand(1_000_000), Random.new(7).rand(1_000_000),
     SecureRandom.hex(8), SecureRandom.uuid, (srand; rand(1_000_000)), Random.new.tap(&:srand).rand(1000)]
  RUBY

  def runtime(sandbox) = sandbox.instance_variable_get(:@runtime)
  def info(sandbox) = runtime(sandbox).module_info

  describe "the default (clock: :frozen, seed: nil)" do
    let(:sandbox) { described_class.new }

    it "reports its options" do
      expect(sandbox).to have_attributes(clock: :frozen, seed: nil)
    end

    it "reads 2000-01-01T00:00:00Z everywhere, standing still" do
      expect(sandbox.eval("Time.now.to_i")).to eq(FROZEN.to_i)
      expect(sandbox.eval("t = Time.now; [t.year, t.month, t.day, t.hour, t.min, t.sec, t.usec, t.utc_offset]"))
        .to eq([2000, 1, 1, 0, 0, 0, 0, 0])
      expect(sandbox.eval("t = Time.now; 50_000.times { }; Time.now - t")).to eq(0)
      expect(sandbox.eval('require "date"; Date.today.to_s')).to eq("2000-01-01")
    end

    it "repeats the same random values in every invocation and Sandbox" do
      first = sandbox.eval(RANDOM_SCRIPT)
      expect(sandbox.eval(RANDOM_SCRIPT)).to eq(first)
      expect(described_class.new.eval(RANDOM_SCRIPT)).to eq(first)
      expect(described_class.new(seed: nil).eval(RANDOM_SCRIPT)).to eq(first)
      expect(described_class.new(clock: FROZEN).eval(RANDOM_SCRIPT)).to eq(first)
    end

    it "passes nothing per invocation (the fast path)" do
      expect(Kobako::Clock.for_invocation(:frozen, nil)).to be_nil
    end
  end

  describe "clock: :host" do
    let(:sandbox) { described_class.new(clock: :host) }

    it "starts each invocation at the host's time" do
      before = Time.now.to_f
      seen = sandbox.eval("Time.now.to_f")
      expect(seen).to be_between(before - 0.001, Time.now.to_f + 0.001)
      expect(sandbox.eval("Time.now.year")).to eq(Time.now.utc.year)
      expect(sandbox.eval('require "date"; Date.today.to_s')).to eq(Time.now.utc.to_date.to_s)
      expect(sandbox.eval("Time.now.to_f")).to be >= seen
    end

    it "advances within one invocation" do
      elapsed, reads = sandbox.eval(<<~RUBY)
        t = Time.now
        reads = [t]
        x = 0
        200_000.times { |i| x += i }
        reads << Time.now
        [reads.last - t, reads.each_cons(2).all? { |a, b| b >= a }]
      RUBY
      expect(elapsed).to be > 0
      expect(reads).to be(true)
    end

    it "passes the start time per invocation" do
      start, advances, seed = Kobako::Clock.for_invocation(:host, nil)
      expect(start).to be_within(1_000_000_000).of(Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond))
      expect([advances, seed]).to eq([true, nil])
    end
  end

  describe "clock: a Time" do
    let(:time) { Time.at(1_700_000_000, 123_456_789, :nsec) }
    let(:sandbox) { described_class.new(clock: time) }

    it "reads that instant, standing still" do
      expect(sandbox.clock).to eq(time).and be_frozen
      expect(sandbox.eval("t = Time.now; [t.to_i, t.usec, t.utc?]")).to eq([1_700_000_000, 123_456, false])
      expect(sandbox.eval("Time.now.utc.to_a.first(6)")).to eq(time.utc.to_a.first(6))
      expect(sandbox.eval("t = Time.now; 50_000.times { }; Time.now - t")).to eq(0)
      expect(sandbox.eval('require "date"; Date.today.to_s')).to eq("2023-11-14")
      expect(sandbox.eval('require "time"; Time.now.iso8601(6)')).to eq("2023-11-14T22:13:20.123456+00:00")
    end

    it "keeps nanoseconds in the start it passes (the guest's Time keeps microseconds)" do
      expect(Kobako::Clock.for_invocation(time, nil)).to eq([1_700_000_000_123_456_789, false, nil])
      expect(sandbox.eval("Time.now.nsec")).to eq(123_456_000)
    end

    it "leaves the caller's Time alone" do
      local = Time.new(2024, 2, 29, 12, 30, 0, "+09:00")
      sandbox = described_class.new(clock: local)
      expect(sandbox.eval("Time.now.utc.hour")).to eq(3)
      expect(local).not_to be_frozen
      expect(local.utc_offset).to eq(9 * 3600)
    end

    it "accepts the edges of the 64-bit nanosecond range" do
      expect(described_class.new(clock: Time.at(0)).eval("Time.now.to_i")).to eq(0)
      last = Time.at(Rational((1 << 64) - 1, 1_000_000_000))
      expect(described_class.new(clock: last).eval("Time.now.year")).to eq(2554)
    end
  end

  describe "seed:" do
    it "gives the same values in every invocation and in every Sandbox with that seed" do
      sandbox = described_class.new(seed: 42)
      expect(sandbox.seed).to eq(42)
      first = sandbox.eval(RANDOM_SCRIPT)
      expect(sandbox.eval(RANDOM_SCRIPT)).to eq(first)
      expect(described_class.new(seed: 42).eval(RANDOM_SCRIPT)).to eq(first)
      expect(described_class.new(seed: 42, clock: :host).eval(RANDOM_SCRIPT)).to eq(first)
      expect(described_class.new(seed: 42, gvl: :release).eval(RANDOM_SCRIPT)).to eq(first)
    end

    it "differs from other seeds and from the default sequence" do
      values = [nil, 0, 1, 42, -1, 1 << 32, (1 << 63) + 5].map { |seed| described_class.new(seed: seed).eval(RANDOM_SCRIPT) }
      values.each_with_index do |v, i|
        values.each_with_index do |w, j|
          next if i >= j

          expect(v[0]).not_to eq(w[0])
          expect(v[9]).not_to eq(w[9]) # SecureRandom.hex
        end
      end
    end

    it "reseeds every random source, while an explicit Random.new(n) stays as it is" do
      plain = described_class.new.eval(RANDOM_SCRIPT)
      seeded = described_class.new(seed: 7).eval(RANDOM_SCRIPT)
      (0..12).each do |i|
        next if i == 8

        expect(seeded[i]).not_to eq(plain[i]), "value #{i} of the script did not follow the seed"
      end
      expect(seeded[8]).to eq(plain[8])
      expect(seeded[6]).not_to eq(seeded[7]) # each Random.new takes a fresh state
    end

    it "reduces any Integer to its low 64 bits" do
      expect(described_class.new(seed: (1 << 64) + 42).eval("rand")).to eq(described_class.new(seed: 42).eval("rand"))
      expect(described_class.new(seed: -1).eval("rand")).to eq(described_class.new(seed: (1 << 64) - 1).eval("rand"))
      expect(described_class.new(seed: 10**40).seed).to eq(10**40)
      expect(Kobako::Clock.for_invocation(:frozen, -1)).to eq([Kobako::Clock::FROZEN_NS, false, (1 << 64) - 1])
    end

    it "lets a script reseed itself as in Ruby" do
      sandbox = described_class.new(seed: 99)
      expect(sandbox.eval("srand(5); [rand, Random.new(5).rand]")).to eq(described_class.new.eval("srand(5); [rand, Random.new(5).rand]"))
    end
  end

  context "with Services and snippets (a prepared image after the second invocation)" do
    def build(gvl: :hold, **options)
      sandbox = described_class.new(gvl: gvl, **options)
      sandbox.define(:Tools).bind(:Twice, ->(x) { x * 2 })
      sandbox.preload(code: "Draw = -> { [rand(1_000), [1, 2, 3, 4].shuffle, Random.new.rand(100)] }", name: :Draw)
      sandbox.preload(code: "LOADED_DRAW = rand(1_000_000)\nLOADED_AT = Time.now.to_f", name: :Loaded)
      sandbox
    end

    SCRIPTS = [
      "[Draw.call, Tools::Twice.call(rand(100)), LOADED_DRAW]",
      "require 'securerandom'; [SecureRandom.hex(4), Time.now.year]",
      "[LOADED_AT.floor(-3), Time.now.to_i]"
    ].freeze

    [:hold, :release].each do |gvl|
      it "gives the same values from the image as by replay (gvl: #{gvl})" do
        [{ seed: 42 }, { seed: 42, clock: Time.utc(2030, 5, 6) }, {}].each do |options|
          cold = SCRIPTS.map { |code| build(gvl: gvl, **options).eval(code) } + [build(gvl: gvl, **options).run(:Draw)]
          warm = build(gvl: gvl, **options)
          warm.eval("nil")
          warm.eval("nil")
          expect(info(warm)[:sandbox_image]).to eq(:ready)
          2.times do
            expect(SCRIPTS.map { |code| warm.eval(code) } + [warm.run(:Draw)]).to eq(cold), options.inspect
          end
        end
      end
    end

    it "replays snippets that read the clock under a :host clock instead of using the image" do
      sandbox = build(clock: :host)
      3.times do
        loaded_at, now = sandbox.eval("[LOADED_AT, Time.now.to_f]")
        expect(now - loaded_at).to be_between(0, 1)
        expect(loaded_at).to be_within(5).of(Time.now.to_f)
      end
      expect(info(sandbox)[:sandbox_image]).to eq(:ready)
    end

    it "uses the image for a :host clock when preparing read no clock" do
      sandbox = described_class.new(clock: :host, seed: 3)
      sandbox.preload(code: "Pick = -> { [rand(100), Time.now.to_f] }", name: :Pick)
      cold = described_class.new(clock: :host, seed: 3).tap { |s| s.preload(code: "Pick = -> { [rand(100), Time.now.to_f] }", name: :Pick) }
      3.times do
        value, at = sandbox.run(:Pick)
        expect(value).to eq(cold.run(:Pick)[0])
        expect(at).to be_within(5).of(Time.now.to_f)
      end
      expect(info(sandbox)[:sandbox_image]).to eq(:ready)
    end
  end

  describe "Runtime#eval and #run take the clock per invocation" do
    let(:sandbox) { described_class.new }

    def eval_with(code, clock)
      Kobako::Transport.result(runtime(sandbox).eval(Kobako::Transport.eval_input(code), nil, clock), sandbox)
    end

    it "reads [start_ns, advances, seed] or nil" do
      expect(eval_with("Time.now.to_i", nil)).to eq(FROZEN.to_i)
      expect(eval_with("[Time.now.to_i, Time.now.usec]", [1_234_567_890_123_456_789, false, nil])).to eq([1_234_567_890, 123_456])
      expect(eval_with("rand", [Kobako::Clock::FROZEN_NS, false, 42])).to eq(described_class.new(seed: 42).eval("rand"))
      expect(eval_with("Time.now.to_i", [0, true, nil])).to be_between(0, 5)
    end

    it "refuses anything else before the guest runs" do
      [[1], [1, 2, 3], [-1, false, nil], [1 << 64, false, nil], [1.5, false, nil], [0, nil, nil], [0, false, -1],
       [0, false, 1 << 64], [0, false, "1"], "x", 5].each do |bad|
        expect { eval_with("1", bad) }.to raise_error(ArgumentError, /clock|seed/), bad.inspect
      end
      run = runtime(sandbox).method(:run)
      expect { run.call(Kobako::Transport.run_input, Kobako::Codec.encode(["X", [], {}]), nil, :bad) }
        .to raise_error(ArgumentError, /clock must be nil or/)
    end
  end

  describe "option validation" do
    [:real, "host", "frozen", nil, 0, 1.5, Date.new(2020, 1, 1), Time.at(-1), Time.at(1 << 35)].each do |bad|
      it "refuses clock: #{bad.inspect}" do
        expect { described_class.new(clock: bad) }.to raise_error(ArgumentError, /clock .*#{Regexp.escape(bad.inspect)}/)
      end
    end

    [1.5, "1", :seed, true, 1r].each do |bad|
      it "refuses seed: #{bad.inspect}" do
        expect { described_class.new(seed: bad) }.to raise_error(ArgumentError, /seed must be nil or an Integer, got #{Regexp.escape(bad.inspect)}/)
      end
    end
  end
end
