require "spec_helper"
require_relative "../support/differential"

# The guest's Time against CRuby's: nanoseconds, fixed offsets, zone abbreviations and the
# codec's constructor (ext/guest/stdlib/mrblib/20_time.rb). Times cannot cross back yet,
# so each snippet answers a String, an Integer or an Array of them. The host side runs with
# TZ=UTC, the sandbox's own zone.
module GuestTimeCases
  CASES = {
    "nanoseconds" => [
      't = Time.at(0, 123_456_789, :nsec).utc; [t.inspect, t.nsec, t.usec, t.tv_nsec, t.subsec.inspect, t.to_r.inspect]',
      't = Time.at(1_700_000_000, 999_999_999, :nsec).utc; [t.inspect, t.to_s, t.nsec, t.usec, t.strftime("%N %3N %6N %9N %12N %L")]',
      't = Time.at(1_700_000_000, 1, :nsec).utc; [t.inspect, t.nsec, t.usec, t.subsec.inspect, t.to_f.inspect]',
      't = Time.at(-1, 999_999_999, :nsec).utc; [t.inspect, t.to_i, t.nsec, t.to_r.inspect, t.to_f.inspect]',
      't = Time.at(-86_400 * 365, 5, :nsec).utc; [t.inspect, t.year, t.nsec, t.strftime("%Y-%m-%d %H:%M:%S.%N")]',
      't = Time.at(0, -1, :nsec).utc; [t.inspect, t.to_i, t.nsec]',
      't = Time.at(0, 1_500_000_001, :nsec).utc; [t.inspect, t.to_i, t.nsec]',
      't = Time.at(0, 123_456, :usec).utc; [t.inspect, t.nsec, t.subsec.inspect]',
      't = Time.at(0, 123_456, :microsecond).utc; [t.inspect, t.usec]',
      't = Time.at(0, 250, :millisecond).utc; [t.inspect, t.nsec, t.subsec.inspect]',
      't = Time.at(0, 7, :nanosecond).utc; [t.inspect, t.nsec]',
      't = Time.at(0, 1.5).utc; [t.inspect, t.nsec]',
      't = Time.at(0, Rational(3, 2), :usec).utc; [t.inspect, t.nsec]',
      't = Time.at(Rational(3, 2)).utc; [t.inspect, t.subsec.inspect, t.to_r.inspect]',
      't = Time.at(Rational(1_700_000_000_123_456_789, 1_000_000_000)).utc; [t.inspect, t.nsec]',
      't = Time.at(1.5).utc; [t.inspect, t.nsec, t.to_f.inspect]',
      't = Time.at(1_700_000_000.123).utc; [t.nsec, t.usec, t.to_f.inspect, t.strftime("%s.%N")]',
      '[0.1, 0.7, 1.7, -0.1, -1.7, 2.675, 1e-9, -1e-9].map { |f| t = Time.at(f).utc; [t.to_i, t.nsec, t.strftime("%9N")] }',
      'Time.at(0).subsec.inspect + " " + Time.at(0).to_r.inspect',
      'begin; Time.at(0, 1, :foo); rescue ArgumentError => e; e.message; end',
      'begin; Time.at("1"); rescue TypeError => e; e.class.name; end',
      'begin; Time.at(Float::NAN); rescue FloatDomainError => e; e.class.name; end',
      'begin; Time.at(Time.at(0), 1); rescue TypeError => e; e.message; end',
      't = Time.at(0, 5, :nsec).utc; u = Time.at(t); [u.inspect, u.utc?, u.nsec]'
    ],
    "arithmetic" => [
      't = Time.at(0, 999_999_999, :nsec).utc; [(t + 1).inspect, (t - 1).inspect, (t + Rational(1, 1_000_000_000)).inspect]',
      't = Time.at(0, 1, :nsec).utc; [(t - Rational(1, 1_000_000_000)).inspect, (t - Rational(2, 1_000_000_000)).inspect]',
      't = Time.at(1_700_000_000, 5, :nsec).utc; [(t + 0.5).inspect, (t - 0.5).inspect, (t + 1.25).nsec, (t - 1.25).nsec]',
      't = Time.gm(2026, 1, 1); [(t + 0.1).nsec, (t - 0.1).nsec, (t + 0.7).nsec, (t - 0.7).nsec, (t + 1e-9).nsec, (t - 1e-9).nsec]',
      't = Time.gm(2026, 1, 1); [(t + Rational(1, 3)).nsec, (t - Rational(1, 3)).nsec, (t + Rational(-7, 3)).strftime("%H:%M:%S.%N")]',
      't = Time.at(0, 1, :nsec).utc; u = Time.at(0).utc; [(t - u).inspect, (u - t).inspect, (t - u).class.name]',
      't = Time.at(1_700_000_000, 123_456_789, :nsec).utc; u = Time.at(1_600_000_000, 987_654_321, :nsec).utc; [(t - u).inspect, (u - t).inspect]',
      't = Time.gm(2026, 1, 1); u = t + 86_400 * 3; (u - t).inspect',
      't = Time.at(1_700_000_000, 5, :nsec).utc; u = t + 3; v = u - 3; [u.nsec, v.nsec, v == t, (u - t).inspect]',
      't = Time.at(0).utc; [t + 1, t - 1, t + 2**40, t - 2**36].map(&:inspect) + [(t + 0.000_000_001).nsec, (t - 0.000_000_001).nsec]',
      'begin; Time.at(0) + Time.at(0); rescue TypeError => e; e.message; end',
      'begin; Time.at(0) + nil; rescue TypeError => e; e.class.name; end',
      'begin; Time.at(0) - "1"; rescue TypeError => e; e.class.name; end',
      'begin; Time.at(0) + Float::INFINITY; rescue FloatDomainError => e; e.class.name; end',
      's = Time.gm(2026, 1, 1); r = []; 5.times { |i| r << (s + i * 0.1).strftime("%S.%N") }; r',
      's = Time.gm(2024, 2, 28, 23, 59, 59, Rational(999_999_999, 1000)); [(s + Rational(1, 1_000_000_000)).inspect, (s + 86_400).inspect]'
    ],
    "comparison" => [
      'a = Time.at(0, 1, :nsec); b = Time.at(0, 2, :nsec); [a <=> b, b <=> a, a <=> a, a < b, a == b, a.eql?(b), a == Time.at(0, 1, :nsec)]',
      'a = Time.at(0, 1, :nsec); b = Time.at(0); [a.hash == b.hash, a.hash == Time.at(0, 1, :nsec).hash, {a => 1, b => 2}.size]',
      'a = Time.at(0, 1, :nsec).utc; b = a.getlocal("+09:00"); [a == b, a.eql?(b), a.hash == b.hash, (a <=> b)]',
      '[Time.at(0, 3, :nsec), Time.at(0, 1, :nsec), Time.at(0, 2, :nsec), Time.at(-1, 5, :nsec)].sort.map(&:nsec)',
      '[Time.at(0, 3, :nsec), Time.at(0, 1, :nsec)].max.nsec',
      'a = Time.at(0, 5, :nsec); [a.between?(Time.at(0, 4, :nsec), Time.at(0, 6, :nsec)), a.clamp(Time.at(0, 6, :nsec), Time.at(1)).nsec]',
      '[Time.at(0) <=> 1, Time.at(0) == 0, Time.at(0).eql?(0)]',
      '[Time.at(0).eql?(Time.at(0).utc), Time.at(0).hash == Time.at(0).utc.hash]',
      '[Time.at(0, 5, :nsec), Time.at(0, 5, :nsec), Time.at(0, 6, :nsec)].uniq.size'
    ],
    "rounding" => [
      't = Time.at(0, 123_456_789, :nsec).utc; (0..10).map { |d| t.round(d).inspect }',
      't = Time.at(0, 123_456_789, :nsec).utc; (0..9).map { |d| t.floor(d).nsec }',
      't = Time.at(0, 123_456_789, :nsec).utc; (0..9).map { |d| t.ceil(d).nsec }',
      't = Time.at(0, 999_999_999, :nsec).utc; [t.round.inspect, t.round(8).inspect, t.ceil(3).inspect, t.floor(3).inspect]',
      't = Time.at(-1, 500_000_000, :nsec).utc; [t.round.inspect, t.floor.inspect, t.ceil.inspect]',
      't = Time.at(0, 500_000_000, :nsec).getlocal("-05:00"); [t.round.inspect, t.round.utc_offset, t.floor(1).inspect]',
      'begin; Time.at(0).round(-1); rescue ArgumentError => e; e.message; end'
    ],
    "offsets" => [
      't = Time.at(0, 123_456_789, :nsec).getlocal("+09:00"); [t.inspect, t.to_s, t.utc_offset, t.utc?, t.zone.inspect, t.nsec, t.hour]',
      't = Time.at(0, 5, :nsec).getlocal("-05:00"); [t.inspect, t.to_s, t.day, t.year, t.strftime("%Y-%m-%d %H:%M:%S.%N %z %:z %::z")]',
      't = Time.at(0, in: "+09:00:30"); [t.inspect, t.to_s, t.utc_offset, t.strftime("%z %:z %::z")]',
      't = Time.at(0, in: "-00:30"); [t.inspect, t.utc_offset]',
      't = Time.at(0, in: "UTC"); [t.inspect, t.utc?, t.zone]',
      't = Time.at(0, in: "Z"); [t.utc?, t.zone]',
      't = Time.at(0, in: 3600); [t.inspect, t.zone.inspect]',
      't = Time.at(1_700_000_000, 999_999_999, :nsec, in: "+05:30"); [t.inspect, t.nsec]',
      't = Time.gm(2026, 12, 31, 23, 59, 59, Rational(999_999_999, 1000)).getlocal("+01:00"); [t.inspect, t.year, t.yday]',
      't = Time.gm(2026, 1, 1, 0, 0, 0).getlocal("-00:01"); [t.inspect, t.year, t.month, t.day, t.yday, t.wday]',
      't = Time.gm(2024, 2, 29, 23, 30).getlocal("+01:00"); [t.inspect, t.month, t.day, t.yday]',
      't = Time.gm(2023, 2, 28, 23, 30).getlocal("+01:00"); [t.inspect, t.month, t.day]',
      't = Time.gm(2024, 3, 1, 0, 30).getlocal("-01:00"); [t.inspect, t.month, t.day, t.yday]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00"); u = t + 1.5; [u.inspect, u.utc_offset, (t - 86_400).inspect, (t + Rational(1, 3)).nsec]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00"); [t.utc.inspect, t.utc?, t.nsec]',
      't = Time.at(0, 5, :nsec).utc; t.localtime("+09:00"); [t.inspect, t.utc?, t.utc_offset, t.nsec]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00"); u = t.getutc; [u.inspect, t.inspect, u.nsec]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00"); u = t.getlocal; [u.inspect, u.utc?, u.utc_offset, u.nsec]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00"); t.localtime; [t.inspect, t.utc_offset]',
      't = Time.at(0).getlocal("+09:00"); [t.to_a.inspect, t.gmt_offset, t.gmtoff]',
      'begin; Time.at(0).getlocal("+24:00"); rescue ArgumentError => e; e.message; end',
      'begin; Time.at(0).getlocal("EST"); rescue ArgumentError => e; e.class.name; end',
      't = Time.at(0).utc.freeze; begin; t.localtime("+01:00"); rescue FrozenError => e; e.class.name; end',
      't = Time.at(0).getlocal("A"); [t.utc_offset, Time.at(0).getlocal("N").utc_offset, Time.at(0).getlocal("Y").utc_offset]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00").freeze; [t.year, t.hour, t.inspect]',
      't = Time.at(0, 5, :nsec).getlocal("+09:00"); u = t.dup; [u.inspect, u.utc_offset, u.nsec, u == t]',
      'Time.at(1_700_000_000, in: "-08:00").strftime("%a %b %e %H:%M:%S %Z %Y|%c|%v|%r")'
    ],
    "constructors" => [
      't = Time.gm(2026, 1, 1, 0, 0, Rational(1, 4)); [t.inspect, t.nsec, Time.gm(2026, 1, 1, 0, 0, Rational(1, 3)).nsec]',
      't = Time.gm(2026, 1, 1, 0, 0, 1.5); [t.inspect, t.nsec]',
      't = Time.gm(2026, 1, 1, 0, 0, 0, 1.5); [t.inspect, t.nsec]',
      't = Time.gm(2026, 1, 1, 0, 0, 0, Rational(999_999_999, 1000)); [t.inspect, t.nsec]',
      't = Time.utc(2000, "jan", 1, 12, 30, Rational(45_123_456_789, 1_000_000_000)); [t.inspect, t.nsec]',
      't = Time.local(2026, 6, 15, 12, 0, Rational(1, 4)); [t.inspect, t.utc?, t.zone]',
      't = Time.mktime(2026, 6, 15, 12, 0, 0, 250); [t.inspect, t.nsec]',
      't = Time.new(2026, 1, 1, 0, 0, 0, "+09:00"); [t.inspect, t.utc_offset, t.zone.inspect, t.to_i]',
      't = Time.new(2026, 1, 1, 0, 0, Rational(1, 3), "-05:00"); [t.nsec, t.to_i, t.strftime("%F %T.%N %z")]',
      't = Time.new(2026, 1, 1, 0, 0, 0, "UTC"); [t.inspect, t.utc?]',
      't = Time.new(2026, 1, 1, 0, 0, 0, "Z"); [t.utc?, t.inspect]',
      't = Time.new(2026, 1, 1, 0, 0, 0, 3600); [t.inspect, t.to_i]',
      't = Time.new(2026, 1, 1, in: "+01:00"); [t.inspect, t.to_i]',
      't = Time.new(2026, 1, 1); [t.inspect, t.utc?, t.utc_offset]',
      't = Time.new(2024, 2, 29, 12, 0, 0.5); [t.inspect, t.yday]',
      'begin; Time.new(2026, 1, 1, 0, 0, 0, "+09:00", in: "+01:00"); rescue ArgumentError => e; e.message; end',
      'Time.new(1969, 12, 31, 23, 59, 59, "+00:00").to_i'
    ],
    "formatting" => [
      't = Time.at(1_700_000_000, 120_000_000, :nsec).utc; [t.inspect, t.to_s, t.strftime("%L|%N|%1N|%3N|%10N|%-N")]',
      't = Time.gm(1999, 12, 31, 23, 59, 59, Rational(999_999_999, 1000)); [t.inspect, t.strftime("%Y %j %U %W %V %G")]',
      't = Time.gm(2000, 1, 1); [t.inspect, (t - Rational(1, 1_000_000_000)).inspect]',
      't = Time.gm(1900, 3, 1, 0, 0, 0, 1); [t.inspect, t.wday, t.yday]',
      't = Time.gm(1969, 7, 20, 20, 17, 40, 123_456); [t.inspect, t.to_i, t.nsec, t.to_f.inspect]',
      't = Time.gm(2038, 1, 19, 3, 14, 8, 1); [t.inspect, t.to_i]',
      't = Time.gm(2100, 2, 28, 12); [(t + 86_400).inspect, (t + 86_400 + Rational(1, 1_000_000_000)).inspect]',
      't = Time.at(0, 100, :nsec).utc; [t.inspect, t.usec, t.nsec]',
      't = Time.at(0, 10, :nsec).utc; t.inspect',
      'Time.at(0, 123_456_780, :nsec).utc.inspect',
      't = Time.at(1_700_000_000, 5, :nsec).utc; [t.to_a.inspect, t.zone, t.utc?]',
      't = Time.at(1_700_000_000, 5, :nsec); [t.inspect, t.to_s, t.zone, t.utc?]'
    ],
    "time library" => [
      'require "time"; t = Time.iso8601("2026-01-02T03:04:05.123456789Z"); [t.inspect, t.utc?, t.nsec]',
      'require "time"; t = Time.iso8601("2026-01-02T03:04:05.000000001-05:00"); [t.inspect, t.utc_offset, t.nsec]',
      'require "time"; t = Time.parse("2026-01-02 03:04:05.987654321 +09:00"); [t.inspect, t.nsec, t.utc_offset]',
      'require "time"; Time.parse("2026-01-02 03:04:05.5").inspect',
      'require "time"; t = Time.at(0, 123_456_789, :nsec).utc; [t.iso8601, t.iso8601(3), t.iso8601(9), t.xmlschema(6)]',
      'require "time"; t = Time.at(0, 123_456_789, :nsec).getlocal("-05:00"); [t.iso8601(9), t.rfc2822, t.httpdate]',
      'require "time"; t = Time.iso8601("2024-02-29T23:59:59.999999999+01:00"); [(t + Rational(1, 1_000_000_000)).iso8601(9), t.getutc.iso8601(9)]',
      'require "date"; t = Time.at(0, 5, :nsec).getlocal("+09:00"); [t.to_date.to_s, t.to_time.nsec]'
    ]
  }.freeze

  def self.cases
    CASES.flat_map do |group, codes|
      codes.each_with_index.map { |code, i| Differential::Case.new("time: #{group}", "#{group} #{i + 1}", code) }
    end
  end
