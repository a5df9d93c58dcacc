require "spec_helper"
require "pathname"
require "tmpdir"

RSpec.describe Kobako::Sandbox, "construction" do
  it "has the contract's defaults" do
    sandbox = described_class.new
    expect(sandbox.timeout).to eq(60.0)
    expect(sandbox.memory_limit).to eq(1 << 20)
    expect(sandbox.stdout_limit).to eq(1 << 20)
    expect(sandbox.stderr_limit).to eq(1 << 20)
    expect(sandbox.wasm_path).to eq(File.expand_path("../../data/kobako.wasm", __dir__))
  end

  it "coerces an Integer timeout to Float and accepts nil caps" do
    sandbox = described_class.new(timeout: 2, memory_limit: nil, stdout_limit: nil, stderr_limit: nil)
    expect(sandbox.timeout).to eql(2.0)
    expect([sandbox.memory_limit, sandbox.stdout_limit, sandbox.stderr_limit]).to all(be_nil)
    expect(described_class.new(timeout: nil).timeout).to be_nil
  end

  it "accepts a Pathname for wasm_path" do
    sandbox = described_class.new(wasm_path: Pathname(described_class::DEFAULT_WASM_PATH))
    expect(sandbox.eval("1")).to eq(1)
  end

  [0, -1, Float::INFINITY, Float::NAN, "1", :fast, Complex(1, 1), true].each do |bad|
    it "refuses timeout #{bad.inspect} with an ArgumentError naming the option" do
      expect { described_class.new(timeout: bad) }
        .to raise_error(ArgumentError, /timeout must be nil or a positive finite number.*#{Regexp.escape(bad.inspect)}/)
    end
  end

  %i[memory_limit stdout_limit stderr_limit].each do |option|
    [0, -5, 1.5, "100", 2**70 * 0.5].each do |bad|
      it "refuses #{option} #{bad.inspect}" do
        expect { described_class.new(option => bad) }
          .to raise_error(ArgumentError, /#{option} must be nil or a positive Integer.*#{Regexp.escape(bad.inspect)}/)
      end
    end
  end

  it "refuses a non-path wasm_path" do
    expect { described_class.new(wasm_path: 42) }.to raise_error(ArgumentError, /wasm_path/)
  end

  it "raises ModuleNotBuiltError, saying how to build, for a missing guest file" do
    expect { described_class.new(wasm_path: "/nonexistent/kobako.wasm") }
      .to raise_error(Kobako::ModuleNotBuiltError, %r{/nonexistent/kobako\.wasm.*rake guest})
  end

  it "raises SetupError for a file that is not a wasm module" do
    Dir.mktmpdir do |dir|
      path = File.join(dir, "bogus.wasm")
      File.write(path, "definitely not wasm")
      expect { described_class.new(wasm_path: path) }.to raise_error(Kobako::SetupError, /invalid guest module/)
    end
  end

  it "raises SetupError for a wasm module without the kobako ABI" do
    Dir.mktmpdir do |dir|
      path = File.join(dir, "empty.wasm")
      File.binwrite(path, "\0asm\x01\0\0\0".b)
      expect { described_class.new(wasm_path: path) }
        .to raise_error(Kobako::SetupError, /does not export the function __kobako_/)
    end
  end

  it "raises SetupError for a directory" do
    Dir.mktmpdir do |dir|
      expect { described_class.new(wasm_path: dir) }.to raise_error(Kobako::SetupError, /not a regular file/)
    end
  end

  it "puts ModuleNotBuiltError under SetupError" do
    expect(Kobako::ModuleNotBuiltError.ancestors).to include(Kobako::SetupError, Kobako::Error)
  end

  it "reports empty captures and Usage::EMPTY before any invocation" do
    sandbox = described_class.new
    expect(sandbox.stdout).to eq("")
    expect(sandbox.stderr).to eq("")
    expect(sandbox.stdout_truncated?).to be(false)
    expect(sandbox.stderr_truncated?).to be(false)
    expect(sandbox.usage).to equal(Kobako::Usage::EMPTY)
  end

  it "seals on the first eval" do
    sandbox = described_class.new
    expect(sandbox).not_to be_sealed
    sandbox.eval("nil")
    expect(sandbox).to be_sealed
  end
end
