require "spec_helper"
require_relative "../support/observe"

# Issue 5: invocations start from a pre-initialised image, and a Sandbox with Services or
# snippets captures its own prepared image on its second invocation. Behaviour must be the
# same whichever image an invocation starts from.
RSpec.describe Kobako::Sandbox, "pre-initialised images" do
  include Observe

  def info(sandbox) = sandbox.instance_variable_get(:@runtime).module_info

  it "loads the guest pre-initialised" do
    expect(info(described_class.new)).to include(preinitialized: true, preinit_error: nil)
  end

  it "starts the random source where an interpreter opened per invocation would" do
    sandbox = described_class.new
    first = sandbox.eval("[rand(1_000_000), Random.new(7).rand(100)]")
    expect(sandbox.eval("[rand(1_000_000), Random.new(7).rand(100)]")).to eq(first)
  end

  context "with snippets and Services" do
    def build
      sandbox = described_class.new
      sandbox.define(:Tools).bind(:Twice, ->(x) { x * 2 })
      sandbox.preload(code: "Greeting = 'hi'\nCOUNTER = [0]\ndef helper(x) = x + 1", name: :Helpers)
      sandbox.preload(code: "Bump = -> { COUNTER[0] += 1 }", name: :Bump)
      sandbox
    end

    IMAGE_SCRIPTS = [
      "[Greeting, helper(1), Bump.call, Bump.call]",
      "Tools::Twice.call(21)",
      "puts Greeting; $stderr.puts 'e'; rand(10_000)",
      "s = 'x' * 300_000; s.size",
      "Object.constants.sort.last(5)",
      "raise ArgumentError, 'boom'",
      "[1, 2].map { |x| Tools::Twice.call(x) }",
      "GC.start; ObjectSpace.count_objects[:TOTAL] > 0"
    ].freeze

    it "captures an image on the second invocation and reports the same observations" do
      replayed = build
      expect(info(replayed)[:sandbox_image]).to eq(:untried)
      fresh = IMAGE_SCRIPTS.map { |code| observe(build, code) } # each on a first invocation: replay

      warm = build
      warm.eval("nil")
      warm.eval("nil")
      expect(info(warm)).to include(sandbox_image: :ready)
      expect(info(warm)[:sandbox_image_bytes]).to be_positive
      expect(IMAGE_SCRIPTS.map { |code| observe(warm, code) }).to eq(fresh)
    end

    it "runs entrypoints from the image exactly as by replay" do
      sandbox = build
      first = sandbox.run(:Bump)
      expect { sandbox.run(:Missing) }.to raise_error(Kobako::UndefinedEntrypointError) { |e|
        expect(e.available).to eq(%i[Bump COUNTER Greeting])
      }
      expect(info(sandbox)[:sandbox_image]).to eq(:ready)
      expect(sandbox.run(:Bump)).to eq(first)
      expect { sandbox.run(:Missing) }.to raise_error(Kobako::UndefinedEntrypointError) { |e|
        expect(e.available).to eq(%i[Bump COUNTER Greeting])
      }
    end

    it "keeps the memory cap counting the snippets' growth" do
      sandbox = described_class.new(memory_limit: 4 << 20)
      sandbox.preload(code: "BIG = 'y' * 1_000_000", name: :Big)
      peaks = Array.new(3) { sandbox.eval("BIG.size") && sandbox.usage.memory_peak }
      expect(info(sandbox)[:sandbox_image]).to eq(:ready)
      expect(peaks.uniq.size).to eq(1)
      expect(peaks.first).to be >= 1_000_000 - (64 << 10)
    end
  end

  it "does not keep an image when preparing is visible, and keeps reporting it per invocation" do
    calls = 0
    sandbox = described_class.new
    sandbox.define(:Log).bind(:Note, ->(x) { calls += 1; x })
    sandbox.preload(code: "Log::Note.call(:loaded)\nputs 'loading'", name: :Noisy)
    3.times do
      expect(sandbox.eval("1")).to eq(1)
      expect(sandbox.stdout).to eq("loading\n")
    end
    expect(calls).to eq(3)
    expect(info(sandbox)).to include(sandbox_image: :unavailable)
  end

  it "does not keep an image for snippets that fail, and raises the same error every time" do
    sandbox = described_class.new
    sandbox.preload(code: "raise 'no'", name: :Broken)
    errors = Array.new(3) do
      sandbox.eval("1")
    rescue Kobako::SandboxError => e
      [e.message, e.klass]
    end
    expect(errors.uniq).to eq([["snippet Broken failed: no", "RuntimeError"]])
    expect(info(sandbox)).to include(sandbox_image: :unavailable)
  end

  it "keeps timing out when the snippets never finish" do
    sandbox = described_class.new(timeout: 0.05)
    sandbox.preload(code: "loop {}", name: :Forever)
    3.times { expect { sandbox.eval("1") }.to raise_error(Kobako::TimeoutError) }
    expect(info(sandbox)).to include(sandbox_image: :unavailable)
  end
end
