# The host boundary: what a Service call and a yield back into the script cost.
# Amortised rows time one eval doing 1,000 crossings and subtract an eval("nil") timed
# right before it on the same Sandbox (same bindings, so the same per-invocation setup).
Bench.group("services") do |g|
  sandbox = Kobako::Sandbox.new
  sandbox.define(:Tools)
         .bind(:Echo, ->(x) { x })
         .bind(:Each, ->(n, &blk) { n.times { |i| blk.call(i) } })

  loop_calls = "i = 0; while i < 1000; Tools::Echo.call(i); i += 1; end; i"
  loop_yields = "Tools::Each.call(1000) { |i| i }"

  # Paired samples: (eval(script) - eval("nil")) / 1000, in µs per crossing.
  amortised = lambda do |script|
    3.times { sandbox.eval(script) }
    GC.start
    Array.new(40) do
      empty = Bench::Timing.elapsed { sandbox.eval("nil") }
      full = Bench::Timing.elapsed { sandbox.eval(script) }
      (full - empty) * 1e6 / 1000
    end
  end

  g.measure(:eval_service, "eval with one Service call (Tools::Echo.call(1))", unit: "µs", target: Bench.at_most(30)) do
    Bench::Timing.samples(3000, warmup: 300) { sandbox.eval("Tools::Echo.call(1)") }
  end

  g.measure(:service_call, "one Service call, amortised over 1,000 in one eval", unit: "µs", target: Bench.at_most(1)) do
    raise "loop returned the wrong value" unless sandbox.eval(loop_calls) == 1000

    amortised.call(loop_calls)
  end

  g.measure(:service_yield, "one yield to the script's block, amortised over 1,000", unit: "µs",
                                                                                   target: Bench.at_most(1)) do
    amortised.call(loop_yields)
  end
end
