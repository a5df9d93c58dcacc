# Preloaded snippets: a warm run(:Noop) and what each extra snippet adds to it, since
# snippets are replayed (or restored from a prepared image) into every invocation.
# Alone: `bundle exec ruby -Ilib bench/run.rb snippets`.
Bench.group("snippets") do |g|
  sizes = [0, 8, 64]

  # run(:Noop) timings per snippet count, interleaved sample by sample so drift (CPU
  # frequency, other load) hits every size alike; collected once for all rows below.
  timings = nil
  collect = lambda do
    timings ||= begin
      boxes = sizes.to_h do |n|
        sandbox = Kobako::Sandbox.new
        n.times { |i| sandbox.preload(code: "Helper#{i} = ->(x) { x + #{i} }", name: :"Helper#{i}") }
        [n, sandbox.preload(code: "Noop = -> {}", name: :Noop)]
      end
      300.times { boxes.each_value { |b| b.run(:Noop) } }
      GC.start
      samples = sizes.to_h { |n| [n, []] }
      3000.times do
        boxes.each { |n, b| samples[n] << Bench::Timing.elapsed { b.run(:Noop) } * 1e6 }
      end
      samples
    end
  end

  sizes.each do |n|
    target = n.zero? ? Bench.at_most(30) : nil
    g.measure(:"run_noop_#{n}", "run(:Noop), #{n} extra snippets", unit: "µs", target: target) { collect.call[n] }
  end

  # Paired differences: sample i of the big sandbox minus sample i of the empty one.
  [64, 8].each do |n|
    g.measure(:"per_snippet_#{n}", "added cost per snippet ((t#{n} - t0) / #{n})", unit: "µs",
                                                                                  target: Bench.at_most(1)) do
      t = collect.call
      t[n].zip(t[0]).map { |big, empty| (big - empty) / n }
    end
  end
end
