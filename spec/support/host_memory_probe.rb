# Runs one of the worst cases of contract X-2 in this process and prints, as JSON, how much
# the process's resident memory grew: at the peak of the invocation and after it (with the
# Execution still held, after a GC). spec/kobako/host_memory_spec.rb runs each case in a
# fresh process with glibc's mmap threshold fixed (MALLOC_MMAP_THRESHOLD_), so large
# blocks go back to the system when freed and what stays resident is what is still held.
#
#   ruby -Ilib spec/support/host_memory_probe.rb CASE
require "json"
require "kobako"

module HostMemoryProbe
  MIB = 1 << 20

  # A host object a Service makes on every call, exposed to the script.
  class Fresh
    def name = "fresh"
  end

  # name => [script, Sandbox options]
  CASES = {
    # The issue's case: 1,000 calls with a 1 MiB argument, each recorded in the transcript.
    "transcript" => ["s = 'y' * (1 << 20); 1000.times { Sink.call(s) }; :done", { memory_limit: 32 * MIB }],
    # Block calls are recorded too: a 1 MiB block argument, 200 times.
    "transcript_yields" => ["s = 'y' * (1 << 20); Each.call(200) { |_| s }; :done", { memory_limit: 32 * MIB }],
    # A Service returns a host-built DAG (a = [a, a] forty times).
    "encode_dag" => ["begin; Dag.call; rescue => e; e.class.to_s; end", {}],
    # A Service raises with a message holding its 1 MiB argument, 1,000 times.
    "failures" => ["s = 'y' * (1 << 20); 1000.times { begin; Echo.call(s); rescue => e; end }; :done",
                   { memory_limit: 32 * MIB }],
    # A Service makes a new host object on every call; the script keeps asking.
    "handles" => ["begin; 30.times { Many.call }; :done; rescue => e; e.class.to_s; end",
                  { memory_limit: 64 * MIB, max_service_calls: nil }],
    # A value that is small for the guest but would be enormous rebuilt on the host.
    "value_expansion" => ["[[]] * 4_000_000", { memory_limit: 256 * MIB }],
    # The same through a Service call's arguments, five times.
    "argument_expansion" => ["s = [[]] * 4_000_000; 5.times { Sink.call(s) rescue nil }; :done",
                             { memory_limit: 256 * MIB }],
    # An error message of 15 MB and a deep backtrace.
    "error_message" => ["def deep(n) = n.zero? ? raise('x' * 15_000_000) : deep(n - 1); deep(300)",
                        { memory_limit: 256 * MIB }],
    # Output far past the caps.
    "output" => ["s = 'z' * 100_000; 1000.times { puts s; warn s }; :done", { memory_limit: 32 * MIB }]
  }.freeze

  module_function

  def status(field) = File.read("/proc/self/status")[/#{field}:\s+(\d+)/, 1].to_i * 1024

  def sandbox(options)
    sink = Object.new
    def sink.call(value) = value.size
    dag = [1]
    40.times { dag = [dag, dag] }
    Kobako::Sandbox.new(timeout: 60, **options).tap do |box|
      box.expose(Fresh, :name)
      box.bind("Sink", sink, methods: [:call])
      box.bind("Echo", ->(s) { raise ArgumentError, "bad value #{s}" })
      box.bind("Dag", -> { dag })
      box.bind("Many", -> { Array.new(10_000) { Fresh.new } })
      box.bind("Each", ->(n, &block) { n.times { |i| block.call(i) } })
    end
  end

  def run(name)
    code, options = CASES.fetch(name)
    box = sandbox(options)
    box.eval("1")
    3.times { GC.start }
    before = status("VmRSS")
    File.write("/proc/self/clear_refs", "5") # resets VmHWM to the current RSS
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    execution = box.execute(code)
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    peak = status("VmHWM") - before
    3.times { GC.start }
    retained = status("VmRSS") - before
    { case: name, peak: peak, retained: retained, seconds: elapsed, error: execution.error&.class&.name,
      message: execution.error&.message.to_s[0, 200], calls: execution.calls.size, dropped: execution.calls_dropped,
      memory_limit: options[:memory_limit] }
  end
end

puts JSON.generate(HostMemoryProbe.run(ARGV.fetch(0))) if $PROGRAM_NAME == __FILE__
