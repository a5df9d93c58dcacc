# Formula reuse (issue 16): the same 30-line customer formula evaluated over and over with
# each invocation's own record in a slot, as a rules engine does. The compile cache lets
# a repeated source skip mruby's parser; the target is a preloaded snippet's cost.
Bench.group("formulas") do |g|
  order = Struct.new(:subtotal, :items, :region, :member_years, :coupon)
  formula = <<~RUBY
    rate = case Ctx::Order.region
           when "EU" then 0.21
           when "UK" then 0.20
           when "US" then 0.07
           else 0.0
           end
    discount = 0.0
    years = Ctx::Order.member_years
    discount += 0.05 if years >= 1
    discount += 0.05 if years >= 5
    discount += 0.02 * [years - 5, 0].max if years > 5
    discount = [discount, 0.25].min
    items = Ctx::Order.items
    bulk = items >= 100 ? 0.1 : (items >= 20 ? 0.05 : 0.0)
    coupon = Ctx::Order.coupon
    coupon_off = case coupon
                 when nil then 0
                 when /\\AFLAT(\\d+)\\z/ then $1.to_i
                 when "HALF" then Ctx::Order.subtotal / 2
                 else 0
                 end
    net = Ctx::Order.subtotal * (1 - discount) * (1 - bulk) - coupon_off
    net = 0 if net.negative?
    tax = (net * rate).round(2)
    shipping = net > 50 ? 0 : 4.99
    total = (net + tax + shipping).round(2)
    {
      net: net.round(2), tax: tax, shipping: shipping, total: total,
      discount: (discount * 100).round, bulk: bulk > 0
    }
  RUBY
  raise "the formula should be about 30 lines" unless (28..34).cover?(formula.lines.size)

  orders = Array.new(64) do |i|
    order.new(20 + (i * 37 % 400), i * 7 % 150, %w[EU UK US JP][i % 4], i % 9, [nil, "FLAT10", "HALF", "X"][i % 4])
  end
  cached = Kobako::Sandbox.new
  cached.slot("Ctx::Order", methods: order.members)
  snippet = Kobako::Sandbox.new
  snippet.slot("Ctx::Order", methods: order.members)
  snippet.preload(code: "Formula = lambda do\n#{formula}end", name: :Formula)
  uncached = Kobako::Sandbox.new(compile_cache: false)
  uncached.slot("Ctx::Order", methods: order.members)

  check = orders.first(8).map { |o| cached.eval(formula, bindings: { "Ctx::Order" => o }) }
  unless check == orders.first(8).map { |o| snippet.run(:Formula, bindings: { "Ctx::Order" => o }) }
    raise "the formula and the snippet disagree"
  end

  # 10,000 invocations per row, each with the next order in its slot.
  each_order = lambda do |count, &call|
    Array.new(count) { |i| Bench::Timing.elapsed { call.call({ "Ctx::Order" => orders[i % orders.size] }) } * 1e6 }
  end

  g.measure(:formula_eval, "eval of a 30-line formula, its source seen before (10,000 orders)", unit: "µs") do
    each_order.call(300) { |b| cached.eval(formula, bindings: b) }
    GC.start
    each_order.call(10_000) { |b| cached.eval(formula, bindings: b) }
  end

  g.measure(:formula_run, "run(:Formula), the same code preloaded as a snippet (10,000 orders)", unit: "µs") do
    each_order.call(300) { |b| snippet.run(:Formula, bindings: b) }
    GC.start
    each_order.call(10_000) { |b| snippet.run(:Formula, bindings: b) }
  end

  g.measure(:formula_uncached, "eval of the formula with compile_cache: false (3,000 orders)", unit: "µs") do
    each_order.call(100) { |b| uncached.eval(formula, bindings: b) }
    GC.start
    each_order.call(3000) { |b| uncached.eval(formula, bindings: b) }
  end

  # Paired: each eval over the run(:Formula) timed beside it, the order alternating.
  g.measure(:formula_ratio, "formula eval / run(:Formula) (paired samples)", unit: "×", target: Bench.at_most(1.2)) do
    Array.new(10_000) do |i|
      bindings = { "Ctx::Order" => orders[i % orders.size] }
      by_eval = -> { cached.eval(formula, bindings: bindings) }
      by_run = -> { snippet.run(:Formula, bindings: bindings) }
      if i.even?
        Bench::Timing.elapsed(&by_eval) / Bench::Timing.elapsed(&by_run)
      else
        run_time = Bench::Timing.elapsed(&by_run)
        Bench::Timing.elapsed(&by_eval) / run_time
      end
    end
  end

  g.derive(:formula_cache_saving, "formula: compile_cache: false / from the cache", unit: "×",
                                                                                 from: %i[formula_uncached formula_eval]) do |off, on|
    off / on
  end
end
