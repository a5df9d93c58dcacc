# Resident memory, measured in fresh processes so the other benchmarks' garbage and
# allocator state do not blur a difference of a few MB. RSS comes from /proc/self/status.
Bench.group("memory") do |g|
  rss = [Bench::Subprocess::RSS]

  # One sandbox created and run first, so the shared compiled module and process-wide
  # caches are already resident and only the per-Sandbox cost is left.
  idle = <<~RUBY
    require "kobako"
    Kobako::Sandbox.new.eval("nil")
    GC.start
    before = Bench::RSS.kib
    boxes = Array.new(1000) { Kobako::Sandbox.new }
    GC.start
    puts (Bench::RSS.kib - before) / 1024.0
    boxes.size
  RUBY

  g.measure(:idle_sandboxes, "RSS of 1,000 idle Sandboxes (total)", unit: "MB", target: Bench.at_most(2)) do
    Array.new(3) { Float(Bench::Subprocess.ruby(idle, requires: rss)) }
  end

  # A leak of even a few hundred bytes per invocation shows up over 100,000 of them.
  growth = <<~RUBY
    require "kobako"
    sandbox = Kobako::Sandbox.new
    2000.times { sandbox.eval("nil") }
    GC.start
    before = Bench::RSS.kib
    100_000.times { sandbox.eval("nil") }
    GC.start
    puts (Bench::RSS.kib - before) / 1024.0
  RUBY

  g.measure(:rss_growth, 'RSS growth over 100,000 eval("nil") (one process)', unit: "MB", target: Bench.at_most(5)) do
    [Float(Bench::Subprocess.ruby(growth, requires: rss))]
  end
end
