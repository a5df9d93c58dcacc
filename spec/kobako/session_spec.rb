require "spec_helper"
require "open3"
require "rbconfig"
require_relative "../support/stored_blobs"
require "json"

# Contract P-1: a session keeps guest state across evals, moves between processes as a
# blob, and comes back from a step that trapped as it was before that step.
RSpec.describe Kobako::Session do
  let(:calls) { [] }
  let(:shop) do
    calls = self.calls
    Class.new do
      define_method(:recent) do
        calls << :recent
        [{ "id" => 1, "total" => 5 }, { "id" => 2, "total" => 7 }]
      end
      define_method(:refund) { |id, amount| "refund #{id} #{amount}" }
    end.new
  end
  let(:sandbox) do
    Kobako::Sandbox.new(timeout: 2).tap { |s| s.bind("Orders", shop, methods: %i[recent refund], suspend: %i[refund]) }
  end

  it "keeps locals, methods, classes, constants, globals and required libraries from one eval to the next" do
    session = sandbox.session
    session.eval(<<~RUBY)
      require "json"
      orders = Orders.recent
      rate = 2
      def double(x) = x * 2
      class Tally; def self.of(list) = list.sum { |o| o["total"] }; end
      LIMIT = 100
      $seen = [:first]
    RUBY
    expect(session.eval("Tally.of(orders) * rate")).to eq(24)
    expect(session.eval("$seen << :second; [double(LIMIT), $seen, JSON.generate(orders.first)]"))
      .to eq([200, %i[first second], '{"id":1,"total":5}'])
    expect(session.eval("rate += 1; rate")).to eq(3)
    expect(session.eval("rate")).to eq(3)
    expect(session.size).to eq(5)
    expect(calls).to eq([:recent])
  end

  it "gives each eval its own output, bindings and locals, and keeps a given local like an assignment" do
    session = sandbox.session
    first = session.execute("puts 'one'; n = 1")
    second = session.execute("puts 'two'; n + m", locals: { m: 41 })
    expect([first.stdout, second.stdout, second.value]).to eq(["one\n", "two\n", 42])
    expect(session.eval("[n, m]")).to eq([1, 41])
    expect(session.eval("n", locals: { n: 9 })).to eq(9)
  end

  it "fills slots per step, and a loaded session's later steps get their own fillings" do
    box = Kobako::Sandbox.new
    box.slot("Ctx::User", methods: %i[name])
    user = Struct.new(:name)
    session = box.session
    session.eval("greeting = 'hi ' + Ctx::User.name", bindings: { "Ctx::User" => user.new("ann") })
    expect(session.eval("greeting + ', ' + Ctx::User.name", bindings: { "Ctx::User" => user.new("bo") })).to eq("hi ann, bo")
    expect { session.eval("Ctx::User.name") }.to raise_error(Kobako::NoServiceError)
    loaded = box.load_session(session.dump)
    expect(loaded.eval("greeting + ' ' + Ctx::User.name", bindings: { "Ctx::User" => user.new("cy") })).to eq("hi ann cy")
  end

  it "keeps what a step assigned before raising, as irb does, and the session goes on" do
    session = sandbox.session
    expect { session.eval("kept = 1; raise ArgumentError, 'no'") }.to raise_error(Kobako::SandboxError, /no/)
    expect(session.eval("kept + 1")).to eq(2)
  end

  it "drops a step that trapped and is as it was before it" do
    session = Kobako::Sandbox.new(timeout: 0.2).session
    session.eval("a = 1; def f = :before")
    expect { session.eval("a = 2; def f = :after; loop {}") }.to raise_error(Kobako::TimeoutError)
    expect(session.size).to eq(1)
    expect(session.eval("[a, f]")).to eq([1, :before])
  end

  it "bounds the whole session's heap by memory_limit, each step by the other caps" do
    session = Kobako::Sandbox.new(memory_limit: 4 << 20, stdout_limit: 10, fuel: 50_000_000).session
    session.eval("keep = []")
    error = nil
    20.times do
      error = session.execute("keep << ('x' * 1_000_000)").error
      break if error
    end
    expect(error).to be_a(Kobako::MemoryLimitError)
    expect(session.eval("keep.size")).to be_between(1, 5)
    out = session.execute("print 'y' * 50; 1")
    expect([out.stdout.size, out.stdout_truncated?]).to eq([10, true])
    expect(session.execute("loop {}").error).to be_a(Kobako::FuelExhaustedError)
    expect(session.eval("keep.size")).to be_between(1, 5)
  end

  it "refuses an eval while another runs on it, from another thread or from a Service" do
    gate = Queue.new
    release = Queue.new
    box = Kobako::Sandbox.new
    box.bind("Wait", -> { gate << :in; release.pop; 1 })
    session = box.session
    runner = Thread.new { session.eval("Wait.call") }
    gate.pop
    expect { session.eval("1") }.to raise_error(Kobako::SessionError, /another thread/)
    release << :go
    expect(runner.value).to eq(1)

    box2 = Kobako::Sandbox.new
    inner = nil
    box2.bind("Again", -> { inner.eval("2") })
    inner = box2.session
    expect(inner.eval("Again.call rescue $!.class.name")).to eq("RuntimeError")
    expect(inner.eval("1 + 1")).to eq(2)
  end

  it "refuses to store or rebuild a session once a step's Service calls were not all recorded" do
    box = Kobako::Sandbox.new(transcript_limit: 200, timeout: 0.5)
    box.bind("Echo", ->(x) { x })
    session = box.session
    session.eval("a = 1")
    session.eval("20.times { |i| Echo.call('x' * 50) }; b = 2")
    expect { session.dump }.to raise_error(Kobako::SnapshotError, /not all recorded|more Service calls/)
    expect(session.eval("a + b")).to eq(3) # the live instance goes on
    expect { session.eval("loop {}") }.to raise_error(Kobako::TimeoutError)
    expect { session.eval("a") }.to raise_error(Kobako::SessionError, /cannot be rebuilt/)
  end

  it "raises SessionError once closed" do
    session = sandbox.session
    session.eval("1")
    session.close
    expect(session).to be_closed
    expect { session.eval("1") }.to raise_error(Kobako::SessionError, /closed/)
  end

  it "keeps Handles working across steps" do
    item = Struct.new(:price)
    box = Kobako::Sandbox.new
    box.bind("Items", -> { [item.new(3), item.new(4)] })
    session = box.session
    session.eval("items = Items.call")
    expect(session.eval("items.sum(&:price)")).to eq(7)
    expect(session.eval("items.first.price * 10")).to eq(30)
  end

  it "dumps and loads in this process, replaying the steps without calling the Services again" do
    session = sandbox.session
    session.eval("orders = Orders.recent; count = orders.size")
    session.eval('def label(o) = "#" + o["id"].to_s')
    blob = session.dump
    calls.clear
    loaded = sandbox.load_session(blob)
    expect(loaded.eval("orders.map { |o| label(o) } + [count]")).to eq(["#1", "#2", 2])
    expect(calls).to eq([])
    expect(session.eval("count")).to eq(2) # the original goes on too
  end

  it "dumps 50 small steps into at most 256 KB" do
    session = sandbox.session
    session.eval("orders = Orders.recent; acc = []")
    49.times { |i| session.eval("acc << orders.sum { |o| o['total'] } + #{i}; v#{i} = acc.size") }
    blob = session.dump
    expect(blob.bytesize).to be <= 256 * 1024
    expect(sandbox.load_session(blob).eval("[acc.size, v48]")).to eq([49, 49])
  end

  it "loads in another process whose Sandbox binds the same Services" do
    program = <<~RUBY
      require "kobako"
      shop = Object.new
      def shop.recent = [{ "id" => 1, "total" => 5 }]
      def shop.refund(*) = nil
      box = Kobako::Sandbox.new
      box.bind("Orders", shop, methods: %i[recent refund], suspend: %i[refund])
      if ARGV[0] == "dump"
        s = box.session
        s.eval("o = Orders.recent"); s.eval("def total(list) = list.sum { |x| x['total'] }")
        STDOUT.binmode.write(s.dump)
      else
        def shop.recent = raise("called again")
        p box.load_session(STDIN.binmode.read).eval("total(o) * 3")
      end
    RUBY
    ruby = [RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), "-e", program]
    blob, err, status = Open3.capture3(*ruby, "dump", binmode: true)
    expect([err, status.success?]).to eq(["", true])
    out, err, status = Open3.capture3(*ruby, "load", stdin_data: blob)
    expect([err, out, status.success?]).to eq(["", "15\n", true])
  end

  it "refuses a blob made by another set-up, or not a session" do
    blob = sandbox.session.tap { |s| s.eval("1") }.dump
    other = Kobako::Sandbox.new
    expect { other.load_session(blob) }.to raise_error(Kobako::SnapshotError, /bound Orders|binds/)
    expect { sandbox.load_session(sandbox.execute("1").dump) }.to raise_error(Kobako::SnapshotError, /not a session/)
    expect { sandbox.load_session("nope") }.to raise_error(Kobako::SnapshotError)
  end

  it "survives mutated session blobs" do
    session = sandbox.session
    session.eval("orders = Orders.recent; n = 3")
    session.eval("n * 2")
    blob = session.dump
    body = StoredBlobs.body(blob)
    random = Random.new(4242)
    400.times do
      mutated = body.dup
      random.rand(1..3).times { mutated.setbyte(random.rand(mutated.bytesize), random.rand(256)) }
      resealed = StoredBlobs.reseal(blob, mutated)
      begin
        loaded = sandbox.load_session(resealed)
        loaded.execute("n")
      rescue Kobako::SnapshotError, Kobako::SessionError
        nil
      end
    end
    expect(sandbox.eval("1 + 1")).to eq(2)
  end

  it "replays a step on top of the steps before it, here or from JSON, without calling the Services" do
    session = sandbox.session
    session.eval("orders = Orders.recent; base = 10")
    step = session.execute("puts orders.size; orders.sum { |o| o['total'] } + base")
    calls.clear
    expect(sandbox.replay(step)).to eq(step)
    loaded = Kobako::Execution.from_h(JSON.parse(JSON.generate(step.to_h)))
    expect(sandbox.replay(loaded).value).to eq(22)
    expect(Kobako::Execution.load(step.dump).then { |e| sandbox.replay(e).stdout }).to eq("2\n")
    expect(calls).to eq([])
    expect(session.eval("base")).to eq(10)
  end

  it "suspends inside a session and resumes into a session that goes on" do
    session = sandbox.session
    session.eval("orders = Orders.recent")
    execution = session.execute("r = Orders.refund(orders.first['id'], 5); r.upcase")
    expect(execution.pending_call.args).to eq([1, 5])
    expect { session.eval("1") }.not_to raise_error # the session is as before the suspended step
    resumed = sandbox.resume(execution.dump, value: "approved")
    expect(resumed.value).to eq("APPROVED")
    expect(resumed.session.eval("[r, orders.size]")).to eq(["approved", 2])
  end

  it "rebuilds sessions whose instances were set aside past Session.max_live" do
    previous = described_class.max_live
    described_class.max_live = 2
    sessions = Array.new(4) { |i| sandbox.session.tap { |s| s.eval("mine = #{i}") } }
    3.times do
      sessions.each_with_index { |s, i| expect(s.eval("mine += 10; mine - #{i}") % 10).to eq(0) }
    end
    expect(sessions.map { |s| s.eval("mine") }).to eq([30, 31, 32, 33])
  ensure
    described_class.max_live = previous
  end

  it "keeps its state with GC.stress on during a step that calls a Service" do
    box = Kobako::Sandbox.new(timeout: nil).tap { |s| s.bind("Orders", shop, methods: %i[recent refund]) }
    session = box.session
    session.eval("orders = Orders.recent")
    begin
      GC.stress = true
      value = session.eval("orders.size + Orders.recent.size")
    ensure
      GC.stress = false
    end
    expect(value).to eq(4)
    expect(box.load_session(session.dump).eval("orders.last['total']")).to eq(7)
  end

  it "goes on in a forked child with a copy of its state, the parent's unchanged" do
    session = sandbox.session
    session.eval("list = [1, 2]")
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      writer.write(Marshal.dump([session.eval("list << 3; list.sum"), sandbox.session.eval("y = 2; y * 3")]))
      writer.close
      exit!(0)
    end
    writer.close
    waiter = Thread.new { Process.wait(pid); $? }
    unless waiter.join(30)
      Process.kill(:KILL, pid)
      raise "the forked child hung"
    end
    expect(Marshal.load(reader.read)).to eq([6, 6])
    expect(session.eval("list.sum")).to eq(3)
  ensure
    reader&.close
  end

  %i[hold release].each do |gvl|
    it "keeps its state through GC.compact with sessions started at once on many threads (gvl: :#{gvl})" do
      box = Kobako::Sandbox.new(gvl: gvl)
      start = Queue.new
      threads = Array.new(4) do |t|
        Thread.new do
          start.pop
          session = box.session
          session.eval("list = []")
          20.times { |i| session.eval("list << #{t * 100 + i}") }
          GC.compact if GC.respond_to?(:compact) && t.zero?
          session.eval("list.sum")
        end
      end
      4.times { start << :go }
      watchdog = Thread.new { sleep 60; threads.each(&:kill) }
      expect(threads.map(&:value)).to eq(Array.new(4) { |t| (0...20).sum { |i| t * 100 + i } })
      watchdog.kill
    end
  end
end
