# Cost curves (issue 16): how cost grows with what an invocation carries, so growth is
# visible and not only points. Script size, the size of a Service call's argument and
# result, the size of a returned String, guest memory per live Handle, and threads.
Bench.group("curves") do |g|
  # The size curve measures compiling, so this Sandbox never runs a script from the
  # compile cache; the rows after it show what the cache saves.
  big = Kobako::Sandbox.new(memory_limit: 256 << 20, timeout: 60, compile_cache: false)
  reuse = Kobako::Sandbox.new(memory_limit: 256 << 20, timeout: 60)
  line = "x = [1, 2, 3].map { |v| v * 2 }.sum + 1\n"
  script_of = ->(bytes) { line * (bytes / line.bytesize) }
  scripts = { 1 => script_of.call(1 << 10), 10 => script_of.call(10 << 10), 100 => script_of.call(100 << 10) }

  # ---- eval cost vs script size -------------------------------------------------------
  { 1 => [200, "µs", 1e6], 10 => [30, "ms", 1e3], 100 => [5, "ms", 1e3] }.each do |kb, (count, unit, scale)|
    g.measure(:"script_#{kb}k", "eval of a #{kb} KB script (repeated map/sum lines)", unit: unit,
                                                                                   vs: { cruby: :"cruby_script_#{kb}k" }) do
      Bench::Timing.samples(count, warmup: [count / 10, 1].max, scale: scale) { big.eval(scripts[kb]) }
    end
    g.measure(:"cruby_script_#{kb}k", "CRuby Kernel#eval of the #{kb} KB script", unit: unit) do
      code = scripts[kb]
      Bench::Timing.samples(count, warmup: [count / 10, 1].max, scale: scale) { TOPLEVEL_BINDING.dup.eval(code) }
    end
  end
  g.derive(:script_growth_10, "script cost, 10 KB / 1 KB (linear: 10)", unit: "×", target: Bench.at_most(12),
                                                                        from: %i[script_10k script_1k]) do |ten, one|
    ten * 1000 / one
  end
  g.derive(:script_growth_100, "script cost, 100 KB / 10 KB (linear: 10)", unit: "×", target: Bench.at_most(12),
                                                                           from: %i[script_100k script_10k]) do |h, t|
    h / t
  end
  g.derive(:script_vs_cruby_100, "100 KB script: sandbox / CRuby eval", unit: "×", target: Bench.at_most(3),
                                                                         from: %i[script_100k cruby_script_100k]) do |s, c|
    s / c
  end
  # The same scripts evaluated again: the compile cache runs the bytecode kept the second time.
  { 1 => [200, "µs", 1e6], 10 => [30, "ms", 1e3], 100 => [5, "ms", 1e3] }.each do |kb, (count, unit, scale)|
    g.measure(:"script_cached_#{kb}k", "eval of the #{kb} KB script again (from the compile cache)", unit: unit) do
      Bench::Timing.samples(count, warmup: [count / 10, 3].max, scale: scale) { reuse.eval(scripts[kb]) }
    end
    g.derive(:"parse_saved_#{kb}k", "#{kb} KB script: parse and codegen the cache saves", unit: unit,
                                                                                       from: [:"script_#{kb}k", :"script_cached_#{kb}k"]) do |full, cached|
      full - cached
    end
  end
  g.measure(:script_memory_100k, "guest memory growth compiling and running the 100 KB script / its size",
            unit: "×", target: Bench.at_most(4)) do
    Array.new(3) do
      big.eval(scripts[100])
      big.usage.memory_peak.to_f / scripts[100].bytesize
    end
  end

  # ---- a Service call vs its argument size (a String there and back) --------------------
  echo = Kobako::Sandbox.new(memory_limit: 64 << 20).tap { |s| s.bind("Echo", ->(x) { x }) }
  { "16 B" => [16, 400], "1 KB" => [1 << 10, 400], "64 KB" => [64 << 10, 100], "1 MB" => [1 << 20, 10] }
    .each do |label, (bytes, calls)|
    with_calls = "s = 'a' * #{bytes}; i = 0; while i < #{calls}; Echo.call(s); i += 1; end; i"
    without = "s = 'a' * #{bytes}; i = 0; while i < #{calls}; i += 1; end; i"
    target = bytes == 1 << 10 ? Bench.at_most(1.5) : nil
    g.measure(:"call_arg_#{bytes}", "one Service call with a #{label} String argument and result", unit: "µs",
                                                                                               target: target) do
      3.times { echo.eval(with_calls) }
      GC.start
      Array.new(15) do
        base = Bench::Timing.elapsed { echo.eval(without) }
        (Bench::Timing.elapsed { echo.eval(with_calls) } - base) * 1e6 / calls
      end
    end
  end

  # ---- returning a String vs its size ---------------------------------------------------
  { "1 KiB" => 1 << 10, "64 KiB" => 64 << 10, "1024 KiB" => 1 << 20 }.each do |label, bytes|
    g.measure(:"return_#{bytes}", "returning a #{label} String", unit: "µs") do
      Bench::Timing.samples(bytes > 100_000 ? 100 : 500, scale: 1e6) { echo.eval("'a' * #{bytes}") }
    end
  end

  # ---- guest memory per live Handle -----------------------------------------------------
  g.measure(:handle_bytes, "guest memory growth per live Handle (10,000 held at once)", unit: "B") do
    item = Struct.new(:id)
    maker = Kobako::Sandbox.new(memory_limit: 64 << 20).tap { |s| s.bind("Make", ->(i) { item.new(i) }) }
    Array.new(3) do
      maker.eval("a = []; i = 0; while i < 10_000; a << Make.call(i); i += 1; end; a.size")
      maker.usage.memory_peak / 10_000.0
    end
  end

  # ---- threads 1, 2, 4, 8 with gvl: :release ----------------------------------------------
  # Service calls run Ruby, so they need the GVL: these rows show how far a Service-heavy
  # load scales when the guest runs without it (docs/performance.md, "Threads").
  compute = "i = 0; while i < 20_000; i += 1; end; i"
  service_heavy = "i = 0; while i < 50; Echo.call(i); i += 1; end; i"
  throughput = lambda do |threads, script|
    boxes = Array.new(threads) { Kobako::Sandbox.new(gvl: :release).tap { |s| s.bind("Echo", ->(x) { x }) } }
    boxes.each { |b| 3.times { b.eval(script) } }
    GC.start
    Bench::Timing.evals_per_second(boxes, script, rounds: 3, seconds: 0.4)
  end
  [1, 2, 4, 8].each do |threads|
    g.measure(:"curve_compute_#{threads}", "evals/s, #{threads} thread#{'s' if threads > 1}, compute, gvl: :release",
              unit: "evals/s") { throughput.call(threads, compute) }
    g.measure(:"curve_services_#{threads}", "evals/s, #{threads} thread#{'s' if threads > 1}, 50 Service calls each, " \
                                            "gvl: :release", unit: "evals/s") { throughput.call(threads, service_heavy) }
  end
  g.derive(:curve_services_scaling_2, "50 Service calls each, 2 threads / 1 thread, gvl: :release", unit: "×",
                                      target: Bench.at_least(1.6), from: %i[curve_services_2 curve_services_1]) do |two, one|
    two / one
  end
  g.derive(:curve_services_scaling_8, "50 Service calls each, 8 threads / 1 thread, gvl: :release", unit: "×",
                                      target: Bench.at_least(1.0), from: %i[curve_services_8 curve_services_1]) do |eight, one|
    eight / one
  end
end
