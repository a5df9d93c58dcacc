# Text and data processing, as CRuby developers write it.
RealisticScripts.add "text", {
  "word frequencies" => <<~'RUBY',
    text = "the quick brown fox jumps over the lazy dog the fox"
    counts = text.split.tally.sort_by { |w, c| [-c, w] }.first(3)
    counts.each { |w, c| puts "#{w}: #{c}" }
    counts.to_h
  RUBY
  "slugify titles" => <<~'RUBY',
    def slugify(title) = title.downcase.strip.gsub(/[^a-z0-9\s-]/, "").gsub(/\s+/, "-").squeeze("-")
    ["Hello, World!", "  Ruby 3.3 Release Notes ", "A -- B"].map { |t| slugify(t) }
  RUBY
  "parse key=value config" => <<~'RUBY',
    raw = "host=db.local\nport=5432\n# comment\n\nuser = admin\n"
    config = raw.lines.map(&:strip).reject { |l| l.empty? || l.start_with?("#") }
                .to_h { |l| l.split("=", 2).map(&:strip) }
    config["port"] = config["port"].to_i
    config
  RUBY
  "extract emails" => <<~'RUBY',
    body = "Contact ann@example.com or BOB@Test.org; not a@b or x@y.z."
    body.scan(/\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b/i).map(&:downcase).uniq
  RUBY
  "csv report" => <<~'RUBY',
    require "csv"
    data = "name,dept,salary\nAnn,eng,120\nBo,ops,90\nCy,eng,100\n"
    rows = CSV.parse(data, headers: true)
    by_dept = rows.group_by { |r| r["dept"] }.transform_values { |rs| rs.sum { |r| r["salary"].to_i } }
    by_dept.sort.map { |d, total| "#{d}=#{total}" }.join(", ")
  RUBY
  "title case" => <<~'RUBY',
    small = %w[a an the of in on and]
    "the lord of the rings and the return".split.each_with_index.map { |w, i|
      i.zero? || !small.include?(w) ? w.capitalize : w
    }.join(" ")
  RUBY
  "wrap text" => <<~'RUBY',
    def wrap(s, width) = s.gsub(/(.{1,#{width}})(\s+|\z)/, "\\1\n").strip
    puts wrap("The quick brown fox jumps over the lazy dog near the river bank", 20)
    wrap("short", 20)
  RUBY
  "log level counts" => <<~'RUBY',
    log = <<~LOG
      2024-01-01 10:00:00 INFO start
      2024-01-01 10:00:01 WARN disk 80%
      2024-01-01 10:00:02 ERROR timeout
      2024-01-01 10:00:03 INFO done
    LOG
    log.each_line.map { |l| l[/\b(INFO|WARN|ERROR)\b/, 1] }.compact.tally
  RUBY
  "parse durations" => <<~'RUBY',
    def seconds(s)
      s.scan(/(\d+)\s*(h|m|s)/).sum { |n, u| n.to_i * { "h" => 3600, "m" => 60, "s" => 1 }[u] }
    end
    ["1h 30m", "45s", "2h5m10s"].map { |d| seconds(d) }
  RUBY
  "mask card numbers" => <<~'RUBY',
    "Card 4111 1111 1111 1234 and 5500-0000-0000-0004".gsub(/\b(?:\d[ -]?){12}(\d{4})\b/) { "**** #{$1}" }
  RUBY
  "camel to snake" => <<~'RUBY',
    %w[CamelCase someHTTPRequest already_snake XMLParser].map do |s|
      s.gsub(/([A-Z]+)([A-Z][a-z])/, '\1_\2').gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
    end
  RUBY
  "palindromes" => <<~'RUBY',
    words = ["Racecar", "A man, a plan, a canal: Panama", "hello", "No lemon, no melon"]
    words.select { |w| (c = w.downcase.gsub(/[^a-z]/, "")) == c.reverse }
  RUBY
  "json transform" => <<~'RUBY',
    require "json"
    input = '{"items":[{"name":"pen","qty":3,"price":1.5},{"name":"book","qty":1,"price":12.0}]}'
    data = JSON.parse(input, symbolize_names: true)
    total = data[:items].sum { |i| i[:qty] * i[:price] }
    JSON.generate({ count: data[:items].size, total: total, names: data[:items].map { |i| i[:name] } })
  RUBY
  "markdown headings toc" => <<~'RUBY',
    md = "# Intro\nText\n## Setup\n### Linux\n## Usage\n"
    md.lines.grep(/\A#+ /).map do |l|
      level = l[/\A#+/].size
      title = l.sub(/\A#+ /, "").strip
      "#{'  ' * (level - 1)}- [#{title}](##{title.downcase.gsub(' ', '-')})"
    end.join("\n")
  RUBY
  "roman numerals" => <<~'RUBY',
    def roman(n)
      { 1000 => "M", 900 => "CM", 500 => "D", 400 => "CD", 100 => "C", 90 => "XC", 50 => "L", 40 => "XL",
        10 => "X", 9 => "IX", 5 => "V", 4 => "IV", 1 => "I" }.reduce(+"") { |s, (v, r)| s << r * (n / v); n %= v; s }
    end
    [1994, 2024, 4, 3999].map { |n| roman(n) }
  RUBY
  "caesar cipher" => <<~'RUBY',
    def caesar(s, k) = s.gsub(/[a-z]/i) { |c| base = c =~ /[a-z]/ ? 97 : 65; ((c.ord - base + k) % 26 + base).chr }
    enc = caesar("Hello, World!", 3)
    [enc, caesar(enc, -3)]
  RUBY
  "anagram groups" => <<~'RUBY',
    %w[listen silent enlist google gooegl cat act tac].group_by { |w| w.chars.sort.join }.values.select { |g| g.size > 1 }
  RUBY
  "template render" => <<~'RUBY',
    tpl = "Hello {{name}}, your order {{order_id}} ships {{date}}."
    vars = { "name" => "Ann", "order_id" => "A-17", "date" => "tomorrow" }
    tpl.gsub(/\{\{(\w+)\}\}/) { vars.fetch($1, "?") }
  RUBY
  "phone normalize" => <<~'RUBY',
    ["(555) 123-4567", "555.123.4567", "+1 555 123 4567", "1234"].map do |p|
      digits = p.gsub(/\D/, "")
      digits = digits[1..] if digits.size == 11 && digits.start_with?("1")
      digits.size == 10 ? "#{digits[0, 3]}-#{digits[3, 3]}-#{digits[6, 4]}" : nil
    end
  RUBY
  "url parts" => <<~'RUBY',
    url = "https://shop.example.com:8443/path/to/item?id=42&ref=mail#top"
    m = url.match(%r{\A(?<scheme>\w+)://(?<host>[^/:]+)(?::(?<port>\d+))?(?<path>/[^?#]*)?(?:\?(?<query>[^#]*))?})
    query = m[:query].split("&").to_h { |kv| kv.split("=") }
    [m[:scheme], m[:host], m[:port].to_i, m[:path], query]
  RUBY
  "dates in text" => <<~'RUBY',
    require "date"
    note = "Meeting on 2024-03-05, follow-up 2024-03-19, invoice due 2024-04-01"
    dates = note.scan(/\d{4}-\d{2}-\d{2}/).map { |d| Date.parse(d) }
    dates.each_cons(2).map { |a, b| (b - a).to_i }
  RUBY
  "strip html" => <<~'RUBY',
    html = "<p>Hello <b>world</b> &amp; <a href='x'>friends</a></p>"
    html.gsub(/<[^>]+>/, "").gsub("&amp;", "&").gsub("&lt;", "<").gsub("&gt;", ">")
  RUBY
  "tsv to hashes" => <<~'RUBY',
    tsv = "id\tname\tscore\n1\tann\t9.5\n2\tbo\t7\n"
    header, *rows = tsv.lines.map { |l| l.chomp.split("\t") }
    rows.map { |r| header.zip(r).to_h }.map { |h| h.merge("score" => h["score"].to_f) }
  RUBY
  "count vowels" => <<~'RUBY',
    "Programming in Ruby is fun".downcase.count("aeiou")
  RUBY
  "acronym" => <<~'RUBY',
    ["Portable Network Graphics", "as soon as possible", "Ruby on Rails"].map { |s| s.scan(/\b\w/).join.upcase }
  RUBY
  "line numbers" => <<~'RUBY',
    code = "def hi\n  puts 'hi'\nend"
    code.lines.each_with_index.map { |l, i| format("%3d | %s", i + 1, l.chomp) }.join("\n")
  RUBY
  "tokenize expression" => <<~'RUBY',
    "3 + 4.5 * (2 - x1)".scan(/\d+\.\d+|\d+|[a-z]\w*|[-+*\/()]/).map do |t|
      case t
      when /\A\d+\z/ then [:int, t.to_i]
      when /\A\d+\.\d+\z/ then [:float, t.to_f]
      when /\A[a-z]/ then [:ident, t]
      else [:op, t]
      end
    end
  RUBY
  "squeeze whitespace" => <<~'RUBY',
    "  too   many \t spaces\n here  ".split.join(" ")
  RUBY
  "hashtags" => <<~'RUBY',
    tweets = ["Loving #ruby and #Rails!", "#ruby tips", "no tags", "#RUBY again"]
    tweets.flat_map { |t| t.scan(/#(\w+)/).flatten.map(&:downcase) }.tally.max_by { |_, c| c }
  RUBY
  "base64 round trip" => <<~'RUBY',
    require "base64"
    secret = "user:p@ss w0rd"
    enc = Base64.strict_encode64(secret)
    [enc, Base64.strict_decode64(enc) == secret, Base64.urlsafe_encode64("\xfb\xff".b)]
  RUBY
  "diff lines" => <<~'RUBY',
    a = %w[apple banana cherry date]
    b = %w[banana cherry elderberry date fig]
    { added: b - a, removed: a - b, kept: a & b }
  RUBY
  "number formatting" => <<~'RUBY',
    def delimit(n) = n.to_s.reverse.scan(/\d{1,3}/).join(",").reverse
    [1234567, 1000, 999, 12345678901].map { |n| delimit(n) }
  RUBY
  "ordinalize" => <<~'RUBY',
    def ordinal(n)
      suffix = (11..13).cover?(n % 100) ? "th" : { 1 => "st", 2 => "nd", 3 => "rd" }.fetch(n % 10, "th")
      "#{n}#{suffix}"
    end
    [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map { |n| ordinal(n) }
  RUBY
  "truncate words" => <<~'RUBY',
    def truncate(s, n) = s.size <= n ? s : s[0, n].sub(/\s+\S*\z/, "") + "..."
    truncate("The quick brown fox jumps over the lazy dog", 20)
  RUBY
  "validate passwords" => <<~'RUBY',
    rules = { length: ->(p) { p.size >= 8 }, digit: ->(p) { p.match?(/\d/) }, upper: ->(p) { p.match?(/[A-Z]/) },
              symbol: ->(p) { p.match?(/[^\w\s]/) } }
    %w[password Passw0rd! short1A LongEnough123].to_h { |p| [p, rules.reject { |_, r| r.call(p) }.keys] }
  RUBY
  "json pretty config" => <<~'RUBY',
    require "json"
    puts JSON.pretty_generate({ "service" => "api", "replicas" => 3, "env" => { "LOG" => "debug" }, "ports" => [80, 443] })
  RUBY
  "split sentences" => <<~'RUBY',
    "Dr. Smith arrived. It was late! Was it? Yes.".split(/(?<=[.!?])\s+(?=[A-Z])/)
  RUBY
  "histogram" => <<~'RUBY',
    scores = [72, 85, 91, 68, 77, 88, 95, 59, 81]
    scores.group_by { |s| s / 10 * 10 }.sort.each { |b, ss| puts "#{b}-#{b + 9}: #{'*' * ss.size}" }
    nil
  RUBY
  "unicode names" => <<~'RUBY',
    names = ["Zoë", "Ömer", "Ana", "Émile"]
    names.sort.map { |n| [n, n.size, n.bytesize] }
  RUBY
  "ini parsing" => <<~'RUBY',
    ini = "[db]\nhost = x\nport = 1\n[cache]\nttl = 60\n"
    section = nil
    ini.each_line.with_object({}) do |line, h|
      case line.strip
      when /\A\[(\w+)\]\z/ then section = h[$1] = {}
      when /\A(\w+)\s*=\s*(.*)\z/ then section[$1] = $2
      end
    end
  RUBY
  "time formatting" => <<~'RUBY',
    require "time" # Time#iso8601 (CRuby 3.1/3.3 need it too; the suite may have loaded it already)
    t = Time.utc(2024, 3, 9, 14, 5, 9)
    [t.strftime("%Y-%m-%d %H:%M"), t.strftime("%b %-d, %Y at %-I:%M %p"), t.iso8601, t.strftime("%A week %V")]
  RUBY
  "levenshtein" => <<~'RUBY',
    def lev(a, b)
      d = Array.new(a.size + 1) { |i| [i] + [0] * b.size }
      (0..b.size).each { |j| d[0][j] = j }
      (1..a.size).each { |i| (1..b.size).each { |j| d[i][j] = [d[i-1][j] + 1, d[i][j-1] + 1, d[i-1][j-1] + (a[i-1] == b[j-1] ? 0 : 1)].min } }
      d[a.size][b.size]
    end
    [lev("kitten", "sitting"), lev("flaw", "lawn"), lev("", "abc")]
  RUBY
  "regex validation table" => <<~'RUBY',
    patterns = { zip: /\A\d{5}(-\d{4})?\z/, hex: /\A#?\h{6}\z/, ipv4: /\A(\d{1,3}\.){3}\d{1,3}\z/ }
    inputs = ["12345", "12345-6789", "#ff00aa", "10.0.0.1", "999.1"]
    inputs.to_h { |i| [i, patterns.select { |_, re| re.match?(i) }.keys] }
  RUBY
  "bullet list parse" => <<~'RUBY',
    text = "- buy milk\n- call mom [urgent]\n* fix bike\n- [x] done thing"
    text.lines.map { |l| l.sub(/\A[-*]\s+/, "").chomp }.map { |t| { task: t.sub(/\s*\[\w+\]/, ""), urgent: t.include?("[urgent]") } }
  RUBY
  "numbers from prose" => <<~'RUBY',
    "We sold 1,200 units at $4.50 each, up 12.5% from 980 units.".scan(/\d[\d,]*(?:\.\d+)?/).map { |n| n.delete(",").include?(".") ? n.delete(",").to_f : n.delete(",").to_i }
  RUBY
  "rot13 and frequency" => <<~'RUBY',
    s = "Why did the chicken cross the road?"
    r = s.tr("A-Za-z", "N-ZA-Mn-za-m")
    [r, r.tr("A-Za-z", "N-ZA-Mn-za-m") == s, s.downcase.delete("^a-z").chars.tally.max_by(&:last)]
  RUBY
  "fixed width parse" => <<~'RUBY',
    lines = ["ANN   0042NYC", "BOBBY 0317LAX"]
    lines.map { |l| { name: l[0, 6].strip, id: l[6, 4].to_i, city: l[10, 3] } }
  RUBY
  "symbol manipulation" => <<~'RUBY',
    %i[first_name last_name created_at].map { |s| s.to_s.split("_").map(&:capitalize).join(" ") }
  RUBY
}
