require "spec_helper"
require "rbconfig"
require "tmpdir"

# Contract T-1..T-3 under load: many threads, both GVL modes, shared and per-thread
# Sandboxes, cold starts at the same instant, GC.stress and compaction, and Thread#raise,
# Thread#kill and signals at random moments. Each workload (spec/stress/workload.rb) runs
# in its own process with a watchdog: a crash is a bad exit status, a deadlock a timeout,
# and neither can take the suite down with it.
RSpec.describe "concurrency under stress" do
  WORKLOAD = File.expand_path("../stress/workload.rb", __dir__)
  LIB = File.expand_path("../../lib", __dir__)

  # Starts a workload; returns [pid, output reader].
  def start(*args, env: {})
    reader, writer = IO.pipe
    pid = Process.spawn(env, RbConfig.ruby, "-I", LIB, WORKLOAD, *args.map(&:to_s), out: writer, err: writer)
    writer.close
    [pid, reader]
  end

  # Waits for a workload, killing it after `limit` seconds; fails with what it printed.
  def finish(args, pid, reader, limit)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + limit
    status = nil
    until (status = Process.wait2(pid, Process::WNOHANG)&.last)
      if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        Process.kill(:KILL, pid)
        Process.wait(pid)
        raise "workload #{args.join(' ')} hung for #{limit} s (deadlock?): #{reader.read[-2000..]}"
      end
      sleep 0.02
    end
    output = reader.read
    reader.close
    expect(status.success?).to be(true),
                               "workload #{args.join(' ')} #{status.signaled? ? "died of signal #{status.termsig}" : "exited #{status.exitstatus}"}:\n#{output[-3000..] || output}"
  end

  # Runs workloads side by side (as on a loaded server) and checks each.
  def run_together(*runs, limit: 60)
    started = runs.map { |args| [args, *start(*args)] }
    started.each { |args, pid, reader| finish(args, pid, reader, limit) }
  end

  %i[hold release].each do |gvl|
    describe "gvl: :#{gvl}" do
      it "gives 8 threads x 300 mixed invocations on one shared Sandbox each their own results (two processes at once)" do
        run_together(["mixed-shared", gvl], ["mixed-shared", gvl])
      end

      it "gives 8 threads with a Sandbox each their own results" do
        run_together(["mixed-own", gvl])
      end

      it "survives every thread's first call at the same instant, 16 times over" do
        16.times.each_slice(2) { |pair| run_together(*pair.map { ["cold", gvl] }, limit: 30) }
      end

      it "survives GC.stress and GC.compact from another thread" do
        run_together(["gc", gvl], limit: 90)
      end

      it "survives Thread#raise, Thread#kill and signals at random moments" do
        run_together(["interrupts", gvl], limit: 60)
      end

      it "answers right or raises the interrupt it was sent, under storms of Timeout, Thread#raise/kill and signals on 8 threads" do
        run_together(["storm", gvl], limit: 60)
      end

      it "stays consistent when an interrupt lands while Sandboxes are built and the module compiled" do
        %w[0.001 0.005 0.02 0.1].each do |delay|
          Dir.mktmpdir("kobako-cache") do |cache|
            pid, reader = start("construct-interrupt", gvl, delay, env: { "KOBAKO_MODULE_CACHE" => cache })
            finish(["construct-interrupt", gvl, delay], pid, reader, 120)
          end
        end
      end

      it "survives a Thread#raise or Thread#kill during the process's first invocation" do
        %w[0.0005 0.001 0.002 0.0035 0.005 0.008 0.0125 0.02].each_slice(2) do |pair|
          run_together(*pair.map { |delay| ["first-interrupt", gvl, delay] }, limit: 30)
        end
      end
    end
  end
end
