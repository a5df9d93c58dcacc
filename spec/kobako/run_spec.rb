require "spec_helper"
require "stringio"

# Sandbox#run: calling an entrypoint the snippets define (contract P-2, P-3).
RSpec.describe Kobako::Sandbox, "#run" do
  let(:sandbox) { described_class.new }

  describe "target validation (before anything runs)" do
    it "raises TypeError for a target that is not a Symbol or String" do
      [nil, 1, Object, [:A]].each do |bad|
        expect { sandbox.run(bad) }.to raise_error(TypeError, /Symbol or String/), bad.inspect
      end
      expect(sandbox).not_to be_sealed
    end

    it "raises ArgumentError for a name that is not a constant name" do
      ["adder", "", "A-B", "A::B", "::A", "A b", "1A", "A\n"].each do |bad|
        expect { sandbox.run(bad) }.to raise_error(ArgumentError, /not a constant name/), bad.inspect
      end
      expect(sandbox).not_to be_sealed
    end
  end

  describe "calling the entrypoint" do
    before do
      sandbox.preload(code: "Adder = ->(a, b) { a + b }", name: :Adder)
      sandbox.preload(code: <<~RUBY, name: :Entrypoints)
        Noop = -> {}
        Keywords = ->(a, scale: 1, **rest) { [a * scale, rest] }
        Positional = ->(a, opts) { [a, opts] }
        Optional = ->(a, opts = {}) { [a, opts] }
        Splat = ->(*all) { all }
        class Greeter
          def self.call(name, punct: "!") = "Hello, \#{name}\#{punct}"
        end
        module Shout
          def self.call(text) = text.upcase
        end
        Constant = 42
        Wrapper = Struct.new(:x) { def call(y) = x + y }.new(10)
      RUBY
    end

    it "calls a lambda with the arguments and returns its value" do
      expect(sandbox.run(:Adder, 2, 3)).to eq(5)
      expect(sandbox.run("Adder", "a", "b")).to eq("ab")
      expect(sandbox.run(:Noop)).to be_nil
    end

    it "calls a class, a module or any object responding to call" do
      expect(sandbox.run(:Greeter, "Ann")).to eq("Hello, Ann!")
      expect(sandbox.run(:Shout, "hey")).to eq("HEY")
      expect(sandbox.run(:Wrapper, 5)).to eq(15)
    end

    it "delivers keywords as keywords to a callable that declares them" do
      expect(sandbox.run(:Keywords, 2, scale: 3, tag: "x")).to eq([6, { tag: "x" }])
      expect(sandbox.run(:Greeter, "Bo", punct: "?")).to eq("Hello, Bo?")
    end

    it "delivers keywords as a trailing Hash to a callable that takes a positional Hash" do
      expect(sandbox.run(:Positional, 1, mode: "fast")).to eq([1, { mode: "fast" }])
      expect(sandbox.run(:Optional, 1, mode: "fast")).to eq([1, { mode: "fast" }])
      expect(sandbox.run(:Splat, 1, k: 2)).to eq([1, { k: 2 }])
    end

    it "keeps an explicit Hash positional" do
      expect(sandbox.run(:Positional, 1, { "mode" => "x" })).to eq([1, { "mode" => "x" }])
      expect(sandbox.run(:Splat, { a: 1 })).to eq([{ a: 1 }])
    end

    it "reports a wrong argument count the way Ruby would" do
      expect { sandbox.run(:Adder, 1) }.to raise_error(Kobako::SandboxError) { |e|
        expect(e.klass).to eq("ArgumentError")
      }
      expect { sandbox.run(:Shout, "a", loud: true) }.to raise_error(Kobako::SandboxError, /wrong number of arguments/)
    end

    it "raises UndefinedEntrypointError listing the constants the snippets defined" do
      expect { sandbox.run(:Missing) }.to raise_error(Kobako::UndefinedEntrypointError) { |e|
        expect(e).to be_a(Kobako::SandboxError)
        expect(e.name).to eq(:Missing)
        expect(e.available).to eq(%i[Adder Constant Greeter Keywords Noop Optional Positional Shout Splat Wrapper])
        expect(e.message).to eq("no entrypoint named Missing: the preloaded snippets define " \
                                "Adder, Constant, Greeter, Keywords, Noop, Optional, Positional, Shout, Splat, Wrapper")
        expect(e.klass).to eq("Kobako::UndefinedEntrypointError")
      }
    end

    it "does not treat built-in or Service constants as entrypoints" do
      sandbox.define(:Tools).bind(:Id, ->(x) { x })
      %i[Kernel Object Proc Math Tools Kobako].each do |builtin|
        expect { sandbox.run(builtin) }.to raise_error(Kobako::UndefinedEntrypointError) { |e| expect(e.name).to eq(builtin) }
      end
    end

    it "raises SandboxError for a target without call" do
      expect { sandbox.run(:Constant) }.to raise_error(Kobako::SandboxError, "entrypoint Constant is Integer, which does not respond to #call") { |e|
        expect(e).not_to be_a(Kobako::UndefinedEntrypointError)
        expect(e.klass).to eq("NoMethodError")
      }
    end

    it "reports an exception from the entrypoint like eval does, with its backtrace" do
      sandbox = described_class.new
      sandbox.preload(code: "Fail = ->(x) {\n  raise IndexError, \"bad \#{x}\"\n}", name: :Fail)
      expect { sandbox.run(:Fail, 7) }.to raise_error(Kobako::SandboxError) { |e|
        expect(e.message).to eq("bad 7")
        expect(e.klass).to eq("IndexError")
        expect(e.backtrace_lines.first).to start_with("(snippet:Fail):2")
        expect(e.backtrace_lines.join("\n")).not_to include("__run_entrypoint")
      }
    end

    it "refuses a return value that cannot cross" do
      sandbox = described_class.new
      sandbox.preload(code: "Obj = -> { Object.new }", name: :Obj)
      expect { sandbox.run(:Obj) }.to raise_error(Kobako::SandboxError, /not a supported sandbox value type/)
    end
  end

  describe "without snippets" do
    it "has no entrypoints" do
      expect { sandbox.run(:Anything) }.to raise_error(Kobako::UndefinedEntrypointError) { |e|
        expect(e.available).to eq([])
        expect(e.message).to eq("no entrypoint named Anything: the preloaded snippets define no top-level constants")
      }
    end
  end

  describe "arguments (P-3)" do
    RunSpecPerson = Struct.new(:name) { def greet(word) = "#{word}, #{name}" }

    before do
      sandbox.expose(StringIO, :read).expose(RunSpecPerson, :greet)
      sandbox.preload(code: <<~RUBY, name: :Entrypoints)
        Echo = ->(io) { io.read.upcase }
        Inspect = ->(*args, **kw) { [args.map(&:inspect), kw.transform_values(&:inspect)] }
        Deep = ->(list, opts) { [list[0].read, list[1]["io"].read, opts] }
        Same = ->(x) { x }
        Greet = ->(person) { person.greet("hi") }
        Pry = ->(obj, name) { obj.__send__(name) }
        Attempt = ->(obj, name) { begin; obj.public_send(name); rescue Kobako::ServiceError => e; e.message; end }
      RUBY
    end

    it "passes plain values as values" do
      expect(sandbox.run(:Inspect, 1, 2.5, "s", :sym, nil, true, [1, { "a" => [2] }], k: :v))
        .to eq([["1", "2.5", "\"s\"", ":sym", "nil", "true", "[1, {\"a\"=>[2]}]"], { k: ":v" }])
    end

    it "turns a StringIO into a Handle the entrypoint can call" do
      expect(sandbox.run(:Echo, StringIO.new("hello"))).to eq("HELLO")
    end

    it "walks Arrays and Hash values, wrapping only the non-representable leaves" do
      expect(sandbox.run(:Deep, [StringIO.new("a"), { "io" => StringIO.new("b"), "n" => 1 }], { "ok" => true }))
        .to eq(["a", "b", { "ok" => true }])
      expect(sandbox.run(:Inspect, RunSpecPerson.new("a"), [StringIO.new], key: StringIO.new))
        .to eq([["#<Kobako::Handle RunSpecPerson>", "[#<Kobako::Handle StringIO>]"], { key: "#<Kobako::Handle StringIO>" }])
    end

    it "hands the same host object back when the entrypoint returns its Handle" do
      io = StringIO.new("x")
      expect(sandbox.run(:Same, io)).to be(io)
      expect(sandbox.run(:Same, [io, { "k" => io }])).to eq([io, { "k" => io }])
    end

    it "calls the exposed methods of an argument" do
      expect(sandbox.run(:Greet, RunSpecPerson.new("Ada"))).to eq("hi, Ada")
    end

    it "offers an undeclared Struct argument its member readers only (S-3)" do
      target = Struct.new(:secret).new("s3cr3t")
      expect(sandbox.run(:Attempt, target, :secret)).to eq("s3cr3t")
      %w[instance_variable_get instance_eval send public_send method define_singleton_method each to_a
         secret= members].each do |name|
        result = sandbox.run(:Attempt, target, name)
        expect(result).to match(/not callable from the sandbox/), "#{name}: #{result}"
      end
      expect { sandbox.run(:Pry, target, :secret=) }.to raise_error(Kobako::ServiceError)
      expect(target.secret).to eq("s3cr3t")
    end

    it "refuses arguments whose class is not exposed, naming the argument and how to expose it" do
      expect { sandbox.run(:Same, 1, Object.new) }
        .to raise_error(ArgumentError, /run\(:Same\): argument 1 is a Object, which is not exposed to this Sandbox: expose it with sandbox.expose\(Object/)
      expect { sandbox.run(:Same, k: [Object.new]) }.to raise_error(ArgumentError, /keyword :k\[0\] is a Object/)
    end

    it "refuses arguments that can never cross, before anything runs" do
      expect { sandbox.run(:Same, -> {}) }.to raise_error(ArgumentError, /Proc, which never crosses/)
      expect { sandbox.run(:Same, $stdout) }.to raise_error(ArgumentError, /IO, which never crosses/)
      expect { sandbox.run(:Same, String) }.to raise_error(ArgumentError, /Class, which never crosses/)
      expect { sandbox.run(:Same, Time.at(Rational(1, 3))) }.to raise_error(ArgumentError, /nanosecond/)
      expect(sandbox.stdout).to eq("")
    end

    it "keeps Symbol and String keys distinct" do
      expect(sandbox.run(:Same, { a: 1, "a" => 2 })).to eq({ a: 1, "a" => 2 })
    end
  end

  describe "observability (same as eval)" do
    before do
      sandbox.preload(code: "Talk = ->(n) { puts 'out' * n; $stderr.print 'err'; n }", name: :Talk)
    end

    it "captures output and reports usage" do
      expect(sandbox.run(:Talk, 2)).to eq(2)
      expect(sandbox.stdout).to eq("outout\n")
      expect(sandbox.stderr).to eq("err")
      expect(sandbox.usage.wall_time).to be > 0
      expect(sandbox.usage.memory_peak).to be >= 0
    end

    it "truncates output at the caps" do
      small = described_class.new(stdout_limit: 4)
      small.preload(code: "Talk = -> { print 'abcdefgh'; :done }", name: :Talk)
      expect(small.run(:Talk)).to eq(:done)
      expect(small.stdout).to eq("abcd")
      expect(small.stdout_truncated?).to be(true)
    end

    it "enforces the timeout and memory limit" do
      capped = described_class.new(timeout: 0.2, memory_limit: 2 << 20)
      capped.preload(code: "Spin = -> { loop {} }\nHog = -> { 'x' * (16 << 20) }\nOk = -> { :ok }", name: :Caps)
      expect { capped.run(:Spin) }.to raise_error(Kobako::TimeoutError)
      expect { capped.run(:Hog) }.to raise_error(Kobako::MemoryLimitError)
      expect(capped.run(:Ok)).to eq(:ok)
    end

    it "leaves nothing behind between runs" do
      s = described_class.new
      s.preload(code: "Put = ->(v) { seen = [$seen, Object.const_defined?(:OTHER)]; $seen = v; Object.const_set(:OTHER, v); seen }",
                name: :Put)
      expect(s.run(:Put, 1)).to eq([nil, false])
      expect(s.run(:Put, 2)).to eq([nil, false])
    end

    it "reports Service errors the same way" do
      s = described_class.new
      s.define(:Svc).bind(:Fail, -> { raise "nope" })
      s.preload(code: "Call = -> { Svc::Fail.call }", name: :Call)
      expect { s.run(:Call) }.to raise_error(Kobako::ServiceError, /Svc::Fail.call raised RuntimeError: nope/)
    end

    it "works from several threads with per-thread readers (A-6)" do
      results = 4.times.map { |i| Thread.new { [sandbox.run(:Talk, i + 1), sandbox.stdout] } }.map(&:value)
      expect(results).to eq((1..4).map { |n| [n, "#{'out' * n}\n"] })
    end
  end
end
