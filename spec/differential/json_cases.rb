require "json"

# JSON cases for the differential suite: realistic documents parsed and generated, and
# seeded random ones both ways (parse, generate, pretty_generate, round trip, options).
module JsonCases
  DOCUMENTS = [
    '{"users":[{"id":1,"name":"Ann","email":"ann@example.com","roles":["admin","dev"],"active":true},{"id":2,"name":"Bö","email":null,"roles":[],"active":false}],"total":2}',
    '{"order":{"id":"ord_123","lines":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-7","qty":1,"price":5.5}],"currency":"EUR","paid":false}}',
    '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[13.405,52.52]},"properties":{"name":"Berlin"}}]}',
    '{"error":{"code":404,"message":"Not found: /api/v1/items/9","details":[]}}', '[1,2,3,[4,5,[6]],{"a":{"b":{"c":null}}}]',
    '{"unicode":"日本語 — “quotes” ☃ 😀","escaped":"line1\nline2\ttab \"q\" back\\\\slash \/ slash"}',
    '{"numbers":[0,-0,1.5,-2.25,1e3,1E-3,123456789012345678901234567890,-9223372036854775808,3.141592653589793]}',
    '{"empty_obj":{},"empty_arr":[],"nested_empty":[{},[]],"str":""}', '"just a string"', '42', '-1.5e10', 'true', 'null',
    '{"a":1,"a":2}', ' \n\t {"spaced" : [ 1 , 2 ] } \n', '{"url":"https:\/\/example.com\/x?y=1&z=2"}', '{"u":"\u00e9\u2028\u2029\ud83d\ude00"}',
    '{"config":{"retries":3,"timeout_ms":1500,"endpoints":["a.internal","b.internal"],"features":{"beta":true,"dark_mode":false}}}',
    '[{"date":"2024-01-15","temp_c":-3.5,"rain":false},{"date":"2024-01-16","temp_c":1.25,"rain":true}]',
    '{"tool":"search","args":{"query":"ruby sandbox","limit":10},"id":"call_1"}', '{"deep":[[[[[[[[[[1]]]]]]]]]]}',
    '[1,]', '{"a":}', '{a:1}', "{'a':1}", '[01]', '[1.]', '[.5]', '[NaN]', '[Infinity]', '"\\x"', '["a\nb"]', '', ' ',
    '{"a":1} trailing', '[1 2]', '{"a" 1}', '"\\ud83d"', 'tru', '[null, nul]', '{"k":[1,2,3]', '-', '1e', '{"":""}'
  ].freeze

  KEYS = ["id", "name", "é", "with space", "quote\"d", "slash/", "nl\n", "", "日本", "k9", "camelCase", "snake_key"].freeze
  STRINGS = ["", "plain", "é à ü", "日本語", "😀 emoji", "tab\t", "nl\n", "cr\r", "bs\b", "ff\f", "q\"", "back\\", "/path/",
             "\u2028\u2029", "\u0001\u001f", "mixed \"\\/\n"].freeze
  FLOATS = [0.0, 1.5, -2.25, 100.0, 1.0e20, 1.0e-05, 123.456, 3.141592653589793, 2.5e-10, 1.0e+100, -0.5, 0.1].freeze
  INTEGERS = [0, 1, -1, 42, 2**31, -(2**40), 2**62, 9_007_199_254_740_993].freeze

  # How many seeded random documents join the realistic ones.
  RANDOM_DOCUMENTS = 160

  module_function

  def random_value(rng, depth)
    case depth >= 4 ? rng.rand(5) : rng.rand(8)
    when 0 then STRINGS.sample(random: rng)
    when 1 then INTEGERS.sample(random: rng)
    when 2 then FLOATS.sample(random: rng)
    when 3 then [true, false, nil].sample(random: rng)
    when 4 then KEYS.sample(random: rng)
    when 5, 6 then Array.new(rng.rand(1..4)) { random_value(rng, depth + 1) }
    else Array.new(rng.rand(1..4)) { [KEYS.sample(random: rng), random_value(rng, depth + 1)] }.to_h
    end
  end

  def cases
    documents + generated
  end

  def documents
    DOCUMENTS.each_with_index.flat_map do |doc, i|
      [Differential::Case.new("json", "document #{i} parse", "require 'json'\nJSON.parse(#{doc.inspect})"),
       Differential::Case.new("json", "document #{i} parse + generate",
                              "require 'json'\nJSON.generate(JSON.parse(#{doc.inspect}))"),
       Differential::Case.new("json", "document #{i} symbolize_names",
                              "require 'json'\nJSON.parse(#{doc.inspect}, symbolize_names: true).to_a.flatten.map(&:inspect)")]
    end
  end

  # Random documents, each in the four directions. pretty_generate is only asked for
  # documents without empty containers (json 2.6 of Ruby 3.1 prints those over two lines,
  # 2.7 of Ruby 3.3 as {} and []; the sandbox follows 3.3).
  def generated
    rng = Random.new(2026_12_01)
    Array.new(RANDOM_DOCUMENTS) { random_value(rng, 0) }.each_with_index.flat_map do |value, i|
      literal = value.inspect
      list = [
        Differential::Case.new("json", "random #{i} generate", "require 'json'\nJSON.generate(#{literal})"),
        Differential::Case.new("json", "random #{i} parse", "require 'json'\nJSON.parse(#{JSON.generate(value).inspect})"),
        Differential::Case.new("json", "random #{i} round trip", "require 'json'\nv = #{literal}\nJSON.parse(v.to_json) == v"),
        Differential::Case.new("json", "random #{i} ascii_only", "require 'json'\nJSON.generate(#{literal}, ascii_only: true)")
      ]
      unless JSON.generate(value).match?(/\{\}|\[\]/)
        list << Differential::Case.new("json", "random #{i} pretty", "require 'json'\nJSON.pretty_generate(#{literal})")
      end
      list
    end + api
  end

  API = [
    "JSON.generate([Float::NAN])", "JSON.generate([1.0 / 0])", "JSON.dump([1, Float::NAN, -Float::INFINITY])",
    "JSON.parse('[NaN, Infinity, -Infinity]', allow_nan: true).map(&:to_s)", "JSON.parse('[[[1]]]', max_nesting: 2)",
    "JSON.parse('[[[1]]]', max_nesting: 3)", "JSON.generate([[[1]]], max_nesting: 2)", "JSON.parse('1' * 30)",
    "JSON.generate({1 => 2, nil => 3, :sym => 4, 1.5 => 5})", "JSON.generate({a: 1}, space: ' ', object_nl: ' ')",
    ":sym.to_json", "nil.to_json", "1.0e-5.to_json", "(2**70).to_json", "'é'.to_json", "[1, 'a', nil].to_json",
    "{ 'k' => [1, { 'z' => true }] }.to_json", "Struct.new(:a).new(1).to_json",
    "class Point; def initialize(x, y) = (@x, @y = x, y); def to_json(*a) = { x: @x, y: @y }.to_json(*a); end\nJSON.generate([Point.new(1, 2)])",
    "class Money; def initialize(c) = @c = c; def to_s = format('%.2f', @c / 100.0); end\nJSON.generate(price: Money.new(1999))",
    "JSON.generate(\"\\xff\") rescue :generator_error", "JSON.parse(nil) rescue :type_error", "JSON.parse('') rescue :parser_error",
    "JSON.parse('{\"a\":1}')['a'] + 1", "JSON.load('[1, NaN]').size", "JSON.load(nil)", "JSON['[1]']", "JSON[[1]]",
    "JSON.pretty_generate('name' => 'x', 'list' => [1, 2], 'nested' => { 'deep' => { 'deeper' => [true, nil] } })",
    "JSON.parse(JSON.pretty_generate('a' => [1, { 'b' => 2 }]))", "begin; JSON.parse('{'); rescue JSON::ParserError => e; e.class.ancestors.take(3).map(&:to_s); end",
    "JSON.parse('[1,2]', symbolize_names: true)", "JSON.parse('{\"a\":{\"b\":[{\"c\":1}]}}', symbolize_names: true)",
    "data = { 'items' => [{ 'n' => 'a', 'p' => 1.5 }, { 'n' => 'b', 'p' => 2 }] }\nJSON.parse(JSON.generate(data))['items'].sum { |i| i['p'] }",
    "JSON.generate('a' => 'line\nbreak', 'b' => \"\\u00e9\")",
    "JSON.generate(['😀'], ascii_only: true)", "JSON.parse('\"\\\\u00e9\"')", "JSON.parse('[1e400]').first.infinite?",
    "JSON.parse('{\"a\": [1, 2.0, \"3\"]}').fetch('a').map(&:class).map(&:to_s)", "JSON.generate(1 => { 2 => [3] })"
  ].freeze

  def api
    API.each_with_index.map { |code, i| Differential::Case.new("json", "api #{i}", "require 'json'\n#{code}") }
  end
end
