require "open3"
require "rbconfig"

module Bench
  # Fresh Ruby processes for what an already-warm process cannot show (first Sandbox.new,
  # resident memory). The child prints its own measurement; only its stdout is trusted,
  # so process start-up and `require` never land on the clock.
  module Subprocess
    LIB = File.expand_path("../../lib", __dir__)
    RSS = File.expand_path("rss.rb", __dir__)

    module_function

    # Runs `ruby -I lib [-r file]... -e code` with extra environment `env`; returns the
    # child's stdout, or raises with its stderr when it fails.
    def ruby(code, env: {}, requires: [])
      argv = [RbConfig.ruby, "-I", LIB]
      requires.each { |file| argv.push("-r", file) }
      argv.push("-e", code)
      out, err, status = Open3.capture3(env, *argv)
      raise "subprocess failed (#{status}): #{err.strip.lines.last(3).join.strip}" unless status.success?

      out
    end

    # Wall seconds for spawning `argv` and waiting for it, output discarded.
    def time_spawn(argv)
      start = Timing.now
      pid = Process.spawn(*argv, out: File::NULL, err: File::NULL)
      _, status = Process.wait2(pid)
      took = Timing.now - start
      raise "#{argv.first} exited with #{status.exitstatus}" unless status.success?

      took
    end
  end
end
