require "spec_helper"

# Contract C-3: everything the guest prints is captured per channel and per invocation.
RSpec.describe Kobako::Sandbox, "captured output" do
  let(:sandbox) { described_class.new }

  it "captures puts, print, p, printf, putc, << and write on stdout, in order" do
    sandbox.eval(<<~RUBY)
      puts "a", [:b, [:c]], nil
      print "d", 1
      p :e
      printf("%03d|", 7)
      putc 70
      putc "Gh"
      $stdout << "i" << 2
      $stdout.write("j", "k")
      STDOUT.print "l"
      STDOUT.puts
    RUBY
    expect(sandbox.stdout).to eq("a\nb\nc\n\nd1:e\n007|FGi2jkl\n")
  end

  it "returns what p returns in Ruby" do
    expect(sandbox.eval("p")).to be_nil
    expect(sandbox.eval("p 1")).to eq(1)
    expect(sandbox.eval("p 1, 2")).to eq([1, 2])
    expect(sandbox.stdout).to eq("1\n2\n")
  end

  it "captures warn, $stderr and STDERR separately" do
    sandbox.eval(<<~RUBY)
      $stdout.puts "out"
      warn "w1", "w2"
      $stderr.print "e"
      STDERR.puts "E"
      $stderr << "x"
      nil
    RUBY
    expect(sandbox.stdout).to eq("out\n")
    expect(sandbox.stderr).to eq("w1\nw2\neE\nx")
  end

  it "prints through a reassigned $stdout like Ruby does" do
    code = <<~RUBY
      class Collector; attr_reader :seen; def initialize; @seen = []; end; def puts(*a); @seen << a; end; end
      c = Collector.new
      $stdout = c
      puts "hidden"
      $stdout = STDOUT
      puts "shown"
      c.seen
    RUBY
    expect(sandbox.eval(code)).to eq([["hidden"]])
    expect(sandbox.stdout).to eq("shown\n")
  end

  it "returns UTF-8 output as UTF-8 and other bytes as binary" do
    sandbox.eval('puts "héllo ✓"')
    expect(sandbox.stdout).to eq("héllo ✓\n")
    expect(sandbox.stdout.encoding).to eq(Encoding::UTF_8)
    sandbox.eval('print "\xff\xfe"')
    expect(sandbox.stdout.encoding).to eq(Encoding::BINARY)
    expect(sandbox.stdout.bytes).to eq([0xff, 0xfe])
  end

  it "keeps only the latest invocation's output" do
    sandbox.eval("puts 1")
    sandbox.eval("nil")
    expect(sandbox.stdout).to eq("")
  end

  it "keeps output written before an exception" do
    expect { sandbox.eval("puts 'before'; warn 'err'; raise 'boom'") }.to raise_error(Kobako::SandboxError)
    expect(sandbox.stdout).to eq("before\n")
    expect(sandbox.stderr).to eq("err\n")
  end

  it "refuses output channels other than stdout and stderr" do
    expect { sandbox.eval("Kobako::Output.new(3)") }
      .to raise_error(Kobako::SandboxError, /no output channel for fd 3/)
  end

  it "does not reach host files or processes" do
    %w[File IO Dir Socket Process].each do |name|
      expect(sandbox.eval("Object.const_defined?(:#{name})")).to be(false), "#{name} should not exist in the guest"
    end
    expect { sandbox.eval("`ls`") }.to raise_error(Kobako::SandboxError)
    expect { sandbox.eval("system('ls')") }.to raise_error(Kobako::SandboxError, /\Aundefined method `system' for main\z/)
    expect { sandbox.eval("exit 1") }.to raise_error(Kobako::SandboxError, /\Aundefined method `exit' for main\z/)
    expect { sandbox.eval("gets") }.to raise_error(Kobako::SandboxError, /\Aundefined local variable or method `gets' for main\z/)
  end
end
