# The guest's Regexp and JSON on 100 KB inputs, each beside CRuby doing the same work in
# this process. The input reaches the sandbox as a `run` argument (as a Service result or
# request data would), and CRuby runs the same lambda.
require "json"

Bench.group("stdlib") do |g|
  text = (1..2_500).map { |i| "line #{i}: user#{i}@example.com paid $#{i % 97}.#{i % 10}0\n" }.join
  doc = JSON.generate((1..1_400).map { |i| { "id" => i, "name" => "item #{i}", "tags" => %w[a b], "price" => i * 1.25, "ok" => i.even? } })
  raise "the JSON document is #{doc.bytesize} bytes, not about 100 KB" unless doc.bytesize.between?(80_000, 120_000)

  scripts = {
    Gsub: 'Gsub = ->(t) { t.gsub(/\$(\d+)\.(\d\d)/) { "EUR #{$1},#{$2}" }.bytesize }',
    Json: "require 'json'\nJson = ->(d) { JSON.generate(JSON.parse(d)).bytesize }"
  }
  sandbox = Kobako::Sandbox.new(timeout: 10, memory_limit: 64 << 20)
  scripts.each { |name, code| sandbox.preload(name: name, code: code) }
  # The same lambdas, written out for CRuby.
  cruby = {
    Gsub: ->(t) { t.gsub(/\$(\d+)\.(\d\d)/) { "EUR #{$1},#{$2}" }.bytesize },
    Json: ->(d) { JSON.generate(JSON.parse(d)).bytesize }
  }

  [[:regexp_gsub_100k, :cruby_regexp_gsub_100k, :Gsub, "gsub with a block over a #{text.bytesize / 1000} KB text", text],
   [:json_round_trip_100k, :cruby_json_round_trip_100k, :Json, "JSON.parse + JSON.generate of a #{doc.bytesize / 1000} KB document", doc]]
    .each do |key, cruby_key, entry, label, input|
    host = cruby.fetch(entry)
    raise "#{key}: the sandbox and CRuby disagree" unless sandbox.run(entry, input) == host.call(input)

    g.measure(key, "sandbox run: #{label}", unit: "ms", vs: { cruby: cruby_key }) do
      Bench::Timing.samples(15, warmup: 2, scale: 1e3) { sandbox.run(entry, input) }
    end
    g.measure(cruby_key, "CRuby: #{label}", unit: "ms") do
      Bench::Timing.samples(15, warmup: 2, scale: 1e3) { host.call(input) }
    end
  end
end
