# The first Sandbox.new of a fresh process: loading the compiled guest module from the
# disk cache, and compiling it from scratch. Each child times only Sandbox.new and reports
# what the cache did, so Ruby start-up and `require` are not counted.
require "fileutils"
require "tmpdir"

Bench.group("startup") do |g|
  probe = <<~RUBY
    require "kobako"
    t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    sandbox = Kobako::Sandbox.new
    took = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t
    puts "\#{took} \#{sandbox.instance_variable_get(:@runtime).module_info[:cache]}"
  RUBY

  # [seconds, cache outcome] of one fresh process with KOBAKO_MODULE_CACHE=cache.
  first_new = lambda do |cache|
    seconds, outcome = Bench::Subprocess.ruby(probe, env: { "KOBAKO_MODULE_CACHE" => cache }).split
    [Float(seconds), outcome]
  end

  g.measure(:first_new_cached, "first Sandbox.new in a fresh process, warm disk cache", unit: "ms",
                                                                                        target: Bench.at_most(3)) do
    # A private cache of our own: the user's cache may be stale or shared.
    dir = Dir.mktmpdir("kobako-bench-cache")
    begin
      File.chmod(0o700, dir)
      first_new.call(dir) # populates the cache (compiles once)
      Array.new(5) do
        seconds, outcome = first_new.call(dir)
        raise "module cache was #{outcome.inspect}, expected hit" unless outcome == "hit"

        seconds * 1e3
      end
    ensure
      FileUtils.remove_entry(dir)
    end
  end

  # Compiling takes a second or two per process, so only three samples.
  g.measure(:first_new_uncached, "first Sandbox.new in a fresh process, no cache (compiles)", unit: "ms") do
    Array.new(3) do
      seconds, outcome = first_new.call("off")
      raise "module cache was #{outcome.inspect}, expected disabled" unless outcome == "disabled"

      seconds * 1e3
    end
  end
end
