require "spec_helper"

# Contract A-4: every value type crossing from the guest to the host.
RSpec.describe Kobako::Sandbox, "values returned by eval" do
  let(:sandbox) { described_class.new }

  it "returns nil, true and false" do
    expect(sandbox.eval("nil")).to be_nil
    expect(sandbox.eval("true")).to be(true)
    expect(sandbox.eval("false")).to be(false)
  end

  it "returns nil for an empty script or one that ends in a statement" do
    expect(sandbox.eval("")).to be_nil
    expect(sandbox.eval("# just a comment\n")).to be_nil
    expect(sandbox.eval("def foo; end; nil")).to be_nil
  end

  it "returns Integers across the whole 64-bit range" do
    expect(sandbox.eval("[1, 2, 3].sum")).to eq(6)
    expect(sandbox.eval("-32")).to eq(-32)
    expect(sandbox.eval("2**62")).to eq(2**62)
    expect(sandbox.eval("9223372036854775807")).to eq(2**63 - 1)
    expect(sandbox.eval("-9223372036854775807 - 1")).to eq(-(2**63))
  end

  it "returns Integers past 64 bits exactly (issue 25)" do
    expect(sandbox.eval("2**64")).to eq(2**64)
    expect(sandbox.eval("-(2**63) - 1")).to eq(-(2**63) - 1)
    expect(sandbox.eval("3**10_000")).to eq(3**10_000)
  end

  it "returns Floats, including the special ones" do
    expect(sandbox.eval("1.5")).to eql(1.5)
    expect(sandbox.eval("1.0 / 3")).to eql(1.0 / 3)
    expect(sandbox.eval("-0.0").to_s).to eq("-0.0")
    expect(sandbox.eval("1.0 / 0")).to eq(Float::INFINITY)
    expect(sandbox.eval("0.0 / 0")).to be_nan
  end

  it "returns UTF-8 Strings as UTF-8" do
    value = sandbox.eval('"caf\u00e9 \u{1F600} " + "日本"')
    expect(value).to eq("café 😀 日本")
    expect(value.encoding).to eq(Encoding::UTF_8)
    expect(sandbox.eval('""')).to eq("")
  end

  it "returns bytes that are not valid UTF-8 as a binary String" do
    value = sandbox.eval('"\xff\xfe\x00abc"')
    expect(value.encoding).to eq(Encoding::BINARY)
    expect(value.bytes).to eq([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63])
    expect(sandbox.eval("[255, 0, 1].pack('C*')").bytes).to eq([255, 0, 1])
  end

  it "returns large Strings intact" do
    value = sandbox.eval('"ab" * 200_000')
    expect(value.bytesize).to eq(400_000)
    expect(value).to eq("ab" * 200_000)
  end

  it "returns Symbols, including ones that need quoting" do
    expect(sandbox.eval(":sym")).to eq(:sym)
    expect(sandbox.eval(':"with space"')).to eq(:"with space")
    expect(sandbox.eval(':"caf\u00e9"')).to eq(:café)
  end

  it "returns Arrays and Hashes, keeping Symbol and String keys distinct" do
    expect(sandbox.eval("[1, 'two', :three, [4.0, [nil]]]")).to eq([1, "two", :three, [4.0, [nil]]])
    value = sandbox.eval('{ a: 1, "a" => 2, 3 => [true], nil => nil, [1, 2] => { x: :y } }')
    expect(value).to eq({ a: 1, "a" => 2, 3 => [true], nil => nil, [1, 2] => { x: :y } })
    expect(value.keys.first(2)).to eq([:a, "a"])
  end

  it "keeps Hash order" do
    expect(sandbox.eval("h = {}; 20.downto(1) { |i| h[i] = i * i }; h").keys).to eq(20.downto(1).to_a)
  end

  it "returns containers nested exactly 128 levels deep" do
    value = sandbox.eval("v = 1; 128.times { v = [v] }; v")
    depth = 0
    while value.is_a?(Array)
      value = value.first
      depth += 1
    end
    expect([depth, value]).to eq([128, 1])
  end

  it "refuses nesting deeper than 128 levels with a clear error" do
    expect { sandbox.eval("v = 1; 129.times { v = [v] }; v") }
      .to raise_error(Kobako::SandboxError, /nests deeper than 128 levels/)
    expect { sandbox.eval("v = 1; 200.times { v = { k: v } }; v") }
      .to raise_error(Kobako::SandboxError, /nests deeper than 128 levels/)
  end

  it "refuses cyclic containers instead of hanging or crashing" do
    expect { sandbox.eval("a = [1]; a << a; a") }.to raise_error(Kobako::SandboxError, /or contains a cycle/)
    expect { sandbox.eval("h = {}; h[:self] = h; h") }.to raise_error(Kobako::SandboxError, /cycle/)
  end

  it "refuses unsupported types with the contract's message, never a silent to_s" do
    {
      "Object.new" => "Object",
      "-> { 1 }" => "Proc",
      "Struct.new(:a).new(Object.new)" => "Object",
      "(Object.new..nil)" => "Object",
      "Class.new" => "Class",
      "[1, Object.new]" => "Object",
      "{ key: Object }" => "Class"
    }.each do |code, type|
      expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, /is not a supported sandbox value type/) { |e|
        expect(e.message).to match(type.is_a?(Regexp) ? type : /\A#{type} is not/)
        expect(e.klass).to eq("TypeError")
        expect(e.origin).to eq("sandbox")
      }
    end
  end

  it "returns String and Array subclasses as their base type" do
    expect(sandbox.eval("class MyString < String; end; MyString.new('x')")).to eq("x")
    expect(sandbox.eval("class MyArray < Array; end; MyArray.new([1])")).to eq([1])
  end
end

# Contract A-4 from the host side: the codec both ways.
RSpec.describe Kobako::Codec do
  sample = {
    nil: nil, true: true, false: false, zero: 0, min: -(2**63), max: 2**63 - 1, float: -2.5,
    utf8: "héllo ✓", binary: "\xff\x00".b, sym: :name, "string key" => [1, [2, [3]]], 7 => { nested: {} }
  }

  it "round-trips every supported value type, keeping encodings and key kinds" do
    decoded = described_class.decode(described_class.encode(sample))
    expect(decoded).to eq(sample)
    expect(decoded[:utf8].encoding).to eq(Encoding::UTF_8)
    expect(decoded[:binary].encoding).to eq(Encoding::BINARY)
    expect(decoded.keys).to include(:sym, "string key", 7)
  end

  it "transcodes other encodings to UTF-8" do
    latin = "café".encode("ISO-8859-1")
    expect(described_class.decode(described_class.encode(latin))).to eq("café")
  end

  it "carries Integers of any size (issue 25)" do
    [2**63, -(2**63) - 1, 2**64, -(7**5000)].each do |int|
      expect(described_class.decode(described_class.encode([1, { a: int }]))).to eq([1, { a: int }])
    end
  end

  it "refuses unsupported objects, naming their place inside value types too" do
    expect { described_class.encode([Object.new]) }
      .to raise_error(Kobako::Codec::UnsupportedValue, /value\[0\]: Object is not a supported sandbox value type/)
    expect { described_class.encode([1, (Object.new..nil)]) }
      .to raise_error(Kobako::Codec::UnsupportedValue, /value\[1\]\.begin: Object is not/)
    expect { described_class.encode(Set[1, Object.new]) }
      .to raise_error(Kobako::Codec::UnsupportedValue, /value\.to_a\[1\]: Object is not/)
  end

  it "refuses nesting past 128 levels and cycles" do
    ok = 1
    128.times { ok = [ok] }
    expect(described_class.decode(described_class.encode(ok))).to eq(ok)
    deep = [ok]
    expect { described_class.encode(deep) }.to raise_error(Kobako::Codec::UnsupportedValue, /deeper than 128/)
    cyclic = []
    cyclic << cyclic
    expect { described_class.encode(cyclic) }.to raise_error(Kobako::Codec::UnsupportedValue, /cycle/)
  end

  it "rejects malformed payloads with an error instead of crashing" do
    {
      "\xc1".b => /malformed/,                 # never-used tag
      "\x93\x01".b => /claims 3 items/,        # array of 3 with 1 element
      "\x92\x01\xcd".b => /truncated/,         # a uint16 with no bytes
      "\xdd\xff\xff\xff\xff".b => /claims 4294967295 items/, # checked before anything is allocated
      "\x01\x02".b => /trailing bytes/,
      "\xc7\x01\x09x".b => /malformed/,        # unknown ext type 9
      ("\x91" * 200).b + "\x01" => /deeper than 128/
    }.each do |bytes, message|
      expect { described_class.decode(bytes) }.to raise_error(Kobako::Codec::MalformedPayload, message)
    end
  end

  it "refuses payloads over 16 MiB" do
    expect { described_class.decode("\xc0".b * ((16 << 20) + 1)) }
      .to raise_error(Kobako::Codec::MalformedPayload, /over the 16777216-byte limit/)
    expect { described_class.encode("x" * ((16 << 20) + 1)) }
      .to raise_error(Kobako::Codec::UnsupportedValue, /over the 16777216-byte limit/)
  end
end
