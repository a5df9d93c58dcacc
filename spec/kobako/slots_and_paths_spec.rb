require "spec_helper"

# Per-invocation bindings (slots) and bind paths of any depth (issue 15, items 1 and 2).
RSpec.describe Kobako::Sandbox, "slots and bind paths" do
  user_class = Struct.new(:name, :email)
  let(:sandbox) { described_class.new }

  describe "slots" do
    it "lets each invocation fill a slot declared at setup, with eval and with run" do
      sandbox.define(:Ctx).slot(:User)
      sandbox.preload(code: "Greet = ->(greeting) { \"#{'#{greeting}'}, #{'#{Ctx::User.name}'}\" }", name: :Greet)
      ann = user_class.new("Ann", "ann@example.com")
      bob = user_class.new("Bob", "bob@example.com")

      expect(sandbox.eval("Ctx::User.name", bindings: { "Ctx::User" => ann })).to eq("Ann")
      expect(sandbox.eval("Ctx::User.email", bindings: { "Ctx::User" => bob })).to eq("bob@example.com")
      expect(sandbox.run(:Greet, "Hi", bindings: { "Ctx::User" => ann })).to eq("Hi, Ann")
      expect(sandbox.execute_run(:Greet, "Yo", bindings: { "Ctx::User": bob }).value).to eq("Yo, Bob")
    end

    it "tells the guest the filling object's methods (respond_to?, refusals with a suggestion)" do
      sandbox.slot("Ctx::User")
      bindings = { "Ctx::User" => user_class.new("Ann", "a@x") }
      expect(sandbox.eval("[Ctx::User.respond_to?(:email), Ctx::User.respond_to?(:password)]", bindings: bindings))
        .to eq([true, false])
      expect { sandbox.eval("Ctx::User.emial", bindings: bindings) }
        .to raise_error(Kobako::ServiceRefusedError, /Ctx::User.emial is not callable.*Did you mean\?\s+email/m)
    end

    it "sees a class's declaration change between invocations (the per-class cache follows it)" do
      sandbox.slot("Ctx::User")
      klass = Class.new do
        include Kobako::Exposable
        expose_to_sandbox :name
        def name = "Ann"
        def email = "ann@example.com"
      end
      user = klass.new
      check = "[Ctx::User.respond_to?(:name), Ctx::User.respond_to?(:email)]"
      expect(sandbox.eval(check, bindings: { "Ctx::User" => user })).to eq([true, false])
      klass.expose_to_sandbox :email
      expect(sandbox.eval(check, bindings: { "Ctx::User" => user })).to eq([true, true])
      expect(sandbox.eval("Ctx::User.email", bindings: { "Ctx::User" => user })).to eq("ann@example.com")
    end

    it "uses the methods declared with the slot, whatever fills it" do
      sandbox.slot("Ctx::Clock", methods: %i[now_label])
      clock = Class.new { def now_label = "noon"; def secret = "no" }.new
      expect(sandbox.eval("Ctx::Clock.now_label", bindings: { "Ctx::Clock" => clock })).to eq("noon")
      expect { sandbox.eval("Ctx::Clock.secret", bindings: { "Ctx::Clock" => clock }) }
        .to raise_error(Kobako::ServiceRefusedError)
    end

    it "raises a clear NoServiceError when the script uses a slot its invocation did not fill" do
      sandbox.define(:Ctx).slot(:User)
      expect { sandbox.eval("Ctx::User.name") }
        .to raise_error(Kobako::NoServiceError, /Ctx::User is a slot, and this invocation did not fill it/)
      rescued = sandbox.eval(<<~RUBY)
        begin
          Ctx::User.name
        rescue Kobako::ServiceError => e
          [e.class.name, Ctx::User.respond_to?(:name)]
        end
      RUBY
      expect(rescued).to eq(["NameError", false])
    end

    it "refuses, before running, a filling for a path that is not a slot" do
      sandbox.define(:Ctx).slot(:User).bind(:Config, -> { 1 })
      ran = false
      sandbox.define(:Probe).bind(:Ran, -> { ran = true })
      expect { sandbox.eval("Probe::Ran.call", bindings: { "Ctx::Usr" => 1 }) }
        .to raise_error(ArgumentError, /"Ctx::Usr" is not a slot of this Sandbox; its slots: Ctx::User/)
      expect { sandbox.eval("Probe::Ran.call", bindings: { "Ctx::Config" => -> {} }) }
        .to raise_error(ArgumentError, /"Ctx::Config" is bound at setup, not a slot/)
      expect { sandbox.eval("1", bindings: { 42 => 1 }) }.to raise_error(TypeError, /slot paths/)
      expect { sandbox.eval("1", bindings: [1]) }.to raise_error(TypeError, /must be a Hash/)
      expect(ran).to be(false)
    end

    it "refuses, before running, an object whose class declares nothing" do
      sandbox.slot("Ctx::User")
      expect { sandbox.eval("1", bindings: { "Ctx::User" => Object.new }) }
        .to raise_error(ArgumentError, /cannot bind Ctx::User: declare the methods/)
    end

    it "keeps the prepared image: a Sandbox with slots captures it and uses it with and without fillings" do
      sandbox.define(:Ctx).slot(:User)
      sandbox.preload(code: "Helper = 41", name: :Helper)
      3.times { |i| expect(sandbox.eval("Helper + #{i}", bindings: { "Ctx::User" => user_class.new("x") })).to eq(41 + i) }
      expect(sandbox.eval("Helper")).to eq(41)
      expect(sandbox.instance_variable_get(:@runtime).module_info[:sandbox_image]).to eq(:ready)
    end

    it "gives each of two threads filling the same slot at the same time only its own object" do
      sandbox = described_class.new(gvl: :release)
      sandbox.slot("Ctx::User")
      slow = Class.new do
        include Kobako::Exposable
        expose_to_sandbox :name, :wait

        def initialize(name, gate) = (@name = name; @gate = gate)
        attr_reader :name

        def wait = @gate.pop
      end
      gates = [Queue.new, Queue.new]
      users = [slow.new("first", gates[0]), slow.new("second", gates[1])]
      results = Array.new(2)
      threads = 2.times.map do |i|
        Thread.new do
          results[i] = sandbox.eval("a = Ctx::User.name; Ctx::User.wait; [a, Ctx::User.name]",
                                    bindings: { "Ctx::User" => users[i] })
        end
      end
      sleep 0.05 until threads.all? { |t| t.status == "sleep" } # both inside wait at once
      gates.each { |g| g << :go }
      watchdog(threads)
      expect(results).to eq([%w[first first], %w[second second]])
    end

    it "isolates many threads filling one slot in both GVL modes" do
      %i[hold release].each do |mode|
        sandbox = described_class.new(gvl: mode)
        sandbox.slot("Ctx::User")
        results = Queue.new
        threads = 8.times.map do |t|
          Thread.new do
            20.times do |i|
              name = "t#{t}-#{i}"
              got = sandbox.eval("Ctx::User.name", bindings: { "Ctx::User" => user_class.new(name) })
              results << [name, got]
            end
          end
        end
        watchdog(threads)
        pairs = Array.new(results.size) { results.pop }
        expect(pairs.size).to eq(160)
        expect(pairs).to all(satisfy { |want, got| want == got })
      end
    end
  end

  describe "bind paths" do
    it "binds at the top level and at any depth, next to define(:Ns).bind" do
      sandbox.bind("Orders", ->(id) { "order #{id}" })
      sandbox.bind("Billing::Tax::Rates", { "de" => 19 }, methods: %i[fetch])
      sandbox.define(:KV).bind(:Lookup, ->(k) { k.upcase })
      sandbox.bind(:"KV::Deep::Store", -> { :stored })
      expect(sandbox.eval(<<~RUBY)).to eq(["order 7", 19, "X", :stored, %w[Module Module], "Billing::Tax::Rates"])
        [Orders.call(7), Billing::Tax::Rates.fetch("de"), KV::Lookup.call("x"), KV::Deep::Store.call,
         [Billing.class.name, Billing::Tax.class.name], Billing::Tax::Rates.inspect[/Billing[\\w:]*/]]
      RUBY
    end

    it "refuses paths under the guest's own constants, core and library" do
      %w[Object Kernel String Comparable Math JSON Set Date BigDecimal CSV Base64 SecureRandom Kernel::Foo String::Bar].each do |path|
        expect { sandbox.bind(path, -> {}) }.to raise_error(ArgumentError, /one of the sandbox's own constants/), path
      end
      expect { sandbox.define(:Math) }.to raise_error(ArgumentError, /sandbox's own constants/)
      expect { sandbox.slot("Enumerable::X") }.to raise_error(ArgumentError, /sandbox's own constants/)
      expect { sandbox.bind("Kobako::Mine", -> {}) }.to raise_error(ArgumentError, /reserved/)
    end

    it "refuses paths that collide with each other" do
      sandbox.bind("A::B", -> {})
      expect { sandbox.bind("A::B", -> {}) }.to raise_error(ArgumentError, "A::B is already bound")
      expect { sandbox.slot("A::B") }.to raise_error(ArgumentError, "A::B is already bound")
      expect { sandbox.bind("A::B::C", -> {}) }.to raise_error(ArgumentError, /A::B is a Service, so nothing can be bound under it/)
      expect { sandbox.bind("A", -> {}) }.to raise_error(ArgumentError, /A::B is already defined under it/)
      expect { sandbox.define("A::B") }.to raise_error(ArgumentError, /A::B is already bound as a Service/)
      sandbox.define(:N)
      expect { sandbox.bind("N", -> {}) }.to raise_error(ArgumentError, /N is a namespace/)
      expect(sandbox.define(:A).bind(:C, -> { 3 })).to be_a(Kobako::Namespace)
      expect(sandbox.eval("A::C.call")).to eq(3)
    end

    it "refuses malformed paths" do
      ["", "a", "A::", "::A", "A::b", "A:::B", "A B", 42, nil, "A::#{'B' * 300}"].each do |bad|
        expect { sandbox.bind(bad, -> {}) }.to raise_error(ArgumentError, /constant names joined by/), bad.inspect
      end
    end

    it "seals paths and slots with the first invocation" do
      sandbox.eval("1")
      expect { sandbox.bind("Late", -> {}) }.to raise_error(ArgumentError, /sealed/)
      expect { sandbox.slot("Late::X") }.to raise_error(ArgumentError, /sealed/)
    end
  end

  def watchdog(threads, seconds: 60)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    threads.each do |t|
      left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
      raise "watchdog: a thread hung" unless t.join([left, 0].max)
    end
  end
end
