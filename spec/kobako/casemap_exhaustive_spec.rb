require "spec_helper"
require "open3"

# Every assigned character (private use aside) through upcase, downcase, capitalize,
# swapcase and downcase(:fold) in the sandbox against CRuby 3.3 (Unicode 15.0, as the
# guest's tables). The host's CRuby is older, so the expected values come from a Ruby 3.3
# binary run in a subprocess: KOBAKO_RUBY33, or the one the CI setup caches.
RSpec.describe "Case mapping of every character against CRuby 3.3" do
  ruby33 = ENV.fetch("KOBAKO_RUBY33", File.join(Dir.home, ".cache", "kobako", "ruby-3.3.8", "bin", "ruby"))

  # Prints the assigned ranges on the first line, then "cp;up;down;capitalize;swapcase;fold"
  # (code points in hex) for each character one of them changes. The sandbox runs the same
  # walk over those ranges.
  walk = <<~'RUBY'
    hex = ->(s) { s.codepoints.map { |c| c.to_s(16) }.join(" ") }
    lines = []
    RANGES.each do |first, last|
      (first..last).each do |cp|
        c = [cp].pack("U")
        r = [c.upcase, c.downcase, c.capitalize, c.swapcase, c.downcase(:fold)]
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
    puts(#{walk.dump.then { |s| "eval(#{s})" }})
  RUBY

  it "agrees on every assigned code point" do
    skip "no Ruby 3.3 binary at #{ruby33} (set KOBAKO_RUBY33 to one to run this check)" unless File.executable?(ruby33)

    # The subprocess is a plain Ruby 3.3, outside this suite's bundle.
    run = ->(code) { defined?(Bundler) ? Bundler.with_unbundled_env { Open3.capture2(ruby33, "-e", code) } : Open3.capture2(ruby33, "-e", code) }
    version, = run.call('print RbConfig::CONFIG["UNICODE_VERSION"]')
    expect(version).to eq("15.0.0"), "the Ruby at #{ruby33} has Unicode #{version.inspect}, the guest's tables 15.0.0"
    out, status = run.call(reference)
    expect(status).to be_success
    header, *expected = out.lines(chomp: true)
    ranges = header.split(",").map { |r| r.split("-").map(&:to_i) }
    expect(ranges.sum { |a, b| b - a + 1 }).to be > 140_000

    sandbox = Kobako::Sandbox.new(timeout: 60, memory_limit: 64 << 20)
    # A few invocations, each over a quarter of the ranges.
    slices = ranges.each_slice((ranges.size / 4.0).ceil).to_a
    actual = slices.flat_map do |slice|
      sandbox.eval("RANGES = #{slice.inspect}\n#{walk}").split("\n")
    end
    missing = expected - actual
    extra = actual - expected
    expect([missing.first(20), extra.first(20)]).to eq([[], []])
    expect(actual.size).to eq(expected.size)
    expect(expected.size).to be > 2_500
  end
end
