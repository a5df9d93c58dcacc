# Regexp cases for the differential suite: patterns a CRuby developer writes, applied to
# subjects by every method that takes a pattern. Generated, but deterministic.
module RegexpCases
  PATTERNS = [
    '/\d+/', '/[a-z]+/i', '/(\w+)@(\w+)\.com/', '/\A\s+|\s+\z/', '/(?<key>\w+)=(?<val>[^;]*)/',
    '/^\s*#.*$/', '/a.c/m', '/colou?r/', '/\bcat\b/i', '/(\d{3})-(\d{4})/', '/[[:alpha:]]+/', '/[[:punct:]]/',
    '/\p{Lu}/', '/\h+/', '/\R/', '/(?=\d)/', '/(?<=\$)\d+(?:\.\d\d)?/', '/(?<!\d)\d{2}(?!\d)/', '/(a|b)+/',
    '/s+?/', '/s++i/', '/(\w)\1/', '/(?<ch>[a-z])\k<ch>/', '/ a # an a
      \s* b # then b
    /x', '/\s+/', '/,\s*/', '/[aeiou]/', '/[^aeiou\s]+/', '/(\d+)(?:px|em)/', '/\.\w+\z/', '/[A-Z][a-z]+/',
    '/(?i)the/', '/\Ahttps?:\/\/[^\/]+/', '/é+/', '/[α-ω]+/', '/./', '/^$/', '/o\Z/', '/(\d+)-(\d+)-(\d+)/',
    '/\w+(?=:)/', '/[[:upper:]][[:lower:]]*/', '/\p{Greek}+/', '/(?<word>\w+)\s(?<num>\d+)/', '/t/',
    '/(?:ab)+/', '/\$\d+/', '%r{/(\w+)/}', '/[\u00e0-\u00ff]/', '/x*/', '/(?m:.+)/'
  ].freeze

  SUBJECTS = [
    '"hello world"', '"The Cat sat on the cat mat"', '"a1b22c333"', '"john@example.com, jane@test.com"',
    '"  padded  "', '"key=value; other=thing; empty="', %("line one\\n# comment\\nline three\\n"),
    '"color colour colr"', '"price: $12.50 and $7"', '"héllo wörld ÉTÉ"', '"AAbbCCdd"', '"2024-01-15 10:30 555-1234"',
    '""', %("tab\\tsep\\tvalues"), '"mississippi"', '"αβγ δεζ"', '"width: 10px; height: 2em"',
    '"https://example.com/path/to?q=1"', '"word 42 other 7"', '"a:1 b:2 ccc:3"', '"ababab abc"'
  ].freeze

  # Each turns a subject `s` and a pattern `re` into a plain value.
  OPERATIONS = {
    "=~" => "s =~ re",
    "match.to_a" => "s.match(re)&.to_a",
    "match positions" => "(m = s.match(re)) && [m.begin(0), m.end(0), m.pre_match, m.post_match, m.offset(m.size - 1)]",
    "scan" => "s.scan(re)",
    "gsub template" => 's.gsub(re, "<\\\\0>")',
    "sub block" => "s.sub(re) { |x| x.upcase.reverse }",
    "gsub block with $~" => 's.gsub(re) { "[#{$~.begin(0)}:#{$~[-1]}]" }',
    "split" => "s.split(re)",
    "split limit" => "s.split(re, 2)",
    "match?" => "[s.match?(re), $~.nil?]",
    "index rindex" => "[s.index(re), s.rindex(re), s.index(re, 3)]",
    "slice" => "[s[re], s.slice(re, 0), s[re, -1]]",
    "partition" => "[s.partition(re), s.rpartition(re)]",
    "globals" => "s =~ re; [$~&.to_a, $1, $2, $&, $`, $']",
    "named" => "(m = re.match(s)) ? [m.names, m.named_captures, m.captures] : re.names",
    "case/when and grep" => "r = case s when re then :matched else :no end; [r, s.split.grep(re), s.split.grep_v(re)]",
    "scan block" => "out = []; s.scan(re) { |x| out << [x, $~.offset(0)] }; out",
    "gsub!" => "t = s.dup; r = t.gsub!(re, '_'); [r, t]",
    "sub hash" => 's.sub(re, "a" => "A", "1" => "one")'
  }.freeze

  # Regexp's own API on a few patterns.
  API = [
    'Regexp.escape("a.b*c?(d)[e]{f}|g^h$i\\\\ j\n")', 'Regexp.union("a.b", "c|d").source', 'Regexp.union(/a/i, /b/m).source',
    'Regexp.union.source', '/x/mi.options', '/ab/ix.inspect', '/a\/b/.source', '%r{a/b}.source', '/(?<y>\d+)/.names',
    '/(?<a>.)(?<b>.)/.named_captures', '/x/i.casefold?', 'Regexp.new("a+b", Regexp::IGNORECASE) =~ "xAAB"',
'Regexp.new(/x/i).options', '/abc/ == /abc/', '/abc/ == /abc/i',
    '/(.)(.)/.match("ab").values_at(0, 2)', '/(.)(.)/.match("ab").captures', '/(?<x>.)/.match("q")[:x]',
    '/(?<x>.)/.match("q")["x"]', '/(a)(b)?/.match("a").to_a', '/(a)(b)?/.match("a").size', '/b/.match("abc").pre_match',
    '/c/.match("abc", 1)&.begin(0)', '/a/.match("abc", 1)', '/x/.match?("x", 1)', 'Regexp.new("(").source',
    'Regexp.new("[a-")', 'Regexp.new("a{2,1}") rescue :error', '/a/ === "cat"', '/a/ === :cat', '/a/ === 5',
    '/\d/.match("x")', '"x" =~ /(?<n>y)/; n rescue :no_n', '/(?<yr>\d+)/ =~ "in 1999"; [yr, $~[:yr]]',
    'if /(?<h>\d+):(?<m>\d+)/ =~ "at 10:45" then [h, m] end', '/(?<q>z)/ =~ "abc"; q', 'Regexp.last_match',
    '"ab" =~ /(b)/; [Regexp.last_match(1), Regexp.last_match(0)]', '/(?<x>a)|(?<x>b)/.match("b")[:x]',
    '/(\d+)/.match("a12b").offset(1)', '/\d/.match("x1").to_s', '/é/.match("café")&.begin(0)',
    '"café" =~ /é/', '"日本語テキスト".scan(/\p{Han}+|\p{Katakana}+/)', '"AbC".swapcase =~ /[[:upper:]]/',
    '"a\nb\nc".scan(/^./)', '"a\nb".match?(/a$/)', '"a\nb".match?(/a\z/)', '"tic-tac-toe".tr("-", " ").split(/\s/)',
    '/(\w+) (\w+)/.match("hello big world").inspect', '/x/.to_s', '/x/mix.to_s', '(/a/ =~ nil).inspect',
    '"foo.bar(baz)".gsub(/[.()]/, "." => "_", "(" => "[", ")" => "]")', '"aaa".gsub(/a/, "\\\\\\\\")',
    '"john smith".gsub(/(?<first>\w+) (?<last>\w+)/, "\\\\k<last>, \\\\k<first>")', '"ab".gsub(/(a)(b)/, "\\\\2\\\\1\\\\0")',
    '"xyz".gsub(/y/, "[\\\\`|\\\\&|\\\\\']")', '"hello".gsub(/l/) { |c| c.ord.to_s }', '"hello".tr("el", "ip").sub(/p+/, "P")',
    '"CamelCaseString".gsub(/([A-Z])/) { "_" + $1.downcase }.sub(/\A_/, "")', '"snake_case_words".gsub(/_(\w)/) { $1.upcase }',
    '"The rain in Spain".scan(/\b\w*ain\b/)', '"2+3*4".split(/([+*])/)', '"a,b;c d".split(/[,; ]/)', '"abc".split(//)',
    '"a  b   c".split(/\s+/)', '" lead".split(/\s/)', '"1,2,,3,,".split(/,/)', '"1,2,,3,,".split(/,/, -1)',
    '"abc".each_char.grep(/[ac]/)', '%w[apple Banana cherry].grep(/an/i) { |w| w.upcase }', '"abc".sub!(/x/, "y")',
    '"hello world".slice!(/o w/)', '"hello".start_with?(/h.l/)', '"hello".start_with?(/el/)', '"path/to/file.rb"[/[^\/]+\z/]',
    '"v1.2.3".scan(/\d+/).map(&:to_i)', '"2024-01-15".match(/(\d+)-(\d+)-(\d+)/).captures.map(&:to_i)',
    '"Total: 42 items".match(/(?<count>\d+) (?<what>\w+)/).named_captures', 
    '"aaa".scan(/a*/)', '"abc".gsub(/x*/, "-")', '"abc".scan(/(?=(\w))/)', '"mississippi".squeeze.scan(/[^aeiou]/)',
    '"ruby is fun".split.map { |w| w.sub(/^./) { |c| c.upcase } }.join(" ")', '"  trim me  ".gsub(/\A\s+|\s+\z/, "")',
    '"phone: 555-1234 or 555-9876".scan(/(\d{3})-(\d{4})/)', '"<b>bold</b> <i>it</i>".gsub(/<\/?[^>]+>/, "")',
    '"user@mail.com".match?(/\A[\w+\-.]+@[a-z\d\-]+(\.[a-z\d\-]+)*\.[a-z]+\z/i)', '"ÀÉÎ".downcase =~ /é/',
    'Regexp.new(Regexp.escape("1+1=2")).match?("1+1=2")', '"a.b.c".split(".")', '"a-b".sub("-", "\\\\0\\\\0")',
    '"x".match(/(y)?x/)[1]', '"abcabc".index(/c/, 3)', '"abcabc".rindex(/b/, 3)', '"hello"=~/ll/ && $~.pre_match',
    ':symbol =~ /bol/', ':symbol.match(/s(y)/)[1]', ':symbol.match?(/z/)', '"ab\ncd".scan(/.$/)', '"ab".match(/(?<A>a)/)&.named_captures'
  ].freeze

  module_function

  def cases
    generated + API.each_with_index.map { |code, i| Differential::Case.new("regexp", "api #{i}", code) }
  end

  # Every pattern with a few subjects and operations, chosen by position so that each
  # pattern meets every operation and most subjects.
  def generated
    ops = OPERATIONS.to_a
    PATTERNS.each_with_index.flat_map do |pattern, pi|
      Array.new(8) do |k|
        subject = SUBJECTS[(pi * 5 + k * 3) % SUBJECTS.size]
        name, op = ops[(pi + k * 5) % ops.size]
        code = "s = #{subject}\nre = #{pattern}\n#{op}"
        Differential::Case.new("regexp", "#{pattern.lines.first.strip} #{name} on #{subject}", code)
      end
    end
  end
end