end

RSpec.describe "the guest's Time" do
  let(:sandbox) { Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20) }

  it "agrees with CRuby on nanoseconds, offsets and formatting (differential)" do
    cases = GuestTimeCases.cases
    expect(cases.size).to be >= 80
    saved = ENV.fetch("TZ", nil)
    ENV["TZ"] = "UTC"
    results = begin
      Differential.run(cases, sandbox)
    ensure
      ENV["TZ"] = saved
    end
    expect(results.reject(&:agree?)).to be_empty, Differential.report(results)
  end

  describe "Time.__kobako_at (the codec's constructor)" do
    it "builds a UTC Time from seconds and nanoseconds" do
      expect(sandbox.eval('t = Time.__kobako_at(1_767_225_600, 123_456_789, nil, nil, nil); [t.inspect, t.utc?, t.nsec, t.zone, t.time_zone.inspect]'))
        .to eq(["2026-01-01 00:00:00.123456789 UTC", true, 123_456_789, "UTC", "nil"])
    end

    it "builds a fixed-offset Time with a zone abbreviation and a time-zone name" do
      code = 't = Time.__kobako_at(1_767_225_600, 5, -18_000, "EST", "Eastern Time (US & Canada)"); ' \
             '[t.inspect, t.utc?, t.utc_offset, t.zone, t.strftime("%H:%M %Z %z"), t.time_zone.name, t.time_zone.to_s, t.time_zone.inspect]'
      expect(sandbox.eval(code)).to eq(["2025-12-31 19:00:00.000000005 -0500", false, -18_000, "EST", "19:00 EST -0500",
                                        "Eastern Time (US & Canada)", "Eastern Time (US & Canada)",
                                        "#<Kobako::TimeZone Eastern Time (US & Canada)>"])
    end

    it "keeps the offset, zone and time-zone name through arithmetic and rounding" do
      code = 't = Time.__kobako_at(1_767_225_600, 500_000_000, 3600, "CET", "Europe/Berlin"); ' \
             '[t + 86_400 * 180, t - 0.25, t.round, t + Rational(1, 3), t.dup].map { |u| [u.inspect, u.zone, u.time_zone&.name] }'
      expect(sandbox.eval(code)).to eq([
        ["2026-06-30 01:00:00.5 +0100", "CET", "Europe/Berlin"],
        ["2026-01-01 01:00:00.25 +0100", "CET", "Europe/Berlin"],
        ["2026-01-01 01:00:01 +0100", "CET", "Europe/Berlin"],
        ["2026-01-01 01:00:00.833333333 +0100", "CET", "Europe/Berlin"],
        ["2026-01-01 01:00:00.5 +0100", "CET", "Europe/Berlin"]
      ])
    end

    it "drops the zone where CRuby would: another offset, UTC, the local zone" do
      code = 't = Time.__kobako_at(0, 0, -18_000, "EST", "America/New_York"); ' \
             '[t.getlocal("+01:00"), t.getutc, t.getlocal].map { |u| [u.inspect, u.zone.inspect, u.time_zone.inspect] }'
      expect(sandbox.eval(code)).to eq([
        ["1970-01-01 01:00:00 +0100", "nil", "nil"],
        ["1970-01-01 00:00:00 UTC", "\"UTC\"", "nil"],
        ["1970-01-01 00:00:00 +0000", "\"UTC\"", "nil"]
      ])
    end

    it "stores its parts where the codec's encoder reads them" do
      code = 't = Time.__kobako_at(-1, 999_999_999, 19_800, "IST", "Asia/Kolkata"); ' \
             '[t.to_i, t.usec, t.instance_variable_get(:@__nsec), t.instance_variable_get(:@__offset), ' \
             't.instance_variable_get(:@__zone), t.instance_variable_get(:@__time_zone), t.__utc_p]'
      expect(sandbox.eval(code)).to eq([-1, 999_999, 999, 19_800, "IST", "Asia/Kolkata", true])
      expect(sandbox.eval("t = Time.at(0, 1_000, :nsec); [t.instance_variable_defined?(:@__nsec), t.instance_variable_defined?(:@__offset)]"))
        .to eq([false, false])
    end

    it "compares Kobako::TimeZone by name and freezes it" do
      code = 'a = Time.__kobako_at(0, 0, 0, "GMT", "London").time_zone; b = Time.__kobako_at(9, 0, nil, nil, "London").time_zone; ' \
             '[a == b, a.eql?(b), a.hash == b.hash, a.frozen?, a.name.frozen?, a == "London", {a => 1}[b]]'
      expect(sandbox.eval(code)).to eq([true, true, true, true, true, false, 1])
    end

    it "rejects what it cannot hold" do
      errors = [
        "Time.__kobako_at(2**70, 0, nil, nil, nil)",
        "Time.__kobako_at(10**17, 0, nil, nil, nil)",
        "Time.__kobako_at(0, 1_000_000_000, nil, nil, nil)",
        "Time.__kobako_at(0, -1, nil, nil, nil)",
        "Time.__kobako_at(0, 0, 86_400, nil, nil)",
        "Time.__kobako_at(0.5, 0, nil, nil, nil)",
        "Time.__kobako_at(0, 0, 0, :EST, nil)"
      ].map { |c| sandbox.eval("begin; #{c}; :none; rescue => e; e.class.name; end") }
      expect(errors).to eq(%w[RangeError RangeError ArgumentError ArgumentError ArgumentError TypeError TypeError])
      expect(sandbox.eval("begin; Time.__kobako_at(10**17, 0, nil, nil, nil); rescue RangeError => e; e.message; end"))
        .to include("out of the range a sandbox Time can hold")
    end
  end

  # Known differences: CRuby keeps a Float's or a Rational's exact value below the
  # nanosecond; the guest (and the codec) keep whole nanoseconds, rounded down.
  it "keeps whole nanoseconds where CRuby keeps an exact fraction" do
    expect(sandbox.eval("[Time.at(1.7).utc.inspect, Time.at(Rational(1, 3)).utc.inspect, Time.at(1.7).subsec.inspect]"))
      .to eq(["1970-01-01 00:00:01.699999999 UTC", "1970-01-01 00:00:00.333333333 UTC", "(699999999/1000000000)"])
  end
end
