# Cases for the methods the method-coverage sweep found missing and corelib's 70_*.rb ..
# 85_*.rb files added (spec/kobako/method_coverage_spec.rb), written as CRuby code uses
# them. Values that the codec does not carry (Rational, Complex, Set, Time) are compared
# through their inspect. Methods CRuby 3.1 lacks run only on a newer host.
module CoverageCases
  CASES = {
    "Integer" => [
      "[5[0], 5[1], 5[2], 6[-1], -1[100], 2**70 >> 69 & 1, (2**70)[70]]",
      "flags = 0b1011; %i[read write exec admin].each_with_index.select { |_, i| flags[i] == 1 }.map(&:first)",
      "[0b110110[1, 3], 0b110110[2..4], 0b110110[2...4], 0b110110[3..], 0b1100[..1], 13[2..1], 13[1, -1], 5[-2, 3]]",
      "begin; 0b1101[..2]; rescue ArgumentError => e; e.message; end",
      "[0, 1, 255, 256, -1, -256, -257, 2**64, -(2**64)].map(&:bit_length)",
      "[1.coerce(2), 1.coerce(2.5), 1.coerce(\"3\"), (1.coerce(nil) rescue :type_error)]",
      "[1.size, (2**64).size, (2**100).size, (2**63).size]",
      "[3.integer?, 7.numerator, 7.denominator, -4.magnitude, 65.ord, 10.pred, 0.pred]",
      "[Integer.try_convert(3), Integer.try_convert(3.9), Integer.try_convert(\"3\"), Integer.try_convert(nil)]",
      "case 5 when Integer then :int end",
      "[1 === 1, 1 === 1.0, 2 === 3]",
      "r = [] ; 3.downto(1) { |i| r << i.pred }; r",
      "[(2**70).div(3), 10.div(2**70), 7.div(2.5), -7.div(2), (2**70).div(2.5), 7.div(Rational(1, 2))]",
      "[(2**70).divmod(3), 10.divmod(2**70), 7.divmod(2.5), -7.divmod(2.5), 7.divmod(-2), 7.divmod(Rational(1, 3)).inspect]",
      "[(7.div(0) rescue $!.class), (7.div(0.0) rescue $!.class), (7.divmod(0) rescue $!.class)]",
      "[2 ** -2, (-2) ** -3, 10 ** -1, 2.pow(-1), 2 ** 10, 2 ** 0.5, 4 ** Rational(1, 2)].map(&:inspect)",
      "begin; 0 ** -1; rescue ZeroDivisionError => e; e.message; end",
      "[3.pow(100, 7), 2.pow(10, 1000), 12.pow(2)]",
      "total_seconds = 7384; hours, rest = total_seconds.divmod(3600); minutes, seconds = rest.divmod(60); format(\"%02d:%02d:%02d\", hours, minutes, seconds)"
    ],
    "Float" => [
      "[1.5.coerce(2), 1.0.coerce(\"2.5\"), (1.0.coerce(nil) rescue $!.class)]",
      "[1.0.next_float, 1.0.prev_float, 0.0.next_float, 0.0.prev_float, -0.0.next_float, Float::MAX.next_float, (-Float::MAX).prev_float, Float::INFINITY.next_float]",
      "[0.1 + 0.2 == 0.3, (0.1 + 0.2).prev_float == 0.3, (0.1 + 0.2).prev_float.prev_float < 0.3]",
      "[3.7.to_int, -3.7.to_int, 2.5.magnitude, -0.0.magnitude]",
      "[1.0.angle, -1.0.angle, 0.0.arg, -0.0.arg, -2.5.phase, Float::NAN.angle.nan?]",
      "[0.5.numerator, 0.5.denominator, 0.75.numerator, 3.0.denominator, 0.1.numerator, Float::INFINITY.denominator, Float::INFINITY.numerator]",
      "[0.1, 0.333, 1.5, -0.5, 3.0, 0.0, 1e15, 1e-5, 2.0 / 3, 3.14159, 12.34, -99.99].map { |f| f.rationalize.inspect }",
      "[0.333.rationalize(0.01), 3.14159.rationalize(Rational(1, 100)), 1.5.rationalize(0), -0.333.rationalize(0.01), 0.3.rationalize(0)].map(&:inspect)",
      "begin; Float::INFINITY.rationalize; rescue FloatDomainError => e; e.message; end",
      "[1.5 === 1.5, 1.0 === 1, case 2.0 when 2 then :two end]",
      "[1e20.to_i, 1e19.to_i, -1e20.to_i, 1e100.to_i.to_s.size, 2.0**70 == (2**70).to_f, 1e20.round, -1e20.floor, 1e20.ceil, 1e20.truncate, 1e20.round(2), 1e22.to_i]",
      "[12.5.round, 2.5.round(half: :even), 1.5.floor, -1.5.ceil, 1234.5678.floor(2), 1234.5678.round(-2)]"
    ],
    "Rational and Complex" => [
      "[Rational(1, 2).coerce(3), Rational(1, 2).coerce(0.5), Rational(1, 2).coerce(Rational(1, 3))].inspect",
      "[Rational(2, 3) ** 2, Rational(2, 3) ** -2, Rational(-2, 3) ** -3, Rational(4, 1) ** Rational(2, 1), Rational(1, 4) ** 0.5, Rational(5, 7) ** 0].map(&:inspect)",
      "[4 ** Rational(2, 1), 4 ** Rational(1, 2), 2 ** Rational(-2, 1), 8 ** Rational(1, 3)].map(&:inspect)",
      "begin; Rational(1, 2).coerce(\"1\"); rescue TypeError => e; e.message; end",
      "[Rational(333, 1000).rationalize(Rational(1, 100)), Rational(1, 3).rationalize, Rational(-7, 10).rationalize(Rational(1, 10))].inspect",
      "[Complex(1, 2).coerce(3), Complex(1, 2).coerce(Complex(3, 4))].map { |pair| pair.map(&:rectangular) }",
      "begin; Complex(1, 2).coerce(\"x\"); rescue TypeError => e; e.message; end",
      "[Complex(1, 2)**2, Complex(0, 1)**2, Complex(1, 1)**3, Complex(2, 0)**-1, Complex(1, 2)**0, Complex(3, 4)**1].map { |c| c.rectangular.map(&:to_f) }",
      "[(Complex(1, 2)**0.5).rectangular.map { |x| x.round(10) }, (Complex(1, 2)**Complex(0, 1)).rectangular.map { |x| x.round(10) }]",
      "[Complex(1, 2) <=> Complex(1, 0), Complex(3, 0) <=> 2, Complex(3, 0) <=> Complex(5, 0), Complex(1, 0) <=> \"a\"]",
      "c = Complex(3, 4); [c.numerator.rectangular.map(&:to_f), c.denominator]",
      "[Complex(3, 0).rationalize, Complex(1.5, 0).rationalize(Rational(1, 10))].inspect",
      "begin; Complex(3, 1).rationalize; rescue RangeError => e; e.class; end",
      "[Complex(\"1+2i\"), Complex(\"3\"), Complex(\" -2.5i \"), Complex(\"1+2i\", 3)].map { |c| c.rectangular.map(&:to_f) }",
      "[(Complex(\"1+2ix\") rescue $!.message), Complex(\"zz\", exception: false), Complex(nil, exception: false), (Complex(nil) rescue $!.class)]"
    ],
    "String" => [
      "[\"abc\".scrub, \"a\\xffb\".scrub, \"a\\xE3\\x81\\xffz\".scrub, \"a\\xE3\\x81\".scrub(\"?\"), \"\\xed\\xa0\\x80\".scrub(\"*\"), \"\\xC0\\xAF\".scrub(\"\")]",
      "\"caf\\xC3\".scrub { |bytes| \"<\#{bytes.unpack1('H*')}>\" }",
      "s = +\"ok\\xff\"; r = s.scrub!(\"?\"); [r, s, r.equal?(s)]",
      "raw = \"name\\xff\\xfe,value\"; raw.valid_encoding? ? raw : raw.scrub(\"\").split(\",\")",
      "['\"a\\\\nb\"'.undump, '\"\\\\u00e9t\\\\u00e9\"'.undump, '\"tab\\\\there\"'.undump, '\"\\\\xE3\\\\x81\\\\x82\"'.undump, '\"q\\\\\"q\"'.undump]",
      "s = \"multi\\nline \\\"quoted\\\" \\u00e9 \\e\"; s.dump.undump == s",
      "begin; \"abc\".undump; rescue RuntimeError => e; e.message; end",
      "%w[1+2i -i i 3.5e2-2i 2 1/2 1/2+3/4i 2_0+3ix x 1.5 -3.25i 1e3].map { |s| s.to_c.rectangular.map(&:to_f) }",
      "\"1@2\".to_c.rectangular.map { |x| x.round(12) }",
      "[String.try_convert(\"a\"), String.try_convert(:a), String.try_convert(nil)]",
      "[\"\\x01\".inspect, \"\\xff\".inspect, \"\\x7f\".inspect, \"tab\\tnl\\n\\e\".inspect, \"caf\u00e9\".inspect, \"a\\x00b\".inspect]",
      "[\"\\x01\\xff\".dump, \"caf\u00e9\".dump, \"\u{1F600}\".dump, \"q\\\"\\\\\".dump, \"\\u00e9\\x80\".dump]",
      "[\"caf\u00e9 \u{1F600}\".dump.undump == \"caf\u00e9 \u{1F600}\", \"\\x01\\e\\x7f\".dump.undump.bytes]",
      "[\"a\" === \"a\", String === \"a\", case \"yes\" when \"yes\" then 1 end]"
    ],
    "Encoding" => [
      "[Encoding::UTF_8.name, Encoding::UTF_8.to_s, Encoding::UTF_8.inspect, Encoding::BINARY.inspect, Encoding::ASCII_8BIT.names, Encoding::US_ASCII.names.first(2)]",
      "[Encoding.find(\"utf-8\") == Encoding::UTF_8, Encoding.find(\"binary\").name, Encoding.find(Encoding::US_ASCII).name, Encoding.default_external.name, Encoding.default_internal]",
      "begin; Encoding.find(\"klingon\"); rescue ArgumentError => e; e.message; end",
      "[\"caf\u00e9\".encoding.name, \"abc\".encoding == Encoding::UTF_8, :abc.encoding.name, :\"caf\u00e9\".encoding.name, /a/.encoding.name, /caf\u00e9/.encoding.name]",
      "s = +\"data\"; [s.force_encoding(\"UTF-8\").equal?(s), s.force_encoding(Encoding::UTF_8) == \"data\"]",
      "begin; \"x\".force_encoding(\"klingon\"); rescue ArgumentError => e; e.message; end",
      "begin; \"x\".freeze.force_encoding(\"UTF-8\"); rescue FrozenError => e; e.class; end",
      "[\"a\\xffb\".encode(\"UTF-8\", invalid: :replace), \"a\\xffb\".encode(\"UTF-8\", invalid: :replace, replace: \"?\"), \"a\\xffb\".encode(\"UTF-8\", invalid: :replace, undef: :replace, replace: \"\")]",
      "\"a\\xffb\".encode(\"UTF-8\").bytes",
      "[\"caf\u00e9\".encode(\"US-ASCII\", undef: :replace), \"caf\u00e9\".encode(\"ASCII\", undef: :replace, replace: \"\"), \"caf\u00e9\".encode(\"US-ASCII\", fallback: { \"\u00e9\" => \"e\" }), \"plain\".encode(\"US-ASCII\")]",
      "begin; \"caf\u00e9\".encode(\"US-ASCII\"); rescue Encoding::UndefinedConversionError => e; [e.class, e.message]; end",
      "begin; \"\\xff\".encode(\"US-ASCII\"); rescue Encoding::InvalidByteSequenceError => e; e.message; end",
      "begin; \"x\".encode(\"EBCDIC-X\"); rescue Encoding::ConverterNotFoundError => e; e.message; end",
      "[\"<a & \\\"b\\\">\".encode(xml: :text), \"<a & \\\"b\\\">\".encode(xml: :attr), \"a\\r\\nb\\rc\".encode(universal_newline: true), \"a\\nb\".encode(crlf_newline: true)]",
      "s = +\"x\\xff\"; s.encode!(\"UTF-8\", invalid: :replace, replace: \"?\"); s",
      "clean = ->(t) { t.encode(\"UTF-8\", invalid: :replace, undef: :replace, replace: \"\").strip }; clean.(\"  r\\xe9sum\\xff  \")",
      "[Encoding::UTF_8.ascii_compatible?, Encoding::UTF_8.dummy?, Encoding.name_list.include?(\"BINARY\"), Encoding::CompatibilityError.ancestors.include?(EncodingError)]"
    ],
    "Symbol" => [
      "[:user_id.start_with?(\"user\"), :user_id.end_with?(\"_id\", \"_key\"), :abc.start_with?(\"b\")]",
      "[:a.succ, :az.next, :Hello.swapcase, :sym.id2name]",
      "[:a === :a, case :ok when :ok then 1 end]",
      "%i[created_at name updated_at].select { |k| k.end_with?(\"_at\") }"
    ],
    "Array and Hash" => [
      "[[1, 2].to_ary, Array.try_convert([1]), Array.try_convert(1..2), Array.try_convert(nil)]",
      "a, b = *[1, 2].to_ary; [a, b]",
      "h = { name: \"x\", age: 3 }; [h.assoc(:age), h.rassoc(\"x\"), h.assoc(:nope), h.rassoc(9)]",
      "h = { a: 1 }; [h.to_hash.equal?(h), Hash.try_convert(h).equal?(h), Hash.try_convert([1])]",
      "{ a: 1, b: 2 }.transform_keys({ a: :x })",
      "{ a: 1, b: 2 }.transform_keys({ a: :x }) { |k| k.to_s }",
      "{ \"id\" => 1, \"Name\" => 2 }.transform_keys(&:downcase).transform_keys(&:to_sym)",
      "h = { a: 1, b: 2 }; h.transform_keys!({ a: :z }); h",
      "{ a: 1 }.transform_keys.class",
      "h = {}.compare_by_identity; a = \"k\"; b = \"k\"; h[a] = 1; h[b] = 2; [h.size, h[a], h[b], h[\"k\"], h.compare_by_identity?, {}.compare_by_identity?]",
      "h = { 1 => :a, :s => :b, \"str\" => :c }; h.compare_by_identity; [h[1], h[:s], h[\"str\"], h.size, h.dup.compare_by_identity?, h.keys]",
      "seen = {}.compare_by_identity; objs = [Object.new, Object.new]; objs.each { |o| seen[o] = true }; [seen.size, seen.key?(objs[0]), seen.key?(Object.new)]",
      "begin; {}.freeze.compare_by_identity; rescue FrozenError => e; e.class; end",
      "s = Set.new.compare_by_identity; s << \"a\" << \"a\"; x = :sym; s << x << x; [s.size, s.compare_by_identity?, Set.new.compare_by_identity?]"
    ],
    "Range" => [
      "[(1..100).bsearch { |x| x >= 37 }, (1..100).bsearch { |x| x > 100 }, (1...1).bsearch { true }]",
      "[(0.0..10.0).bsearch { |x| x >= 3.3 }, (0..1.0).bsearch { |x| x > 0.5 }, (0.0...1.0).bsearch { |x| x >= 1.0 }]",
      "[(1..10).bsearch { |x| 5 <=> x }, (1..10).bsearch { |x| 11 <=> x }, (-5..5).bsearch { |x| x >= -3 }]",
      "[(1..).bsearch { |x| x > 1000 }, (..10).bsearch { |x| x > -1000 }, (0..Float::INFINITY).bsearch { |x| x >= 1e10 }]",
      "ages = [3, 8, 15, 21, 40, 65]; i = (0...ages.size).bsearch { |k| ages[k] >= 18 }; [i, ages[i]]",
      "begin; (1..3).bsearch { \"a\" }; rescue TypeError => e; e.message; end",
      "begin; (\"a\"..\"z\").bsearch { true }; rescue TypeError => e; e.message; end",
      "(1..3).bsearch.class"
    ],
    "Enumerable" => [
      "[1, 2, 4, 5, 7, 8].chunk(&:even?).to_a",
      "[1, 2, 3, nil, 4, 5].chunk { |x| x.nil? ? :_separator : x > 2 }.to_a",
      "[1, 1, 2, 3, 3].chunk { |x| x == 1 ? :_alone : x }.map { |k, v| [k, v.size] }",
      "begin; [1].chunk { :_foo }.to_a; rescue RuntimeError => e; e.message; end",
      "log = \"INFO a\\nINFO b\\nERROR c\\nINFO d\"; log.lines.map(&:chomp).chunk { |l| l.split.first }.map { |lvl, ls| \"\#{lvl}:\#{ls.size}\" }",
      "[1, 2, 6, 7, 9].slice_before { |x| x > 5 }.to_a",
      "[\"# h1\", \"text\", \"more\", \"# h2\", \"x\"].slice_before(/\\A#/).map { |sec| sec.first }",
      "[1, 2, 6, 7, 8].slice_after(&:even?).to_a",
      "\"a,b;c,d;\".chars.slice_after(\";\").map(&:join)",
      "[[1, nil], [2, 3]].each.with_index.to_a.flatten.each_slice(2).to_a.compact.size",
      "(1..6).each_slice(2).map(&:sum).to_set.inspect",
      "{ a: nil, b: 1 }.each_value.compact",
      "[3, 1, 3, 2].to_set.size",
      "(1..3).chunk { |i| i.odd? }.size"
    ],
    "Enumerator and Lazy" => [
      "(1..Float::INFINITY).lazy.map { |x| x * 2 }.with_index.first(3)",
      "(1..3).lazy.with_index(1).map { |x, i| x * i }.to_a",
      "(1..Float::INFINITY).lazy.filter_map { |x| x * x if x.even? }.first(3)",
      "[1, nil, 2, nil].lazy.compact.to_a",
      "(1..Float::INFINITY).lazy.select(&:even?).eager.class",
      "(1..10).lazy.grep_v(2..8).to_a",
      "(1..10).lazy.grep_v(2..8) { |x| x * 10 }.to_a",
      "(1..Float::INFINITY).lazy.filter(&:odd?).first(2)",
      "(1..3).lazy.lazy.class",
      "(1..Float::INFINITY).lazy.chunk_while { |a, b| b == a + 1 && b % 4 != 0 }.first(2)",
      "(1..Float::INFINITY).lazy.slice_when { |a, b| b.odd? }.first(3)",
      "(1..Float::INFINITY).lazy.slice_before(&:odd?).first(2)",
      "(1..Float::INFINITY).lazy.slice_after { |x| x % 3 == 0 }.first(2)",
      "(1..Float::INFINITY).lazy.chunk(&:odd?).first(3)"
    ],
    "Kernel" => [
      "begin; exit; rescue SystemExit => e; [e.status, e.success?, e.message]; end",
      "begin; exit(3); rescue SystemExit => e; [e.status, e.success?]; end",
      "begin; exit(false); rescue SystemExit => e; e.status; end",
      "begin; abort; rescue SystemExit => e; [e.status, e.message]; end",
      "log = []; begin; begin; exit 2; ensure; log << :cleanup; end; rescue SystemExit; log << :exited; end; log",
      "[SystemExit.new.status, SystemExit.new(1).status, SystemExit.new(true, \"m\").message, SystemExit.ancestors.include?(Exception), SystemExit.superclass]",
      "begin; raise \"x\"; rescue StandardError; :std; rescue SystemExit; :exit; end",
      "1.display; \"two\".display; nil",
      "[1, 2].public_send(:push, 3)",
      "\"abc\".public_method(:upcase).call",
      "pp({ a: 1, b: [1, 2] })",
      "x = pp(1, \"two\"); x",
      "pp",
      "pp(%w[alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma])",
      "pp({ name: \"a\" * 40, tags: %w[one two three four five six], nested: { deep: \"b\" * 30, more: [1, 2, 3] } })",
      "[nil =~ /x/, nil.rationalize.inspect, nil.rationalize(0.1).inspect, NilClass === nil, nil === nil, true === true, false === false, case nil when nil then :nil end]"
    ],
    "Module" => [
      "class Account; def balance = 1; end; [Account.public_method_defined?(:balance), Account.public_method_defined?(:nope), Account.public_instance_methods(false)]",
      "class Account; def balance = 1; end; Account.public_instance_method(:balance).bind(Account.new).call",
      "begin; Integer.public_instance_method(:nope); rescue NameError => e; e.class; end",
      "class Cfg; SECRET = 1; private_constant :SECRET; end; Cfg",
      "begin; class Cfg; private_constant :MISSING; end; rescue NameError => e; e.message; end",
      "class Old; V = 1; deprecate_constant :V; end; Old::V",
      "class Factory; def self.build = new; private_class_method :new; end; Factory.build.class",
      "class Svc; def self.make = 1; public_class_method :make; end; Svc.make",
      "begin; class Svc2; private_class_method :nope; end; rescue NameError => e; e.class; end",
      "[Object == Object, Object == Kernel, Comparable == Comparable]",
      "module Util; module_function; def twice(x) = x * 2; def thrice(x) = x * 3; end; [Util.twice(4), Util.thrice(2)]",
      "module Helpers; def self.loaded = true; module_function; def slug(s) = s.downcase.tr(\" \", \"-\"); end; [Helpers.loaded, Helpers.slug(\"Hello World\")]",
      "module Fmt; def money(c) = format(\"$%.2f\", c / 100.0); module_function :money; end; Fmt.money(1999)",
      "[String.private_method_defined?(:upcase), String.protected_method_defined?(:upcase), Class.new.private_instance_methods(false)]"
    ],
    "Method" => [
      "def add(a, b) = a + b; add3 = method(:add).curry[3]; [add3[4], add3.(5)]",
      "def between(x, lo, hi) = x.between?(lo, hi); method(:between).curry(3)[5][1][10]",
      "[2, 3, 4].map { |n| case n when 2.method(:==) then :two when :even?.to_proc then :even else :odd end }",
      "even = 0.method(:zero?); [even === 0, even === 1]",
      "m1 = 1.method(:+); m2 = 1.method(:+); [m1 == m2, m1.hash == m2.hash, { m1 => :x }[m2]]",
      "u = Array.instance_method(:size); [u.hash == Array.instance_method(:size).hash, u.original_name, [1].method(:map).original_name]"
    ],
    "Exception" => [
      "[Exception.new(\"a\") == Exception.new(\"a\"), Exception.new(\"a\") == RuntimeError.new(\"a\"), Exception.new(\"a\") == Exception.new(\"b\")]",
      "e = (raise ArgumentError, \"bad input\" rescue $!); e.full_message(highlight: false).lines.first.split(\": \", 2).last",
      "e = (raise \"two\\nlines\" rescue $!); e.full_message(highlight: false).lines.first(2).map { |l| l.split(\": \", 2).last }",
      "begin; RuntimeError.new(\"x\").full_message(order: :sideways); rescue ArgumentError => e; e.message; end",
      "Exception.to_tty?",
      "def fetch_config = yield; rescue KeyError => e; raise ArgumentError, \"bad config\"; end; e = (fetch_config { {}.fetch(:port) } rescue $!); [e.message, e.cause.class, e.cause.message, e.cause.cause]",
      "begin; begin; 1 / 0; rescue ZeroDivisionError; Integer(\"z\"); end; rescue => e; [e.class, e.cause.class]; end",
      "begin; raise \"q\"; rescue; end; e = (raise \"r\" rescue $!); e.cause",
      "begin; begin; raise \"a\"; rescue => a; raise a; end; rescue => z; [z.message, z.cause]; end",
      "c = RuntimeError.new(\"root\"); e = (raise \"top\", cause: c rescue $!); [e.message, e.cause.message]",
      "begin; begin; raise \"a\"; rescue; raise TypeError, \"b\", cause: nil; end; rescue => b; [b.class, b.cause]; end",
      "e = (raise(ArgumentError.new(\"m\"), cause: KeyError.new(\"k\")) rescue $!); [e.class, e.message, e.cause.class]",
      "begin; raise(cause: RuntimeError.new(\"x\")); rescue ArgumentError => e; e.message; end",
      "Exception.new(\"fresh\").cause",
      "def chain(e) = e ? [e.message] + chain(e.cause) : []; begin; begin; begin; raise \"a\"; rescue; raise \"b\"; end; rescue; raise \"c\"; end; rescue => e; chain(e); end",
      "def log(msg) = \"\#{caller_locations(1, 1).first.label}: \#{msg}\"; def work = log(\"hi\"); work",
      "def where = caller_locations(0, 1).first.then { |l| [l.path, l.lineno, l.label, l.base_label] }; where",
      "def outer = inner; def inner = caller_locations.first(1).map(&:label); outer",
      "def boom = raise(ArgumentError, \"x\"); begin; boom; rescue => e; e.backtrace_locations.first.then { |l| [l.label, l.lineno, l.to_s] }; end",
      "Exception.new(\"never raised\").backtrace_locations",
      "class Bag; include Enumerable; def initialize(*items) = @items = items; def each = @items.each { yield _1 }; end; b = Bag.new(3, 1, 2); [b.sort, b.map { _1 * 2 }, b.include?(1), b.min, b.sum, b.first, b.each_slice(2).to_a, b.sort_by { -_1 }]",
      "def with_default = block_given? ? yield : :none; [with_default, with_default { :given }]",
      "class Node; def self.visit = yield(:root); end; Node.visit { |n| n.to_s }",
      "[StandardError.new(\"x\").inspect, RuntimeError.new.inspect, ArgumentError.new(\"\").inspect, KeyError.new(\"missing\").inspect]",
      "begin; Integer(\"zz\"); rescue => e; e.inspect.start_with?(\"#<ArgumentError: \"); end",
      "errors = [ArgumentError.new(\"bad\"), TypeError.new(\"worse\")]; errors.map(&:inspect).join(\", \")"
    ],
    "Time" => [
      "t = Time.at(1_700_000_000, 123_456).utc; [t.floor(3), t.ceil(2), t.floor, t.ceil, t.floor(6), t.ceil(9), t.round(3), t.round(4), t.round].map(&:inspect)",
      "t = Time.at(1_700_000_000, 999_999).utc; [t.ceil(3), t.round(5), t.floor(1)].map(&:inspect)",
      "t = Time.at(1_700_000_000, 500_000).getlocal(\"+09:00\"); [t.round.inspect, t.floor.inspect, t.ceil(0).utc_offset]",
      "t = Time.at(1_700_000_000).utc; [t.ceil.equal?(t) || t.ceil == t, t.floor == t]",
      "t = Time.at(1_700_000_000, 250_000).utc; [t.to_r.inspect, t.tv_sec, t.tv_usec, t.tv_nsec, t.isdst]",
      "begin; Time.at(0).floor(-1); rescue ArgumentError => e; e.message; end"
    ],
    "Set" => [
      "s = Set[1, 2]; [s.to_set.equal?(s), [3, 1].to_set.inspect, (1..3).to_set.include?(2)]",
      "require \"set\"; %w[a b a].to_set.size",
      "[Set[1, 2].disjoint?([3]), Set[1, 2].intersect?([2, 9]), Set[1].disjoint?(Set[1]), (Set[1].intersect?(5) rescue $!.class)]",
      "Point = Struct.new(:x, :y); pt = Point.new(1, 2); [pt.each.to_a, pt.each_pair.to_a, pt.each.size, pt.each_pair.map { |k, v| \"\#{k}=\#{v}\" }.join(\"&\")]"
    ],
    "Regexp and MatchData" => [
      "m = /(\\d+)-(\\d+)?/.match(\"12-\"); [m.match(1), m.match_length(1), m.match(2), m.match_length(2)]",
      "m = /(?<word>[a-z]+)/.match(\"42 hello world\"); [m.match(:word), m.match_length(\"word\")]",
      "m = /(a)/.match(\"a\"); [(m.match(5) rescue $!.message), (m.match(:x) rescue $!.message)]",
      "[/(x)/.match(\"x\").hash == /(x)/.match(\"x\").hash, { /(x)/.match(\"ax\") => 1 }.size]",
      "[/abc/.fixed_encoding?, /café/.fixed_encoding?]",
    ],
    "Math" => [
      "[Math.gamma(1), Math.gamma(5), Math.gamma(0.5).round(12), Math.gamma(23), Math.gamma(-1.5).round(12), Math.gamma(0.0), Math.gamma(-0.0)]",
      "[Math.lgamma(10).map { |x| x.round(10) }, Math.lgamma(-0.5).map { |x| x.round(10) }, Math.lgamma(0), Math.lgamma(-0.0)]",
      "begin; Math.gamma(-1); rescue Math::DomainError => e; e.message; end",
      "(1..5).map { |n| Math.gamma(n + 1).to_i }"
    ]
  }.freeze

  # Methods CRuby 3.1 lacks: compared only on a host that has them.
  NEWER = {
    "3.2" => {
      "String" => ["s = +\"héllo\"; d = s.dedup; [d.frozen?, d == s, s.frozen?, d.dedup.frozen?]"],
      "Module" => [
        "m = Module.new; m.set_temporary_name(\"fake_name\"); [m.name, m.to_s]",
        "begin; Module.new.set_temporary_name(\"Fake\"); rescue ArgumentError => e; e.message; end",
        "begin; String.set_temporary_name(\"x\"); rescue RuntimeError => e; e.message; end",
        "m = Module.new; m.set_temporary_name(\"t\"); m.set_temporary_name(nil); m.name"
      ],
      "Regexp and MatchData" => [
        "[Regexp.timeout, /a/.timeout]",
        "Regexp.timeout = 2; v = Regexp.timeout; Regexp.timeout = nil; [v, Regexp.timeout]",
        "begin; Regexp.timeout = -1; rescue ArgumentError => e; e.message; end"
      ],
      "Enumerator and Lazy" => [
        "Enumerator.product([1, 2], [:a, :b]).to_a",
        "Enumerator.product.to_a",
        "out = []; r = Enumerator.product(1..2, \"x\".each_char) { |a, b| out << \"\#{a}\#{b}\" }; [r, out]",
        "Enumerator.product([1, 2], [3]).map(&:sum)"
      ]
    }
  }.freeze

  def self.cases
    newer = NEWER.select { |version, _| RUBY_VERSION >= version }.values
    [CASES, *newer].flat_map do |table|
      table.flat_map do |group, codes|
        codes.each_with_index.map { |code, i| Differential::Case.new("coverage: #{group}", "#{group} #{i + 1}", code) }
      end
    end
  end
end
