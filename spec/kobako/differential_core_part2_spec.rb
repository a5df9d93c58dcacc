require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/core_part2_cases"

# Contract R-4: the core-method gaps of mruby 3.3 against CRuby, value for value and output
# for output (the agreement rate and every disagreement: `rake differential`).
RSpec.describe "core methods, part 2, against CRuby (differential)" do
  it "agrees on at least 99% of the cases" do
    cases = CorePart2Cases.cases
    expect(cases.size).to be >= 250
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 64 << 20))
    expect(Differential.rate(results)).to be >= 0.99, Differential.report(results)
  end
end
