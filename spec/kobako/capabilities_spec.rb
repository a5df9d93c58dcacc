require "spec_helper"
require "stringio"

# Declaring capabilities the three ways, and what the script then sees (contract S-3).
RSpec.describe Kobako::Sandbox, "capabilities" do
  class CapAccount
    include Kobako::Exposable
    expose_to_sandbox :balance, "owner"

    def initialize(owner) = @owner = owner
    def balance = 100
    def owner = @owner
    def close! = :closed
    def to_s = "account of #{@owner}"
  end

  class CapSavings < CapAccount
    expose_to_sandbox :rate

    def rate = 0.02
  end

  class CapBank
    def open(owner) = CapSavings.new(owner)
    def plain(owner) = CapAccount.new(owner)
  end

  let(:sandbox) { described_class.new(timeout: 2) }

  it "binds an object whose class declares its methods, and inherits declarations" do
    sandbox.define(:Bank).bind(:Main, CapBank.new, methods: %i[open plain]).bind(:Acct, CapAccount.new("ann"))
    expect(sandbox.eval("[Bank::Acct.balance, Bank::Acct.owner, Bank::Main.open('bo').rate, Bank::Main.open('bo').owner]"))
      .to eq([100, "ann", 0.02, "bo"])
    expect(sandbox.eval("[Bank::Main.plain('x').respond_to?(:rate), Bank::Main.open('x').respond_to?(:rate)]")).to eq([false, true])
    expect { sandbox.eval("Bank::Acct.close!") }.to raise_error(Kobako::ServiceError, "Bank::Acct.close! is not callable from the sandbox")
    expect(CapSavings.sandbox_exposed_methods).to eq(Set[:balance, :owner, :rate])
  end

  it "follows a declared method that is redefined, made private or removed between invocations" do
    klass = Class.new do
      def quote(n) = n * 2
    end
    sandbox.bind(:Pricing, klass.new, methods: %i[quote])
    expect(sandbox.eval("Pricing.quote(21)")).to eq(42)
    expect(sandbox.eval("Pricing.quote(1) + Pricing.quote(2)")).to eq(6)
    klass.class_eval { def quote(n) = n * 10 }
    expect(sandbox.eval("Pricing.quote(21)")).to eq(210)
    klass.class_eval { private :quote }
    expect { sandbox.eval("Pricing.quote(21)") }
      .to raise_error(Kobako::ServiceError, "Pricing.quote is not callable from the sandbox")
    klass.class_eval { public :quote }
    expect(sandbox.eval("Pricing.quote(3)")).to eq(30)
    klass.class_eval { remove_method :quote }
    expect { sandbox.eval("Pricing.quote(3)") }.to raise_error(Kobako::ServiceError, /undefined method 'quote' for Pricing/)
  end

  it "lets a Sandbox exposure replace a class's own declaration for that Sandbox" do
    sandbox.expose(CapAccount, :owner, :to_s)
    sandbox.define(:Bank).bind(:Main, CapBank.new, methods: %i[plain open])
    expect(sandbox.eval("a = Bank::Main.plain('cy'); [a.owner, a.respond_to?(:balance), a.to_s, \"\#{a}\", a.inspect]"))
      .to eq(["cy", false, "account of cy", "account of cy", "#<Kobako::Handle CapAccount>"])
    # CapSavings inherits the nearest exposure, CapAccount's, and is labelled by it.
    expect(sandbox.eval("s = Bank::Main.open('dee'); [s.owner, s.respond_to?(:rate)]")).to eq(["dee", false])
  end

  it "describes Service exceptions by policy: sanitized, class only, or a callable" do
    failing = -> { raise ArgumentError, "no #{Object.new.inspect} here" }
    results = {
      sanitized: "no #<Object> here",
      class_only: "ArgumentError",
      ->(e) { "custom: #{e.class}" } => "custom: ArgumentError",
      ->(_) { raise "policy broke" } => "ArgumentError",
      ->(_) { 42 } => "ArgumentError"
    }
    results.each do |policy, message|
      s = described_class.new(service_errors: policy)
      s.define(:F).bind(:Go, failing)
      expect(s.eval("begin; F::Go.call; rescue Kobako::ServiceError => e; e.message; end")).to eq(message)
      expect(s.service_errors).to be(policy)
    end
    expect { described_class.new(service_errors: :verbose) }.to raise_error(ArgumentError, /service_errors must be/)
  end

  it "makes the invocation's deadline visible to Services" do
    seen = []
    s = described_class.new(timeout: 5)
    s.define(:Clock).bind(:Left, -> { seen << [Kobako.time_remaining, Kobako.current_deadline]; nil })
    before = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    s.eval("Clock::Left.call")
    remaining, deadline = seen.first
    expect(remaining).to be_between(4.0, 5.0)
    expect(deadline).to be_between(before + 4.0, before + 5.1)
    expect(Kobako.current_deadline).to be_nil
    expect(Kobako.time_remaining).to be_nil
    untimed = described_class.new(timeout: nil)
    untimed.define(:Clock).bind(:Left, -> { Kobako.time_remaining })
    expect(untimed.eval("Clock::Left.call")).to be_nil
  end

  it "restores the outer deadline after a sandbox runs inside a Service" do
    inner = described_class.new(timeout: 1)
    inner.define(:In).bind(:Left, -> { Kobako.time_remaining })
    outer = described_class.new(timeout: 30)
    outer.define(:Out).bind(:Nested, -> { [inner.eval("In::Left.call"), Kobako.time_remaining] })
    inner_left, outer_left = outer.eval("Out::Nested.call")
    expect(inner_left).to be <= 1.0
    expect(outer_left).to be > 20
  end

  it "keeps the Service's exception as the cause of the ServiceError on the host" do
    error = KeyError.new("missing")
    sandbox.define(:K).bind(:Get, -> { raise error })
    expect { sandbox.eval("x = 1\nK::Get.call") }.to raise_error(Kobako::ServiceError) { |e|
      expect(e.cause).to be(error)
      expect(e.backtrace_lines).to eq(["(eval):2"])
    }
    # A script that rescues and raises its own error carries no host cause.
    expect { sandbox.eval("begin; K::Get.call; rescue => e; raise 'mine'; end") }.to raise_error(Kobako::SandboxError) { |e|
      expect(e.cause).to be_nil
    }
  end

  it "answers respond_to? on a bound Service from its declaration" do
    sandbox.define(:KV).bind(:Lookup, ->(k) { k }).bind(:Store, {}, methods: %i[fetch key?])
    expect(sandbox.eval("[KV::Lookup.respond_to?(:call), KV::Lookup.respond_to?(:arity), KV::Lookup.respond_to?(:curry), " \
                        "KV::Store.respond_to?(:fetch), KV::Store.respond_to?(:[]), KV::Store.nil?, KV::Store.class.name]"))
      .to eq([true, true, false, true, false, false, "Kobako::Service"])
  end
end
