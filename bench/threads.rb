# Throughput of compute-bound scripts on several threads, one Sandbox each. With
# gvl: :release the guest runs without Ruby's GVL and should scale with cores; with the
# default (:hold) evaluations serialise on the GVL.
Bench.group("threads") do |g|
  script = "i = 0; while i < 20_000; i += 1; end; i"
  rounds = 5
  round_seconds = 0.4 # 2 s per configuration

  # evals/s, one sample per round: every thread evaluates until the deadline.
  throughput = lambda do |threads, options|
    boxes = Array.new(threads) do
      Kobako::Sandbox.new(**options)
    rescue ArgumentError => e
      raise Bench::NotAvailable, "gvl: not supported" if options.key?(:gvl) && e.message.include?("gvl")

      raise
    end
    boxes.each { |b| 3.times { b.eval(script) } }
    GC.start
    Bench::Timing.evals_per_second(boxes, script, rounds: rounds, seconds: round_seconds)
  end

  g.measure(:evals_1_release, "evals/s, 1 thread, gvl: :release", unit: "evals/s") do
    throughput.call(1, gvl: :release)
  end
  g.measure(:evals_2_release, "evals/s, 2 threads, gvl: :release", unit: "evals/s") do
    throughput.call(2, gvl: :release)
  end
  g.measure(:evals_2_hold, "evals/s, 2 threads, gvl: :hold (default)", unit: "evals/s") do
    throughput.call(2, {})
  end
  g.derive(:threads_scaling, "2 threads / 1 thread, gvl: :release", unit: "×", target: Bench.at_least(1.8),
                                                                   from: %i[evals_2_release evals_1_release]) do |two, one|
    two / one
  end

  # How long after its deadline Timeout.timeout stops a script in a tight loop (issue 26:
  # within 50 ms in both modes; plain Ruby code takes up to Ruby's 100 ms time slice).
  %i[hold release].each do |gvl|
    g.measure(:"timeout_latency_#{gvl}", "Timeout.timeout(0.05) { eval('loop {}') }: ms past the deadline, gvl: :#{gvl}",
              unit: "ms", target: Bench.at_most(50)) do
      require "timeout"
      box = Kobako::Sandbox.new(gvl: gvl, timeout: 30)
      Array.new(10) do
        started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        begin
          Timeout.timeout(0.05) { box.eval("loop {}") }
        rescue Timeout::Error
          nil
        end
        ((Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) - 0.05) * 1000
      end
    end
  end
end
