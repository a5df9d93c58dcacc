require "spec_helper"
require "bigdecimal"
require "date"

# Every host decoder fed 100,000 random and mutated payloads (seeded, so a failure
# reproduces): each must either decode or raise one of its documented errors. A
# NoMemoryError, a NoMethodError from inside msgpack, a hang or a crash is a defect
# (contract E-3, W-3).
RSpec.describe "host decoders under fuzzing" do
  PAYLOADS = 100_000
  SEED = 20_261_201

  # Well-formed encodings to mutate: values, Service requests, block answers, faults.
  def seeds
    values = [nil, true, 1, -2**63, 2**63 - 1, 1.5, "héllo", "\xFF".b, :sym, [1, [2, [3]]], { "a" => { b: [nil] } },
              Array.new(20) { |i| i }, { 1 => 2, "x" => :y },
              # Issue 25's value types: text exts and nested ones.
              2**70, -(3**90), BigDecimal("-12.5e-7"), BigDecimal("NaN"), Rational(-3, 7), Complex(1, 2.5), Date.new(2024, 2, 29),
              Time.at(1, 5, :nsec, in: "+09:00"), Time.at(0, in: "UTC"), Set[1, "a"], (1..), ("a"..."c"),
              Kobako::Record.new("Struct", "P", %i[x y], [1, [2]]), [Set[[Date.new(2000, 1, 1)]], { d: (..BigDecimal("1")) }]]
    requests = [["T::Fn", "call", [1], {}, 0], ["T::Fn", "call", [], { k: 1 }, 3],
                [Kobako::Codec::HandleRef.new(1), "name", [], {}, 0]]
    faults = [Kobako::Codec.encode_fault("error", "x", id: 1), Kobako::Codec.encode_fault("raise", "m", class: "KeyError"),
              Kobako::Codec.encode_fault("break", "")]
    values.map { |v| Kobako::Codec.encode(v) } + requests.map { |v| Kobako::Codec.pack(v) } + faults
  end

  # Headers that claim more than any payload holds, and other classic traps.
  TRAPS = ["\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff", "\xdb\xff\xff\xff\xff", "\xc6\xff\xff\xff\xff",
           "\xc9\xff\xff\xff\xff\x01", "\xdc\xff\xff", "\xde\xff\xff", "\xc7\x04\x01", "\xd7\x02", "\xc1",
           "\x91" * 200, "\xcf\xff\xff\xff\xff\xff\xff\xff\xff"].map(&:b).freeze

  def mutate(bytes, rng)
    bytes = bytes.dup
    case rng.rand(6)
    when 0 then bytes.setbyte(rng.rand(bytes.bytesize), rng.rand(256)) unless bytes.empty?
    when 1 then bytes = bytes.byteslice(0, rng.rand(bytes.bytesize + 1))
    when 2 then bytes.insert(rng.rand(bytes.bytesize + 1), TRAPS.sample(random: rng))
    when 3 then bytes << rng.bytes(rng.rand(1..8))
    when 4 then bytes = TRAPS.sample(random: rng) + bytes
    else 3.times { bytes.setbyte(rng.rand(bytes.bytesize), rng.rand(256)) unless bytes.empty? }
    end
    bytes.b
  end

  def payloads
    rng = Random.new(SEED)
    pool = seeds
    Array.new(PAYLOADS) do |i|
      i.even? ? rng.bytes(rng.rand(0..48)) : mutate(pool.sample(random: rng), rng)
    end
  end

  let(:services) do
    Kobako::Services.new.tap { |s| s.define(:T).bind(:Fn, ->(*a, **k) { [a.size, k.size] }) }.tap(&:seal!)
  end

  it "raises only MalformedPayload (or UnknownHandle) from Codec.decode, with and without Handles and faults" do
    handles = Kobako::HandleTable.new
    handles.id_for(Struct.new(:name).new("x"))
    outcomes = Hash.new(0)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    payloads.each_with_index do |bytes, i|
      Kobako::Codec.decode(bytes, handles: i.odd? ? handles : nil, faults: i % 3 == 0)
      outcomes[:decoded] += 1
    rescue Kobako::Codec::MalformedPayload, Kobako::Codec::KeyRefused, Kobako::HandleTable::UnknownHandle => e
      outcomes[e.class] += 1
    rescue Exception => e # rubocop:disable Lint/RescueException -- any other outcome is the defect under test
      raise "payload #{i} (#{bytes.inspect[0, 80]}) raised #{e.class}: #{e.message}"
    end
    expect(outcomes.values.sum).to eq(PAYLOADS)
    expect(outcomes[:decoded]).to be > 1_000
    expect(outcomes[Kobako::Codec::MalformedPayload]).to be > 10_000
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 30
  end

  it "answers every fuzzed Service request with a response, never an exception" do
    dispatcher = Kobako::Dispatcher.new(services, Kobako::HandleTable.new)
    payloads.first(PAYLOADS / 4).each_with_index do |bytes, i|
      answer = dispatcher.call(bytes, 0)
      expect(answer).to be_a(String)
      Kobako::Codec.decode(answer, faults: true) # the response itself must be well-formed
    rescue Exception => e # rubocop:disable Lint/RescueException -- any exception is the defect under test
      raise "request #{i} (#{bytes.inspect[0, 80]}) raised #{e.class}: #{e.message}"
    end
  end

  it "turns every fuzzed outcome into a value or a TrapError" do
    payloads.first(PAYLOADS / 4).each_with_index do |bytes, i|
      Kobako::Transport.decode(bytes)
    rescue Kobako::TrapError
      nil
    rescue Exception => e # rubocop:disable Lint/RescueException -- any other outcome is the defect under test
      raise "outcome #{i} (#{bytes.inspect[0, 80]}) raised #{e.class}: #{e.message}"
    end
  end

  it "refuses the issue's array header claiming 2^32-1 elements before allocating" do
    expect { Kobako::Codec.decode("\xdd\xff\xff\xff\xff".b) }
      .to raise_error(Kobako::Codec::MalformedPayload, /claims 4294967295 items/)
  end
end
