# Reference points for the same scripts:
# - CRuby's Kernel#eval in this process: no isolation at all, the floor to compare against.
# - one `mruby -e CODE` process per evaluation: the obvious way to isolate a script
#   without kobako (Debian's mruby package, installed by bin/setup).
Bench.group("baselines") do |g|
  # [label, code, unit, CRuby row, mruby row (nil: not compared)]
  cases = [
    ['eval("nil")', Bench::Scripts::NIL, "µs", :cruby_eval_nil, :mruby_eval_nil],
    ['eval("1 + 2")', Bench::Scripts::ADD, "µs", :cruby_eval_add, :mruby_eval_add],
    ["100,000-iteration integer XOR loop", Bench::Scripts::XOR, "ms", :cruby_xor, :mruby_xor],
    ["returning a 64 KiB String", Bench::Scripts::STRING_64K, "µs", :cruby_string_64k, nil]
  ]

  cases.each do |label, code, unit, key, _|
    if unit == "ms"
      g.measure(key, "CRuby Kernel#eval: #{label}", unit: unit) do
        Bench::Timing.samples(20, warmup: 3, scale: 1e3) { Kernel.eval(code) }
      end
    else
      # A few µs: batched like Sandbox.new.
      g.measure(key, "CRuby Kernel#eval (batches of 20): #{label}", unit: unit) do
        Bench::Timing.per_op(300, batch: 20) { Kernel.eval(code) }
      end
    end
  end

  mruby = "/usr/bin/mruby"
  cases.each do |label, code, unit, _, key|
    next unless key

    g.measure(key, "mruby -e, one process per evaluation: #{label}", unit: unit) do
      unless File.executable?(mruby)
        raise Bench::BaselineMissing, "#{mruby} not found (install the mruby package with bin/setup)"
      end

      argv = [mruby, "-e", code]
      3.times { Bench::Subprocess.time_spawn(argv) } # page cache, dynamic loader
      Array.new(30) { Bench::Subprocess.time_spawn(argv) * (unit == "ms" ? 1e3 : 1e6) }
    end
  end

  g.derive(:mruby_speedup, 'eval("1 + 2"): kobako vs mruby -e per evaluation', unit: "×",
                                                                               target: Bench.at_least(100),
                                                                               from: %i[mruby_eval_add eval_add]) do |mruby_us, ours_us|
    mruby_us / ours_us
  end

  # Issue 16's ratios between rows of this run (the baselines above come last, so these do too).
  g.derive(:eval_nil_vs_cruby, 'warm eval("nil") / CRuby Kernel#eval("nil")', unit: "×", target: Bench.at_most(5),
                                                                              from: %i[eval_nil cruby_eval_nil]) do |ours, cruby|
    ours / cruby
  end
  g.derive(:eval_service_vs_nil, 'eval with one Service call / eval("nil")', unit: "×", target: Bench.at_most(1.3),
                                                                             from: %i[eval_service eval_nil]) do |one, nothing|
    one / nothing
  end
  g.derive(:run_noop_over_eval, 'run(:Noop) - eval("nil")', unit: "µs", target: Bench.at_most(3),
                                                            from: %i[run_noop_0 eval_nil]) do |run, nothing|
    run - nothing
  end
end
