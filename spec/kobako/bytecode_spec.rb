require "spec_helper"
require "tmpdir"
require_relative "../../tasks/build_paths"

# preload(binary:): RITE bytecode from the bundled mruby's mrbc (contract P-1). The fixtures
# come from spec/fixtures/bytecode/generate.rb (`rake kobako:fixtures`).
RSpec.describe Kobako::Sandbox, "bytecode snippets" do
  fixtures = File.expand_path("../fixtures/bytecode", __dir__)
  define_method(:fixture) { |name| File.binread(File.join(fixtures, name)) }

  let(:sandbox) { described_class.new }

  it "keeps the fixtures identical to what the generator makes with the bundled mrbc" do
    skip "the host mrbc is not built (rake guest)" unless File.executable?(KobakoBuild::HOST_MRBC)

    Dir.mktmpdir do |dir|
      system(RbConfig.ruby, File.join(fixtures, "generate.rb"), KobakoBuild::HOST_MRBC, dir, exception: true)
      Dir.children(dir).sort.each do |name|
        expect(File.binread(File.join(dir, name))).to eq(fixture(name)), "#{name} is stale: run rake kobako:fixtures"
      end
      expect(Dir.children(dir).sort).to eq(Dir.children(fixtures).grep(/\.mrb\z/).sort)
    end
  end

  %w[helpers.mrb helpers_debug.mrb].each do |file|
    it "runs #{file}: its constants become entrypoints" do
      sandbox.preload(binary: fixture(file))
      expect(sandbox.run(:Slugify, "  Hello, World! ")).to eq("hello-world")
      expect(sandbox.run(:Tally, %w[a bb cc d], by: :size)).to eq({ 1 => 2, 2 => 2 })
      expect(sandbox.eval("Helpers.slug('A B')")).to eq("a-b")
    end
  end

  it "runs the same as the source it was compiled from, with and without debug info" do
    source = File.read(File.join(fixtures, "features.rb"))
    from_source = described_class.new.preload(code: source, name: :Features).run(:Features, 5, scale: 3, extra: 1)
    expect(from_source.first).to eq(40)
    %w[features.mrb features_debug.mrb].each do |file|
      expect(described_class.new.preload(binary: fixture(file)).run(:Features, 5, scale: 3, extra: 1)).to eq(from_source)
    end
  end

  it "replays bytecode and source snippets in insertion order" do
    sandbox.preload(code: "module Helpers; def self.slug(t) = 'overridden'; end", name: :Early)
           .preload(binary: fixture("helpers.mrb"))
           .preload(code: "After = Slugify.call('X Y')", name: :Late)
    expect(sandbox.eval("[After, Helpers.slug('z')]")).to eq(%w[x-y z])
  end

  it "reports bytecode that raises during replay as a SandboxError naming the snippet" do
    sandbox.preload(code: "A = 1", name: :A).preload(binary: fixture("boom_debug.mrb"))
    expect { sandbox.eval("1") }.to raise_error(Kobako::SandboxError) { |e|
      expect(e).not_to be_a(Kobako::BytecodeError)
      expect(e.message).to eq("snippet #2 (bytecode) failed: boom from bytecode")
      expect(e.klass).to eq("ArgumentError")
      expect(e.backtrace_lines.first).to start_with("boom.rb:4")
    }
  end

  it "has no line numbers without debug info, but still names the snippet" do
    sandbox.preload(binary: fixture("boom.mrb"))
    expect { sandbox.eval("1") }.to raise_error(Kobako::SandboxError, "snippet #1 (bytecode) failed: boom from bytecode")
  end

  describe "bad bytecode raises BytecodeError at the invocation, never a trap" do
    let(:good) { fixture("helpers_debug.mrb") }

    def bytecode_error(bytes)
      sandbox = described_class.new
      sandbox.preload(binary: bytes)
      sandbox.eval("1")
      nil
    rescue Kobako::BytecodeError => e
      e
    end

    it "names the snippet and why" do
      e = bytecode_error("not bytecode at all")
      expect(e.message).to start_with("snippet #1 (bytecode) is not valid mruby 3.3 bytecode: ")
      expect(e.klass).to eq("Kobako::BytecodeError")
      expect(e.backtrace_lines).to eq([])
    end

    it "refuses a wrong RITE version" do
      %w[0200 0301 0400].each do |version|
        bytes = good.dup
        bytes[4, 4] = version
        expect(bytecode_error(bytes)&.message).to match(/version/), version
      end
    end

    it "refuses empty input and input that is not RITE" do
      ["", "RITE", "\0" * 64, "puts 1"].each do |bytes|
        expect(bytecode_error(bytes)).to be_a(Kobako::BytecodeError), bytes.inspect
      end
    end

    it "refuses truncated bytecode at every length" do
      (0...good.bytesize).step(3).each do |len|
        expect(bytecode_error(good.byteslice(0, len))).to be_a(Kobako::BytecodeError), "length #{len}"
      end
    end

    it "refuses trailing bytes" do
      expect(bytecode_error(good + "\0")&.message).to match(/trailing|size/)
    end

    it "refuses a corrupt body" do
      bytes = good.dup
        .tap { |b| b[b.index("IREP") + 12 + 4 + 8 + 4 + 2, 1] = "\xFF".b } # first opcode of the top irep
      expect(bytecode_error(bytes)).to be_a(Kobako::BytecodeError)
      garbage = good.byteslice(0, 22) + Random.new(1).bytes(good.bytesize - 22)
      expect(bytecode_error(garbage)).to be_a(Kobako::BytecodeError)
    end

    it "is deterministic" do
      bytes = good.byteslice(0, 200)
      expect(bytecode_error(bytes).message).to eq(bytecode_error(bytes).message)
    end

    it "is raised by run too, before the entrypoint is looked up" do
      s = described_class.new.preload(binary: "junk")
      expect { s.run(:Slugify, "x") }.to raise_error(Kobako::BytecodeError)
    end

    it "turns a verified stream that misuses a value's type into a TypeError, not a trap" do
      bytes = fixture("features.mrb")
      ops = File.read(File.expand_path("../../build/mruby-3.3.0/include/mruby/ops.h", __dir__)) rescue nil
      skip "the mruby source is not unpacked" unless ops
      names = ops.scan(/^OPCODE\((\w+),/).flatten
      # features.rb compares `i == 2` early on; make that EQ a STRCAT of two Integers.
      at = bytes.index([names.index("LOADI_2"), 19, names.index("EQ"), 18].pack("C*")) + 2
      bytes.setbyte(at, names.index("STRCAT"))
      s = described_class.new.preload(binary: bytes)
      expect { s.run(:Features, 5) }.to raise_error(Kobako::SandboxError, "bytecode expected a String") { |e|
        expect(e.klass).to eq("TypeError")
      }
    end

    it "survives every single-byte corruption of a real fixture (no trap, no crash)" do
      base = fixture("helpers.mrb")
      outcomes = Hash.new(0)
      base.bytesize.times do |i|
        bytes = base.dup
        bytes.setbyte(i, bytes.getbyte(i) ^ 0x5A)
        s = described_class.new(timeout: 0.5)
        s.preload(binary: bytes)
        begin
          s.eval("[Slugify.call('A b'), Tally.call([1, 2], by: :odd?)] rescue $!.class.name")
          outcomes[:ran] += 1
        rescue Kobako::BytecodeError
          outcomes[:refused] += 1
        rescue Kobako::SandboxError, Kobako::TimeoutError, Kobako::MemoryLimitError => e
          outcomes[e.class] += 1
        end
      end
      expect(outcomes[:refused]).to be > base.bytesize / 2
      expect(outcomes.keys).not_to include(Kobako::TrapError)
    end
  end
end
