# `rake stress`: the hunt for host crashes under load (issue 26's SIGBUS), not a CI test.
# Runs the stress workloads (spec/stress/workload.rb) round after round, each in its own
# process with a watchdog, for STRESS_SECONDS (default 600): the thread curves with
# GC.compact alongside, mixed invocations, interrupt storms, deep recursion on small
# thread stacks, forks. Prints every crash (signal or exit status, last output) and a
# tally; fails if any round crashed, hung or gave a wrong answer.
desc "Stress: workloads in subprocesses for STRESS_SECONDS (default 600); reports crashes"
task :stress do
  require "rbconfig"
  workload = File.expand_path("../spec/stress/workload.rb", __dir__)
  lib = File.expand_path("../lib", __dir__)
  small = { "RUBY_THREAD_MACHINE_STACK_SIZE" => "262144", "RUBY_FIBER_MACHINE_STACK_SIZE" => "262144" }
  rounds = %w[hold release].flat_map do |gvl|
    [[{}, "curves", gvl], [{}, "mixed-shared", gvl], [{}, "storm", gvl], [{}, "interrupts", gvl],
     [small, "deep", gvl], [{}, "deep", gvl], [{}, "forks", gvl], [{}, "gc", gvl]]
  end
  seconds = Float(ENV.fetch("STRESS_SECONDS", "600"))
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
  tally = Hash.new(0)
  failures = []
  n = 0
  while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
    env, mode, gvl = rounds[n % rounds.size]
    n += 1
    reader, writer = IO.pipe
    pid = Process.spawn(env, RbConfig.ruby, "-I", lib, workload, mode, gvl, out: writer, err: writer)
    writer.close
    output = Thread.new { reader.read }
    limit = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 180
    status = nil
    until (status = Process.wait2(pid, Process::WNOHANG)&.last)
      if Process.clock_gettime(Process::CLOCK_MONOTONIC) > limit
        Process.kill(:KILL, pid)
        status = Process.wait2(pid).last
        break
      end
      sleep 0.05
    end
    label = "#{mode} #{gvl}#{' (small stacks)' unless env.empty?}"
    outcome = if status.success? then "clean"
              elsif status.signaled? then "signal #{Signal.signame(status.termsig)}"
              else "exit #{status.exitstatus}"
              end
    tally[outcome] += 1
    next if status.success?

    failures << label
    puts "round #{n}: #{label}: #{outcome}\n#{output.value.to_s[-3000..] || output.value}"
  end
  puts "stress: #{n} rounds in #{seconds.round} s: #{tally.map { |k, v| "#{v} #{k}" }.join(', ')}"
  abort "stress: #{failures.size} round(s) failed: #{failures.uniq.join('; ')}" unless failures.empty?
end
