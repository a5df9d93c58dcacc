# Compute (issue 16): the guest's interpreter against the same interpreter run natively.
# Each workload runs in-process in a warm Sandbox, and in Debian's `mruby` (mruby 3.1)
# as `mruby -e CODE` minus `mruby -e nil` timed beside it, so process start-up and
# loading are not counted as the native interpreter's work. CRuby's eval is shown too.
Bench.group("compute") do |g|
  workloads = {
    xor: ["1,000,000-iteration integer XOR loop",
          "x = 0; i = 0; while i < 1_000_000; x ^= i; i += 1; end; x", 7],
    fib: ["recursive fib(25)",
          "def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2); fib(25)", 7],
    sort_group: ["sort_by + group_by over 100,000 Hashes",
                 "rows = Array.new(100_000) { |i| { id: i, k: (i * 7919) % 1000 } }; " \
                 "rows.sort_by { |h| h[:k] }.group_by { |h| h[:k] % 10 }.size", 3],
    strings: ["string building, 200,000 appends",
              "s = String.new; i = 0; while i < 200_000; s << i.to_s << ','; i += 1; end; s.size", 7]
  }
  sandbox = Kobako::Sandbox.new(memory_limit: 512 << 20, timeout: 120)
  mruby = "/usr/bin/mruby"

  workloads.each do |key, (label, code, count)|
    g.measure(:"compute_#{key}", "sandbox: #{label}", unit: "ms",
              vs: { cruby: :"compute_cruby_#{key}", mruby: :"compute_native_#{key}" }) do
      Bench::Timing.samples(count, warmup: 1, scale: 1e3) { sandbox.eval(code) }
    end
    g.measure(:"compute_native_#{key}", "native mruby (mruby -e CODE minus mruby -e nil): #{label}", unit: "ms") do
      raise Bench::BaselineMissing, "#{mruby} not found (install the mruby package with bin/setup)" unless File.executable?(mruby)

      Bench::Subprocess.time_spawn([mruby, "-e", "nil"])
      Array.new(count) do
        base = Bench::Subprocess.time_spawn([mruby, "-e", "nil"])
        (Bench::Subprocess.time_spawn([mruby, "-e", code]) - base) * 1e3
      end
    end
    g.measure(:"compute_cruby_#{key}", "CRuby Kernel#eval: #{label}", unit: "ms") do
      Bench::Timing.samples(count, warmup: 1, scale: 1e3) { Object.new.instance_eval(code) }
    end
    g.derive(:"compute_ratio_#{key}", "#{label}: sandbox / native mruby", unit: "×", target: Bench.at_most(2.0),
                                                                          from: [:"compute_#{key}", :"compute_native_#{key}"]) do |ours, native|
      ours / native
    end
  end
end
