require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/pattern_cases"

# Contract R-4/R-5: pattern matching (case/in, `=>`, `in`) in the sandbox against the host's
# CRuby, value for value and output for output. The agreement rate is in
# docs/compatibility.md ("Pattern matching").
RSpec.describe "Pattern matching against CRuby (differential)" do
  it "agrees on at least 99% of at least 150 cases" do
    cases = PatternCases.cases
    expect(cases.size).to be >= 150
    expect(cases.map(&:code).uniq.size).to eq(cases.size)
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    expect(Differential.rate(results)).to be >= 0.99, Differential.report(results)
  end

  describe "error messages (CRuby 3.3's wording)" do
    let(:sandbox) { Kobako::Sandbox.new }

    def failure(code)
      sandbox.eval("begin; #{code}; nil; rescue NoMatchingPatternError => e; [e.class.name, e.message]; end")
    end

    it "gives the inspected value when no branch of a case/in matches" do
      expect(failure("case [1, 2]; in [a] then a; in {a:} then a; end"))
        .to eq(["NoMatchingPatternError", "[1, 2]"])
    end

    it "says why a single pattern failed" do
      expect(failure("1 => String")).to eq(["NoMatchingPatternError", "1: String === 1 does not return true"])
      expect(failure("[1] => [a, b]"))
        .to eq(["NoMatchingPatternError", "[1]: [1] length mismatch (given 1, expected 2)"])
      expect(failure("case 5; in Integer => n if n > 9; end"))
        .to eq(["NoMatchingPatternError", "5: guard clause does not return true"])
    end

    it "raises NoMatchingPatternKeyError with the key and the matchee for a missing key" do
      expect(failure("{a: 1} => {b:}"))
        .to eq(["NoMatchingPatternKeyError", "{:a=>1}: key not found: :b"])
      expect(sandbox.eval("begin; {a: {x: 1}} => {a: {y:}}; rescue NoMatchingPatternKeyError => e; [e.key, e.matchee]; end"))
        .to eq([:y, { x: 1 }])
    end

    it "raises TypeError when deconstruct does not return an Array" do
      code = "o = Object.new; def o.deconstruct = 1; begin; o in [x]; rescue TypeError => e; e.message; end"
      expect(sandbox.eval(code)).to eq("deconstruct must return Array")
    end
  end

  it "deconstructs Data (CRuby 3.2+) and MatchData (3.3)" do
    sandbox = Kobako::Sandbox.new
    expect(sandbox.eval("D = Data.define(:w, :h); case D.new(w: 2, h: 3); in {w:, h:} then w * h; end")).to eq(6)
    expect(sandbox.eval("D = Data.define(:w, :h); case D.new(w: 2, h: 3); in D[w, h] then w + h; end")).to eq(5)
    expect(sandbox.eval('case "2024-05".match(/(?<y>\d+)-(?<m>\d+)/); in {y:, m:} then [y, m]; end'))
      .to eq(%w[2024 05])
  end

  it "keeps named captures of =~ assigning locals" do
    expect(Kobako::Sandbox.new.eval('if /(?<h>\d+):(?<m>\d+)/ =~ "at 10:45" then [h, m] end')).to eq(%w[10 45])
  end
end
