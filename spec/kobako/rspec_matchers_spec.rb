require "spec_helper"
require "kobako/rspec"

# The matchers `require "kobako/rspec"` gives users (issue 17, part 3), and their failure
# messages, which must show what the script did.
RSpec.describe "Kobako's RSpec matchers" do
  let(:sandbox) do
    Kobako::Sandbox.new(timeout: 2).tap do |s|
      orders = Struct.new(:rows) do
        include Kobako::Exposable
        expose_to_sandbox :find, :list
        def find(id, detail: false) = detail ? rows.fetch(id).merge("detail" => true) : rows.fetch(id)
        def list = rows.keys
      end
      s.define("Shop").bind(:Orders, orders.new({ 3 => { "id" => 3, "total" => 42 }, 4 => { "id" => 4, "total" => 7 } }))
      s.slot("Ctx::Rate", methods: %i[percent])
    end
  end

  def failure_of
    yield
    raise "the expectation passed"
  rescue RSpec::Expectations::ExpectationNotMetError => e
    e.message
  end

  describe "evaluate" do
    it "passes on the value, the output and matchers for them" do
      expect(sandbox).to evaluate("1 + 1").to(2)
      expect(sandbox).to evaluate("puts 'hi'; :ok").and_print("hi\n").to(:ok)
      expect(sandbox).to evaluate("$stderr.puts 'careful'").and_warn(/careful/)
      expect(sandbox).to evaluate("[3, 1, 2].sort").to(start_with(1))
      expect(sandbox).to evaluate("Ctx::Rate.percent * 2", bindings: { "Ctx::Rate" => Struct.new(:percent).new(21) }).to(42)
      expect(sandbox).to evaluate("nil")
      expect(sandbox).not_to evaluate("raise 'no'")
    end

    it "says what the script returned or raised, with its output" do
      message = failure_of { expect(sandbox).to evaluate("puts 'working'; 1 + 2").to(4) }
      expect(message).to eq(%(expected "puts 'working'; 1 + 2" to finish with value 4, but the script returned 3\n  stdout: "working\\n"))
      message = failure_of { expect(sandbox).to evaluate("def total(x)\n  x.fetch(:amount)\nend\ntotal({})").to(1) }
      expect(message).to start_with(%(expected "def total(x)\\n  x.fetch(:amount)\\nend\\ntotal({})" to finish with value 1, ) +
                                    "but the script raised KeyError: key not found: :amount (Kobako::SandboxError)\n" \
                                    "    from (eval):2")
      expect(failure_of { expect(sandbox).to evaluate("print 'x'").and_print("y") })
        .to eq(%(expected "print 'x'" to finish with stdout "y", but the script returned nil\n  stdout: "x"))
      expect(failure_of { expect(sandbox).not_to evaluate("7") }).to eq(%(expected "7" to fail, but the script returned 7))
    end

    it "refuses what it cannot check" do
      expect { expect(42).to evaluate("1") }.to raise_error(ArgumentError, /expects a Kobako::Sandbox, got Integer/)
      expect { expect(sandbox).not_to evaluate("1").to(2) }.to raise_error(ArgumentError, /not `not_to`/)
    end
  end

  describe "raise_sandbox_error" do
    it "passes on the script's exception class and message, from a block or an Execution" do
      expect { sandbox.eval("{}.fetch(:a)") }.to raise_sandbox_error("KeyError")
      expect { sandbox.eval("{}.fetch(:a)") }.to raise_sandbox_error("KeyError", /key not found/)
      expect { sandbox.eval("Integer('x')") }.to raise_sandbox_error(ArgumentError)
      expect(sandbox.execute("[].fetch(1)")).to raise_sandbox_error("IndexError")
      expect { sandbox.eval("1") }.not_to raise_sandbox_error
    end

    it "says what happened instead" do
      expect(failure_of { expect { sandbox.eval("5") }.to raise_sandbox_error("KeyError") })
        .to eq("expected the script to raise KeyError in the sandbox, but it finished with 5")
      expect(failure_of { expect { sandbox.eval("raise IndexError, 'no such row'") }.to raise_sandbox_error("KeyError") })
        .to eq("expected the script to raise KeyError in the sandbox, but it raised IndexError: no such row")
      expect(failure_of { expect(sandbox.execute("puts 'x'; 1")).to raise_sandbox_error })
        .to eq(%(expected the script to raise an error in the sandbox, but it finished with 1\n  stdout: "x\\n"))
      expect(failure_of { expect { sandbox.eval("loop {}") }.to raise_sandbox_error("KeyError") }).to start_with(
        "expected the script to raise KeyError in the sandbox, but it raised Kobako::TimeoutError: the script ran past"
      )
    end
  end

  describe "call_service" do
    it "finds calls in the transcript, with arguments and counts" do
      execution = sandbox.execute("Shop::Orders.list.sum { |id| Shop::Orders.find(id)['total'] } + Shop::Orders.find(3, detail: true)['total']")
      expect(execution.value).to eq(91)
      expect(execution).to call_service("Shop::Orders", :find).with(3)
      expect(execution).to call_service("Shop::Orders", :find).with(3, detail: true)
      expect(execution).to call_service("Shop::Orders", :find).with(kind_of(Integer))
      expect(execution).to call_service("Shop::Orders", :find).times(3)
      expect(execution).to call_service(:"Shop::Orders", "list").once
      expect(execution).not_to call_service("Shop::Orders", :find).with(5)
    end

    it "lists the calls that were made when the one expected was not" do
      execution = sandbox.execute("Shop::Orders.find(4)['total']")
      expect(failure_of { expect(execution).to call_service("Shop::Orders", :find).with(3) })
        .to eq("expected the script to call Shop::Orders.find(3), but it called:\n    Shop::Orders.find(4)\n" \
               "the script returned 7")
      expect(failure_of { expect(sandbox.execute("1")).to call_service("Shop::Orders", :list) })
        .to eq("expected the script to call Shop::Orders.list, but it made no Service calls\nthe script returned 1")
      expect { expect(sandbox).to call_service("Shop::Orders", :list) }.to raise_error(ArgumentError, /sandbox.execute/)
    end
  end

  describe "stay_within" do
    it "checks memory growth and wall time of an Execution or the Sandbox's latest run" do
      expect(sandbox.execute("1 + 1")).to stay_within(memory: 1 << 20, time: 1.0)
      sandbox.eval("'x' * 300_000")
      expect(sandbox).not_to stay_within(memory: 100_000)
      expect(failure_of { expect(sandbox).to stay_within(memory: 100_000) })
        .to match(/\Aexpected the script to stay within 100000 bytes of memory growth, but it used \d+ bytes of memory growth and \d+\.\d+ s\z/)
      expect { stay_within }.to raise_error(ArgumentError, /memory: and\/or time:/)
    end
  end

  it "describes itself for documentation output" do
    expect(evaluate("1").to(2).description).to eq('evaluate "1" with value 2')
    expect(raise_sandbox_error("KeyError", /x/).description).to eq("raise KeyError (/x/) in the sandbox")
    expect(call_service("A", :b).with(1).once.description).to eq("call A.b(1) 1 time")
    expect(stay_within(time: 0.1).description).to eq("stay within 0.1 s")
  end
end
