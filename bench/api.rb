# What the issue-15 API costs on top of a plain eval: filling a slot per invocation,
# returning an Execution, and calling a Service through a slot instead of a bound path.
# The ratio rows pair each sample with a plain one timed right before it on the same
# Sandbox, so machine noise cancels out.
Bench.group("api") do |g|
  account = Struct.new(:id, :plan)
  user = account.new(7, "pro")
  sandbox = Kobako::Sandbox.new
  sandbox.define(:Ctx).slot(:Account)
  sandbox.bind("Fixed::Account", user)
  bindings = { "Ctx::Account" => user }
  code = Bench::Scripts::ADD

  # Per pair: the variant's time over the plain call's, which goes first in every other
  # pair (the second call of a pair runs on warmer caches).
  paired = lambda do |count, plain, other|
    200.times { plain.call; other.call }
    GC.start
    Array.new(count) do |i|
      if i.even?
        base = Bench::Timing.elapsed(&plain)
        Bench::Timing.elapsed(&other) / base
      else
        variant = Bench::Timing.elapsed(&other)
        variant / Bench::Timing.elapsed(&plain)
      end
    end
  end

  g.measure(:api_eval_plain, 'eval("1 + 2") on a Sandbox with a slot, no bindings', unit: "µs") do
    Bench::Timing.samples(3000, warmup: 300) { sandbox.eval(code) }
  end

  g.measure(:api_eval_bindings, 'eval("1 + 2", bindings: { "Ctx::Account" => account })', unit: "µs") do
    Bench::Timing.samples(3000, warmup: 300) { sandbox.eval(code, bindings: bindings) }
  end

  g.measure(:api_execute, 'execute("1 + 2") (returns the Execution)', unit: "µs") do
    Bench::Timing.samples(3000, warmup: 300) { sandbox.execute(code) }
  end

  g.measure(:api_bindings_ratio, "eval with bindings / plain eval (paired samples)", unit: "x",
                                                                                   target: Bench.at_most(1.1)) do
    paired.call(3000, -> { sandbox.eval(code) }, -> { sandbox.eval(code, bindings: bindings) })
  end

  g.measure(:api_execute_ratio, "execute / eval (paired samples)", unit: "x", target: Bench.at_most(1.1)) do
    paired.call(3000, -> { sandbox.eval(code) }, -> { sandbox.execute(code) })
  end

  # Informational (the issue's targets are the two rows above): the first use of a slot
  # reads its methods from the slots frame, which allocates in the guest.
  g.measure(:api_slot_call_ratio, "a call through a filled slot / the same call on a bound path (paired)",
            unit: "x") do
    paired.call(3000, -> { sandbox.eval("Fixed::Account.plan") },
                -> { sandbox.eval("Ctx::Account.plan", bindings: bindings) })
  end
end
