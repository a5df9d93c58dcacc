module Bench
  # Wall-clock sampling. Every timer read costs ~0.1 µs, so operations of a few µs are
  # timed in batches and reported as the mean per operation of each batch.
  module Timing
    module_function

    def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

    # Seconds taken by the block.
    def elapsed
      start = now
      yield
      now - start
    end

    # `count` timings of one call each, in `scale` units per second (1e6 for µs), after
    # `warmup` untimed calls. A full GC first, so garbage from earlier benchmarks is not
    # collected on this one's clock.
    def samples(count, warmup: [count / 10, 3].max, scale: 1e6, &block)
      warmup.times(&block)
      GC.start
      Array.new(count) { elapsed(&block) * scale }
    end

    # Evaluations per second of `script`, one thread per Sandbox in `boxes`, each evaluating
    # (at least once) until the round's deadline; one sample per round.
    def evals_per_second(boxes, script, rounds:, seconds:)
      Array.new(rounds) do
        start = now
        deadline = start + seconds
        counts = boxes.map do |box|
          Thread.new do
            n = 0
            loop do
              box.eval(script)
              n += 1
              break if now >= deadline
            end
            n
          end
        end.map(&:value)
        counts.sum / (now - start)
      end
    end

    # `batches` samples, each the mean per call over `batch` consecutive calls.
    def per_op(batches, batch:, warmup: batch, scale: 1e6, &block)
      warmup.times(&block)
      GC.start
      Array.new(batches) { elapsed { batch.times(&block) } * scale / batch }
    end
  end
end
