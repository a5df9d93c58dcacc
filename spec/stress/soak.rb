# The soak behind `rake soak` (see tasks/soak.rake). Reuses the stress workload's checked
# operations; fails on the first wrong answer.
require_relative "workload_ops"

$stdout.sync = true

total = Integer(ENV.fetch("SOAK_INVOCATIONS", "1000000"))
threads = 4
per_thread = total / threads

def rss_kib = File.read("/proc/self/status")[/^VmRSS:\s+(\d+)/, 1].to_i
def fds = Dir.children("/proc/self/fd").size

sandbox = Stress.sandbox(:release)
short = Stress.sandbox(:release, timeout: 0.05)
# Warm up first (engine, module, pools, Ruby's own heap), so "start" is the steady state.
2_000.times { |j| Stress.op(sandbox, 0, j) }
started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
done = 0
lock = Mutex.new
report = lambda do |label|
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  puts format("%-10s invocations=%-8d rss=%7d KiB fds=%3d elapsed=%6.1f s", label, done, rss_kib, fds, elapsed)
end
report.call("start")
first_rss = rss_kib
first_fds = fds
threads.times.map do |i|
  Thread.new do
    per_thread.times do |j|
      Stress.op(sandbox, i, j, j % 5_000 == 8 ? short : nil)
      n = lock.synchronize { done += 1 }
      lock.synchronize { report.call("progress") } if (n % 100_000).zero?
    end
  end
end.each(&:join)
report.call("end")
puts format("RSS after warm-up %d KiB, at the end %d KiB (%+.1f%%); file descriptors %d -> %d",
            first_rss, rss_kib, 100.0 * (rss_kib - first_rss) / first_rss, first_fds, fds)
