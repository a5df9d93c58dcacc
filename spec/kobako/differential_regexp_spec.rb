require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/regexp_cases"

# Contract R-4/R-5: Regexp in the sandbox against the host's CRuby, value for value and
# output for output, on hundreds of pattern x subject x method cases. The agreement rate and
# every disagreement are in docs/compatibility.md (`rake differential` prints them).
RSpec.describe "Regexp against CRuby (differential)" do
  it "agrees on at least 99% of at least 300 cases" do
    cases = RegexpCases.cases
    expect(cases.size).to be >= 300
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    expect(Differential.rate(results)).to be >= 0.99, Differential.report(results)
  end

  it "times out a catastrophic backtrack under the sandbox's timeout, not the engine's" do
    sandbox = Kobako::Sandbox.new(timeout: 0.2)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    expect { sandbox.eval('("a" * 40 + "!") =~ /(a+)+$/') }.to raise_error(Kobako::TimeoutError)
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 0.5
    expect(sandbox.eval("'still works' =~ /works/")).to eq(6)
  end

  it "keeps a regexp's memory inside memory_limit" do
    sandbox = Kobako::Sandbox.new(memory_limit: 2 << 20, timeout: 5)
    expect { sandbox.eval('Regexp.new("(a|b)" * 50_000)') }.to raise_error(Kobako::MemoryLimitError)
    expect { sandbox.eval('("ab" * 2_000_000).scan(/a/).size') }.to raise_error(Kobako::MemoryLimitError)
  end

  it "follows Ruby 3.3 where 3.1 and 3.3 differ: string options and MatchData#deconstruct_keys" do
    sandbox = Kobako::Sandbox.new
    expect(sandbox.eval('Regexp.new("a.c", "mi").match?("A\nC")')).to be(true)
    expect(sandbox.eval('"a1".match(/(?<l>[a-z])(?<d>\d)/).deconstruct_keys([:l])')).to eq({ l: "a" })
  end

  it "refuses a broken UTF-8 subject and a broken pattern as CRuby does" do
    sandbox = Kobako::Sandbox.new
    expect(sandbox.eval('begin; "\xff" =~ /x/; rescue ArgumentError => e; e.message; end')).to eq("invalid byte sequence in UTF-8")
    expect(sandbox.eval('begin; Regexp.new("("); rescue RegexpError => e; e.message; end'))
      .to eq("end pattern with unmatched parenthesis: /(/")
  end
end
