require "spec_helper"

# Transcripts and Sandbox#replay (issue 15, item 6), and the max_service_calls budget
# (item 5) that the transcript records too.
RSpec.describe Kobako::Sandbox, "#replay" do
  # A stock Service whose answers the script branches on; each call is counted so a
  # replay can show it never reached the host.
  let(:stock) do
    Class.new do
      include Kobako::Exposable
      expose_to_sandbox :level, :reserve, :each_item

      attr_reader :calls

      def initialize(levels) = (@levels = levels; @calls = 0)

      def level(sku) = (@calls += 1; @levels.fetch(sku))

      def reserve(sku, qty:) = (@calls += 1; raise ArgumentError, "only #{@levels[sku]} left" if qty > @levels[sku]; qty)

      def each_item
        @calls += 1
        @levels.each { |sku, n| yield sku, n }
        @levels.size
      end
    end
  end

  STOCK_SCRIPT = <<~RUBY.freeze
    order = []
    Stock.each_item { |sku, n| order << sku if n.positive? }
    results = order.map do |sku|
      level = Stock.level(sku)
      begin
        level > 5 ? [sku, Stock.reserve(sku, qty: 5)] : [sku, Stock.reserve(sku, qty: level + 1)]
      rescue ArgumentError => e
        [sku, e.message]
      end
    end
    puts results.inspect
    results.to_h
  RUBY

  def sandbox_with(service)
    Kobako::Sandbox.new.tap { |s| s.bind("Stock", service) }
  end

  it "re-runs a script that branches on Service results without calling the host, and equals the original" do
    service = stock.new({ "a" => 9, "b" => 2, "c" => 0 })
    sandbox = sandbox_with(service)
    original = sandbox.execute(STOCK_SCRIPT)
    expect(original.value).to eq({ "a" => 5, "b" => "only 2 left" })
    expect(original.calls.map(&:method)).to eq(%i[each_item level reserve level reserve])
    expect(original.calls.last).to be_raised
    expect(original.calls.first.yields).to eq(3)

    host_calls = service.calls
    replayed = sandbox.replay(original)
    expect(service.calls).to eq(host_calls)
    expect(replayed).to eq(original)
    expect(replayed.value).to eq(original.value)
    expect(replayed.stdout).to eq(original.stdout)
    expect(replayed.calls.map(&:to_h).map { |c| c.except(:duration) })
      .to eq(original.calls.map(&:to_h).map { |c| c.except(:duration) })
  end

  it "replays on another Sandbox set up the same way, with other Service state" do
    original = sandbox_with(stock.new({ "a" => 9, "b" => 2 })).execute(STOCK_SCRIPT)
    other_service = stock.new({ "a" => 0, "b" => 0 })
    replayed = sandbox_with(other_service).replay(original)
    expect(replayed).to eq(original)
    expect(other_service.calls).to eq(0)
    expect(sandbox_with(other_service).execute(STOCK_SCRIPT)).not_to eq(original)
  end

  it "replays a failed run to the same error" do
    sandbox = sandbox_with(stock.new({ "a" => 1 }))
    original = sandbox.execute('Stock.reserve("a", qty: 3)')
    expect(original.error).to be_a(Kobako::ServiceError)
    replayed = sandbox.replay(original)
    expect(replayed.error.class).to eq(original.error.class)
    expect(replayed.error.message).to eq(original.error.message)
    expect(replayed).to eq(original)
  end

  it "replays execute_run, with Handles crossing both ways" do
    customer = Struct.new(:name, :tier)
    sandbox = Kobako::Sandbox.new
    sandbox.bind("Customers", ->(name) { customer.new(name, name.length > 3 ? :gold : :basic) })
    sandbox.preload(code: "Tier = ->(name) { c = Customers.call(name); [c, c.tier] }", name: :Tier)
    original = sandbox.execute_run(:Tier, "Annabel")
    expect(original.value.last).to eq(:gold)
    replayed = sandbox.replay(original)
    expect(replayed).to eq(original)
    expect(replayed.value.first).to be(original.value.first)
  end

  # The same script on a Sandbox whose preloaded snippet changed since the recording.
  def with_snippet(code)
    Kobako::Sandbox.new.tap do |s|
      s.bind("Stock", stock.new({ "a" => 9, "b" => 4 }))
      s.preload(code: code, name: :Config)
    end
  end

  it "raises ReplayDivergenceError naming the first call that differs" do
    original = with_snippet('SKU = "a"').execute("Stock.level(SKU) + 1")
    expect(original.value).to eq(10)
    expect(with_snippet('SKU = "a"').replay(original)).to eq(original)
    expect { with_snippet('SKU = "b"').replay(original) }.to raise_error(Kobako::ReplayDivergenceError) { |e|
      expect(e.index).to eq(0)
      expect(e.message).to include('the script called Stock.level("b"), the recording has Stock.level("a")')
    }
  end

  it "raises when the script makes more calls, or fewer, than recorded" do
    script = 'COUNT.times.sum { Stock.level("a") }'
    one = with_snippet("COUNT = 1").execute(script)
    two = with_snippet("COUNT = 2").execute(script)
    expect { with_snippet("COUNT = 2").replay(one) }
      .to raise_error(Kobako::ReplayDivergenceError, /made call #2 .* only 1/)
    expect { with_snippet("COUNT = 1").replay(two) }
      .to raise_error(Kobako::ReplayDivergenceError, /stopped after 1 Service call; the recording has 2/)
  end

  it "refuses what it cannot replay" do
    sandbox = Kobako::Sandbox.new.tap { |s| s.bind("Tick", -> { 1 }) }
    expect { sandbox.replay("1 + 1") }.to raise_error(TypeError)
    capped = sandbox.execute("1_001.times { Tick.call }")
    expect { sandbox.replay(capped) }.to raise_error(ArgumentError, /first 1000 of 1001 Service calls/)
    expect { sandbox.replay(sandbox.execute(42)) }.to raise_error(ArgumentError, /nothing to replay/)
  end

  it "records the clock and seed, and replays with them" do
    sandbox = Kobako::Sandbox.new(clock: Time.utc(2024, 5, 6, 7, 8, 9), seed: 1234)
    sandbox.bind("Pick", ->(n) { n * 2 })
    original = sandbox.execute("[Time.now.to_s, rand(1_000_000), Pick.call(rand(100))]")
    expect([original.clock, original.seed]).to eq([Time.utc(2024, 5, 6, 7, 8, 9), 1234])
    expect(original.value[0]).to eq("2024-05-06 07:08:09 +0000") # local time in the sandbox zone, UTC
    expect(sandbox.replay(original)).to eq(original)

    host = Kobako::Sandbox.new(clock: :host).execute("Time.now.to_i")
    expect(host.clock).to be_within(5).of(Time.now)
    expect(host.value).to be_within(1).of(host.clock.to_i)
    expect(Kobako::Sandbox.new(clock: :host).replay(host).clock).to eq(host.clock)

    frozen = Kobako::Sandbox.new.execute("Time.now.year")
    expect([frozen.value, frozen.clock, frozen.seed]).to eq([2000, Time.utc(2000), nil])
  end

  describe "max_service_calls" do
    it "defaults to 10,000 and validates" do
      expect(Kobako::Sandbox.new.max_service_calls).to eq(10_000)
      expect(Kobako::Sandbox.new(max_service_calls: nil).max_service_calls).to be_nil
      [0, -1, 1.5, "3"].each do |bad|
        expect { Kobako::Sandbox.new(max_service_calls: bad) }.to raise_error(ArgumentError, /max_service_calls/)
      end
    end

    it "fails the invocation at the call that crosses it with ServiceLimitError" do
      calls = 0
      sandbox = Kobako::Sandbox.new(max_service_calls: 3).tap { |s| s.bind("Tick", -> { calls += 1 }) }
      execution = sandbox.execute("10.times { Tick.call }")
      expect(execution.error).to be_a(Kobako::ServiceLimitError)
      expect(execution.error.message).to include("more than 3 Service calls")
      expect(calls).to eq(3)
      expect(execution.calls.size).to eq(4)
      expect(execution.calls.last).to be_raised
      expect(sandbox.eval("Tick.call")).to eq(4) # the next invocation has its own budget
    end

    it "is rescuable in the guest as a ServiceError, and every later call fails too" do
      sandbox = Kobako::Sandbox.new(max_service_calls: 2).tap { |s| s.bind("Tick", -> { :ok }) }
      result = sandbox.eval(<<~RUBY)
        4.times.map do
          Tick.call
        rescue Kobako::ServiceError => e
          [e.class.name, e.message[/more than \\d+/]]
        end
      RUBY
      expect(result).to eq([:ok, :ok, ["RuntimeError", "more than 2"], ["RuntimeError", "more than 2"]])
    end

    it "counts calls made from blocks the host yields to" do
      sandbox = Kobako::Sandbox.new(max_service_calls: 3)
      sandbox.bind("Each", ->(&blk) { 3.times(&blk) }).bind("Tick", -> { 1 })
      expect { sandbox.eval("Each.call { Tick.call }") }.to raise_error(Kobako::ServiceLimitError)
    end
  end
end
