# Tool-orchestration ("code mode") scripts, as an LLM writes them. The tools are plain
# Ruby defined in the script, so the same script runs in CRuby for comparison.
RealisticScripts.add "orchestration", {
  "search and summarize" => <<~'RUBY',
    module Tools
      DOCS = { "ruby" => ["Ruby 3.3 released", "Ruby gems tips"], "rails" => ["Rails 7.1 notes"] }
      def self.search(query:, limit: 5) = DOCS.fetch(query, []).first(limit)
    end
    results = %w[ruby rails go].to_h { |q| [q, Tools.search(query: q, limit: 1)] }
    results.each { |q, r| puts "#{q}: #{r.first || 'no results'}" }
    results.values.flatten.size
  RUBY
  "retry with backoff" => <<~'RUBY',
    attempts = 0
    flaky = -> { attempts += 1; raise IOError, "timeout" if attempts < 3; { status: "ok", attempts: attempts } }
    result = nil
    delays = []
    begin
      result = flaky.call
    rescue IOError => e
      delays << 2**attempts
      retry if attempts < 5
    end
    [result, delays]
  RUBY
  "parallel plan" => <<~'RUBY',
    tasks = [
      { id: "fetch_users", deps: [] }, { id: "fetch_orders", deps: [] },
      { id: "join", deps: %w[fetch_users fetch_orders] }, { id: "report", deps: %w[join] }
    ]
    done = []
    waves = []
    until done.size == tasks.size
      ready = tasks.reject { |t| done.include?(t[:id]) }.select { |t| (t[:deps] - done).empty? }.map { |t| t[:id] }
      waves << ready
      done.concat(ready)
    end
    waves
  RUBY
  "weather tool calls" => <<~'RUBY',
    WEATHER = { "Berlin" => { temp: 3, sky: "cloudy" }, "Lisbon" => { temp: 16, sky: "sunny" } }
    def get_weather(city) = WEATHER.fetch(city) { raise KeyError, "unknown city #{city}" }
    report = %w[Berlin Lisbon Oslo].map do |city|
      w = get_weather(city)
      "#{city}: #{w[:temp]}°C, #{w[:sky]}"
    rescue KeyError => e
      "#{city}: #{e.message}"
    end
    report.join("\n")
  RUBY
  "paginate api" => <<~'RUBY',
    pages = { nil => { items: [1, 2, 3], next: "p2" }, "p2" => { items: [4, 5], next: "p3" }, "p3" => { items: [6], next: nil } }
    fetch = ->(cursor) { pages.fetch(cursor) }
    all = []
    cursor = nil
    loop do
      page = fetch.call(cursor)
      all.concat(page[:items])
      cursor = page[:next]
      break unless cursor
    end
    all
  RUBY
  "json tool output" => <<~'RUBY',
    require "json"
    raw = '{"results":[{"title":"A","score":0.91},{"title":"B","score":0.42},{"title":"C","score":0.77}]}'
    top = JSON.parse(raw)["results"].select { |r| r["score"] > 0.5 }.sort_by { |r| -r["score"] }
    JSON.generate(top.map { |r| r["title"] })
  RUBY
  "aggregate metrics" => <<~'RUBY',
    events = [
      { user: "a", action: "click", ms: 120 }, { user: "b", action: "view", ms: 40 },
      { user: "a", action: "view", ms: 60 }, { user: "c", action: "click", ms: 300 }
    ]
    by_action = events.group_by { |e| e[:action] }
    by_action.transform_values { |es| { count: es.size, avg_ms: es.sum { |e| e[:ms] } / es.size, users: es.map { |e| e[:user] }.uniq } }
  RUBY
  "validate tool args" => <<~'RUBY',
    SCHEMA = { "to" => String, "amount" => Numeric, "memo" => String }
    def validate(args)
      missing = SCHEMA.keys - args.keys
      wrong = SCHEMA.select { |k, t| args.key?(k) && !args[k].is_a?(t) }.keys
      { ok: missing.empty? && wrong.empty?, missing: missing, wrong_type: wrong }
    end
    [validate("to" => "bob", "amount" => 5, "memo" => "x"), validate("to" => 1, "memo" => "y")]
  RUBY
  "state machine" => <<~'RUBY',
    TRANSITIONS = { pending: { pay: :paid, cancel: :cancelled }, paid: { ship: :shipped, refund: :refunded }, shipped: { deliver: :delivered } }
    state = :pending
    log = []
    %i[pay ship cancel deliver].each do |event|
      nxt = TRANSITIONS.dig(state, event)
      log << (nxt ? "#{state} -#{event}-> #{nxt}" : "#{event} not allowed in #{state}")
      state = nxt if nxt
    end
    [state, log]
  RUBY
  "dedupe records" => <<~'RUBY',
    records = [{ email: "A@x.com", name: "Ann" }, { email: "a@x.com", name: "Ann B" }, { email: "b@y.com", name: "Bo" }]
    records.group_by { |r| r[:email].downcase }.map { |_, rs| rs.max_by { |r| r[:name].size } }
  RUBY
  "cache wrapper" => <<~'RUBY',
    calls = 0
    slow = ->(n) { calls += 1; n * n }
    cache = {}
    cached = ->(n) { cache.fetch(n) { cache[n] = slow.call(n) } }
    [3, 4, 3, 3, 4].map { |n| cached.call(n) } + [calls]
  RUBY
  "error report" => <<~'RUBY',
    jobs = { "a" => -> { 42 }, "b" => -> { raise ArgumentError, "bad input" }, "c" => -> { Integer("x") } }
    jobs.map do |name, job|
      [name, :ok, job.call]
    rescue StandardError => e
      [name, :error, e.class.name]
    end
  RUBY
  "rank candidates" => <<~'RUBY',
    candidates = [{ name: "a", skills: %w[ruby sql], years: 3 }, { name: "b", skills: %w[go], years: 8 }, { name: "c", skills: %w[ruby go sql], years: 5 }]
    wanted = %w[ruby sql]
    candidates.map { |c| [c[:name], (c[:skills] & wanted).size * 10 + [c[:years], 5].min] }.sort_by { |_, s| -s }
  RUBY
  "batch processing" => <<~'RUBY',
    ids = (1..23).to_a
    batches = ids.each_slice(10).map { |b| { size: b.size, first: b.first, last: b.last } }
    puts "#{batches.size} batches"
    batches
  RUBY
  "calendar slots" => <<~'RUBY',
    busy = [[9, 10], [12, 13], [15, 17]]
    day = (8...18)
    free = day.reject { |h| busy.any? { |s, e| h >= s && h < e } }
    free.slice_when { |a, b| b != a + 1 }.map { |r| "#{r.first}:00-#{r.last + 1}:00" }
  RUBY
  "email draft" => <<~'RUBY',
    order = { id: "A-1001", items: [["Lamp", 2], ["Bulb", 6]], name: "Ann" }
    lines = order[:items].map { |n, q| "  - #{q} x #{n}" }
    <<~MAIL
      Hi #{order[:name]},

      Your order #{order[:id]} is confirmed:
      #{lines.join("\n")}

      Thanks!
    MAIL
  RUBY
  "sort and filter tickets" => <<~'RUBY',
    require "time"
    tickets = [
      { id: 3, prio: "high", created: "2024-01-03T10:00:00Z" }, { id: 1, prio: "low", created: "2024-01-01T09:00:00Z" },
      { id: 2, prio: "high", created: "2024-01-02T08:30:00Z" }
    ]
    order = { "high" => 0, "low" => 1 }
    tickets.sort_by { |t| [order[t[:prio]], Time.iso8601(t[:created])] }.map { |t| t[:id] }
  RUBY
  "diff configs" => <<~'RUBY',
    old = { "a" => 1, "b" => { "c" => 2, "d" => 3 }, "e" => 5 }
    new = { "a" => 1, "b" => { "c" => 20 }, "f" => 6 }
    def diff(a, b, path = [])
      (a.keys | b.keys).flat_map do |k|
        p = path + [k]
        if a[k].is_a?(Hash) && b[k].is_a?(Hash) then diff(a[k], b[k], p)
        elsif !b.key?(k) then [[:removed, p.join(".")]]
        elsif !a.key?(k) then [[:added, p.join(".")]]
        elsif a[k] != b[k] then [[:changed, p.join("."), a[k], b[k]]]
        else []
        end
      end
    end
    diff(old, new)
  RUBY
  "tool router" => <<~'RUBY',
    TOOLS = {
      "add" => ->(a, b) { a + b },
      "upper" => ->(s) { s.upcase },
      "repeat" => ->(s, n) { s * n }
    }
    calls = [["add", [2, 3]], ["upper", ["hi"]], ["repeat", ["ab", 3]], ["nope", []]]
    calls.map { |name, args| (tool = TOOLS[name]) ? tool.call(*args) : "unknown tool: #{name}" }
  RUBY
  "structs for results" => <<~'RUBY',
    Result = Struct.new(:name, :ok, :value, keyword_init: false)
    results = [Result.new("a", true, 1), Result.new("b", false, nil), Result.new("c", true, 3)]
    ok, failed = results.partition(&:ok)
    { ok: ok.map(&:name), failed: failed.map(&:name), sum: ok.sum(&:value) }
  RUBY
  "enumerator pipelines" => <<~'RUBY',
    (1..Float::INFINITY).lazy.map { |x| x * x }.select(&:even?).first(5)
  RUBY
  "object with methods" => <<~'RUBY',
    class Basket
      attr_reader :items
      def initialize = @items = []
      def add(name, price, qty = 1) = tap { @items << { name: name, price: price, qty: qty } }
      def total = @items.sum { |i| i[:price] * i[:qty] }
      def to_s = "Basket(#{@items.size} items, #{format('%.2f', total)})"
    end
    b = Basket.new.add("tea", 3.5, 2).add("cake", 4.25)
    puts b
    b.total
  RUBY
  "comparable value objects" => <<~'RUBY',
    class Version
      include Comparable
      attr_reader :parts
      def initialize(s) = @parts = s.split(".").map(&:to_i)
      def <=>(o) = parts <=> o.parts
      def to_s = parts.join(".")
    end
    %w[1.10.0 1.2.3 1.2.10 2.0 1.2].map { |v| Version.new(v) }.sort.map(&:to_s)
  RUBY
  "each_with_object grouping" => <<~'RUBY',
    orders = [["ann", 30], ["bo", 12], ["ann", 8], ["cy", 50], ["bo", 1]]
    orders.each_with_object(Hash.new(0)) { |(who, amt), h| h[who] += amt }.sort_by { |_, v| -v }.first(2)
  RUBY
  "safe navigation and dig" => <<~'RUBY',
    resp = { data: { user: { profile: { name: "Ann" } } } }
    other = { data: { user: nil } }
    [resp.dig(:data, :user, :profile, :name), other.dig(:data, :user)&.fetch(:profile), other[:missing]&.size]
  RUBY
  "keyword args tools" => <<~'RUBY',
    def send_email(to:, subject:, cc: [], urgent: false) = { to: to, subject: subject, cc: cc, urgent: urgent }
    [send_email(to: "a@x", subject: "hi"), send_email(to: "b@x", subject: "re", urgent: true, cc: ["c@x"])]
  RUBY
  "frozen constants" => <<~'RUBY',
    LIMITS = { max: 10, min: 1 }.freeze
    begin
      LIMITS[:max] = 20
    rescue => e
      [e.class.name, LIMITS[:max], LIMITS.frozen?]
    end
  RUBY
  "catch throw" => <<~'RUBY',
    found = catch(:found) do
      [[1, 2], [3, 4], [5, 6]].each { |row| row.each { |x| throw :found, x if x > 3 } }
      nil
    end
    found
  RUBY
  "string builder report" => <<~'RUBY',
    rows = [["North", 1200.5], ["South", 980.0], ["East", 1500.25]]
    out = +""
    out << format("%-8s %10s\n", "Region", "Sales")
    rows.each { |r, s| out << format("%-8s %10.2f\n", r, s) }
    out << format("%-8s %10.2f\n", "Total", rows.sum(&:last))
    puts out
    out.lines.size
  RUBY
  "set operations" => <<~'RUBY',
    require "set"
    a = Set.new(%w[ruby go rust])
    b = Set[*%w[go python ruby]]
    [(a & b).sort, (a | b).size, (a - b).to_a, a.subset?(Set[*%w[ruby go rust c]])]
  RUBY
  "time window filter" => <<~'RUBY',
    require "time"
    now = Time.utc(2024, 6, 1, 12)
    events = ["2024-06-01T11:30:00Z", "2024-05-31T12:30:00Z", "2024-06-01T02:00:00Z"].map { |s| Time.iso8601(s) }
    events.select { |t| now - t <= 24 * 3600 }.map { |t| t.strftime("%H:%M") }
  RUBY
  "securerandom ids" => <<~'RUBY',
    require "securerandom"
    ids = Array.new(3) { SecureRandom.hex(4) }
    [ids.map(&:size), ids.all? { |i| i.match?(/\A\h{8}\z/) }]
  RUBY
  "hash defaults" => <<~'RUBY',
    graph = Hash.new { |h, k| h[k] = [] }
    [["a", "b"], ["a", "c"], ["b", "c"]].each { |x, y| graph[x] << y }
    [graph, graph.key?("z"), graph.fetch("z", :none)]
  RUBY
  "pattern in case" => <<~'RUBY',
    def classify(x)
      case x
      when Integer then x.negative? ? :negative_int : :int
      when Float then :float
      when /\A\d+\z/ then :numeric_string
      when String then :string
      when Array, Hash then :collection
      when nil then :nothing
      else :other
      end
    end
    [1, -2, 1.5, "42", "x", [], {}, nil, :s].map { |v| classify(v) }
  RUBY
  "zip and transpose" => <<~'RUBY',
    names = %w[a b c]
    scores = [[1, 2, 3], [4, 5, 6]]
    [names.zip(*scores), scores.transpose.map(&:sum), names.each_with_index.to_h]
  RUBY
  "min max by" => <<~'RUBY',
    products = [{ n: "a", p: 9.5 }, { n: "b", p: 3.25 }, { n: "c", p: 12.0 }]
    [products.min_by { |x| x[:p] }[:n], products.max_by { |x| x[:p] }[:n], products.sum { |x| x[:p] }, products.minmax_by { |x| x[:p] }.map { |x| x[:n] }]
  RUBY
  "chunk and slice" => <<~'RUBY',
    temps = [21, 22, 25, 26, 24, 19, 18, 23]
    [temps.chunk_while { |a, b| b > a }.to_a, temps.each_slice(3).map(&:max), temps.partition { |t| t > 22 }]
  RUBY
  "reduce with symbols" => <<~'RUBY',
    [(1..5).reduce(:*), (1..5).inject(:+), [[1, 2], [3]].sum([]), %w[a b c].each_with_index.map { |s, i| s * (i + 1) }]
  RUBY
  "string to number guards" => <<~'RUBY',
    inputs = ["12", "4.5", "abc", "", nil, "7e2"]
    inputs.map { |s| Float(s) rescue nil }
  RUBY
  "method objects" => <<~'RUBY',
    def double(x) = x * 2
    [1, 2, 3].map(&method(:double))
  RUBY
  "pattern matching" => <<~'RUBY',
    case { status: "ok", data: { items: [1, 2] } }
    in { status: "ok", data: { items: [first, *] } } then first
    end
  RUBY
  "define method dynamically" => <<~'RUBY',
    class Settings
      %w[host port user].each { |k| define_method(k) { @values[k] } }
      def initialize(values) = @values = values
    end
    s = Settings.new("host" => "db", "port" => 5432, "user" => "app")
    [s.host, s.port, s.user, s.respond_to?(:host)]
  RUBY
}
