# Case mapping cases for the differential suite: words in the scripts a CRuby developer
# meets, through every case method and option, the bang forms, casecmp/casecmp?, Symbols,
# and the errors. Only characters whose mappings are the same in Unicode 13 (the host's
# CRuby 3.1) and 15 (CRuby 3.3, the guest) appear here; the exhaustive check against 3.3
# is spec/kobako/casemap_exhaustive_spec.rb.
module CasemapCases
  WORDS = {
    "french" => ["élodie", "ÉCOLE", "garçon", "Noël à Paris", "œuvre", "ÇA VA", "déjà-vu"],
    "german" => ["straße", "STRASSE", "Größe", "ÄÖÜ äöü", "Fußgängerübergänge", "ẞ"],
    "turkish" => ["istanbul", "İSTANBUL", "ıspanak", "Iğdır", "DİYARBAKIR", "kırmızı"],
    "greek" => ["ΣΑΣ", "σας", "Ἀθῆναι", "ΆΈΉΊΌΎΏ", "ᾳ ᾼ ᾈ ᾀ", "ΐ ΰ", "ϐϑϕϖϰϱϵ", "µ"],
    "cyrillic" => ["Москва", "ЁЖИК", "україна", "Ѳѳ Ѣѣ", "ђорђе"],
    "armenian" => ["Երևան", "ՀԱՅԱՍՏԱՆ", "և", "ﬓﬔ"],
    "ligatures" => ["ﬁne", "ﬂow", "ﬃ", "ﬀ ﬄ ﬅ ﬆ", "ŉ", "ǰ"],
    "digraphs" => ["ǆ", "ǅ", "Ǆ", "ǉubljana", "ǈ", "ǋ", "ǲ", "ǳemal"],
    "mixed ascii" => ["hello WORLD", "Ruby 3.3 on mruby", "CamelCase_snake", "x" * 3 + "É", "", "123abc", "'quoted'"],
    "other scripts" => ["Ωmega ℧ K Å", "ⓐⓑⒸ", "ＡＢＣａｂｃ", "ⰀⰰⱠ", "ⴀ Ⴀ", "𐐀𐐨", "Ꭰꭰ", "ǝ Ǝ ɐ"]
  }.freeze

  METHODS = {
    "upcase" => "s.upcase", "downcase" => "s.downcase", "capitalize" => "s.capitalize",
    "swapcase" => "s.swapcase", "fold" => "s.downcase(:fold)", "ascii" => "[s.upcase(:ascii), s.downcase(:ascii), s.capitalize(:ascii), s.swapcase(:ascii)]",
    "turkic" => "[s.upcase(:turkic), s.downcase(:turkic), s.capitalize(:turkic), s.swapcase(:turkic)]",
    "bang" => "[t = s.dup, t.upcase!, t.dup, t.downcase!, t.dup, t.capitalize!, t.dup, t.swapcase!, t]",
    "casecmp?" => "[s.casecmp?(s.upcase), s.casecmp?(s.swapcase), s.casecmp?(s.downcase(:fold)), s.casecmp(s.upcase), s.casecmp(s.downcase)]"
  }.freeze

  EXTRA = [
    # the brief's examples and their neighbours
    '"straße".upcase == "STRASSE"', '"héllo".upcase', '"élodie".capitalize', '"ǆ".capitalize', '"ﬃ".upcase',
    '"İ".downcase', '"İ".downcase.length', '"İ".downcase(:turkic)', '"i".upcase(:turkic)', '"I".downcase(:turkic)',
    '"ı".upcase', '"ı".capitalize', '"İ".swapcase', '"ß".capitalize', '"ß".swapcase', '"ﬃ".capitalize', '"ŉ".capitalize',
    '"ΣΑΣ ΟΔΟΣ".downcase', '"ς".upcase', '"ᾈ".swapcase', '"ᾈ".downcase', '"ᾀ".capitalize', '"ǅ".swapcase',
    '"ǅa".capitalize!', '"ǆA".capitalize!', '"Ǆ".capitalize', '"\u0345".upcase', '"\u0345".downcase(:fold)',
    # options
    '"a".upcase(:lithuanian)', '"i".upcase(:turkic, :lithuanian)', '"I".downcase(:lithuanian, :turkic)',
    '"a".upcase(:fold) rescue $!.message', '"a".downcase(:fold, :ascii) rescue $!.message', '"a".upcase(:ascii, :turkic) rescue $!.message',
    '"a".upcase(:turkic, :ascii) rescue $!.message', '"a".upcase(:nope) rescue $!.message', '"a".upcase("ascii") rescue $!.message',
    '"a".upcase(:turkic, :lithuanian, :x) rescue $!.message', '"a".capitalize(:fold) rescue $!.class',
    '"ÉCOLE".downcase(:fold)', '"éa".capitalize(:ascii)', '"Éa".swapcase(:ascii)', '"ÀÉÎ".downcase(:ascii)',
    # bang forms: nil when nothing changed, FrozenError on frozen strings even then
    '"ABC".upcase!', '"abc".downcase!', '"Abc".capitalize!', '"".swapcase!', '"123".swapcase!', '"ÉTÉ".upcase!',
    '"été".downcase!', '"Été".capitalize!', '"ß".downcase!', '"ß".upcase!', '"ǅ".capitalize!',
    '"abc".freeze.upcase! rescue $!.class', '"ABC".freeze.upcase! rescue $!.class', '"é".freeze.downcase! rescue $!.class',
    '"".freeze.capitalize! rescue $!.class', '"x".freeze.upcase!(:bad) rescue $!.class',
    's = +"straße"; r = s.upcase!; [r, s, r.equal?(s)]', 's = +"Ǆemal"; [s.capitalize!, s]',
    # invalid UTF-8
    '"\xff".upcase rescue [$!.class, $!.message]', '"a\xffé".downcase rescue [$!.class, $!.message]',
    '"\xffa".upcase(:ascii).bytes', 's = "\xffa"; [s.downcase!(:ascii), s.bytes]', '"\xffa".capitalize(:ascii) rescue $!.message',
    '"\xffa".swapcase(:ascii) rescue $!.message', '"\xe9t\xe9".capitalize rescue $!.message', '"ok\xff".swapcase! rescue $!.class',
    '"\xff".casecmp?("a") rescue $!.message', '"\xff".casecmp("a")', '"\xff".casecmp("\xfe")', '"\xe3\x81\xff".casecmp("\xe3\x81\x82")',
    # casecmp stays ASCII-only, casecmp? folds
    '"é".casecmp("É")', '"é".casecmp?("É")', '"é".casecmp("a")', '"a".casecmp("é")', '"_".casecmp("a")', '"A".casecmp("_")',
    '"straße".casecmp?("STRASSE")', '"STRASSE".casecmp?("straße")', '"ﬃ".casecmp?("FFI")', '"Σ".casecmp?("ς")',
    '"ǅ".casecmp?("ǆ")', '"K".casecmp?("k")', '"abc".casecmp("ABD")', '"abc".casecmp("ab")', '"a".casecmp(1)',
    '"a".casecmp?(:a)', '"a".casecmp?(nil)', '"İ".casecmp?("i")', '"İ".casecmp?("i\u0307")',
    # Symbol
    ':straße.upcase', ':ÉCOLE.downcase', ':élodie.capitalize', ':ǆ.capitalize', ':Élodie.swapcase', ':Iğdır.downcase(:turkic)',
    ':istanbul.upcase(:turkic)', ':ISTANBUL.downcase(:turkic)', ':"istanbul é".upcase(:turkic)', ':i.capitalize(:turkic)', ':abc.upcase(:ascii)', ':éa.upcase(:ascii)', ':Größe.downcase(:fold)',
    ':a.upcase(:bad) rescue $!.class', ':Straße.casecmp?(:STRASSE)', ':a.casecmp?("a")', ':é.casecmp(:É)',
    ':_.casecmp(:a)', ':a.casecmp("a")', ':ÀB.casecmp(:àb)', '%i[é ß ǆ ﬁ].map(&:upcase)', '%i[é ß ǆ ﬁ].map(&:swapcase)',
    # in use
    '"jean-luc élodie".split(/(?=[ -])/).map(&:capitalize).join', '%w[Zoë zoe ZOË Émile emile].sort_by(&:downcase)',
    '%w[Straße STRASSE strasse].uniq { |w| w.downcase(:fold) }', '"Ünïcödé".each_char.map(&:swapcase).join',
    '"groß" == "GROSS".downcase', '"ÀÉÎÕÜ".downcase.bytesize', '"ǆ".upcase.length', '"x".upcase.frozen?',
    '"é".upcase.bytes', 'h = { "Noël" => 1 }; h.keys.map(&:upcase)', '("é" * 1000).upcase.length'
  ].freeze

  # String#unicode_normalize: normalization is stable across Unicode versions for assigned
  # characters, so the host's CRuby 3.1 is a fair reference here.
  NORMALIZE = [
    '"e\u0301".unicode_normalize', '"é".unicode_normalize(:nfd).codepoints', '"Å".unicode_normalize(:nfd).codepoints',
    '"ﬁ".unicode_normalize(:nfkc)', '"ﬁ".unicode_normalize(:nfc)', '"①②".unicode_normalize(:nfkd)', '"x²".unicode_normalize(:nfkc)',
    '"한국어".unicode_normalize(:nfd).length', '"\u1112\u1161\u11ab".unicode_normalize', '"\u1100\u1161\u11a8".unicode_normalize(:nfc)',
    '"ḍ̇".unicode_normalize(:nfd).codepoints', '"q\u0307\u0323".unicode_normalize.codepoints', '"a\u0328\u0301".unicode_normalize.codepoints',
    '"Ω K Å".unicode_normalize.codepoints', '"\u0344".unicode_normalize.codepoints', '"ｶﾞ".unicode_normalize(:nfkc)',
    '"Straße ǆ ŉ".unicode_normalize(:nfkd).codepoints', '"\u0958".unicode_normalize.codepoints', '"\u1e9b\u0323".unicode_normalize(:nfkc).codepoints',
    '"café".unicode_normalized?', '"cafe\u0301".unicode_normalized?', '"cafe\u0301".unicode_normalized?(:nfd)', '"ﬁ".unicode_normalized?(:nfkc)',
    '"abc".unicode_normalize(:nfkd)', '"".unicode_normalize', '"a".unicode_normalize(:bad) rescue $!.message',
    '"a".unicode_normalize("nfc") rescue $!.message', '"\xff".unicode_normalize rescue [$!.class, $!.message]',
    '"\xff".unicode_normalize(:bad) rescue $!.message', '"a".unicode_normalize(:nfc, 1) rescue $!.class',
    's = +"cafe\u0301"; [s.unicode_normalize!, s.length]', '"x".freeze.unicode_normalize! rescue $!.class',
    '%w[cafe\u0301 café].map(&:unicode_normalize).uniq.size', '"Ǆ".unicode_normalize(:nfkc).downcase', '"Éé".unicode_normalize(:nfd).swapcase.unicode_normalize'
  ].freeze

  module_function

  def cases
    list = []
    WORDS.each do |group, words|
      words.each do |word|
        METHODS.each do |name, expr|
          list << Differential::Case.new("case mapping: #{group}", "#{name} #{word}", "s = #{word.dump}; #{expr}")
        end
      end
    end
    EXTRA.each_with_index { |code, i| list << Differential::Case.new("case mapping: API", "extra #{i}", code) }
    NORMALIZE.each_with_index { |code, i| list << Differential::Case.new("unicode_normalize", "normalize #{i}", code) }
    list
  end
end
