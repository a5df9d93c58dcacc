require "spec_helper"

# Blocks passed to Service calls run in the guest each time the Service yields (Y-1).
RSpec.describe Kobako::Sandbox, "blocks" do
  let(:sandbox) { described_class.new(timeout: 2) }
  let(:log) { [] }
  methods = %i[map each_pair given twice never keep guarded rescuing wrapping keywords fail object]
  let(:seq) do
    log = self.log
    Class.new do
      define_method(:map) { |list, &blk| list.map(&blk) }
      define_method(:each_pair) { |&blk| blk.call(1, 2) }
      define_method(:given) { |&blk| [!blk.nil?, blk.is_a?(Proc)] }
      define_method(:twice) { |x, &blk| [blk.call(x), blk.call(x + 1)] }
      define_method(:never) { |&_blk| :done }
      define_method(:keep) { |&blk| (log << blk) && :kept }
      define_method(:guarded) do |&blk|
        log << :started
        blk.call
        log << :after_yield
        :finished
      ensure
        log << :ensured
      end
      define_method(:rescuing) do |&blk|
        blk.call
      rescue StandardError => e
        "service rescued #{e.class}: #{e.message}"
      end
      define_method(:wrapping) do |&blk|
        blk.call
      rescue StandardError => e
        raise ArgumentError, "wrapped (#{e.message})"
      end
      define_method(:keywords) { |&blk| blk.call(1, scale: 10) }
      define_method(:fail) { raise KeyError, "service failure" }
      define_method(:object) { Object.new }
    end.new
  end

  before { sandbox.define(:Seq).bind(:Map, seq, methods: methods) }

  it "maps with a guest block" do
    expect(sandbox.eval("Seq::Map.map([1, 2, 3]) { |x| x * 2 }")).to eq([2, 4, 6])
  end

  it "gives the Service a real block: block_given?, yield and blk.call" do
    expect(sandbox.eval("Seq::Map.given { }")).to eq([true, true])
    expect(sandbox.eval("Seq::Map.given")).to eq([false, false])
    expect(sandbox.eval("Seq::Map.twice(1) { |x| x * 10 }")).to eq([10, 20])
    expect(sandbox.eval("Seq::Map.each_pair { |a, b| a + b }")).to eq(3)
    expect(sandbox.eval("Seq::Map.each_pair(&->(a, b) { a * b })")).to eq(2)
    expect(sandbox.eval("Seq::Map.keywords { |a, scale:| a * scale }")).to eq(10)
  end

  it "passes yielded objects of exposed classes as Handles, and refuses the others" do
    point = Struct.new(:v)
    sandbox.define(:Objects).bind(:Each, ->(&blk) { blk.call(point.new(5)) })
                            .bind(:Other, ->(&blk) { blk.call(Object.new) })
    expect(sandbox.eval("Objects::Each.call { |o| o.v + 1 }")).to eq(6)
    expect { sandbox.eval("Objects::Other.call { |o| o }") }
      .to raise_error(Kobako::ServiceError, /Objects::Other.call raised ArgumentError: the block given to Objects::Other cannot be passed an object that is not exposed to this Sandbox/)
  end

  it "returns the value of next to the yield" do
    expect(sandbox.eval("Seq::Map.map([1, 2, 3]) { |x| next 0 if x == 2; x }")).to eq([1, 0, 3])
  end

  it "ends only the innermost Service call on break, running the Service's ensure" do
    expect(sandbox.eval("r = Seq::Map.guarded { break :early }; [r, :went_on]")).to eq(%i[early went_on])
    expect(log).to eq(%i[started ensured])
    expect(sandbox.eval(<<~RUBY)).to eq([[10, :inner_broke], [20, :inner_broke]])
      Seq::Map.map([1, 2]) { |x| [x * 10, Seq::Map.map([1, 2]) { break :inner_broke }] }
    RUBY
  end

  it "returns from the enclosing guest method on return inside the block" do
    expect(sandbox.eval("def first_big(list) = Seq::Map.map(list) { |x| return x if x > 1; x }; first_big([1, 5, 9])"))
      .to eq(5)
  end

  it "propagates an exception raised in the block through the Service, as Ruby does" do
    expect(sandbox.eval(<<~RUBY)).to eq(["ArgumentError", "bad item"])
      begin
        Seq::Map.map([1]) { raise ArgumentError, 'bad item' }
      rescue ArgumentError => e
        [e.class.to_s, e.message]
      end
    RUBY
    expect { sandbox.eval("Seq::Map.guarded { raise IndexError, 'deep' }") }.to raise_error(Kobako::SandboxError) { |e|
      expect(e.klass).to eq("IndexError")
      expect(e.message).to eq("deep")
    }
    expect(log).to eq(%i[started ensured])
  end

  it "lets the Service rescue or wrap the block's exception" do
    expect(sandbox.eval("Seq::Map.rescuing { raise 'oops' }"))
      .to eq("service rescued Kobako::SandboxError: the sandbox block raised RuntimeError: oops")
    expect(sandbox.eval("begin; Seq::Map.wrapping { raise 'oops' }; rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("wrapped (the sandbox block raised RuntimeError: oops)")
  end

  it "gives nested Service calls their own blocks" do
    expect(sandbox.eval("Seq::Map.map([1, 2]) { |x| Seq::Map.map([10, 20]) { |y| x * y } }")).to eq([[10, 20], [20, 40]])
  end

  it "handles a Service that never yields" do
    expect(sandbox.eval("ran = false; r = Seq::Map.never { ran = true }; [r, ran]")).to eq([:done, false])
  end

  it "raises LocalJumpError on the host when the block is called after its Service returned" do
    expect(sandbox.eval("Seq::Map.keep { 1 }")).to eq(:kept)
    expect { log.first.call }.to raise_error(LocalJumpError, /after that Service call returned/)
  end

  it "raises TrapError in the Service when the block is called from another thread" do
    sandbox.define(:Threads).bind(:Run, ->(&blk) { Thread.new { Thread.current.report_on_exception = false; blk.call }.join })
    expect { sandbox.eval("Threads::Run.call { 1 }") }.to raise_error(Kobako::ServiceError) { |e|
      expect(e.message).to eq("Threads::Run.call raised Kobako::TrapError: a sandbox block can only run " \
                              "while its Service call is in progress, on the same thread")
    }
  end

  it "keeps the timeout during yields and aborts the Service call" do
    sandbox = described_class.new(timeout: 0.05)
    sandbox.define(:Seq).bind(:Map, seq, methods: methods)
    expect { sandbox.eval("Seq::Map.guarded { loop {} }") }.to raise_error(Kobako::TimeoutError)
    expect(log).to eq(%i[started ensured])
  end

  it "keeps the memory limit during yields" do
    sandbox = described_class.new(memory_limit: 1 << 20)
    sandbox.define(:Seq).bind(:Map, seq, methods: methods)
    expect { sandbox.eval("Seq::Map.rescuing { 'x' * (4 << 20) }") }.to raise_error(Kobako::MemoryLimitError)
  end

  it "reports a Service failure several yields deep as a ServiceError with the guest backtrace" do
    code = <<~RUBY
      def level(n)
        return Seq::Map.fail if n.zero?
        Seq::Map.map([n]) { |m| level(m - 1) }
      end
      level(3)
    RUBY
    expect { sandbox.eval(code) }.to raise_error(Kobako::ServiceError, "Seq::Map.fail raised KeyError: service failure") { |e|
      expect(e.backtrace_lines).to include("(eval):2:in level", "(eval):3:in level", "(eval):5")
    }
    expect(sandbox.eval("def level(n) = n.zero? ? 0 : Seq::Map.map([n]) { |m| level(m - 1) + 1 }.first; level(30)")).to eq(30)
  end

  it "caps nesting of Service calls through blocks" do
    code = "def down(n) = Seq::Map.map([n]) { |m| down(m + 1) }; begin; down(0); rescue Kobako::ServiceError => e; e.message; end"
    expect(sandbox.eval(code)).to eq("Service calls nest deeper than 32 levels")
    expect(Thread.new { sandbox.eval(code) }.value).to eq("Service calls nest deeper than 32 levels")
  end
end

RSpec.describe Kobako::Sandbox, "blocks reaching yield" do
  it "runs the block when the Service uses the yield keyword and sees block_given?" do
    service = Class.new do
      def twice(x) = [yield(x), yield(x + 1)]
      def given? = block_given?
    end.new
    sandbox = described_class.new
    sandbox.define(:Y).bind(:S, service, methods: %i[twice given?])
    expect(sandbox.eval("Y::S.twice(1) { |x| x * 10 }")).to eq([10, 20])
    expect(sandbox.eval("[Y::S.given? { }, Y::S.given?]")).to eq([true, false])
  end
end
