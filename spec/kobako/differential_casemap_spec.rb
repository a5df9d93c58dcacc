require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/casemap_cases"

# Unicode case mapping in the sandbox against the host's CRuby: words of a dozen scripts
# through every case method and option, the bang forms, casecmp/casecmp?, Symbols and the
# errors, and unicode_normalize (the exhaustive per-character checks against CRuby 3.3 are
# casemap_exhaustive_spec and unicode_normalize_spec).
RSpec.describe "Case mapping against CRuby (differential)" do
  it "agrees on at least 99% of at least 150 cases" do
    cases = CasemapCases.cases
    expect(cases.size).to be >= 150
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    expect(Differential.rate(results)).to be >= 0.99, Differential.report(results)
  end

  it "maps the examples CRuby 3.3 documents" do
    sandbox = Kobako::Sandbox.new
    expect(sandbox.eval('["straße".upcase, "héllo".upcase, "élodie".capitalize, "ǆ".capitalize, "ﬃ".upcase, :straße.upcase]'))
      .to eq(["STRASSE", "HÉLLO", "Élodie", "ǅ", "FFI", :STRASSE])
    expect(sandbox.eval('["ΣΑΣ".downcase, "İ".downcase, "İ".downcase(:turkic), "i".upcase(:turkic)]'))
      .to eq(["σασ", "i̇", "i", "İ"])
    expect(sandbox.eval('begin; "\xff".upcase; rescue ArgumentError => e; e.message; end')).to eq("input string invalid")
  end
end
