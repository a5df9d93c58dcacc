require "spec_helper"
require "timeout"
require "kobako/code_mode"
require_relative "../support/host_text_attacks"
require_relative "../support/leak_check"

# Contract X-1 attacked: a script (and a model reading CodeMode results) makes Services
# raise every core exception class about host objects holding a secret, on the Ruby that
# runs this suite (CI runs it on 3.1 and 3.3, whose messages differ). Ruby's own messages
# carry receiver inspects, host class names, paths and values; none may reach the script.
# Messages the app wrote on purpose still do. `rake mutation` turns each rule off in turn
# and checks that this file then fails.
RSpec.describe Kobako::Sandbox, "text that reaches a script (adversarial, X-1)" do
  around { |example| Timeout.timeout(120) { example.run } }

  let(:sandbox) { HostTextAttacks.sandbox }

  def leak_in(text) = LeakCheck.leak_in(text, HostTextAttacks.leaks)

  def expect_no_leak(what, text)
    leak = leak_in(text)
    expect(leak).to be_nil, "#{what}: host-only text #{leak.inspect} reached the script: #{text.inspect}"
  end

  # [class, message, service_class, service] as the script sees them after rescuing.
  def rescued(name, arg = nil)
    call = arg ? "Ledger.#{name}(#{arg.inspect})" : "Ledger.#{name}"
    sandbox.eval("begin; #{call}; nil; rescue Kobako::ServiceError => e; " \
                 "[e.class.to_s, e.message, e.service_class, e.service]; end")
  end

  describe "exceptions Ruby, its standard library or a gem raised about host objects" do
    HostTextAttacks.ruby_raised.each do |name, (body, seen)|
      it "#{name}: the script reads a message kobako built, never Ruby's" do
        original = begin
          body.call(nil)
        rescue StandardError => e
          e
        end
        expect(original).to be_a(Exception), "#{name} did not raise on the host"

        klass, message, service_class, service = rescued(name)
        expect(service).to eq("Ledger.#{name}")
        expect(service_class).to eq(seen)
        expect_no_leak("#{name} message", message)
        expect_no_leak("#{name} service_class", service_class)
        # Where Ruby's words carried host data, the script reads kobako's instead.
        if leak_in(original.message)
          expect(message).to start_with("Ledger.#{name} raised #{seen}")
        end
        expect(klass).to be_a(String)
      end
    end

    it "leaked in Ruby's own words on this Ruby (so the cases above test something)" do
      leaky = HostTextAttacks.ruby_raised.count do |_, (body, _)|
        body.call(nil)
        false
      rescue StandardError => e
        leak_in(e.message)
      end
      expect(leaky).to be >= 15
    end

    it "says which of the script's own arguments the error was about, by position" do
      _, message, = rescued(:no_method_arg, { "password" => "hunter2" })
      expect(message).to eq("Ledger.no_method_arg raised NoMethodError about the 1st argument " \
                            "(details withheld: the message was about host data)")
    end

    it "keeps the original exception, with Ruby's message, as the host-side cause for the app's logs" do
      expect { sandbox.eval("Ledger.frozen_hash('k')") }.to raise_error(Kobako::ServiceError) { |e|
        expect(e.cause).to be_a(FrozenError)
        expect(e.cause.message).to include(HostTextAttacks::SECRET) if RUBY_VERSION < "3.4"
        expect_no_leak("host-side ServiceError#message", e.message)
        expect(e.message).to eq("Ledger.frozen_hash raised FrozenError (details withheld: the message was about host data)")
      }
    end
  end

  describe "from many threads at once" do
    %i[hold release].each do |gvl|
      it "rebuilds and passes messages the same way (gvl: #{gvl}), while GC compacts and the library roots are worked out anew" do
        box = HostTextAttacks.sandbox(gvl: gvl)
        names = HostTextAttacks.ruby_raised.keys + HostTextAttacks.app_raised.keys
        expected = names.to_h { |name| [name, rescued_in(box, name)] }
        Kobako::CodeOrigin.instance_variable_set(:@roots, nil) # a cold start of the lazy roots
        stop = false
        compactor = Thread.new do
          until stop
            GC.compact
            Thread.pass
          end
        end
        workers = Array.new(8) do |t|
          Thread.new do
            Array.new(30) do |i|
              name = names[(t * 7 + i) % names.size]
              [name, rescued_in(box, name)]
            end
          end
        end
        results = workers.flat_map(&:value)
        stop = true
        compactor.join
        results.each do |name, seen|
          expect(seen).to eq(expected[name]), "#{name} read #{seen.inspect} under threads"
          expect_no_leak("#{name} (threads)", seen.join(" ")) if HostTextAttacks.ruby_raised.key?(name)
        end
      end
    end

    def rescued_in(box, name)
      box.eval("begin; Ledger.#{name}('missing'); nil; rescue Kobako::ServiceError => e; " \
               "[e.class.to_s, e.message, e.service_class, e.service]; end")
    end
  end

  describe "messages the app wrote on purpose" do
    HostTextAttacks.app_raised.each do |name, (_, seen, text)|
      it "#{name}: the script reads the app's words" do
        klass, message, = rescued(name, "missing")
        expect(message).to eq(text)
        expect(klass).to eq(seen == "StandardError" ? "RuntimeError" : seen)
      end
    end

    it "lets the script log the class of an exception the app defined, and no other" do
      expect(rescued(:app_class)[2]).to eq("HostTextAttacks::OrderNotFound")
      expect(rescued(:json)[2]).to eq("JSON::ParserError")
      expect(rescued(:uri)[2]).to eq("StandardError")
    end
  end

  describe "code mode: what a model reads is what the script could read" do
    it "never shows a model Ruby's message, a host class name or the host-only detail" do
      HostTextAttacks.ruby_raised.each_key do |name|
        result = Kobako::CodeMode.run(sandbox, "Ledger.#{name}")
        expect(result.ok?).to be(false)
        expect_no_leak("CodeMode #{name}", result.to_s)
        expect_no_leak("CodeMode #{name} (to_h)", result.to_h.to_s)
      end
    end

    it "shows a model the guest's text for an object that is not exposed, not the host detail the app's error has" do
      box = Kobako::Sandbox.new
      box.bind("Vault", -> { HostTextAttacks::HiddenLedger.new })
      result = Kobako::CodeMode.run(box, "Vault.call")
      expect(result.execution.error.message).to include("HiddenLedger") # the host's log line names it
      expect(result.to_s).to include("Vault.call returned an object that is not exposed to this Sandbox")
      expect_no_leak("CodeMode not exposed", result.to_s)
    end

    it "shows Handles in a value as the guest shows them, without running the host object's #inspect" do
      inspected = []
      klass = Class.new do
        define_method(:inspect) { inspected << :inspect; "#<Ledger #{HostTextAttacks::SECRET}>" }
        define_method(:to_s) { inspected << :to_s; HostTextAttacks::SECRET }
        def name = "n"
      end
      stub_const("LedgerRow", klass)
      box = Kobako::Sandbox.new
      box.expose(LedgerRow, :name)
      box.bind("Rows", -> { [LedgerRow.new, { "k" => LedgerRow.new }] })
      result = Kobako::CodeMode.run(box, "rows = Rows.call; [rows, { rows[0] => 1 }]")
      expect(result.ok?).to be(true)
      expect(result.to_h[:value])
        .to eq('[[#<Kobako::Handle LedgerRow>, {"k"=>#<Kobako::Handle LedgerRow>}], {#<Kobako::Handle LedgerRow>=>1}]')
        .or eq('[[#<Kobako::Handle LedgerRow>, {"k" => #<Kobako::Handle LedgerRow>}], {#<Kobako::Handle LedgerRow> => 1}]')
      expect(inspected).to eq([])
      expect_no_leak("CodeMode value", result.to_s)
    end
  end

  describe "the sanitizer (second line, for the app's own messages)" do
    it "takes time linear in the text, whatever its shape" do
      # A hang check, not a speed test: the quadratic version took 18 s on the first input.
      inputs = ["Ab::" * 32_768, "é#<" * 20_000, "#<#{'é' * 100_000}", "an instance of " * 10_000,
                "#{'Foo::' * 30_000}Bar:Class", "#{'/a' * 60_000} x"]
      inputs.each do |text|
        started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        Kobako::MessageSanitizer.clean(text)
        expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 3.0
      end
    end

    it "still removes inspections, addresses, unexposed names and paths from an app's message" do
      text = "bad #<HiddenLedger:0x00007f00deadbeef @secret=\"x\"> for Foo::Bar:Class at /srv/app/x.rb"
      expect(Kobako::MessageSanitizer.clean(text)).to eq("bad #<object> for a class at (path)")
    end
  end
end
