# Core-method cases for the differential suite (issue "Real Ruby, part 2"): each group is a
# gap mruby 3.3 had against CRuby, written the way CRuby developers write the code.
module CorePart2Cases
  GROUPS = {
    "silent wrong answers" => [
      '{a: 1}.to_h { |k, v| [k, v * 2] }',
      '{a: 1, b: 2}.to_h { |k, v| [v, k.to_s] }',
      '[[1, 2], [3, 4]].each_with_index.filter_map { |(a, b), i| [a, b, i] }',
      '[[1, 2], [3, 4]].each_with_index.filter_map { |x, i| [x, i] }',
      '%w[a b c].each_with_index.filter_map { |s, i| s * i if i.odd? }',
      '%w[a b].each_with_index.to_h { |s, i| [s, i] }',
      '%w[a b a].each_with_index.tally',
      '[[1, 2], [3, 4]].each_with_index.sum { |(a, b), i| a * b * i }',
      '{x: 1, y: 2}.each_with_index.map { |(k, v), i| "#{k}#{v}#{i}" }',
      '1234.round(-1)', '1234.round(-2)', '1250.round(-2)', '-1250.round(-2)', '1249.round(-2)',
      '15.round(-1)', '25.round(-1, half: :even)', '25.round(-1, half: :down)', '35.round(-1, half: :even)',
      '1234.floor(-2)', '-1234.floor(-2)', '1234.ceil(-2)', '-1234.ceil(-2)', '1234.truncate(-2)', '-1234.truncate(-2)',
      '5.round(-3)', '123.round(1)', '0.1 + 0.2 == 0.30000000000000004', '[0.1, 0.2, 0.3].sum', '[0.1] * 10 == [0.1] * 10 && ([0.1] * 10).sum',
      '2.675.round(2)', '1e23.to_s', '"2.675".to_f * 1000', '[1e100, 1.0, -1e100].sum', '[3, 0.1, 0.2].sum',
      '{a: 0.1, b: 0.2, c: 0.3}.sum { |_, v| v }', '(1..4).sum { |x| x * 0.1 }'
    ],
    "strings" => [
      '"a\nb\n".lines(chomp: true)', '"a\r\nb".lines(chomp: true)', '"a\nb".lines', '"x;y;z".lines(";")',
      '"x;y;z".lines(";", chomp: true)', '"a\n\n\nb\n".lines("")', '"one\ntwo".each_line(chomp: true).to_a',
      'r = []; "a\nb\n".each_line(chomp: true) { |l| r << l }; r', '"a\nb\n".each_line.map(&:upcase)',
      '"line1\nline2".each_line.with_index.map { |l, i| "#{i}:#{l.chomp}" }', '"".lines', '"abc".lines(nil)',
      '"abc".ascii_only?', '"héllo".ascii_only?', '"".ascii_only?', '"Ruby".sum', '"ab".b == "ab"', '"ab".b.frozen?',
      '"tab\tsep\tvalues".split("\t").map(&:strip)', '"The quick brown fox".split.map(&:length)'
    ],
    "enumerables" => [
      '[[1, "b"], [1, "a"]].min_by { |x| x }', '[[2, 1], [1, 2]].max_by { |x| x }', '[[2, 1], [1, 2]].minmax_by { |x| x }',
      '%w[pear fig apple].min_by(&:size)', '%w[pear fig apple].max_by(2, &:size)', '%w[pear fig apple].min_by(2) { |w| [w.size, w] }',
      '[3, 1, 2].max(2)', '[3, 1, 2].min(2)', '%w[b c a].max', '[[1, 2], [1, 3]].max', '[4, 2, 9].minmax',
      '["b", 2, "a", 1].each_slice(2).max_by { |name, n| [n, name] }', '[1, "a"].max rescue $!.class.to_s',
      'a = [3, 1, 2]; a.sort_by! { |x| -x }; a', 'a = %w[bb a ccc]; a.sort_by!(&:size).first',
      '[1, 2, 4, 9, 10, 11, 12, 15].chunk_while { |a, b| b == a + 1 }.to_a',
      '[1, 2, 4, 9, 10].slice_when { |a, b| b != a + 1 }.to_a', '[1, 2, 4, 9, 10].slice_when { |a, b| b != a + 1 }.map(&:sum)',
      '%w[a a b c c].chunk_while { |x, y| x == y }.map(&:size)', '[].slice_when { |a, b| a != b }.to_a',
      '(1..10).chunk_while { |i, j| j == i + 1 }.to_a', '[1, 2, 3].each_entry.to_a',
      '[1, 2, 3].filter_map { |x| x * 2 if x.odd? }', '{a: 1, b: nil}.filter_map { |k, v| k if v }',
      '%w[a b a c a].tally', '%w[a b].tally({"a" => 2})', '[1, 2, 3].sum { |x| x * 10 }', '[0.5, 1].sum(0.0)',
      '[1, 2].zip([3, 4]).to_h { |a, b| [a, b * 2] }', '[[:a, 1]].to_h { |k, v| [v, k] }',
      '[1, 2].to_h { |x| x } rescue $!.class.to_s', '[1, 2].each_slice(1).to_h rescue $!.class.to_s',
      '[[1, 2], [3, 4]].each_with_index.max_by { |(a, b), i| b - i }', '[5, 3, 9].each_with_index.min_by { |x, i| x }',
      '(1..3).each_with_object([]).to_a.size', '[4, 5].each.with_index(1).to_a',
      '([1, 2].each + [3]).to_a', '[1].each.chain([2], 3..4).to_a', '([1, 2].each + [3]).map { _1 * 2 }',
      '(1..3).each_cons(2).map(&:sum)', '[1, 2, 3, 4].each_slice(2).map(&:sum)'
    ],
    "numbers" => [
      '3.fdiv(2)', '10.fdiv(4)', '1.fdiv(3).round(4)', '[1, 2, 3, 4].sum.fdiv(4)', '7.5.fdiv(2)',
      '12.gcd(8)', '12.lcm(8)', '-12.gcd(18)', '0.gcd(5)', '3.lcm(0)', '12.gcdlcm(8)', 'Integer.sqrt(17)', 'Integer.sqrt(10**10)',
      '1234.digits', '1234.digits(100)', 
      '2.5.round(half: :even)', '3.5.round(half: :even)', '2.5.round(half: :down)', '-2.5.round(half: :up)', '2.5.round(half: nil)',
      '2.675.round(2, half: :even)', '0.125.round(2, half: :even)', '0.125.round(2, half: :down)', '1.15.round(1)',
      '1.0.step(2.0, 0.1).to_a', '1.0.step(2.0, 0.1).to_a.size', '(1.0..2.0).step(0.5).to_a', '(0.0...1.0).step(0.25).to_a',
      '(1..10).step(3).to_a', '(1...10).step(3).to_a', '("a".."e").step(2).to_a', '(1..10).step(4).map { |x| x * 2 }',
      '((1..10) % 3).to_a', '1.step(10, 4).to_a', '10.step(1, -3).to_a', '(0.1..0.5).step(0.1).to_a',
      '5.clamp(1, 3)', '5.clamp(..3)', '0.clamp(1..)', '2.clamp(1..3)', '1.5.clamp(2, 3)', '"b".clamp("a", "c")',
      '5.clamp(3, 1) rescue $!.class.to_s', 'rand(1..1)', 'Random.rand(5..5)', 'r = rand(1..6); (1..6).include?(r)',
      'r = rand(1.0..2.0); r >= 1.0 && r <= 2.0', '[10**20 % 7, (10**20).to_s.size]'
    ],
    "conversions" => [
      'Integer("x", exception: false)', 'Integer("0x1A", exception: false)', 'Integer("42", exception: false)',
      'Integer(nil, exception: false)', 'Integer("12", 8)', 'Integer("z", 36)', 'Integer("  42  ")', 'Integer("1_000")',
      'Integer("4.5") rescue $!.class.to_s', 'Integer(4.9)', 'Integer("0b101")', 'Integer("0o17")',
      'Float("x", exception: false)', 'Float("1.5", exception: false)', 'Float("1e3")', 'Float(" 2.5 ")',
      'Float("") rescue $!.class.to_s', 'Float(nil, exception: false)', 'Float("1_000.5")',
      '%w[1 x 3].map { |s| Integer(s, exception: false) }.compact.sum', '["2.5", "bad"].filter_map { |s| Float(s, exception: false) }'
    ],
    "rationals" => [
      'Rational(7, 2).floor', 'Rational(7, 2).ceil', 'Rational(7, 2).round', 'Rational(-7, 2).round', 'Rational(5, 2).round(half: :even)',
      'Rational(-7, 2).truncate', 'Rational(-7, 2).floor', 'Rational(22, 7).round(2).to_s', 'Rational(22, 7).floor(1).to_s',
      'Rational(1234, 1).round(-2)', 'Rational("0.035").to_s', 'Rational("1/3").to_s', 'Rational(" 1/3 ").to_s', 'Rational("-2.5").to_s',
      'Rational("1.5e2").to_s', 'Rational("3").to_s', 'Rational("0.035") * 100 == Rational(7, 2)', 'Rational("x") rescue $!.class.to_s',
      'Rational("1/0") rescue $!.class.to_s', 'Rational(0.75).to_s', 'Rational(1, 3).abs.to_s', 'Rational(-1, 3).abs.to_s',
      'Rational(0, 1).zero?', '(Rational(1, 3) + Rational(1, 6)).to_s', '"0.75".to_r.to_s', '"3/4 cup".to_r.to_s', '"abc".to_r.to_s',
      '(Rational("19.99") * 3).to_f', 'Rational(7, 2).fdiv(2)', 'Rational("0.1") + Rational("0.2") == Rational("0.3")'
    ],
    "structs" => [
      'S = Struct.new(:a, :b, keyword_init: true); S.new(a: 1, b: 2).to_a',
      'S = Struct.new(:a, :b, keyword_init: true); S.new(a: 1).b',
      'S = Struct.new(:a, keyword_init: true); S.new(1) rescue $!.class.to_s',
      'S = Struct.new(:a, keyword_init: true); S.new(z: 1) rescue $!.message',
      'S = Struct.new(:a, :b, keyword_init: true); S.keyword_init?',
      'P = Struct.new(:x, :y); P.new(1, 2).to_a',
      'P = Struct.new(:x, :y); P.new({x: 1}).x', 'P = Struct.new(:x, :y); P.keyword_init?',
      'P = Struct.new(:x, keyword_init: false); P.new(x: 1).x',
      'Pt = Struct.new(:x, :y) do; def dist = Math.sqrt(x**2 + y**2); end; Pt.new(3, 4).dist',
      'Row = Struct.new(:id, :name, keyword_init: true); rows = [Row.new(id: 2, name: "b"), Row.new(id: 1, name: "a")]; rows.sort_by(&:id).map(&:name)',
      'S = Struct.new(:a, :b); S.new(1, 2).to_h', 'S = Struct.new(:a, :b); S.new(1).to_a',
      'class Money < Struct.new(:cents, :currency, keyword_init: true); def to_s = format("%.2f %s", cents / 100.0, currency); end; Money.new(cents: 1999, currency: "EUR").to_s'
    ],
    "method objects" => [
      'def double(x) = x * 2; method(:double).call(3)', 'def double(x) = x * 2; [1, 2].map(&method(:double))',
      '"abc".method(:upcase).call', '[3, 1].method(:sort).call', '5.method(:+).call(3)', '5.method(:+).to_proc.call(1)',
      'String.instance_method(:upcase).bind_call("x")', 'm = 10.method(:*); [1, 2].map(&m)',
      'def f(a, b = 1, *r, k: 1, **o, &blk) = 1; method(:f).arity', 'def kw(a:, b: 2) = a + b; method(:kw).arity', 'def g(a, b) = 1; method(:g).arity', 'def h(*a) = 1; method(:h).arity',
      'def f(a, b = 1) = 1; method(:f).parameters', '"x".method(:center).owner.to_s', 'method(:puts).owner.to_s',
      'def sq(x) = x * x; m = method(:sq); [m.name, m.unbind.class.to_s, m.to_proc.lambda?]', '[1, 2].method(:map).unbind.bind([3]).call { _1 + 1 }',
      'class A; def hi = "A"; end; A.new.method(:hi).owner.to_s', 'add = ->(a, b) { a + b }; add.curry[1][2]',
      'compose = method(:Integer) >> ->(x) { x * 2 }; compose.call("21")', 'm = 1.method(:+); m.receiver',
      '[1, 2, 3].map(&2.method(:*))', 'def kw(a:, b: 2) = a + b; method(:kw).call(a: 1)', 'obj = Object.new; def obj.greet = "hi"; obj.method(:greet).call',
      'Kernel.method(:format).call("%03d", 7)'
    ],
    "eval and binding" => [
      'eval("1 + 2")', 'x = 5; eval("x * 2")', 'eval("y = 3; y + 1")', 'o = Object.new; o.instance_eval("self.class.to_s")',
      'class Foo; end; Foo.class_eval("def bar = 42"); Foo.new.bar', 'x = 9; binding.local_variable_get(:x)',
      'b = binding; b.local_variable_set(:z, 4); b.local_variable_get(:z)', 'x = 1; binding.local_variable_defined?(:x)',
      'def ctx; v = 10; binding; end; ctx.local_variable_get(:v)', 'def ctx; v = 10; binding; end; eval("v + 1", ctx)',
      'binding.local_variables.include?(:_zz) || true', 'o = Object.new; o.instance_variable_set(:@a, 1); o.instance_eval { @a }',
      'o = Object.new; o.instance_eval("@b = 2"); o.instance_variable_get(:@b)', 'String.class_eval { def shout = upcase + "!" }; "hi".shout',
      'Class.new { define_method(:x) { 7 } }.new.x', 'eval("[1, 2].map { |n| n * 3 }")', 'eval("def tripled(n) = n * 3"); tripled(2)',
      'eval("raise ArgumentError, \'bad\'") rescue $!.message', 'eval("1 +") rescue $!.class.to_s', 'Object.const_get(:String).to_s'
    ],
    # Wording differs between CRuby 3.1 and 3.3 (spec/kobako/core_part2_spec.rb checks
    # 3.3's); here the class, the name and the text up to the receiver must agree.
    "messages" => [
      'begin; nil.upcase; rescue NoMethodError => e; [e.name, e.message[/\\A[^`]*`[^\']*\'/]]; end',
      'begin; 42.foo; rescue NoMethodError => e; [e.name, e.receiver, e.message[/\\A[^`]*`[^\']*\'/]]; end',
      'begin; Object.new.zork; rescue NoMethodError => e; e.message[/\\A[^`]*`[^\']*\'/]; end',
      'begin; String.zork; rescue NoMethodError => e; [e.receiver, e.message[/\\A[^`]*`[^\']*\'/]]; end',
      'begin; :sym.zork; rescue NoMethodError => e; [e.name, e.receiver]; end',
      'begin; zzzz; rescue NameError => e; [e.class.to_s, e.name, e.message[/\\A[^`]*`[^\']*\'/]]; end',
      'x = 1; begin; y; rescue NameError => e; [e.class.to_s, e.name]; end',
      'begin; ZZZ; rescue NameError => e; [e.class.to_s, e.message, e.name]; end',
      'begin; {a: 1}.fetch(:b); rescue KeyError => e; [e.message, e.key, e.receiver]; end',
      'begin; {"a" => 1}.fetch("b"); rescue KeyError => e; e.message; end',
      '{a: 1}.fetch(:b, 0)', '{a: 1}.fetch(:b) { |k| k.to_s }', 'begin; {}.fetch; rescue ArgumentError => e; e.class.to_s; end',
      'begin; raise KeyError.new("m", receiver: {x: 1}, key: :x); rescue KeyError => e; [e.key, e.receiver]; end',
      'begin; KeyError.new("m").key; rescue ArgumentError => e; e.message; end',
      'begin; nil + 1; rescue NoMethodError => e; [e.name, e.receiver]; end',
      'def m(a) = a; begin; m; rescue ArgumentError => e; e.message; end'
    ],
    "defined?" => [
      'x = 1; defined?(x)', 'defined?(zzz)', 'defined?(String)', 'defined?(puts)', 'defined?(@a)', '@a = 1; defined?(@a)',
      'defined?($kobako_unset)', '$kobako_set = 1; defined?($kobako_set)', 'defined?(Zork::X)', 'defined?(String.new)',
      'defined?(zork.foo)', 'defined?(3 + 4)', 'defined?(x = 2)', 'defined?(self)', 'defined?(nil)', 'defined?(true)',
      'def m; defined?(yield); end; [m, m {}]', 'defined? String', 'defined?(String) && 1', '[1].map { |v| defined?(v) }',
      'class A; def f = 1; end; class B < A; def f; defined?(super); end; def g; defined?(super); end; end; [B.new.f, B.new.g]',
      'defined?(@@x)', 'defined?(Math::PI)', 'defined?(Math::TAU)', 'h = {}; defined?(h[:a])', 'defined?([].zork)',
      'opts = {}; value = defined?(opts) ? opts.fetch(:v, 1) : 0; value', 'defined?(JSON) ? :json : :none',
      'require "json"; defined?(JSON) ? :json : :none', 'x = nil; defined?(x) ? "declared" : "missing"'
    ],
    "frozen_string_literal" => [
      %(# frozen_string_literal: true\n["x".frozen?, "a\#{1}".frozen?, %w[a b].map(&:frozen?), ("a" "b").frozen?]),
      %(# frozen_string_literal: true\ns = "abc"; begin; s << "d"; rescue FrozenError => e; e.message; end),
      %(# -*- frozen_string_literal: true -*-\n"x".frozen?), %(# frozen_string_literal: false\n"x".frozen?),
      %(x = 1\n# frozen_string_literal: true\n"x".frozen?), %(# encoding: utf-8\n# frozen_string_literal: true\n"x".frozen?),
      %(# Frozen-String-Literal: TRUE\n"x".frozen?), %(# frozen_string_literal: true\nh = <<~T\n  plain\nT\n[h.frozen?, h]),
      %(# frozen_string_literal: true\nx = 5\ns = <<~T\n  v=\#{x}\nT\n[s.frozen?, s]),
      %(# frozen_string_literal: true\n[/a\#{1}b/.source, :"s\#{1}", "%s" % "q", "abc".dup.frozen?, +"x", (+"x").frozen?, String.new("y").frozen?]),
      %(# frozen_string_literal: true\nbuf = +""\nbuf << "a" << "b"\nbuf), %(# frozen_string_literal: true\ndef greet(name) = "Hello, " + name\ngreet("x").frozen?),
      %(# frozen_string_literal: true\n{ "k" => "v" }.map { |k, v| [k.frozen?, v.frozen?] }), %(# frozen_string_literal: true\n%W[a\#{1} b].map(&:frozen?)),
      %(# frozen_string_literal: true\nbegin; "abc".upcase!; rescue => e; [e.class.to_s, e.message]; end),
      %("x".frozen?), %("a".freeze << "b" rescue $!.message), %(# frozen_string_literal: true\n"a".equal?("a") || "a" == "a")
    ],
    "language" => [
      'begin; begin; raise ArgumentError, "a"; rescue; raise; end; rescue => e; [e.class.to_s, e.message]; end',
      'begin; raise "x"; rescue => e; $!.message; end', '"x" * 70_000 == eval(%("#{"x" * 70_000}"))',
      'eval("\"" + "y" * 100_000 + "\"").size', '[IOError, EOFError, EncodingError, ThreadError].map { |c| c.superclass.to_s }',
      'IOError.new("closed").message', 'begin; raise EOFError; rescue IOError => e; e.class.to_s; end'
    ],
    # Array#sort!/sort_by in C (issue 16): the same answers, CRuby's wording on failure.
    "sorting" => [
      '[3, 1, 2].sort', '%w[pear apple fig].sort', '[2.5, -1.0, 0.0, 1].sort', '[[2, "b"], [1, "z"], [1, "a"]].sort',
      '[3, 1, 2].sort { |a, b| b <=> a }', 'a = [5, 3, 9]; a.sort!; a', 'x = [2, 1]; x.sort!.equal?(x)',
      '%w[bb a ccc dd].sort_by(&:size)', '{ b: 2, a: 3, c: 1 }.sort_by { |_, v| v }.to_h', '{ b: 2, a: 1 }.sort',
      '(1..30).map { |i| [i % 4, i] }.sort_by(&:first).map(&:last)',
      'Array.new(2000) { |i| (i * 7919) % 2000 }.sort == (0...2000).to_a',
      'Array.new(500) { |i| { id: i, k: (i * 31) % 50 } }.sort_by { |h| h[:k] }.group_by { |h| h[:k] % 5 }.transform_values(&:size)',
      '[1, "a"].sort', '[nil, 1].sort', '["b", :a].sort', '[1.0, 0.0 / 0].sort', '[3, 1, 2].sort { nil }.size',
      '[3, 1, 2].freeze.sort!', '[3, 1, 2].sort { |a, b| (a - b).to_f }', '[3, 1, 2].sort_by { |x| [x % 2, x] }',
      'begin; [3, 1, 2].sort { raise IndexError, "no" }; rescue IndexError => e; e.message; end',
      '[3, 1, 2].each { |x| }.sort { |a, b| break :early }', '[1, 2**70, -2**70].sort.map(&:to_s)',
      '[1 < 2**70, 2**70 > 1.5, (1 <=> 2**70), (-2**70 <=> 0)]', '[0.5, 2**64].max.to_s', '[2**65, 3].min'
    ]
  }.freeze

  def self.cases
    GROUPS.flat_map do |group, codes|
      codes.each_with_index.map { |code, i| Differential::Case.new("core part 2: #{group}", "#{group} #{i + 1}", code) }
    end
  end
end
