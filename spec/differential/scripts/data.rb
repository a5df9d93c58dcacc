# Data wrangling: grouping, sorting, reshaping, as in reports and ETL glue.
RealisticScripts.add "data", {
  "group and sum sales" => <<~'RUBY',
    sales = [["2024-01", "north", 120], ["2024-01", "south", 80], ["2024-02", "north", 95], ["2024-02", "south", 130]]
    sales.group_by(&:first).transform_values { |rows| rows.sum(&:last) }
  RUBY
  "pivot table" => <<~'RUBY',
    rows = [{ m: "jan", r: "n", v: 1 }, { m: "jan", r: "s", v: 2 }, { m: "feb", r: "n", v: 3 }]
    rows.each_with_object(Hash.new { |h, k| h[k] = {} }) { |row, t| t[row[:m]][row[:r]] = row[:v] }.to_a
  RUBY
  "top n by key" => <<~'RUBY',
    people = [["ann", 31], ["bo", 45], ["cy", 22], ["di", 45], ["ed", 38]]
    people.sort_by { |n, a| [-a, n] }.first(3).map(&:first)
  RUBY
  "flatten nested" => <<~'RUBY',
    def flat(h, prefix = nil) = h.flat_map { |k, v| key = [prefix, k].compact.join("."); v.is_a?(Hash) ? flat(v, key) : [[key, v]] }
    flat({ "a" => 1, "b" => { "c" => 2, "d" => { "e" => 3 } } }).to_h
  RUBY
  "running totals" => <<~'RUBY',
    deposits = [100, -20, 50, -75, 10]
    deposits.each_with_object([]) { |d, acc| acc << (acc.last || 0) + d }
  RUBY
  "moving average" => <<~'RUBY',
    xs = [3, 5, 7, 9, 11, 13]
    xs.each_cons(3).map { |w| (w.sum / 3.0).round(2) }
  RUBY
  "index by id" => <<~'RUBY',
    users = [{ id: 7, name: "a" }, { id: 3, name: "b" }]
    by_id = users.to_h { |u| [u[:id], u] }
    [by_id[3][:name], by_id.keys.sort, by_id.fetch(9, nil)]
  RUBY
  "merge with block" => <<~'RUBY',
    a = { apples: 3, pears: 1 }
    b = { apples: 2, kiwis: 5 }
    a.merge(b) { |_, x, y| x + y }
  RUBY
  "select reject map" => <<~'RUBY',
    nums = (1..20).to_a
    { evens: nums.select(&:even?).size, big_odd: nums.reject(&:even?).select { |n| n > 10 }, squares: nums.first(4).map { |n| n * n } }
  RUBY
  "count by predicate" => <<~'RUBY',
    words = %w[apple Banana cherry avocado blueberry Apricot]
    words.group_by { |w| w[0].downcase }.transform_values(&:count).sort.to_h
  RUBY
  "sort stable multi key" => <<~'RUBY',
    rows = [["b", 2], ["a", 2], ["c", 1], ["a", 1]]
    [rows.sort, rows.sort_by { |k, n| [n, k] }, rows.max_by(2) { |_, n| n }]
  RUBY
  "array set algebra" => <<~'RUBY',
    a = [1, 2, 2, 3, 4]
    b = [2, 4, 6]
    [a & b, a | b, a - b, a.uniq, (a + b).tally.select { |_, c| c > 1 }.keys]
  RUBY
  "hash filter map" => <<~'RUBY',
    stock = { "a" => 0, "b" => 5, "c" => 12 }
    [stock.select { |_, v| v > 0 }, stock.filter_map { |k, v| k if v.zero? }, stock.min_by { |_, v| v }, stock.sum { |_, v| v }]
  RUBY
  "sum floats precisely" => <<~'RUBY',
    prices = [0.1, 0.2, 0.3]
    [prices.sum, prices.inject(:+), prices.sum.round(10)]
  RUBY
  "string keys to symbols" => <<~'RUBY',
    { "first_name" => "Ann", "age" => "30" }.transform_keys(&:to_sym).transform_values { |v| v =~ /\A\d+\z/ ? v.to_i : v }
  RUBY
  "deep dup and mutate" => <<~'RUBY',
    original = { list: [1, 2], meta: { tag: "x" } }
    copy = Marshal.load(Marshal.dump(original)) rescue { list: original[:list].dup, meta: original[:meta].dup }
    copy[:list] << 3
    [original[:list], copy[:list]]
  RUBY
  "each slice with index" => <<~'RUBY',
    %w[a b c d e f g].each_slice(3).with_index(1).map { |group, i| "#{i}: #{group.join(',')}" }
  RUBY
  "cycle and take" => <<~'RUBY',
    colors = %w[red green blue]
    (1..7).zip(colors.cycle).map { |n, c| "#{n}-#{c}" }
  RUBY
  "step ranges" => <<~'RUBY',
    [(1..10).step(3).to_a, 1.step(2, 0.5).to_a, ("a".."e").to_a, (1...10).each_slice(4).to_a]
  RUBY
  "nil handling" => <<~'RUBY',
    values = [3, nil, 7, nil, 1]
    [values.compact.sum, values.map { |v| v || 0 }, values.count(nil), values.index(nil)]
  RUBY
  "flat map and zip" => <<~'RUBY',
    orders = [{ id: 1, items: %w[a b] }, { id: 2, items: %w[c] }]
    orders.flat_map { |o| o[:items].map { |i| [o[:id], i] } }
  RUBY
  "array of hashes sort" => <<~'RUBY',
    rows = [{ name: "Zed", score: 88 }, { name: "amy", score: 92 }, { name: "Bob", score: 88 }]
    rows.sort_by { |r| [-r[:score], r[:name].downcase] }.map { |r| r[:name] }
  RUBY
  "each with index output" => <<~'RUBY',
    %w[alpha beta gamma].each_with_index { |w, i| puts "#{i + 1}. #{w.capitalize}" }
    :printed
  RUBY
  "string multiplication table" => <<~'RUBY',
    (1..3).map { |i| (1..3).map { |j| (i * j).to_s.rjust(3) }.join }.join("\n")
  RUBY
  "find and detect" => <<~'RUBY',
    nums = [4, 9, 16, 25, 30]
    [nums.find { |n| n > 10 }, nums.detect(&:odd?), nums.find_index(25), nums.any? { |n| n > 29 }, nums.all?(Integer), nums.none?(&:zero?)]
  RUBY
  "sum of digits" => <<~'RUBY',
    [12345, 999, 1000].map { |n| n.to_s.chars.map(&:to_i).sum }
  RUBY
  "binary search" => <<~'RUBY',
    sorted = [1, 3, 5, 7, 9, 11, 13]
    [sorted.bsearch { |x| x >= 8 }, sorted.bsearch_index { |x| x >= 8 }]
  RUBY
  "hash sort by value desc" => <<~'RUBY',
    { "ruby" => 30, "go" => 12, "rust" => 25 }.sort_by { |_, v| -v }.map(&:first)
  RUBY
  "inject hash building" => <<~'RUBY',
    %w[a1 b2 a3 c4 b5].inject(Hash.new { |h, k| h[k] = [] }) { |h, s| h[s[0]] << s[1].to_i; h }.sort.to_h
  RUBY
  "rjust ljust center table" => <<~'RUBY',
    rows = [["Item", "Qty"], ["Apple", 3], ["Kiwi", 12]]
    rows.map { |a, b| a.to_s.ljust(8) + b.to_s.rjust(4) }.join("\n") + "\n" + "end".center(12, "-")
  RUBY
}
