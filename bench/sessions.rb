# Sessions and stored runs (issue 27): a step in a live session, what a 50-step session
# dumps to, loading it and running its next step (its steps are replayed), resuming a
# suspended run, and the memory of idle sessions (measured in fresh processes).
Bench.group("sessions") do |g|
  shop = Object.new
  def shop.recent = [{ "id" => 1, "total" => 5 }, { "id" => 2, "total" => 7 }]
  def shop.refund(*) = nil
  sandbox = Kobako::Sandbox.new
  sandbox.bind("Orders", shop, methods: %i[recent refund], suspend: %i[refund])

  fifty = lambda do
    session = sandbox.session
    session.eval("orders = Orders.recent; acc = []")
    49.times { |i| session.eval("acc << orders.sum { |o| o['total'] } + #{i}; v#{i} = acc.size") }
    session
  end
  blob = fifty.call.dump

  g.measure(:session_step_nil, 'session.eval("nil"), warm', unit: "µs") do
    session = sandbox.session
    Bench::Timing.samples(3000, warmup: 300) { session.eval(Bench::Scripts::NIL) }
  end

  g.measure(:session_dump_50, "Session#dump of 50 small steps", unit: "KB", target: Bench.at_most(256)) do
    [blob.bytesize / 1024.0]
  end

  g.measure(:session_load_next_50, "load_session (50 steps) + its next step", unit: "ms", target: Bench.at_most(10)) do
    Bench::Timing.samples(40, warmup: 5, scale: 1e3) { sandbox.load_session(blob).eval("acc.size") }
  end

  g.measure(:session_memory_image, "linear memory of that session's instance (what a memory image would hold, raw)",
            unit: "KB") do
    session = fifty.call
    [session.instance_variable_get(:@guest).memory_size / 1024.0]
  end

  suspended = sandbox.execute("10.times { Orders.recent }; Orders.refund(1, 2); :done").dump
  g.measure(:resume_after_10_calls, "resume a run suspended after 10 Service calls", unit: "µs") do
    Bench::Timing.samples(500, warmup: 50) { sandbox.resume(suspended, value: nil) }
  end

  rss = [Bench::Subprocess::RSS]
  idle = lambda do |live, count|
    <<~RUBY
      require "kobako"
      Kobako::Session.max_live = #{live}
      shop = Object.new
      def shop.recent = [{ "id" => 1, "total" => 5 }]
      box = Kobako::Sandbox.new
      box.bind("Orders", shop, methods: %i[recent])
      box.session.eval("nil")
      GC.start
      before = Bench::RSS.kib
      sessions = Array.new(#{count}) do
        s = box.session
        s.eval("orders = Orders.recent"); s.eval("n = orders.size"); s.eval("def f(x) = x * n")
        s
      end
      GC.start
      puts (Bench::RSS.kib - before) / 1024.0 / #{count == 1000 ? 1 : count}
      sessions.size
    RUBY
  end

  g.measure(:idle_sessions, "RSS of 1,000 idle 3-step sessions (default Session.max_live = 64)", unit: "MB",
                            target: Bench.at_most(100)) do
    Array.new(2) { Float(Bench::Subprocess.ruby(idle.call(64, 1000), requires: rss)) }
  end

  g.measure(:live_session_rss, "RSS per live 3-step session (200 live, Session.max_live = 256)", unit: "MB") do
    [Float(Bench::Subprocess.ruby(idle.call(256, 200), requires: rss))]
  end
end
