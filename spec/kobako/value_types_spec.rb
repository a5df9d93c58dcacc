require "spec_helper"
require "bigdecimal"
require "bigdecimal/util"
require "date"
require "set"

# Issue 25: the value types Rails apps hold cross the boundary exactly, both ways, and
# `locals:` gives a script plain values. Property tests draw random values of each type
# (seeded, so a failure reproduces) and send them host -> guest -> host, and guest -> host
# -> guest; the guest-side arithmetic is compared with CRuby's.
RSpec.describe "Value types beyond JSON (issue 25)" do
  let(:sandbox) { Kobako::Sandbox.new(timeout: 10) }
  let(:rng) { Random.new(Integer(ENV.fetch("KOBAKO_SEED", 2025))) }

  # Value and class and, for the types where == is looser than "the same", the parts.
  def same?(a, b)
    return false unless a.class == b.class

    case a
    when Float then a.nan? ? b.nan? : (a.eql?(b) && (1.0 / a).eql?(1.0 / b))
    when BigDecimal then a.nan? ? b.nan? : (a == b && a.sign == b.sign && a.precision == b.precision)
    when Time then a == b && a.nsec == b.nsec && a.utc? == b.utc? && a.utc_offset == b.utc_offset && a.zone == b.zone
    when Array then a.size == b.size && a.zip(b).all? { |x, y| same?(x, y) }
    when Hash then a.size == b.size && a.all? { |k, v| b.key?(k) && same?(v, b[k]) }
    when Range then same?(a.begin, b.begin) && same?(a.end, b.end) && a.exclude_end? == b.exclude_end?
    when Kobako::Record then a == b && same?(a.values, b.values)
    else a == b && a.hash == b.hash
    end
  end

  def big_int(digits) = (rng.rand(9) + 1).to_s.+(Array.new(digits - 1) { rng.rand(10) }.join).to_i * [1, -1].sample(random: rng)

  def decimal
    case rng.rand(6)
    when 0 then BigDecimal(%w[NaN Infinity -Infinity -0 0].sample(random: rng))
    when 1 then BigDecimal("#{big_int(rng.rand(1..400))}e#{rng.rand(-100_000..100_000)}")
    else BigDecimal("#{big_int(rng.rand(1..30))}e#{rng.rand(-30..30)}")
    end
  end

  def time
    sec = rng.rand(-62_000_000_000..250_000_000_000) # years ~0000 to ~9900
    nsec = [0, 999_999_999, rng.rand(1_000_000_000)].sample(random: rng)
    case rng.rand(3)
    when 0 then Time.at(sec, nsec, :nsec, in: "UTC")
    when 1 then Time.at(sec, nsec, :nsec, in: rng.rand(-86_399..86_399))
    else Time.at(sec, nsec, :nsec) # local: this process's zone
    end
  end

  def date = Date.jd(rng.rand(1_000_000..4_000_000))

  def scalar
    case rng.rand(9)
    when 0 then big_int(rng.rand(19..300))
    when 1 then decimal
    when 2 then Rational(rng.rand(-(2**62)..2**62), rng.rand(1..2**62))
    when 3 then Complex(rng.rand(-1e6..1e6), [rng.rand(-9..9).to_f, Float::INFINITY, -0.0].sample(random: rng))
    when 4 then date
    when 5 then time
    when 6 then [Float::NAN, Float::INFINITY, -Float::INFINITY, -0.0, rng.rand].sample(random: rng)
    when 7 then Range.new(*[[rng.rand(100), rng.rand(100..200)], [nil, rng.rand(9)], [date, nil]].sample(random: rng), rng.rand(2).zero?)
    else Set.new(Array.new(rng.rand(4)) { rng.rand(1000) })
    end
  end

  def value(depth = 0)
    return scalar if depth > 2 || rng.rand(3).zero?

    if rng.rand(2).zero?
      Array.new(rng.rand(4)) { value(depth + 1) }
    else
      Array.new(rng.rand(4)) { [%i[a b c due price].sample(random: rng), value(depth + 1)] }.to_h
    end
  end

  describe "host -> guest -> host" do
    it "returns 300 random values of every type, nested, unchanged" do
      values = Array.new(300) { value }
      values.each_slice(30) do |batch|
        back = sandbox.eval("xs", locals: { xs: batch })
        batch.zip(back).each { |v, b| expect(same?(v, b)).to be(true), "#{v.inspect[0, 300]} came back as #{b.inspect[0, 300]}" }
      end
    end

    it "carries the edge cases exactly" do
      edges = [
        BigDecimal("NaN"), BigDecimal("Infinity"), BigDecimal("-Infinity"), BigDecimal("-0"), BigDecimal("1e999999999"),
        BigDecimal("-1e-999999999"), BigDecimal("0.#{'7' * 5000}"), 10**10_000 + 1, -(10**10_000),
        Date.new(2024, 2, 29), Date.new(-4712, 1, 1), Date.new(9999, 12, 31), Date.new(1582, 10, 15),
        Time.at(0, 1, :nsec, in: "UTC"), Time.at(-1, 999_999_999, :nsec, in: "-12:00"), Time.at(2**40, in: "+14:00"),
        Time.at(951_782_400, in: "+05:45"), -0.0, Float::INFINITY, (..5), (1...), ("a".."c"),
        Set[], Set[[1, 2], { a: 1 }], Rational(-(2**63) + 1, 2**63 - 1), Complex(0.0, -0.0)
      ]
      back = sandbox.eval("xs", locals: { xs: edges })
      edges.zip(back).each { |v, b| expect(same?(v, b)).to be(true), "#{v.inspect[0, 200]} came back as #{b.inspect[0, 200]}" }
    end

    it "reads the values in the guest as CRuby would" do
      seen = sandbox.eval(<<~RUBY, locals: { d: BigDecimal("1.10"), t: Time.at(0, 5, :nsec, in: "+09:00"), day: Date.new(2026, 1, 31), r: 3r / 4, s: Set[1, 2], big: 2**70 })
        [d.class.name, (d * 3).to_s, t.utc_offset, t.utc?, t.nsec, t.hour, (day >> 1).to_s, (r + 1).to_s, s.include?(2), big.to_s, big.class.name]
      RUBY
      expect(seen).to eq(["BigDecimal", "0.33e1", 32_400, false, 5, 9, "2026-02-28", "7/4", true, (2**70).to_s, "Integer"])
    end

    it "carries values through Service arguments and results, run arguments and the transcript" do
      box = Kobako::Sandbox.new
      box.define(:Shop).bind(:Calc, ->(price, qty) { price * qty })
      box.define(:Cal).bind(:Next, ->(day) { day.next_day })
      box.preload(name: :Due, code: "Due = ->(day, n) { day + n }")
      execution = box.execute('require "bigdecimal"; require "date"; ' \
                              '[Shop::Calc.call(BigDecimal("9.99"), 3), Cal::Next.call(Date.new(2024, 2, 28))]')
      expect(execution.value).to eq([BigDecimal("29.97"), Date.new(2024, 2, 29)])
      expect(execution.calls.map(&:args)).to eq([[BigDecimal("9.99"), 3], [Date.new(2024, 2, 28)]])
      expect(execution.calls.map(&:result)).to eq([BigDecimal("29.97"), Date.new(2024, 2, 29)])
      expect(box.replay(execution).value).to eq(execution.value)
      expect(box.run(:Due, Date.new(2026, 12, 25), 10)).to eq(Date.new(2027, 1, 4))
    end

    it "refuses a Rational whose parts pass 64 bits in the guest, with a clear error" do
      expect { sandbox.eval("x", locals: { x: Rational(2**100, 3) }) }
        .to raise_error(Kobako::SandboxError, /Rational whose parts pass 64 bits/)
    end
  end

  describe "guest -> host -> guest" do
    snippets = {
      "BigDecimal" => 'require "bigdecimal"; [BigDecimal("1.10") * 3, BigDecimal("-0"), BigDecimal("1e-40") / 7]',
      "Date" => 'require "date"; [Date.new(2026, 1, 31) >> 1, Date.new(2024, 2, 29), Date.new(1, 1, 1) - 1]',
      "Time" => '[Time.at(0), Time.at(0).utc, Time.at(1_700_000_000).getlocal("-03:30"), Time.at(1.5).utc]',
      "Integer" => "[2**70, -(3**200), 2**63, -(2**63) - 1]",
      "Rational/Complex" => "[3r/4, Rational(-5, 7), Complex(1, 2.5)]",
      "Set/Range" => "[Set[1, [2]], (1..3), (1...), (..5), ('a'..'z')]",
      # P and D come from a snippet, so the guest has them when the values cross back in.
      "Struct/Data" => "[P.new(1, [2]), D.new(when: 3)]"
    }
    snippets.each do |name, code|
      it "returns #{name} values and takes them back unchanged" do
        box = Kobako::Sandbox.new.preload(name: :P, code: "P = Struct.new(:x, :y); D = Data.define(:when)")
        returned = box.eval(code)
        # The same Sandbox evaluates the code again and compares with what came back in.
        same = box.eval("mine = (#{code}); mine.zip(back).map { |a, b| [a == b, a.class == b.class, a.inspect == b.inspect] }",
                        locals: { back: returned })
        expect(same).to all(eq([true, true, true])), "#{name}: #{same.inspect}"
      end
    end

    it "gives an anonymous Struct back as a Record with no class name, and a Hash when it crosses in again" do
      record = sandbox.eval("Struct.new(:q).new(nil)")
      expect([record.guest_class, record.to_h]).to eq(["", { q: nil }])
      expect(sandbox.eval("r", locals: { r: record })).to eq({ q: nil })
    end

    it "adds to a bignum, BigDecimal or Time local without touching the next local (mruby's ADDI fold)" do
      code = 'require "bigdecimal"; a = 2**70; b = -36; a += 1; c = BigDecimal("1.5"); d = 7; c -= 1; ' \
             "e = Time.at(0).utc; f = :kept; e += 1; [a, b, c, d, e.to_i, f]"
      expect(sandbox.eval(code)).to eq([2**70 + 1, -36, BigDecimal("0.5"), 7, 1, :kept])
    end

    it "gives a script's Struct and Data instances back as frozen Kobako::Records" do
      point, event = sandbox.eval("Point = Struct.new(:x, :y); Ev = Data.define(:at, :tags); [Point.new(1, 2), Ev.new(at: 3, tags: [:a])]")
      expect(point).to be_frozen
      expect([point.x, point[:y], point[0], point.to_h, point.members, point.guest_class, point.struct?]).to eq([1, 2, 1, { x: 1, y: 2 }, %i[x y], "Point", true])
      expect(point).to eq(Kobako::Record.new("Struct", "Point", %i[x y], [1, 2]))
      expect(point.inspect).to eq("#<struct Point x=1, y=2>")
      expect(event.inspect).to eq("#<data Ev at=3, tags=[:a]>")
      expect(event.data?).to be(true)
      matched = case event
                in { at: Integer => at, tags: [tag] } then [at, tag]
                end
      expect(matched).to eq([3, :a])
      x, y = *point
      expect([x, y]).to eq([1, 2])
      expect { point.to_h[:x] = 5 }.not_to change(point, :x)
      require "json"
      expect(JSON.generate([point])).to eq('[{"x":1,"y":2}]')
      expect { point.nope }.to raise_error(NoMethodError)
      expect { point[:nope] }.to raise_error(NameError, /no member 'nope'/)
      # Back into a guest that has no Point: a Hash of its members.
      expect(sandbox.eval("[p.class.name, p[:x]]", locals: { p: point })).to eq(%w[Hash] + [1])
    end

    it "never defines a host class or method for a guest class name" do
      before = ObjectSpace.each_object(Class).count
      names = sandbox.eval("Array.new(200) { |i| Struct.new(:\"m\#{i}\").new(i) }")
      expect(names.map(&:members).uniq.size).to eq(200)
      expect(ObjectSpace.each_object(Class).count - before).to be < 5
      expect(Kobako::Record.instance_methods(false)).not_to include(:m1)
    end
  end

  describe "CRuby's answers for the guest's arithmetic on crossed values" do
    cases = {
      'd * 3 + BigDecimal("0.005")' => { d: BigDecimal("1.10") },
      "(price * qty).round(2)" => { price: BigDecimal("19.99"), qty: 3 },
      "(d / 3).round(10)" => { d: BigDecimal("10") },
      "day >> 1" => { day: Date.new(2026, 1, 31) },
      "day << 13" => { day: Date.new(2024, 3, 31) },
      "[day + 365, day - Date.new(2000, 1, 1)]" => { day: Date.new(2024, 2, 29) },
      "t + 86_400" => { t: Time.at(1_700_000_000, in: "+09:00") },
      "(t + 0.5).to_f" => { t: Time.at(1_700_000_000, in: "UTC") },
      "[t.year, t.month, t.day, t.hour, t.min, t.wday, t.yday]" => { t: Time.at(1_709_251_199, in: "-05:00") },
      "big * big - 1" => { big: 2**70 },
      "[r * 2, r + Rational(1, 4), r.to_f]" => { r: Rational(3, 4) },
      "s | Set[3]" => { s: Set[1, 2] },
      "(r.first(2) + [r.size])" => { r: (1..10) }
    }
    cases.each do |code, locals|
      it "computes #{code} as CRuby does" do
        host = TOPLEVEL_BINDING.dup.tap { |b| locals.each { |k, v| b.local_variable_set(k, v) } }.eval(code)
        guest = sandbox.eval(code, locals: locals)
        expect(guest).to eq(host)
        expect(guest.class).to eq(host.class)
      end
    end
  end

  describe "ActiveSupport::TimeWithZone" do
    # ActiveSupport changes core classes (Time#<=> among them), which the differential
    # suites compare the guest with: it is loaded only in a forked child.
    def in_active_support
      reader, writer = IO.pipe
      pid = fork do
        reader.close
        require "active_support"
        require "active_support/time"
        writer.write(Marshal.dump(yield))
        exit!(0)
      rescue Exception => e # rubocop:disable Lint/RescueException -- reported to the parent
        writer.write(Marshal.dump([:raised, e.class.name, e.message]))
        exit!(1)
      end
      writer.close
      data = reader.read
      Process.wait(pid)
      Marshal.load(data) # rubocop:disable Security/MarshalLoad -- our own child's bytes
    end

    it "crosses in as a Time with its offset, abbreviation and zone name, and comes back in its zone" do
      seen, back = in_active_support do
        box = Kobako::Sandbox.new
        zone = ActiveSupport::TimeZone["Eastern Time (US & Canada)"]
        twz = zone.local(2026, 3, 7, 12, 30, 15.5r)
        seen = box.eval("[t.class.name, t.utc_offset, t.utc?, t.zone, t.time_zone&.name, t.hour, t.nsec]", locals: { t: twz })
        back = box.eval("t + 86_400", locals: { t: twz })
        [seen, [back.is_a?(ActiveSupport::TimeWithZone), back.time_zone == zone, back == twz + 86_400, back.zone, back.iso8601]]
      end
      expect(seen).to eq(["Time", -18_000, false, "EST", "Eastern Time (US & Canada)", 12, 500_000_000])
      # The same instant; the zone gives EDT after the DST change.
      expect(back).to eq([true, true, true, "EDT", "2026-03-08T13:30:15-04:00"])
    end

    it "comes back as a fixed-offset Time when the zone is unknown on the host" do
      back = in_active_support { Kobako::Sandbox.new.eval("t", locals: { t: Time.at(0, in: "+01:00") }).then { |t| [t.class, t.utc_offset] } }
      expect(back).to eq([Time, 3600])
    end
  end

  describe "locals:" do
    it "makes plain values local variables, as a formula expects" do
      expect(sandbox.eval("price * qty", locals: { price: BigDecimal("9.99"), qty: 3 })).to eq(BigDecimal("29.97"))
      expect(sandbox.eval("[a, b, defined?(a)]", locals: { a: 1, "b" => [2] })).to eq([1, [2], "local-variable"])
      expect(sandbox.eval("a = a + 1; a", locals: { a: 1 })).to eq(2)
      expect(sandbox.eval("[1, 2].map { |i| i * k }", locals: { k: 10 })).to eq([10, 20])
      expect(sandbox.eval("def f = defined?(k); f", locals: { k: 1 })).to be_nil # a method does not see them, as in Ruby
    end

    it "runs each call with its own values from the compile cache" do
      box = Kobako::Sandbox.new(compile_cache: true)
      results = Array.new(6) { |i| box.eval("x * 2", locals: { x: i }) }
      expect(results).to eq([0, 2, 4, 6, 8, 10])
      expect(box.compile_cache_stats[:hits]).to be >= 1
      # Other names are another script: never the bytecode compiled for x.
      expect { box.eval("x * 2", locals: { y: 1 }) }.to raise_error(Kobako::SandboxError) { |e| expect(e.klass).to eq("NameError") }
      expect { box.eval("x * 2") }.to raise_error(Kobako::SandboxError) { |e| expect(e.klass).to eq("NameError") }
    end

    it "keeps a script's locals out of the snippets' closures" do
      box = Kobako::Sandbox.new
      box.preload(name: :Counter, code: "seed = 41; Counter = -> { seed + 1 }")
      expect(box.eval("[Counter.call, x]", locals: { x: 7 })).to eq([42, 7])
      expect(box.eval("[Counter.call, seed, x]", locals: { seed: 0, x: 1 })).to eq([42, 0, 1])
    end

    it "refuses bad names before anything runs" do
      ["Price", "class", "self", "1x", "a-b", "", "it", "_1", "a b", "π"].each do |name|
        expect { sandbox.eval("1", locals: { name => 1 }) }.to raise_error(ArgumentError, /is not a local variable name/)
      end
      expect { sandbox.eval("1", locals: { 1 => 1 }) }.to raise_error(TypeError, /Symbols or Strings/)
      expect { sandbox.eval("1", locals: [[:a, 1]]) }.to raise_error(TypeError, /must be a Hash/)
      expect { sandbox.eval("1", locals: { a: 1, "a" => 2 }) }.to raise_error(ArgumentError, /given twice/)
    end

    it "refuses values that cannot cross, naming the key, the place and the class" do
      expect { sandbox.eval("1", locals: { account: Object.new }) }
        .to raise_error(Kobako::Codec::UnsupportedValue, "locals[:account]: Object is not a supported sandbox value type")
      expect { sandbox.eval("1", locals: { rows: [1, { due: Time.at(1r / 3) }] }) }
        .to raise_error(Kobako::Codec::UnsupportedValue, /\Alocals\[:rows\]\[1\]\[:due\]: a Time with more than nanosecond precision/)
      expect { sandbox.eval("1", locals: { p: Kobako::Record.new("Struct", "P", [:a], [Object.new]) }) }
        .to raise_error(Kobako::Codec::UnsupportedValue, /\Alocals\[:p\]\[:a\]: Object is not/)
    end

    it "replays an eval with its locals" do
      execution = sandbox.execute("a + b", locals: { a: BigDecimal("1.5"), b: 2 })
      expect(execution.value).to eq(BigDecimal("3.5"))
      expect(sandbox.replay(execution)).to eq(execution)
    end
  end

  describe "how kobako shows them (code mode, the CLI, Execution#inspect)" do
    it "shows value types by their own inspect and their parts as the guest saw them" do
      require "kobako/cli"
      v = [BigDecimal("1.5"), Date.new(2026, 1, 1), Time.at(0).utc, Set[1], (1..2), 3r / 4,
           Kobako::Record.new("Struct", "P", %i[x r], [Object.new, (..Date.new(2026, 1, 2))])]
      expect(Kobako::GuestView.inspect(v)).to eq('[0.15e1, #<Date: 2026-01-01 ((2461042j,0s,0n),+0s,2299161j)>, ' \
                                                 "1970-01-01 00:00:00 UTC, #<Set: {1}>, 1..2, (3/4), #<struct P x=#<object>, " \
                                                 "r=..#<Date: 2026-01-02 ((2461043j,0s,0n),+0s,2299161j)>>]")
      expect(Kobako::CLI::Report.jsonable(v))
        .to eq(["1.5", "2026-01-01", "1970-01-01T00:00:00.000000000+00:00", [1], "1..2", "3/4",
                { "x" => "#<object>", "r" => "..#<Date: 2026-01-02 ((2461043j,0s,0n),+0s,2299161j)>" }])
    end
  end

  describe "bad input" do
    it "refuses a value over the payload cap with a clear error, never a crash" do
      huge = BigDecimal("1.#{'3' * (17 << 20)}")
      expect { sandbox.eval("x", locals: { x: [1, huge] }) }.to raise_error(Kobako::Codec::TooLarge, /16777216-byte limit/)
    end

    it "refuses a Time with sub-nanosecond digits, naming its place" do
      expect { Kobako::Codec.encode([{ due: Time.at(Rational(1, 3)) }]) }
        .to raise_error(Kobako::Codec::UnsupportedValue, /value\[0\]\[:due\]: a Time with more than nanosecond/)
    end

    it "handles a Time before year 0 exactly" do
      t = Time.at(-62_200_000_000, 7, :nsec, in: "UTC")
      expect(sandbox.eval("[t.year, t]", locals: { t: t })).to eq([t.year, t])
    end

    it "refuses malformed value exts with MalformedPayload" do
      ext = ->(type, payload) { [0xc7, payload.bytesize, type].pack("CCc") + payload.b }
      nested = ->(type, value) { ext.call(type, Kobako::Runtime.pack(value)) }
      {
        "integer text" => ext.call(3, "12G"), "empty integer" => ext.call(3, ""), "decimal text" => ext.call(4, "1.2.3"),
        "decimal exponent" => ext.call(4, "1e1234567890123456789"), "Rational of Floats" => nested.call(5, [1.0, 2]),
        "zero denominator" => nested.call(5, [1, 0]), "Date of a Float" => nested.call(7, Float::INFINITY),
        "Time of four parts" => nested.call(8, [0, 0, nil, nil]), "nsec out of range" => nested.call(8, [0, 10**9, nil, nil, nil]),
        "offset of a day" => nested.call(8, [0, 0, 86_400, nil, nil]), "Range of two" => nested.call(10, [1, 2]),
        "Struct kind" => nested.call(11, ["Class", "X", [], []]), "Struct lengths" => nested.call(11, ["Struct", "X", [:a], []]),
        "Struct duplicate members" => nested.call(11, ["Struct", "X", %i[a a], [1, 2]]),
        "truncated nested" => ext.call(9, "\x92\x01"), "trailing nested" => ext.call(9, "\xc0\xc0"),
        "incomparable Range" => nested.call(10, [1, "a", false])
      }.each do |what, bytes|
        expect { Kobako::Codec.decode(bytes) }.to raise_error(Kobako::Codec::MalformedPayload), what
      end
    end
  end

  describe "Handles inside value types" do
    # Every protocol method the host could be tempted to run on a Handle's object records
    # the call: none may run while a value is rebuilt (contract X-1).
    let(:ran) { [] }
    let(:box) do
      calls = ran
      Kobako::Sandbox.new.tap do |b|
        klass = Class.new do
          define_singleton_method(:name) { "Widget" }
          %i[hash eql? <=> == to_ary to_hash coerce].each do |m|
            define_method(m) { |*| calls << m && (m == :hash ? 1 : m == :<=> ? 0 : true) }
          end
          def label = "w"
        end
        stub_const("Widget", klass)
        stub_const("TAGS", Set["a"])
        b.expose(Widget, :label)
        b.define(:Store).bind(:Make, -> { Widget.new }).bind(:Tags, -> { TAGS })
      end
    end

    it "rebuilds a Set of Handles by identity, never asking the host objects for #hash" do
      set = box.eval("w = Store::Make.call; Set[w, w, :tag, 1]")
      expect(set.size).to eq(3)
      expect(set).to be_compare_by_identity
      expect(ran).to eq([])
    end

    it "refuses a Set mixing Handles with values hashed by value, and a Range of Handles" do
      expect { box.eval('Set[Store::Make.call, "text"]') }.to raise_error(Kobako::Error, /Set holding a Handle/)
      # An endless Range: the guest builds it without comparing; the host refuses it.
      expect { box.eval("(Store::Make.call..)") }.to raise_error(Kobako::Error, /Range ext cannot hold a Handle/)
      expect(ran).to eq([])
    end

    it "carries a Handle inside a Struct the script defined" do
      record = box.eval("Box = Struct.new(:item, :n); Box.new(Store::Make.call, 1)")
      expect(record.item).to be_a(Widget)
      expect(ran).to eq([])
    end

    it "gives the script its own copy of a Set or Range a Service returns" do
      expect(box.eval('t = Store::Tags.call; t << "b"; t')).to eq(Set["a", "b"])
      expect(TAGS).to eq(Set["a"])
    end
  end
end
