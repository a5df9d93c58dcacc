require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/realistic_cases"

# Contract R-4: realistic scripts (text processing, formulas, tool orchestration) written
# for CRuby give CRuby's value and output in the sandbox, except the ones listed as
# needing the core-method work of the next issue.
RSpec.describe "realistic scripts against CRuby (differential)" do
  it "agrees on every one of at least 150 scripts but the known differences" do
    cases = RealisticScripts.cases
    expect(cases.size).to be >= 150
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    disagreeing = results.reject(&:agree?).map { |r| r.kase.name }
    unexpected = disagreeing - RealisticScripts::KNOWN_DIFFERENCES.keys
    fixed = RealisticScripts::KNOWN_DIFFERENCES.keys - disagreeing
    expect(unexpected).to be_empty, Differential.report(results.select { |r| unexpected.include?(r.kase.name) })
    expect(fixed).to be_empty, "listed as known differences but agreeing now (remove them from the list): #{fixed.join(', ')}"
  end
end
