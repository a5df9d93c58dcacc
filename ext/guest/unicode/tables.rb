# Build-time generator of the guest's Unicode case mapping tables (run by mrbgem.rake with
# the host Ruby). It reads UnicodeData.txt, SpecialCasing.txt and CaseFolding.txt and works
# out, for every code point, what CRuby's default (full) case mapping makes of it in five
# modes: upcase, downcase, fold (downcase(:fold)), titlecase (the first character of
# capitalize) and swapcase. CRuby derives these from the same files with a few rules of its
# own (a character's case folding, the characters that fold to it, the unconditional lines
# of SpecialCasing, the Greek and digraph titlecase letters); those rules are restated in
# `CaseRules` below. Conditional mappings (final sigma, Lithuanian, Turkic contexts) are not
# applied, as in CRuby; the Turkic/Azeri option is four fixed code points, handled in C.
#
# Output: compact ranges (first code point, count, stride, delta) for upcase and downcase,
# and only the exceptions for the other three modes (fold, titlecase and swapcase are
# derived from downcase/upcase in C unless an exception says otherwise). Results of more
# than one code point live in a shared pool.
module KobakoUnicodeTables
  PACKAGE = "unicode-data"
  UNICODE_VERSION = "15.0.0" # CRuby 3.3's
  FILES = %w[UnicodeData.txt SpecialCasing.txt CaseFolding.txt CompositionExclusions.txt
             DerivedNormalizationProps.txt].freeze

  module_function

  def data_dir = ENV.fetch("KOBAKO_UNICODE_DIR", "/usr/share/unicode")

  def inputs = FILES.map { |f| File.join(data_dir, f) }

  def check_inputs!
    missing = inputs.reject { |f| File.file?(f) }

    unless missing.empty?
      raise "Unicode data files are missing: #{missing.join(', ')}. Install Debian's `#{PACKAGE}` " \
            "package (Unicode #{UNICODE_VERSION}, listed in bin/setup's APT_PACKAGES) or point KOBAKO_UNICODE_DIR at them."
    end
    %w[SpecialCasing.txt CaseFolding.txt DerivedNormalizationProps.txt].each do |f|
      found = version(File.join(data_dir, f))
      next if found == UNICODE_VERSION

      raise "#{File.join(data_dir, f)} is Unicode #{found.inspect}; the guest follows CRuby 3.3, which uses " \
            "#{UNICODE_VERSION} (Debian's `#{PACKAGE}` 15.0.0)"
    end
  end

  def version(path)
    File.foreach(path) { |l| return l[/-(\d+\.\d+\.\d+)\.txt/, 1] if l.include?(".txt") }
    nil
  end

  def hex_list(field) = field.to_s.split.map { |h| h.to_i(16) }

  # One character's mappings as CRuby's generator sees them: nil for an empty field.
  Item = Struct.new(:upper, :lower, :title)

  class CaseRules
    U = 1; D = 2; F = 4; T = 8; IT = 16; US = 32; DS = 64
    SPECIALS = T | IT | US | DS
    MODES = { up: U | US, down: D | DS, fold: F, title: U | T | US, swap: U | D | US | DS }.freeze

    attr_reader :items, :fold

    def initialize(dir)
      @items = {}
      File.foreach(File.join(dir, "UnicodeData.txt")) do |line|
        f = line.chomp.split(";")
        vals = [f[12], f[13], f[14]].map { |x| x.nil? || x.empty? ? nil : KobakoUnicodeTables.hex_list(x) }
        @items[f[0].to_i(16)] = Item.new(*vals)
      end
      File.foreach(File.join(dir, "SpecialCasing.txt")) do |line|
        body = line.split("#", 2).first.strip
        next if body.empty?

        code, lower, title, upper, cond = body.split(/ *; */)
        next if cond && !cond.empty?

        item = (@items[code.to_i(16)] ||= Item.new)
        item.lower = KobakoUnicodeTables.hex_list(lower)
        item.title = KobakoUnicodeTables.hex_list(title)
        item.upper = KobakoUnicodeTables.hex_list(upper)
      end
      @fold = {}
      @unfold = Hash.new { |h, k| h[k] = [] }
      File.foreach(File.join(dir, "CaseFolding.txt")) do |line|
        next unless (m = line.match(/\A([0-9A-F]{4,6}); ([CF]); ([0-9A-F ]+);/))

        from = m[1].to_i(16)
        to = KobakoUnicodeTables.hex_list(m[3])
        @fold[from] = to
        @unfold[to[0]] << from if to.size == 1
      end
      @unfold.each do |key, list|
        upper = @items[key]&.upper
        list.sort_by!.with_index { |c, i| [upper == [c] ? 0 : 1, i] }
      end
    end

    # Flags and specials of a character that has a case folding.
    def fold_entry(cp)
      to = @fold[cp]
      flags = F
      specials = []
      if (item = @items[cp])
        flags |= U if to == item.upper
        flags |= D if to == item.lower
        if item.upper != item.title
          if item.title == [cp]
            flags |= IT
            specials << (DIGRAPH_SWAP[cp] || [to.first, 0x399])
          else
            flags |= T
            specials << item.title
          end
        end
        if item.lower && item.lower != [cp] && item.lower != to
          flags |= DS
          specials << item.lower
        end
        if item.upper && item.upper != [cp] && item.upper != to
          flags |= US
          specials << item.upper
        end
      end
      [flags, to, specials]
    end

    # The swapcase of the four Latin titlecase digraphs (the Greek ones are derived).
    DIGRAPH_SWAP = { 0x1C5 => [0x64, 0x17D], 0x1C8 => [0x6C, 0x4A], 0x1CB => [0x6E, 0x4A], 0x1F2 => [0x64, 0x5A] }.freeze

    # Flags of a character that others fold to (and the list of those characters).
    def unfold_entry(cp)
      list = @unfold[cp]
      flags = 0
      if (item = @items[cp])
        if list.first && [list.first] == item.upper then flags |= U
        elsif list.first && [list.first] == item.lower then flags |= D
        else raise "case mapping: unexpected unfolding of U+%04X" % cp
        end
        if item.upper != item.title
          if item.title == [cp] then flags |= IT
          elsif item.title == [list[1]] then flags |= T
          else raise "case mapping: unexpected titlecase of U+%04X" % cp
          end
        end
      end
      [flags, list]
    end

    # What one character becomes in a mode (flags from MODES), as CRuby computes it.
    def map(cp, flags)
      if cp <= 0x7A
        return [cp - 32] if cp >= 0x61 && flags & U != 0
        return [cp + 32] if cp >= 0x41 && cp <= 0x5A && flags & (D | F) != 0

        return [cp]
      end
      return [cp] if cp < 0xB5
      return (flags & (D | F) != 0 ? [0x69, 0x307] : [cp]) if cp == 0x130
      return (flags & U != 0 ? [0x49] : [cp]) if cp == 0x131

      if @fold.key?(cp)
        ff, to, specials = fold_entry(cp)
        return [cp - 0xBC0] if flags & T != 0 && cp.between?(0x1C90, 0x1CBF)
        return [cp] if flags & T != 0 && ff & IT != 0
        return [cp] if flags & ff == 0
        return to if flags & ff & SPECIALS == 0

        i = 0
        if ff & IT != 0
          return specials[i] if flags & (U | D) == (U | D)

          i += 1
        end
        if ff & T != 0
          return specials[i] if flags & T != 0

          i += 1
        end
        i += 1 if ff & DS != 0 && flags & DS == 0
        return specials[i]
      end
      if @unfold.key?(cp)
        uf, list = unfold_entry(cp)
        return [cp] if flags & T != 0 && uf & IT != 0
        return [cp] if flags & uf == 0

        return [list[flags & uf & T != 0 ? 1 : 0]]
      end
      [cp]
    end

    def candidates = (@items.keys | @fold.keys | @unfold.keys).sort
  end

  # Ranges over the code points a table maps: [first, count, stride, kind, value]. kind 0:
  # cp + value; kind 1: value is (pool offset << 2 | length); value 0 with kind 0 means
  # "unchanged" (an exception that cancels the derived mapping).
  def ranges(map, pool)
    out = []
    map.keys.sort.each do |cp|
      res = map[cp]
      if res.size == 1
        delta = res[0] - cp
        last = out.last
        if last && last[3] == 0 && last[4] == delta && last[1] < 0xFFFF
          if last[1] == 1 && cp - last[0] <= 2
            last[2] = cp - last[0]
            last[1] = 2
            next
          elsif cp == last[0] + (last[1] * last[2])
            last[1] += 1
            next
          end
        end
        out << [cp, 1, 1, 0, delta]
      else
        off = pool.index_of(res)
        out << [cp, 1, 1, 1, (off << 2) | res.size]
      end
    end
    out
  end

  # Sequences of code points, each stored once.
  class Pool
    attr_reader :cps

    def initialize
      @cps = []
      @at = {}
    end

    def index_of(seq)
      @at[seq] ||= (@cps.size.tap { @cps.concat(seq) })
    end
  end

  def casemap_c
    check_inputs!
    v = version(File.join(data_dir, "CaseFolding.txt"))
    rules = CaseRules.new(data_dir)
    modes = CaseRules::MODES
    up = {}; down = {}; fold = {}; title = {}; swap = {}
    rules.candidates.each do |cp|
      next if cp <= 0x7F # ASCII is mapped in C

      u = rules.map(cp, modes[:up])
      d = rules.map(cp, modes[:down])
      up[cp] = u if u != [cp]
      down[cp] = d if d != [cp]
      derived_fold = d
      f = rules.map(cp, modes[:fold])
      fold[cp] = f if f != derived_fold
      t = rules.map(cp, modes[:title])
      title[cp] = t if t != u
      s = rules.map(cp, modes[:swap])
      derived_swap = d != [cp] ? d : u
      swap[cp] = s if s != derived_swap
    end
    pool = Pool.new
    tables = { up: up, down: down, fold: fold, title: title, swap: swap }.transform_values { |m| ranges(m, pool) }

    src = +"/* Generated at build time by ext/guest/unicode/tables.rb from Unicode #{v} */\n"
    src << "/* (UnicodeData.txt, SpecialCasing.txt, CaseFolding.txt). Do not edit. */\n"
    src << "#include <stdint.h>\n#include \"kobako_unicode.h\"\n\n"
    src << %(const char kobako_unicode_version[] = "#{v}";\n\n)
    src << "const uint32_t kobako_case_pool[] = {\n"
    pool.cps.each_slice(12) { |s| src << "  " << s.map { |c| format("0x%X", c) }.join(", ") << ",\n" }
    src << "  0\n};\n\n"
    tables.each do |name, rs|
      src << "const struct kobako_case_range kobako_case_#{name}[] = {\n"
      rs.each { |r| src << format("  {0x%X, %d, %d, %d, %d},\n", *r) }
      src << "};\nconst int kobako_case_#{name}_size = #{rs.size};\n\n"
    end
    src
  end

  # ---- normalization (String#unicode_normalize) -----------------------------------------
  #
  # Output: the canonical combining classes as ranges; for every character with a
  # decomposition, its full (recursive) canonical decomposition, and its full compatibility
  # decomposition where that differs, as UTF-8 in a byte pool; the primary composites as
  # sorted (first, second) -> composite triples. Hangul syllables are algorithmic (in C).
  def normalize_c
    check_inputs!
    v = version(File.join(data_dir, "DerivedNormalizationProps.txt"))
    ccc = {}
    decomp = {} # cp => [compat?, [cps]] (one level)
    File.foreach(File.join(data_dir, "UnicodeData.txt")) do |line|
      f = line.split(";")
      cp = f[0].to_i(16)
      ccc[cp] = f[3].to_i if f[3].to_i != 0
      next if f[5].empty?

      compat = f[5].start_with?("<")
      decomp[cp] = [compat, hex_list(f[5].sub(/\A<\w+> */, ""))]
    end
    full = lambda do |cp, allow_compat|
      d = decomp[cp]
      next [cp] if d.nil? || (d[0] && !allow_compat)

      d[1].flat_map { |c| full.call(c, allow_compat) }
    end
    nfd = {}
    nfkd = {}
    decomp.each_key do |cp|
      canon = full.call(cp, false)
      compat = full.call(cp, true)
      nfd[cp] = canon if canon != [cp]
      nfkd[cp] = compat if compat != canon
    end

    exclusions = []
    File.foreach(File.join(data_dir, "CompositionExclusions.txt")) do |line|
      next unless (m = line.match(/\A([0-9A-F]{4,6})(?:\.\.([0-9A-F]{4,6}))? /))

      exclusions.concat((m[1].to_i(16)..(m[2] || m[1]).to_i(16)).to_a)
    end
    composites = {}
    decomp.each do |cp, (compat, cps)|
      next if compat || cps.size != 2 || exclusions.include?(cp)
      next if ccc.key?(cp) || ccc.key?(cps[0]) # non-starter decompositions

      composites[cps] = cp
    end
    # Cross-check with the derived property: what composes is exactly what is not excluded.
    excluded = []
    File.foreach(File.join(data_dir, "DerivedNormalizationProps.txt")) do |line|
      next unless (m = line.match(/\A([0-9A-F]{4,6})(?:\.\.([0-9A-F]{4,6}))? *; Full_Composition_Exclusion/))

      excluded.concat((m[1].to_i(16)..(m[2] || m[1]).to_i(16)).to_a)
    end
    canonical = decomp.reject { |_, (compat, _)| compat }.keys
    raise "normalization: composition exclusions disagree with DerivedNormalizationProps.txt" if
      (canonical - composites.values).sort != excluded.sort

    pool = +"".b
    entries = lambda do |map|
      map.keys.sort.map do |cp|
        bytes = map[cp].pack("U*").b
        raise "normalization: decomposition of U+%04X too long" % cp if bytes.bytesize > 255

        at = pool.index(bytes) || pool.size.tap { pool << bytes }
        [cp, bytes.bytesize, at]
      end
    end
    nfd_entries = entries.call(nfd)
    nfkd_entries = entries.call(nfkd)
    raise "normalization: pool over 64 KiB" if pool.bytesize > 0xFFFF

    ccc_ranges = []
    ccc.keys.sort.each do |cp|
      last = ccc_ranges.last
      if last && last[0] + last[1] == cp && last[2] == ccc[cp] then last[1] += 1
      else ccc_ranges << [cp, 1, ccc[cp]]
      end
    end

    src = +"/* Generated at build time by ext/guest/unicode/tables.rb from Unicode #{v} */\n"
    src << "/* (UnicodeData.txt, CompositionExclusions.txt, DerivedNormalizationProps.txt). Do not edit. */\n"
    src << "#include <stdint.h>\n#include \"kobako_unicode.h\"\n\n"
    src << "const struct kobako_ccc_range kobako_ccc[] = {\n"
    ccc_ranges.each { |r| src << format("  {0x%X, %d, %d},\n", *r) }
    src << "};\nconst int kobako_ccc_size = #{ccc_ranges.size};\n\n"
    { "nfd" => nfd_entries, "nfkd" => nfkd_entries }.each do |name, es|
      src << "const uint32_t kobako_#{name}_keys[] = {\n"
      es.each_slice(8) { |sl| src << "  " << sl.map { |cp, len, _| format("0x%X", (cp << 8) | len) }.join(", ") << ",\n" }
      src << "};\nconst uint16_t kobako_#{name}_offsets[] = {\n"
      es.each_slice(12) { |sl| src << "  " << sl.map { |_, _, at| at.to_s }.join(", ") << ",\n" }
      src << "};\nconst int kobako_#{name}_size = #{es.size};\n\n"
    end
    src << "const unsigned char kobako_decomp_pool[] = {\n"
    pool.bytes.each_slice(16) { |sl| src << "  " << sl.join(", ") << ",\n" }
    src << "  0\n};\n\n"
    src << "const struct kobako_composite kobako_composites[] = {\n"
    composites.sort.each { |(a, b), c| src << format("  {0x%X, 0x%X, 0x%X},\n", a, b, c) }
    src << "};\nconst int kobako_composites_size = #{composites.size};\n"
    src
  end
end
