require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/coverage_cases"

# Contract R-4: the methods the method-coverage sweep found missing, as implemented in
# corelib (ext/guest/corelib/mrblib/70_*.rb and after), against the host's CRuby.
RSpec.describe "methods added for coverage against CRuby (differential)" do
  it "agrees on at least 99% of the cases" do
    cases = CoverageCases.cases
    expect(cases.size).to be >= 140
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    expect(Differential.rate(results)).to be >= 0.99, Differential.report(results)
  end
end
