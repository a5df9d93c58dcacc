require "spec_helper"
require "stringio"

# Host objects the guest holds as opaque Handles (contract H-1..H-3).
HandleSpecGreeter = Struct.new(:name) do
  def greet(punctuation: "!") = "Hello, #{name}#{punctuation}"
  def rename(other) = other.name
  def secret = :hidden
end

RSpec.describe Kobako::Sandbox, "Handles" do
  greeter = HandleSpecGreeter

  let(:sandbox) { described_class.new }
  let(:factory) do
    klass = greeter
    Class.new do
      define_method(:make) { |name| klass.new(name) }
      define_method(:mixed) { |name| [klass.new(name), { "g" => klass.new("#{name}2"), "n" => 1 }, "plain"] }
      define_method(:same) { |obj| obj }
      define_method(:kind) { |obj| obj.class.name || obj.class.inspect }
      define_method(:io) { StringIO.new("line one\nline two\n") }
    end.new
  end

  before do
    sandbox.expose(greeter, :name, :greet, :rename).expose(StringIO, :readlines)
    sandbox.define(:Factory).bind(:Make, factory, methods: %i[make mixed same kind io])
  end

  it "gives the guest a Handle for a result that is not a plain value, and calls dispatch to it (H-1)" do
    expect(sandbox.eval("h = Factory::Make.make('Bob'); [h.inspect, h.to_s, h.greet, h.greet(punctuation: '?')]"))
      .to eq(["#<Kobako::Handle HandleSpecGreeter>", "#<Kobako::Handle HandleSpecGreeter>", "Hello, Bob!", "Hello, Bob?"])
  end

  it "offers only the exposed methods, and answers respond_to? from the declaration" do
    expect(sandbox.eval("h = Factory::Make.make('Bob'); [h.respond_to?(:greet), h.respond_to?('name'), h.respond_to?(:secret), " \
                        "h.respond_to?(:inspect), h.nil?, h.is_a?(Kobako::Handle), h.kind_of?(Integer), " \
                        "h.instance_of?(Kobako::Handle), h.class.name]"))
      .to eq([true, true, false, true, false, true, false, true, "Kobako::Handle"])
    expect(sandbox.eval("begin; Factory::Make.make('Bob').secret; rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("HandleSpecGreeter (Handle #1).secret is not callable from the sandbox")
  end

  it "works with Symbol#to_proc: __send__ forwards the method it names" do
    expect(sandbox.eval("%w[A B].map { |n| Factory::Make.make(n) }.map(&:greet)")).to eq(["Hello, A!", "Hello, B!"])
    expect(sandbox.eval("h = Factory::Make.make('C'); [h.send(:greet), h.public_send(:greet, punctuation: '.'), h.__send__(:inspect), h.send(:respond_to?, :name)]"))
      .to eq(["Hello, C!", "Hello, C.", "#<Kobako::Handle HandleSpecGreeter>", true])
    expect { sandbox.eval("Factory::Make.make('D').__send__(:instance_variable_get, :@name)") }
      .to raise_error(Kobako::ServiceError, /instance_variable_get is not callable/)
    expect { sandbox.eval("Factory::Make.make('D').send(:secret)") }.to raise_error(Kobako::ServiceError, /secret is not callable/)
  end

  it "supports chains" do
    expect(sandbox.eval("Factory::Make.make('Bob').greet")).to eq("Hello, Bob!")
    expect(sandbox.eval("Factory::Make.io.readlines.map(&:chomp)")).to eq(["line one", "line two"])
  end

  it "walks containers: only the non-representable leaves become Handles" do
    expect(sandbox.eval(<<~RUBY)).to eq(["#<Kobako::Handle HandleSpecGreeter>", false, 1, "plain", "Hello, Al!", "Hello, Al2!"])
      list = Factory::Make.mixed('Al')
      [list[0].inspect, list[0] == list[1]['g'], list[1]['n'], list[2], list[0].greet, list[1]['g'].greet]
    RUBY
  end

  it "passes a Handle given back as an argument as the original object (H-2)" do
    expect(sandbox.eval("g = Factory::Make.make('Ann'); [Factory::Make.kind(g), Factory::Make.make('Bo').rename(g)]"))
      .to eq([greeter.name || greeter.inspect, "Ann"])
  end

  it "returns a Handle from eval as the original object, also inside containers (H-2)" do
    result = sandbox.eval("g = Factory::Make.make('Cy'); [g, { k: g }]")
    expect(result[0]).to be_a(greeter).and(have_attributes(name: "Cy"))
    expect(result[1][:k]).to be(result[0])
  end

  it "gives one object one id and never reuses ids within an invocation (H-3)" do
    expect(sandbox.eval(<<~RUBY)).to eq([true, false, true, false, "HandleSpecGreeter (Handle #1).nope is not callable from the sandbox"])
      a = Factory::Make.make('A'); b = Factory::Make.make('B'); a2 = Factory::Make.same(a)
      [a == a2, a == b, a.eql?(a2), a.hash == b.hash, (begin; a.nope; rescue Kobako::ServiceError => e; e.message; end)]
    RUBY
  end

  it "starts ids at 1 in every invocation" do
    2.times do
      expect(sandbox.eval("Factory::Make.make('x'); begin; Factory::Make.make('y').nope; rescue Kobako::ServiceError => e; e.message; end"))
        .to eq("HandleSpecGreeter (Handle #2).nope is not callable from the sandbox")
    end
  end

  it "works as a Hash key in the guest" do
    expect(sandbox.eval("a = Factory::Make.make('A'); h = { a => 1 }; h[Factory::Make.same(a)]")).to eq(1)
  end

  describe "forging (H-3)" do
    it "cannot construct, allocate or copy a Handle" do
      expect(sandbox.eval(<<~RUBY)).to eq(%w[NoMethodError NoMethodError])
        [(begin; Kobako::Handle.new(1); rescue => e; e.class.to_s; end),
         (begin; Kobako::Handle.allocate; rescue => e; e.class.to_s; end)]
      RUBY
      expect(sandbox.eval("begin; Factory::Make.make('a').dup; rescue Kobako::ServiceError => e; e.message; end"))
        .to eq("HandleSpecGreeter (Handle #1).dup is not callable from the sandbox")
    end

    it "cannot make a Handle from an integer or a look-alike object" do
      expect(sandbox.eval(<<~RUBY)).to eq([true, true, true])
        fake = Class.new(BasicObject) { def inspect = '#<Kobako::Handle 1>' }.new
        r = []
        r << (begin; Kobako.__call_host(1, :greet, [], {}, nil); false; rescue TypeError; true; end)
        r << (begin; Kobako.__call_host(fake, :greet, [], {}, nil); false; rescue TypeError; true; end)
        r << (begin; Factory::Make.same(fake); false; rescue TypeError; true; end)
      RUBY
    end

    it "cannot reach a subclass instance or re-point a Handle" do
      expect(sandbox.eval(<<~RUBY)).to eq(["NoMethodError", "Hello, A!"])
        sub = Class.new(Kobako::Handle)
        made = begin; sub.new; rescue => e; e.class.to_s; end
        h = Factory::Make.make('A')
        h.instance_variable_set(:@id, 2) rescue nil
        [made, h.greet]
      RUBY
    end

    it "does not know a Handle id from an earlier invocation" do
      dispatcher = Kobako::Dispatcher.new(Kobako::Services.new.tap(&:seal!), Kobako::HandleTable.new)
      request = Kobako::Codec.pack([Kobako::Codec::HandleRef.new(1), "greet", [], {}, 0])
      answer = Kobako::Codec.decode(dispatcher.call(request, 0), faults: true)
      expect(answer).to be_a(Kobako::Codec::Fault)
      expect(answer.message).to eq("unknown Handle #1: Handles only live for the invocation that made them")
    end
  end

  describe "the table cap (H-3)" do
    it "raises HandleExhaustedError once an invocation would exceed it, and the script cannot rescue it" do
      stub_const("Kobako::HandleTable::MAX_HANDLES", 3)
      code = "puts 'started'; begin; 4.times { |i| Factory::Make.make(i.to_s) }; rescue Exception; :rescued; end"
      expect { sandbox.eval(code) }.to raise_error(Kobako::HandleExhaustedError, /more than 3 Handles/) { |e|
        expect(e).to be_a(Kobako::SandboxError)
      }
      expect(sandbox.stdout).to eq("started\n")
      expect(sandbox.eval("3.times { |i| Factory::Make.make(i.to_s) }; :fits")).to eq(:fits)
    end
  end
end
