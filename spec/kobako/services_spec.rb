require "spec_helper"

# Registering Services and calling them from the guest (contract S-1, S-2, S-4).
RSpec.describe Kobako::Sandbox, "Services" do
  let(:sandbox) { described_class.new }

  describe "#define and Namespace#bind (S-1)" do
    it "returns the same namespace when asked again and chains bind" do
      ns = sandbox.define(:KV)
      expect(sandbox.define("KV")).to be(ns)
      expect(ns.bind(:Lookup, -> {}).bind(:Store, {}, methods: %i[fetch])).to be(ns)
      expect(ns.name).to eq("KV")
    end

    it "refuses bad names" do
      [:kv, "1KV", :"K V", "", nil, 42, :"KV::x", "KV::"].each do |bad|
        expect { sandbox.define(bad) }.to raise_error(ArgumentError, /namespace name must be/)
      end
      [:kv, "1KV", :"K V", "", nil, 42, :"KV::X"].each do |bad|
        expect { sandbox.define(:KV).bind(bad, -> {}) }.to raise_error(ArgumentError, /member name must be/)
      end
    end

    it "refuses a duplicate member" do
      ns = sandbox.define(:KV).bind(:Lookup, -> {})
      expect { ns.bind(:Lookup, -> {}) }.to raise_error(ArgumentError, "KV::Lookup is already bound")
    end

    it "reserves the runtime's own namespace" do
      expect { sandbox.define(:Kobako) }.to raise_error(ArgumentError, /reserved/)
    end

    it "refuses define and bind after the first invocation (seal)" do
      ns = sandbox.define(:KV)
      sandbox.eval("1")
      expect(sandbox).to be_sealed
      expect { sandbox.define(:Other) }.to raise_error(ArgumentError, /sealed/)
      expect { ns.bind(:Late, -> {}) }.to raise_error(ArgumentError, /sealed/)
      expect { sandbox.expose(Struct.new(:a), :a) }.to raise_error(ArgumentError, /sealed/)
    end

    it "makes each member a real constant in the guest, in every invocation" do
      sandbox.define(:KV).bind(:Lookup, ->(k) { k }).bind(:Store, {}, methods: %i[fetch])
      sandbox.define(:Log).bind(:Sink, [], methods: %i[push])
      expect(sandbox.eval("[KV::Lookup.inspect, KV.constants.sort, Log.const_defined?(:Sink), KV.class.to_s]"))
        .to eq(["#<Kobako::Service KV::Lookup>", %i[Lookup Store], true, "Module"])
      expect(sandbox.eval("KV::Lookup.call(:again)")).to eq(:again)
    end

    it "refuses a namespace that is one of the guest's own modules (it would hide in, or replace, it)" do
      expect { sandbox.define(:Math) }.to raise_error(ArgumentError, /Math is one of the sandbox's own constants/)
    end
  end

  describe "calls (S-2)" do
    let(:calculator) do
      Class.new do
        def add(a, b) = a + b
        def scale(value, factor: 2, offset: 0) = (value * factor) + offset
        def options(opts) = opts
        def splat(*args, **kwargs) = [args, kwargs]
        def echo(value) = value
        def nothing; end
      end.new
    end

    before { sandbox.define(:Calc).bind(:Main, calculator, methods: %i[add scale options splat echo nothing]) }

    it "passes positional arguments and returns the result" do
      expect(sandbox.eval("Calc::Main.add(2, 3)")).to eq(5)
    end

    it "delivers keyword arguments as keywords" do
      expect(sandbox.eval("Calc::Main.scale(5, factor: 3, offset: 1)")).to eq(16)
      expect(sandbox.eval("Calc::Main.scale(5)")).to eq(10)
      expect(sandbox.eval("Calc::Main.splat(1, a: 2)")).to eq([[1], { a: 2 }])
    end

    it "keeps an explicit trailing Hash literal positional" do
      expect(sandbox.eval("Calc::Main.options({ factor: 3 })")).to eq({ factor: 3 })
      expect(sandbox.eval("Calc::Main.splat({ a: 1 })")).to eq([[{ a: 1 }], {}])
      expect(sandbox.eval("h = { a: 1 }; Calc::Main.splat(h)")).to eq([[{ a: 1 }], {}])
      expect(sandbox.eval("h = { a: 1 }; Calc::Main.splat(**h)")).to eq([[], { a: 1 }])
    end

    it "passes keywords to a method without keyword parameters as a trailing Hash, as Ruby does" do
      expect(sandbox.eval("Calc::Main.options(factor: 3)")).to eq({ factor: 3 })
    end

    it "carries every value type both ways" do
      value = { "s" => "héllo", sym: :x, list: [1, -2.5, nil, true, false], "bin" => "\xFF".b, 2**62 => [] }
      expect(sandbox.eval("Calc::Main.echo(#{value.inspect})")).to eq(value)
      expect(sandbox.eval('Calc::Main.echo("\\xFF").bytes')).to eq([255])
      expect(sandbox.eval("Calc::Main.nothing")).to be_nil
    end

    it "calls a bound lambda, a bound class and a Method object" do
      klass = Class.new { def self.build(name) = "built #{name}" }
      sandbox.define(:Fn).bind(:Upcase, ->(s) { s.upcase }).bind(:Builder, klass, methods: %i[build])
                        .bind(:Abs, -5.method(:abs))
      expect(sandbox.eval("[Fn::Upcase.call('a'), Fn::Upcase['b'], Fn::Upcase.('c'), Fn::Builder.build('x'), Fn::Abs.call]"))
        .to eq(["A", "B", "C", "built x", 5])
    end

    it "calls a BasicObject-based Service and hands out BasicObject results as Handles" do
      plain = Class.new(BasicObject) { def hi(name) = "hi #{name}" }
      sandbox.expose(plain, :hi)
      sandbox.define(:Bare).bind(:Obj, plain.new, methods: %i[hi]).bind(:Make, -> { plain.new })
      expect(sandbox.eval("[Bare::Obj.hi('a'), Bare::Make.call.hi('b')]")).to eq(["hi a", "hi b"])
      expect(sandbox.eval("begin; Bare::Obj.instance_eval { 1 }; rescue Kobako::ServiceError => e; e.message; end"))
        .to eq("Bare::Obj.instance_eval is not callable from the sandbox")
    end

    it "refuses arguments that cannot cross, in the guest, before anything is sent" do
      expect(sandbox.eval("begin; Calc::Main.echo(Object.new); rescue TypeError => e; e.message; end"))
        .to eq("an argument of Calc::Main.echo cannot cross to the host: Object is not a supported sandbox value type")
      expect(sandbox.eval("begin; Calc::Main.echo(Calc::Main); rescue TypeError => e; e.message; end"))
        .to match(/the Service Calc::Main cannot be passed as a value/)
    end
  end

  describe "failures (S-4)" do
    let(:service) do
      Class.new do
        def fetch(key) = { "a" => 1 }.fetch(key)
        def kw(a, b:, c: 0) = [a, b, c]
        def opt(a, b = 1) = [a, b]

        private def secret = :secret
      end.new
    end

    before { sandbox.define(:Svc).bind(:Main, service, methods: %i[fetch kw opt secret nope]) }

    def guest_message(call)
      sandbox.eval("begin; #{call}; rescue Kobako::ServiceError => e; e.message; end")
    end

    it "gives each failure its own message" do
      expect(guest_message("Svc::Main.nope")).to eq("undefined method 'nope' for Svc::Main")
      expect(guest_message("Svc::Main.undeclared")).to eq("Svc::Main.undeclared is not callable from the sandbox")
      expect(guest_message("Svc::Main.secret")).to eq("Svc::Main.secret is not callable from the sandbox")
      expect(guest_message("Svc::Main.opt")).to eq("wrong number of arguments calling Svc::Main.opt (given 0, expected 1..2)")
      expect(guest_message("Svc::Main.opt(1, 2, 3)")).to eq("wrong number of arguments calling Svc::Main.opt (given 3, expected 1..2)")
      expect(guest_message("Svc::Main.kw(1, b: 2, d: 4)")).to eq("unknown keyword calling Svc::Main.kw: :d")
      expect(guest_message("Svc::Main.kw(1)")).to eq("missing keyword calling Svc::Main.kw: :b")
      expect(guest_message("Svc::Main.fetch('zz')")).to eq('key not found: "zz"')
    end

    it "lets the script rescue a failed call, so nothing reaches the host" do
      expect(sandbox.eval("begin; Svc::Main.fetch('zz'); rescue => e; [e.class.to_s, e.is_a?(StandardError)]; end"))
        .to eq(["KeyError", true])
    end

    it "raises ServiceError on the host with origin service and the guest backtrace when unrescued" do
      expect { sandbox.eval("x = 1\nSvc::Main.fetch('zz')") }.to raise_error(Kobako::ServiceError) { |e|
        expect(e.message).to eq('Svc::Main.fetch raised KeyError: key not found: "zz"')
        expect(e.origin).to eq("service")
        expect(e.klass).to eq("KeyError") # the class the script saw
        expect(e.backtrace_lines).to eq(["(eval):2"])
      }
    end

    it "tells the host the kind of failure by the ServiceError subclass" do
      expect { sandbox.eval("Svc::Main.undeclared") }.to raise_error(Kobako::ServiceRefusedError, /undeclared is not callable/)
      expect { sandbox.eval("Svc::Main.secret") }.to raise_error(Kobako::ServiceRefusedError, /secret is not callable/)
      expect { sandbox.eval("Svc::Main.opt") }.to raise_error(Kobako::ServiceArgumentError, /wrong number of arguments/)
      expect { sandbox.eval("Svc::Main.kw(1, b: 2, d: 4)") }.to raise_error(Kobako::ServiceArgumentError, /unknown keyword/)
      expect { sandbox.eval("Svc::Main.fetch('zz')") }.to raise_error(Kobako::ServiceError) { |e|
        expect(e.class).to be(Kobako::ServiceError)
        expect(e.cause).to be_a(KeyError)
      }
      # A target that is not bound (only a forged request can name one) is recorded as such.
      dispatcher = Kobako::Dispatcher.new(Kobako::Services.new.tap(&:seal!), Kobako::HandleTable.new)
      answer = Kobako::Codec.decode(dispatcher.call(Kobako::Codec.pack(["Nope::X", "call", [], {}, 0]), 0), faults: true)
      expect(answer.fields["class"]).to eq("NameError")
      expect(dispatcher.failure(answer.fields["id"]).kind).to eq(:no_service)
      expect(Kobako::Transport.guest_error({ "origin" => "service", "class" => "NameError", "message" => "m", "backtrace" => [] },
                                           nil, :no_service)).to be_a(Kobako::NoServiceError)
      # Inside the guest the classes stay Ruby's (part 2): NoMethodError, ArgumentError.
      expect(sandbox.eval("begin; Svc::Main.opt; rescue ArgumentError => e; e.class.to_s; end")).to eq("ArgumentError")
    end

    it "still returns the captured output of a failed call" do
      expect { sandbox.eval("puts 'before'; Svc::Main.nope") }.to raise_error(Kobako::ServiceError)
      expect(sandbox.stdout).to eq("before\n")
    end

    it "reports an unknown member as a NameError in the guest (no constant exists)" do
      expect { sandbox.eval("Svc::Other.call") }.to raise_error(Kobako::SandboxError) { |e|
        expect(e.klass).to eq("NameError")
      }
    end

    it "lets exceptions that are not StandardError, and throws, pass through unchanged" do
      sandbox.define(:Host).bind(:Stop, -> { raise Interrupt, "stop" }).bind(:Jump, -> { throw :done, 7 })
      expect { sandbox.eval("begin; Host::Stop.call; rescue Exception; :swallowed; end") }.to raise_error(Interrupt, "stop")
      expect(catch(:done) { sandbox.eval("Host::Jump.call") }).to eq(7)
      expect(sandbox.eval("1 + 1")).to eq(2)
    end
  end

  describe "time limits" do
    it "counts time spent in a Service and traps as soon as the guest resumes" do
      sandbox = described_class.new(timeout: 0.05)
      sandbox.define(:Slow).bind(:Wait, -> { sleep 0.1 })
      expect { sandbox.eval("Slow::Wait.call; loop {}") }.to raise_error(Kobako::TimeoutError)
      expect(sandbox.usage.wall_time).to be < 1
    end
  end
end
