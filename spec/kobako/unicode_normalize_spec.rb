require "spec_helper"
require "open3"

# String#unicode_normalize in the sandbox: Unicode's own conformance file
# (NormalizationTest.txt of Debian's unicode-data, 15.0 as the guest's tables) and every
# assigned character through the four forms against CRuby 3.3.
RSpec.describe "String#unicode_normalize" do
  let(:sandbox) { Kobako::Sandbox.new(timeout: 60, memory_limit: 64 << 20) }

  it "passes Unicode's NormalizationTest.txt" do
    file = "/usr/share/unicode/NormalizationTest.txt.bz2"
    skip "#{file} is missing (Debian's unicode-data package)" unless File.exist?(file)

    text, status = Open3.capture2("bzip2", "-dc", file)
    expect(status).to be_success
    rows = text.lines.grep(/\A[0-9A-F]/).map { |l| l.split(";").first(5).map { |f| f.split.map { |h| h.to_i(16) } } }
    expect(rows.size).to be > 19_000
    # Each row c1..c5: NFC(c1) = c2, NFD(c1) = c3, NFKC(c1) = c4, NFKD(c1) = c5 (and the
    # same of the other columns, per the file's header); the guest reports the rows it fails.
    failures = rows.each_slice(5_000).flat_map do |slice|
      sandbox.eval(<<~RUBY)
        u = ->(cps) { cps.pack("U*") }
        bad = []
        #{slice.inspect}.each do |c1, c2, c3, c4, c5|
          ok = [c1, c2, c3].all? { |c| u[c].unicode_normalize(:nfc) == u[c2] && u[c].unicode_normalize(:nfd) == u[c3] } &&
               [c4, c5].all? { |c| u[c].unicode_normalize(:nfc) == u[c4] && u[c].unicode_normalize(:nfd) == u[c5] } &&
               [c1, c2, c3, c4, c5].all? { |c| u[c].unicode_normalize(:nfkc) == u[c4] && u[c].unicode_normalize(:nfkd) == u[c5] }
          bad << c1 unless ok
        end
        bad
      RUBY
    end
    expect(failures.first(20)).to eq([])
  end

  it "agrees with CRuby 3.3 on every assigned code point in every form" do
    ruby33 = ENV.fetch("KOBAKO_RUBY33", File.join(Dir.home, ".cache", "kobako", "ruby-3.3.8", "bin", "ruby"))
    skip "no Ruby 3.3 binary at #{ruby33} (set KOBAKO_RUBY33 to one to run this check)" unless File.executable?(ruby33)

    walk = <<~'RUBY'
      hex = ->(s) { s.codepoints.map { |c| c.to_s(16) }.join(" ") }
      lines = []
      RANGES.each do |first, last|
        (first..last).each do |cp|
          c = [cp].pack("U")
          r = %i[nfc nfd nfkc nfkd].map { |f| c.unicode_normalize(f) }
          lines << "#{cp.to_s(16)};#{r.map(&hex).join(';')}" unless r.all? { |x| x == c }
        end
      end
      lines.join("\n")
    RUBY
    reference = <<~RUBY
      ranges = []
      (0..0x10FFFF).each do |cp|
        next if cp.between?(0xD800, 0xDFFF)
        c = cp.chr(Encoding::UTF_8)
        next unless c.match?(/\\p{Assigned}/) && !c.match?(/\\p{Co}/)
        if ranges.last && ranges.last[1] == cp - 1 then ranges.last[1] = cp else ranges << [cp, cp] end
      end
      RANGES = ranges
      puts ranges.map { |a, b| "\#{a}-\#{b}" }.join(",")
      puts(eval(#{walk.dump}))
    RUBY
    out, status = (defined?(Bundler) ? Bundler.with_unbundled_env { Open3.capture2(ruby33, "-e", reference) } : Open3.capture2(ruby33, "-e", reference))
    expect(status).to be_success
    header, *expected = out.lines(chomp: true)
    ranges = header.split(",").map { |r| r.split("-").map(&:to_i) }
    actual = ranges.each_slice((ranges.size / 4.0).ceil).flat_map do |slice|
      sandbox.eval("RANGES = #{slice.inspect}\n#{walk}").split("\n")
    end
    expect([(expected - actual).first(20), (actual - expected).first(20)]).to eq([[], []])
    expect(expected.size).to be > 5_000
  end

  it "follows CRuby's arguments, errors and bang form" do
    expect(sandbox.eval(<<~'RUBY')).to eq(["é", true, false, "Invalid normalization form nfc.", "invalid byte sequence in UTF-8", "FrozenError", ["é", "é"]])
      [
        "e\u0301".unicode_normalize, "abc".unicode_normalized?, "é".unicode_normalized?(:nfd),
        (begin; "a".unicode_normalize("nfc"); rescue ArgumentError => e; e.message; end),
        (begin; "a\xff".unicode_normalized?; rescue ArgumentError => e; e.message; end),
        (begin; "abc".freeze.unicode_normalize!; rescue => e; e.class.to_s; end),
        (s = +"e\u0301"; [s.unicode_normalize!, s])
      ]
    RUBY
  end
end
