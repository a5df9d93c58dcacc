# Measures a warm `run(:Noop)` and the added cost per preloaded snippet (issue 4's note).
#   bundle exec ruby bench/snippets.rb
# Prints medians over many runs; the full benchmark suite (`rake bench`) is still to come.
require_relative "../lib/kobako"

def median_us(samples)
  sorted = samples.sort
  sorted[sorted.size / 2] * 1e6
end

def time_runs(sandbox, count)
  sandbox.run(:Noop) # warm
  Array.new(count) do
    t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    sandbox.run(:Noop)
    Process.clock_gettime(Process::CLOCK_MONOTONIC) - t
  end
end

results = [0, 8, 64].to_h do |n|
  sandbox = Kobako::Sandbox.new
  n.times { |i| sandbox.preload(code: "Helper#{i} = ->(x) { x + #{i} }", name: :"Helper#{i}") }
  sandbox.preload(code: "Noop = -> {}", name: :Noop)
  [n, median_us(time_runs(sandbox, 2000))]
end

results.each { |n, us| puts format("run(:Noop) with %2d extra snippets: %8.1f µs (median)", n, us) }
puts format("added cost per snippet: %.2f µs (8 snippets), %.2f µs (64 snippets)",
            (results[8] - results[0]) / 8, (results[64] - results[0]) / 64)
