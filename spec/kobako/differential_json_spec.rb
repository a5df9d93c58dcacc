require "spec_helper"
require_relative "../support/differential"
require_relative "../differential/json_cases"

# Contract R-5: the guest's JSON against the host's CRuby json, byte for byte on generate
# and value for value on parse, over realistic and seeded random documents.
RSpec.describe "JSON against CRuby (differential)" do
  it "agrees on at least 99% of the cases, over at least 200 documents" do
    cases = JsonCases.cases
    expect(JsonCases::DOCUMENTS.size + JsonCases::RANDOM_DOCUMENTS).to be >= 200
    results = Differential.run(cases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    expect(Differential.rate(results)).to be >= 0.99, Differential.report(results)
  end

  it "follows json 2.7 (Ruby 3.3) where 2.6 differs: empty containers in pretty output, script_safe" do
    sandbox = Kobako::Sandbox.new
    expect(sandbox.eval('require "json"; JSON.pretty_generate("a" => {}, "b" => [])')).to eq(%({\n  "a": {},\n  "b": []\n}))
    expect(sandbox.eval('require "json"; JSON.generate("\u2028 /", script_safe: true)')).to eq('"\u2028 \/"')
  end

  it "parses and generates 100 KB documents inside the caps" do
    sandbox = Kobako::Sandbox.new(timeout: 5, memory_limit: 16 << 20)
    expect(sandbox.eval(<<~RUBY)).to eq([2_000, true])
      require "json"
      doc = JSON.generate((1..2_000).map { |i| { "id" => i, "name" => "item \#{i}", "tags" => %w[a b], "price" => i * 1.25 } })
      back = JSON.parse(doc)
      [back.size, JSON.generate(back) == doc && doc.bytesize > 100_000]
    RUBY
  end
end
