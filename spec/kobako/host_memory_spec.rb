require "spec_helper"
require "timeout"
require_relative "../support/host_memory_probe"

# Contract X-2 attacked: no script can make the host hold more than a fixed budget per
# invocation, through any path. Each example drives one worst case and checks what kobako
# keeps (deterministically, from its own records); host_memory_rss_spec.rb measures the
# same cases as resident memory in fresh processes. `rake mutation` turns each budget off
# in turn and checks that this file then fails.
RSpec.describe Kobako::Sandbox, "host memory budget (adversarial, X-2)" do
  around { |example| Timeout.timeout(120) { example.run } }

  mib = 1 << 20

  def box(**options) = HostMemoryProbe.sandbox(options)

  it "keeps at most transcript_limit bytes of Service calls, as a prefix, and counts the rest" do
    sandbox = box(memory_limit: 32 * mib)
    execution = sandbox.execute("s = 'y' * (1 << 20); 1000.times { Sink.call(s) }; :done")
    expect(execution.value).to eq(:done)
    kept = execution.transcript_entries.sum { |e| e.request.bytesize + e.response.to_s.bytesize }
    expect(kept).to be <= Kobako::Transcript::MAX_BYTES
    expect(execution.calls.size).to be_between(1, 4)
    expect(execution.calls.size + execution.calls_dropped).to eq(1000)
    expect(execution.calls.map(&:method).uniq).to eq([:call])
    expect { sandbox.replay(execution) }.to raise_error(ArgumentError, /kept only the first #{execution.calls.size} of 1000/)
  end

  it "counts block calls against the same budget, dropping the call that holds them" do
    execution = box(memory_limit: 32 * mib).execute("s = 'y' * (1 << 20); Each.call(200) { |_| s }; Sink.call('x')")
    expect(execution.value).to eq(1)
    expect(execution.calls.size).to eq(0)
    expect(execution.calls_dropped).to eq(2)
  end

  it "takes transcript_limit from the Sandbox (nil keeps every call up to 1,000)" do
    small = box(memory_limit: 32 * mib, transcript_limit: 10_000).execute("5.times { Sink.call('y' * 3000) }")
    expect(small.calls.size).to eq(3) # about 3,100 bytes each, with the per-String overhead
    expect(small.calls_dropped).to eq(2)
    all = box(memory_limit: 32 * mib, transcript_limit: nil).execute("s = 'y' * 100_000; 60.times { Sink.call(s) }")
    expect(all.calls.size).to eq(60)
    expect { Kobako::Sandbox.new(transcript_limit: 0) }.to raise_error(ArgumentError, /transcript_limit/)
  end

  it "keeps at most 1 MiB of failures (the newest always), however many a script provokes" do
    execution = box(memory_limit: 32 * mib).execute("s = 'y' * (1 << 20); 300.times { begin; Echo.call(s); rescue; end }; :done")
    failures = execution.replay_record.failures
    expect(failures.size).to be_between(1, 2)
    expect(failures.keys.max).to eq(300)
    kept = failures.values.sum { |f| f.exception.message.bytesize }
    expect(kept).to be < 2 * mib + 1000
  end

  it "caps the Handles one invocation hands out (max_handles), and with them the host objects it keeps alive" do
    execution = box(memory_limit: 64 * mib, max_service_calls: nil).execute("30.times { Many.call }")
    expect(execution.error).to be_a(Kobako::HandleExhaustedError)
    expect(execution.error.message).to eq("the invocation created more than 100000 Handles (max_handles)")
    expect(execution.handle_table.size).to eq(Kobako::HandleTable::DEFAULT_MAX)
    small = box(max_handles: 15_000).execute("Many.call; Many.call")
    expect(small.error.message).to eq("the invocation created more than 15000 Handles (max_handles)")
    expect { Kobako::Sandbox.new(max_handles: 0) }.to raise_error(ArgumentError, /max_handles/)
  end

  it "checks the 16 MiB cap while it encodes a host-built value, so shared subtrees cannot expand" do
    message = box.eval("begin; Dag.call; rescue => e; e.message; end")
    expect(message).to start_with("Dag.call returned a value that cannot cross to the sandbox: the encoded value is " \
                                  "over the 16777216-byte limit")
    expect { Kobako::Codec.encode([[1] * 10] * 2_000_000) }.to raise_error(Kobako::Codec::UnsupportedValue, /16777216-byte limit/)
    # Naming the place of an object that cannot cross searches each shared subtree once.
    dag = [1]
    20.times { dag = [dag, dag] }
    expect { Kobako::Codec.encode([dag, dag, Object.new]) }
      .to raise_error(Kobako::Codec::UnsupportedValue, "value[2]: Object is not a supported sandbox value type")
  end

  it "refuses a value the host would need more than 32 MiB to rebuild, naming the limit and the size" do
    execution = box(memory_limit: 256 * mib).execute("[[]] * 4_000_000")
    error = execution.error
    expect(error).to be_a(Kobako::PayloadTooLargeError)
    expect(error).to be_a(Kobako::SandboxError)
    expect(error.limit).to eq(32 * mib)
    expect(error.size).to eq(192_000_040)
    expect(error.message).to eq("the value would take about 192000040 bytes of host memory to rebuild, over the " \
                                "33554432-byte limit for one value")
    # The same value in a Service call's arguments is a failed call the script can rescue.
    rescued = box(memory_limit: 256 * mib).eval("begin; Sink.call([[]] * 4_000_000); rescue ArgumentError => e; e.message; end")
    expect(rescued).to include("the arguments of this Service call are too large for the host")
    # A large value that is cheap to rebuild still crosses.
    expect(box(memory_limit: 256 * mib).eval("'x' * 10_000_000").bytesize).to eq(10_000_000)
  end

  it "keeps at most 64 KiB of a script's error message and 256 short backtrace lines" do
    error = box(memory_limit: 256 * mib).execute(
      "define_method('m' * 5000) { |n| n.zero? ? raise('x' * 15_000_000) : send('m' * 5000, n - 1) }; send('m' * 5000, 400)"
    ).error
    expect(error).to be_a(Kobako::SandboxError)
    expect(error.message.bytesize).to be < (64 << 10) + 100
    expect(error.message).to end_with("more bytes)")
    expect(error.backtrace_lines.size).to be <= 256
    expect(error.backtrace_lines.map(&:bytesize).max).to be < 1100
  end

  it "keeps output within stdout_limit and stderr_limit" do
    sandbox = box(memory_limit: 32 * mib)
    sandbox.execute("s = 'z' * 100_000; 1000.times { puts s; warn s }")
    expect(sandbox.stdout.bytesize).to eq(1 * mib)
    expect(sandbox.stderr.bytesize).to eq(1 * mib)
  end
end
