require "spec_helper"
require "tmpdir"
require_relative "../support/hostile_guest"

# Contract E-3 and the native layer's bounds checks: a guest module that lies about its
# outcome, points outside its memory, traps or loops must never crash the host process.
RSpec.describe "A hostile guest module" do
  around do |example|
    Dir.mktmpdir { |dir| @dir = dir; example.run }
  end

  # Each module gets its own file: the module cache is keyed by path, size and mtime.
  def sandbox_for(**options)
    sandbox_options = options.slice(:timeout, :memory_limit)
    @count = (@count || 0) + 1
    path = File.join(@dir, "hostile-#{@count}.wasm")
    File.binwrite(path, HostileGuest.build(**options.except(:timeout, :memory_limit)))
    Kobako::Sandbox.new(wasm_path: path, **sandbox_options)
  end

  it "is understood when it behaves (sanity check of the fixture)" do
    sandbox = sandbox_for(outcome: "\x00".b + Kobako::Codec.encode([1, "two", :three]))
    expect(sandbox.eval("ignored")).to eq([1, "two", :three])
  end

  it "raises TrapError for an unknown outcome tag" do
    expect { sandbox_for(outcome: "\x07\xc0").eval("") }.to raise_error(Kobako::TrapError, /unknown tag 7/)
  end

  it "raises TrapError for an empty outcome" do
    expect { sandbox_for(outcome: "").eval("") }.to raise_error(Kobako::TrapError, /empty outcome/)
  end

  it "raises TrapError for truncated, trailing or nonsense MessagePack" do
    expect { sandbox_for(outcome: "\x00\x93\x01").eval("") }.to raise_error(Kobako::TrapError, /malformed outcome.*claims 3 items/)
    expect { sandbox_for(outcome: "\x00\x92\x01\xcd").eval("") }.to raise_error(Kobako::TrapError, /malformed outcome.*truncated/)
    expect { sandbox_for(outcome: "\x00\x01\x02").eval("") }.to raise_error(Kobako::TrapError, /trailing bytes/)
    expect { sandbox_for(outcome: "\x00\xc1").eval("") }.to raise_error(Kobako::TrapError, /malformed outcome/)
    expect { sandbox_for(outcome: "\x00\xc7\x01\x05x").eval("") }.to raise_error(Kobako::TrapError, /malformed outcome/)
  end

  it "raises TrapError for a nesting bomb instead of exhausting the host stack" do
    bomb = "\x00".b + ("\x91" * 50_000).b + "\xc0".b
    expect { sandbox_for(outcome: bomb).eval("") }.to raise_error(Kobako::TrapError, /deeper than 128/)
  end

  it "raises TrapError for an error outcome of the wrong shape" do
    [{ "origin" => 1 }, [1, 2], { "origin" => "sandbox", "class" => "X", "message" => "m", "backtrace" => [1] }].each do |bad|
      sandbox = sandbox_for(outcome: "\x01".b + Kobako::Codec.encode(bad))
      expect { sandbox.eval("") }.to raise_error(Kobako::TrapError, /malformed error outcome/)
    end
  end

  it "raises TrapError when the outcome points outside guest memory" do
    sandbox = sandbox_for(take_outcome: (0xffff_fff0 << 32) | 64)
    expect { sandbox.eval("") }.to raise_error(Kobako::TrapError, /outside its 65536-byte memory/)
    sandbox = sandbox_for(take_outcome: (65_530 << 32) | 10)
    expect { sandbox.eval("") }.to raise_error(Kobako::TrapError, /outside/)
  end

  it "refuses an outcome over 16 MiB before reading it" do
    sandbox = sandbox_for(take_outcome: (0 << 32) | ((16 << 20) + 1))
    expect { sandbox.eval("") }.to raise_error(Kobako::TrapError, /over the 16 MiB limit/)
  end

  it "raises TrapError when the guest traps" do
    sandbox = sandbox_for(eval_code: HostileGuest.unreachable)
    expect { sandbox.eval("") }.to raise_error(Kobako::TrapError, /unreachable/)
    expect(sandbox.usage.wall_time).to be > 0
  end

  it "fails a session's evals cleanly: a lying outcome, a trap, and the session rebuilt after it" do
    session = sandbox_for(outcome: "\x07\xc0").session
    expect { session.eval("") }.to raise_error(Kobako::TrapError, /unknown tag 7/)
    trapping = sandbox_for(eval_code: HostileGuest.unreachable).session
    2.times { expect { trapping.eval("") }.to raise_error(Kobako::TrapError, /unreachable/) }
    fine = sandbox_for(outcome: "\x00".b + Kobako::Codec.encode(5)).session
    expect([fine.eval(""), fine.eval("")]).to eq([5, 5])
  end

  it "raises TimeoutError for a guest that never returns" do
    sandbox = sandbox_for(eval_code: HostileGuest.forever, timeout: 0.05)
    expect { sandbox.eval("") }.to raise_error(Kobako::TimeoutError)
  end

  it "raises MemoryLimitError for a raw memory.grow past the cap" do
    code = HostileGuest.i32_const(100) + HostileGuest.memory_grow + HostileGuest.drop
    sandbox = sandbox_for(eval_code: code, memory_limit: 1 << 20)
    expect { sandbox.eval("") }.to raise_error(Kobako::MemoryLimitError, /over the 1048576-byte memory_limit/)
    expect(sandbox.usage.memory_peak).to be <= 1 << 20
  end

  it "gets EFAULT, not a host crash, from fd_write with bogus iovec pointers" do
    bogus_write = lambda do |iovs, count|
      [1, iovs, count, 0].map { |v| HostileGuest.i32_const(v) }.join.b + HostileGuest.call(0) + HostileGuest.drop
    end
    code = bogus_write.(0x7fff_fff0, 1) + bogus_write.(65_532, 1) + bogus_write.(0, 100_000)
    sandbox = sandbox_for(imports: ["fd_write"], eval_code: code, outcome: "\x00\x2a")
    expect(sandbox.eval("")).to eq(42)
  end

  it "raises TrapError when the guest calls proc_exit" do
    code = HostileGuest.i32_const(3) + HostileGuest.call(0)
    sandbox = sandbox_for(imports: ["proc_exit"], eval_code: code)
    expect { sandbox.eval("") }.to raise_error(Kobako::TrapError, /proc_exit\(3\)/)
  end

  describe "calling Service dispatch with bad requests" do
    def dispatch_with(ptr, len)
      code = HostileGuest.i32_const(ptr) + HostileGuest.i32_const(len) + HostileGuest.call(0) + HostileGuest.drop
      sandbox_for(imports: ["__kobako_dispatch"], eval_code: code)
    end

    it "raises TrapError for a request outside guest memory" do
      expect { dispatch_with(65_530, 100).eval("") }.to raise_error(Kobako::TrapError, /malformed Service request/)
    end

    it "raises TrapError for a request over the payload cap" do
      expect { dispatch_with(0, 17 << 20).eval("") }.to raise_error(Kobako::TrapError, /over the 16 MiB limit/)
    end

    it "raises TrapError when the guest gives no memory for the answer to a garbage request" do
      # The dispatcher answers "malformed request"; this module's __kobako_alloc returns 0.
      expect { dispatch_with(0, 3).eval("") }.to raise_error(Kobako::TrapError, /could not allocate \d+ bytes/)
    end
  end

  it "cannot put bytecode into the compile cache: unasked, outside its memory, or unverifiable" do
    # Every eval hands over bytes outside memory, 64 bytes of zeros and its own outcome
    # (none of it RITE bytecode); the host asks on the second eval of a source.
    code = [[65_530, 100], [0, 64], [HostileGuest::OUTCOME_AT, 2]].map do |ptr, len|
      HostileGuest.i32_const(ptr) + HostileGuest.i32_const(len) + HostileGuest.call(0)
    end.join.b
    sandbox = sandbox_for(imports: ["__kobako_compiled"], eval_code: code)
    stored = sandbox.compile_cache_stats[:stored]
    4.times { expect(sandbox.eval("1 + 1")).to be_nil }
    expect(sandbox.compile_cache_stats).to include(stored: stored)
    expect(Kobako::Sandbox.new.eval("1 + 1")).to eq(2)
  end

  it "is refused at load when it speaks another ABI version" do
    other = Kobako::Runtime::ABI_VERSION + 1
    expect { sandbox_for(abi_version: other) }
      .to raise_error(Kobako::SetupError, /ABI version #{other}, this kobako speaks #{Kobako::Runtime::ABI_VERSION}/)
  end

  it "is refused at load when it imports something kobako does not provide" do
    expect { sandbox_for(imports: ["socket_open"]) }
      .to raise_error(Kobako::SetupError, /import kobako does not provide.*evil_host/)
  end

  it "leaves the host able to keep using the real guest" do
    expect { sandbox_for(eval_code: HostileGuest.unreachable).eval("") }.to raise_error(Kobako::TrapError)
    expect(Kobako::Sandbox.new.eval("[1, 2, 3].sum")).to eq(6)
  end
end
