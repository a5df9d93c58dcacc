# Warm per-invocation cost: constructing a Sandbox and evaluating small scripts in one
# that has already run (module loaded, caches warm), as a long-lived server would.
Bench.group("invocations") do |g|
  # A few µs per call: timed in batches of 100 so the timer read does not dominate.
  g.measure(:sandbox_new, "Sandbox.new (warm, mean per op in batches of 100)", unit: "µs", target: Bench.at_most(2)) do
    Bench::Timing.per_op(200, batch: 100) { Kobako::Sandbox.new }
  end

  warm = Kobako::Sandbox.new

  g.measure(:eval_nil, 'eval("nil")', unit: "µs", target: Bench.at_most(25),
                                      vs: { cruby: :cruby_eval_nil, mruby: :mruby_eval_nil }) do
    Bench::Timing.samples(3000, warmup: 300) { warm.eval(Bench::Scripts::NIL) }
  end

  g.measure(:eval_add, 'eval("1 + 2")', unit: "µs",
                                        vs: { cruby: :cruby_eval_add, mruby: :mruby_eval_add }) do
    Bench::Timing.samples(3000, warmup: 300) { warm.eval(Bench::Scripts::ADD) }
  end

  g.measure(:eval_xor, "100,000-iteration integer XOR loop", unit: "ms", target: Bench.at_most(20),
                                                             vs: { cruby: :cruby_xor, mruby: :mruby_xor }) do
    Bench::Timing.samples(20, warmup: 3, scale: 1e3) { warm.eval(Bench::Scripts::XOR) }
  end

  g.measure(:eval_string_64k, 'returning a 64 KiB String ("a" * 65536)', unit: "µs",
                                                                         vs: { cruby: :cruby_string_64k }) do
    Bench::Timing.samples(1000, warmup: 100) { warm.eval(Bench::Scripts::STRING_64K) }
  end
end
