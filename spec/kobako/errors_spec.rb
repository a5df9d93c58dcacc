require "spec_helper"

# Contract E-1/E-2/A-3: what a failing script looks like to the host.
RSpec.describe Kobako::Sandbox, "errors" do
  let(:sandbox) { described_class.new }

  it "refuses non-String code before anything runs" do
    [nil, 42, :code, ["1"]].each do |code|
      expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, /code must be a String, got #{code.class}/)
    end
    expect(sandbox.usage).to equal(Kobako::Usage::EMPTY)
  end

  it "refuses code over 16 MiB before anything runs" do
    expect { sandbox.eval("#" * ((16 << 20) + 1)) }
      .to raise_error(Kobako::SandboxError, /code is 16777217 bytes, over the 16777216-byte limit/)
    expect(sandbox.usage).to equal(Kobako::Usage::EMPTY)
  end

  it "runs code in other encodings as UTF-8 and refuses code that cannot convert" do
    expect(sandbox.eval("'café'".encode("ISO-8859-1"))).to eq("café")
    expect { sandbox.eval("\xff".dup.force_encoding("Shift_JIS")) }
      .to raise_error(Kobako::SandboxError, /cannot be converted to UTF-8/)
  end

  it "reports a syntax error with its line number" do
    expect { sandbox.eval("x = 1\ny = (2 +\n\n") }.to raise_error(Kobako::SandboxError) { |e|
      expect(e.klass).to eq("SyntaxError")
      expect(e.origin).to eq("sandbox")
      expect(e.message).to match(/\A\(eval\):4: syntax error/)
      expect(e.backtrace_lines).to eq(["(eval):4"])
    }
    expect { sandbox.eval("def oops\n  1\n") }.to raise_error(Kobako::SandboxError, /\(eval\):3:/)
    expect { sandbox.eval("1 +* 2") }.to raise_error(Kobako::SandboxError, /\(eval\):1:/)
  end

  it "reports an uncaught exception with class, message and a backtrace with line numbers" do
    code = <<~RUBY
      def inner
        raise ArgumentError, "bad input"
      end

      def outer
        inner
      end

      outer
    RUBY
    expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, "bad input") { |e|
      expect(e.klass).to eq("ArgumentError")
      expect(e.origin).to eq("sandbox")
      expect(e.backtrace_lines).to eq(["(eval):2:in inner", "(eval):6:in outer", "(eval):9"])
      expect(e.backtrace_lines).to be_frozen
    }
  end

  it "reports built-in errors and custom exception classes" do
    expect { sandbox.eval("1 / 0") }.to raise_error(Kobako::SandboxError, "divided by 0") { |e|
      expect(e.klass).to eq("ZeroDivisionError")
    }
    expect { sandbox.eval("nil.upcase") }.to raise_error(Kobako::SandboxError, /\Aundefined method `upcase' for nil\z/) { |e|
      expect(e.klass).to eq("NoMethodError")
    }
    code = "module App; class Boom < StandardError; end; end\nraise App::Boom, 'custom'"
    expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, "custom") { |e|
      expect(e.klass).to eq("App::Boom")
      expect(e.backtrace_lines).to eq(["(eval):2"])
    }
  end

  it "lets the script rescue its own exceptions" do
    expect(sandbox.eval("begin; raise 'x'; rescue => e; e.message + '!'; end")).to eq("x!")
  end

  it "survives an exception whose #message raises" do
    code = "class Evil < StandardError; def message; raise 'nope'; end; end; raise Evil"
    expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, /could not be computed/) { |e|
      expect(e.klass).to eq("Evil")
    }
  end

  it "survives an exception whose #message is not a String and a forged backtrace" do
    code = "class Odd < StandardError; def message; 42; end; end\n" \
           "e = Odd.new; e.set_backtrace(['fake:1', 2, nil]) rescue nil; raise e"
    expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError) { |e|
      expect(e.klass).to eq("Odd")
      expect(e.backtrace_lines).to all(be_a(String))
    }
  end

  it "raises exactly one Kobako::Error subclass for every failure (E-1)" do
    ["raise 'x'", "1 +", "Object.new", "throw :nowhere"].each do |code|
      expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError)
    end
  end

  it "puts every error class where the contract says" do
    expect(Kobako::TimeoutError.superclass).to eq(Kobako::TrapError)
    expect(Kobako::MemoryLimitError.superclass).to eq(Kobako::TrapError)
    expect(Kobako::TrapError.superclass).to eq(Kobako::Error)
    expect([Kobako::HandleExhaustedError, Kobako::BytecodeError, Kobako::UndefinedEntrypointError].map(&:superclass))
      .to all(eq(Kobako::SandboxError))
    expect([Kobako::SandboxError, Kobako::ServiceError, Kobako::SetupError].map(&:superclass)).to all(eq(Kobako::Error))
    expect(Kobako::Error.superclass).to eq(StandardError)
    expect(Kobako::ServiceError.new("x").origin).to eq("service")
    expect(Kobako::SandboxError.new("x").origin).to eq("sandbox")
  end
end
