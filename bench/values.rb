require "bigdecimal"
require "date"

# The value types beyond JSON's (issue 25, docs/values.md): what one BigDecimal, Date or
# Time costs to cross each way, and a 10,000-BigDecimal round trip. Per-value rows time an
# invocation carrying 1,000 values and subtract the same invocation carrying 1,000 small
# Integers, timed right before it on the same Sandbox, so only the values' own cost remains.
Bench.group("values") do |g|
  # 10,000 BigDecimals and their copy take more than the default 1 MiB of guest memory.
  sandbox = Kobako::Sandbox.new(memory_limit: 32 << 20)
  count = 1000
  ints = Array.new(count) { |i| i }
  kinds = {
    bigdecimal: [Array.new(count) { |i| BigDecimal("#{i}.99") }, 'require "bigdecimal"; BigDecimal("#{i}.99")'],
    date: [Array.new(count) { |i| Date.new(2026, 1, 1) + i }, 'require "date"; Date.new(2026, 1, 1) + i'],
    time: [Array.new(count) { |i| Time.at(1_700_000_000 + i, 123_456_789, :nsec, in: "UTC") },
           "Time.at(1_700_000_000 + i).utc"]
  }

  # µs per value: (with values - with Integers) / count, paired samples.
  per_value = lambda do |plain, values|
    5.times { plain.call; values.call }
    GC.start
    Array.new(30) do
      base = Bench::Timing.elapsed(&plain)
      (Bench::Timing.elapsed(&values) - base) * 1e6 / count
    end
  end

  kinds.each do |kind, (host_values, guest_expr)|
    label = { bigdecimal: "BigDecimal", date: "Date", time: "Time" }.fetch(kind)
    g.measure(:"#{kind}_in", "one #{label} crossing in (1,000 as locals, less 1,000 Integers)", unit: "µs",
                                                                                                target: Bench.at_most(2)) do
      raise "#{label}s did not arrive" unless sandbox.eval("xs.last.class.name", locals: { xs: host_values }) == label

      per_value.call(-> { sandbox.eval("xs.size", locals: { xs: ints }) },
                     -> { sandbox.eval("xs.size", locals: { xs: host_values }) })
    end

    # The guest builds the values in both scripts; only the crossing differs.
    build = "xs = Array.new(#{count}) { |i| #{guest_expr} }"
    g.measure(:"#{kind}_out", "one #{label} crossing out (1,000 returned, less building them in the guest)",
              unit: "µs", target: Bench.at_most(2)) do
      raise "#{label}s did not come back" unless sandbox.eval("#{build}; xs").last.class.name == label

      per_value.call(-> { sandbox.eval("#{build}; xs.size") }, -> { sandbox.eval("#{build}; xs") })
    end
  end

  decimals = Array.new(10_000) { |i| BigDecimal("#{i * 37}.#{i % 100}") }
  g.measure(:bigdecimal_round_trip, "10,000 BigDecimals in and back (eval(\"xs\", locals: { xs: ... }))",
            unit: "ms", target: Bench.at_most(15)) do
    raise "the round trip changed the values" unless sandbox.eval("xs", locals: { xs: decimals }) == decimals

    Bench::Timing.samples(20, warmup: 3, scale: 1e3) { sandbox.eval("xs", locals: { xs: decimals }) }
  end

  g.measure(:plain_values_round_trip, "10,000 Floats in and back (for comparison)", unit: "ms") do
    floats = decimals.map(&:to_f)
    Bench::Timing.samples(20, warmup: 3, scale: 1e3) { sandbox.eval("xs", locals: { xs: floats }) }
  end
end
