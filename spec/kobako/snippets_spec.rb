require "spec_helper"

# Sandbox#preload: snippets replayed into every invocation (contract P-1).
RSpec.describe Kobako::Sandbox, "#preload" do
  let(:sandbox) { described_class.new }

  describe "validation (before anything runs)" do
    it "returns the Sandbox so calls chain" do
      expect(sandbox.preload(code: "A = 1", name: :A).preload(code: "B = 2", name: "B")).to be(sandbox)
      expect(sandbox.snippet_count).to eq(2)
    end

    it "needs a form" do
      expect { sandbox.preload }.to raise_error(ArgumentError, /code: and name:, or binary:/)
    end

    it "needs a name with code" do
      expect { sandbox.preload(code: "1") }.to raise_error(ArgumentError, /name: is required/)
    end

    it "refuses mixing forms" do
      expect { sandbox.preload(code: "1", name: :A, binary: "RITE") }.to raise_error(ArgumentError, /not both/)
      expect { sandbox.preload(name: :A, binary: "RITE") }.to raise_error(ArgumentError, /not both/)
    end

    it "refuses wrong types" do
      expect { sandbox.preload(code: :sym, name: :A) }.to raise_error(ArgumentError, /code: must be a String, got Symbol/)
      expect { sandbox.preload(code: "1", name: 12) }.to raise_error(ArgumentError, /must be a Symbol or String, got Integer/)
      expect { sandbox.preload(binary: [1, 2]) }.to raise_error(ArgumentError, /binary: must be a String/)
    end

    it "refuses bad names" do
      ["", "1abc", "a b", "a-b", "x" * 65, "(snippet)", "a\nb"].each do |bad|
        expect { sandbox.preload(code: "1", name: bad) }.to raise_error(ArgumentError, /snippet name/), bad.inspect
      end
      expect { sandbox.preload(code: "1", name: :helpers_2) }.not_to raise_error
    end

    it "refuses duplicate names" do
      sandbox.preload(code: "A = 1", name: :A)
      expect { sandbox.preload(code: "A = 2", name: "A") }.to raise_error(ArgumentError, /already preloaded/)
    end

    it "refuses snippets over the payload limit" do
      expect { sandbox.preload(code: "#" * (16 << 20), name: :Huge) }.to raise_error(ArgumentError, /over the 16777216-byte limit/)
    end

    it "refuses code that cannot become UTF-8" do
      bad = "\x81".dup.force_encoding(Encoding::Shift_JIS)
      expect { sandbox.preload(code: bad, name: :Bad) }.to raise_error(ArgumentError, /cannot be converted to UTF-8/)
    end

    it "is refused after the first invocation seals the Sandbox (A-5)" do
      sandbox.eval("1")
      expect { sandbox.preload(code: "A = 1", name: :A) }.to raise_error(ArgumentError, /sealed/)
      expect { sandbox.preload(binary: "x") }.to raise_error(ArgumentError, /sealed/)
    end

    it "is sealed by run too" do
      sandbox.preload(code: "Noop = -> {}", name: :Noop)
      sandbox.run(:Noop)
      expect { sandbox.preload(code: "B = 1", name: :B) }.to raise_error(ArgumentError, /sealed/)
    end
  end

  describe "replay" do
    it "replays snippets in insertion order before the user code, in every invocation" do
      sandbox.preload(code: "LOG = [:first]", name: :First)
             .preload(code: "LOG << :second; Later = LOG.dup", name: :Second)
      expect(sandbox.eval("LOG << :user; [LOG, Later]")).to eq([%i[first second user], %i[first second]])
      expect(sandbox.eval("LOG")).to eq(%i[first second])
    end

    it "starts each invocation from the snippets' state, not from what the last one changed (A-5)" do
      sandbox.preload(code: "COUNTER = [0]; def bump = COUNTER[0] += 1", name: :Counter)
      expect(sandbox.eval("bump; bump")).to eq(2)
      expect(sandbox.eval("bump")).to eq(1)
    end

    it "gives each snippet its own top-level local scope" do
      probe = "begin; x; rescue NameError; :no_x; end"
      sandbox.preload(code: "x = 41", name: :A).preload(code: "X = #{probe}", name: :B)
      expect(sandbox.eval("[X, #{probe}]")).to eq(%i[no_x no_x])
    end

    it "lets snippets use the Services" do
      sandbox.define(:Cfg).bind(:Get, ->(key) { { "rate" => 3 }.fetch(key) })
      sandbox.preload(code: "RATE = Cfg::Get.call('rate')", name: :Rate)
      expect(sandbox.eval("RATE * 2")).to eq(6)
    end

    it "runs source snippets under (snippet:Name), so backtraces point at the snippet and line" do
      sandbox.preload(code: "def helper\n  raise 'deep'\nend\n", name: :Helpers)
      expect { sandbox.eval("helper") }.to raise_error(Kobako::SandboxError) { |e|
        expect(e.message).to eq("deep")
        expect(e.backtrace_lines.first).to start_with("(snippet:Helpers):2")
        expect(e.backtrace_lines).to include(a_string_starting_with("(eval):1"))
      }
    end

    it "reports a snippet that raises during replay as a SandboxError naming it" do
      sandbox.preload(code: "A = 1", name: :Fine).preload(code: "\n\nraise KeyError, 'missing'", name: :Broken)
      expect { sandbox.eval("A") }.to raise_error(Kobako::SandboxError) { |e|
        expect(e.message).to eq("snippet Broken failed: missing")
        expect(e.klass).to eq("KeyError")
        expect(e.backtrace_lines.first).to start_with("(snippet:Broken):3")
      }
    end

    it "does not run the user code or later snippets after a failing snippet" do
      sandbox.preload(code: "raise 'first'", name: :One).preload(code: "puts 'two'", name: :Two)
      expect { sandbox.eval("puts 'user'") }.to raise_error(Kobako::SandboxError, /snippet One failed: first/)
      expect(sandbox.stdout).to eq("")
    end

    it "reports a syntax error in a snippet with its name and line" do
      sandbox.preload(code: "A = 1\nB = (\n", name: :Typo)
      expect { sandbox.eval("1") }.to raise_error(Kobako::SandboxError) { |e|
        expect(e.klass).to eq("SyntaxError")
        expect(e.message).to match(/\A\(snippet:Typo\):\d+: /)
        expect(e.backtrace_lines).to eq([e.message[/\A\(snippet:Typo\):\d+/]])
      }
    end

    it "reports a failed Service call during replay as a ServiceError naming the snippet" do
      sandbox.define(:Cfg).bind(:Get, ->(key) { raise KeyError, "no #{key}" })
      sandbox.preload(code: "V = Cfg::Get.call('x')", name: :Load)
      expect { sandbox.eval("V") }.to raise_error(Kobako::ServiceError, /\Asnippet Load failed: Cfg::Get.call raised KeyError: no x/)
    end

    it "captures snippet output with the invocation's" do
      sandbox.preload(code: "print 'snippet '", name: :Talk)
      sandbox.eval("print 'user'")
      expect(sandbox.stdout).to eq("snippet user")
    end

    it "keeps caps in force during replay" do
      slow = described_class.new(timeout: 0.2)
      slow.preload(code: "loop {}", name: :Spin)
      expect { slow.eval("1") }.to raise_error(Kobako::TimeoutError)
    end

    it "counts snippet memory against the memory limit" do
      small = described_class.new(memory_limit: 2 << 20)
      small.preload(code: "BIG = 'x' * (8 << 20)", name: :Big)
      expect { small.eval("1") }.to raise_error(Kobako::MemoryLimitError)
    end

    it "accepts non-UTF-8 encodings it can convert" do
      sandbox.preload(code: "Word = 'café'".encode(Encoding::ISO_8859_1), name: :Latin)
      expect(sandbox.eval("Word")).to eq("café")
    end
  end
end
