# What metering costs: the warm rows of "invocations" on a Sandbox with a fuel budget
# (its own engine, compiled with fuel checks), and the overhead against a Sandbox without
# one, from paired samples (one call on each, alternating) so machine noise hits both.
Bench.group("fuel") do |g|
  plain = Kobako::Sandbox.new
  metered = Kobako::Sandbox.new(fuel: 1_000_000_000)

  # Per pair: the metered call's time over the plain call's, which goes first in every
  # other pair (the second call of a pair runs on warmer caches).
  paired = lambda do |count, warmup, code|
    warmup.times do
      plain.eval(code)
      metered.eval(code)
    end
    GC.start
    Array.new(count) do |i|
      if i.even?
        base = Bench::Timing.elapsed { plain.eval(code) }
        Bench::Timing.elapsed { metered.eval(code) } / base
      else
        other = Bench::Timing.elapsed { metered.eval(code) }
        other / Bench::Timing.elapsed { plain.eval(code) }
      end
    end
  end

  g.measure(:fuel_eval_nil, 'eval("nil"), fuel: 10**9', unit: "µs") do
    Bench::Timing.samples(3000, warmup: 300) { metered.eval(Bench::Scripts::NIL) }
  end

  g.measure(:fuel_eval_xor, "100,000-iteration integer XOR loop, fuel: 10**9", unit: "ms") do
    Bench::Timing.samples(20, warmup: 3, scale: 1e3) { metered.eval(Bench::Scripts::XOR) }
  end

  g.measure(:fuel_overhead_nil, 'eval("nil"): fuel / no fuel (paired samples)', unit: "×") do
    paired.call(3000, 300, Bench::Scripts::NIL)
  end

  g.measure(:fuel_overhead_xor, "XOR loop: fuel / no fuel (paired samples)", unit: "×") do
    paired.call(20, 3, Bench::Scripts::XOR)
  end
end
