require "spec_helper"
require "json"
require_relative "../support/stored_blobs"

# Stored runs are host data, but their contents are treated as hostile (issue 27): a
# truncated, corrupted or tampered blob or Hash raises SnapshotError or resumes a run that
# stays inside the sandbox's walls; it never crashes the process or raises anything else.
RSpec.describe "stored runs fed malformed bytes" do
  let(:sandbox) do
    pay = Object.new
    def pay.refund(order, amount) = "refund #{order} #{amount}"
    def pay.lookup(id) = { "id" => id, "tags" => [:a, 2.5, nil] }
    Kobako::Sandbox.new(timeout: 2).tap do |s|
      s.bind("Payments", pay, methods: %i[refund lookup], suspend: %i[refund])
    end
  end
  let(:script) { "o = Payments.lookup(4); puts o['id']; r = Payments.refund(o['id'], 10); [o, r]" }
  let(:allowed) { [Kobako::SnapshotError, Kobako::ReplayDivergenceError, ArgumentError, TypeError] }

  def attempt
    outcome = yield
    expect(outcome).to be_a(Kobako::Execution) unless outcome.nil?
  rescue *allowed
    nil
  end

  it "survives byte flips, truncations and insertions in the body of a blob" do
    blob = sandbox.execute(script).dump
    body = StoredBlobs.body(blob)
    random = Random.new(27)
    1000.times do
      mutated = body.dup
      case random.rand(3)
      when 0 then random.rand(1..4).times { mutated.setbyte(random.rand(mutated.bytesize), random.rand(256)) }
      when 1 then mutated = mutated.byteslice(0, random.rand(mutated.bytesize))
      else mutated.insert(random.rand(mutated.bytesize), random.bytes(random.rand(1..8)))
      end
      attempt { sandbox.resume(StoredBlobs.reseal(blob, mutated), value: 1) }
    end
    expect(sandbox.eval("1 + 1")).to eq(2)
  end

  it "refuses a blob whose checksum does not match, naming it" do
    blob = sandbox.execute(script).dump
    tampered = blob.dup
    tampered.setbyte(blob.bytesize - 3, blob.getbyte(blob.bytesize - 3) ^ 1)
    expect { sandbox.resume(tampered, value: 1) }.to raise_error(Kobako::SnapshotError, /checksum/)
  end

  it "survives forged recordings: a response swapped for another value, or for a Handle" do
    execution = sandbox.execute(script)
    hash = JSON.parse(JSON.generate(execution.to_h))
    forged = [Kobako::Codec.encode("swapped"), "\xd6\x01\x00\x00\x00\x07".b, "\xc1".b, "\xd4\x02\x00".b,
              "\xdd\xff\xff\xff\xff".b, Kobako::Codec.encode([1] * 100)]
    forged.each do |bytes|
      copy = JSON.parse(JSON.generate(hash))
      copy["calls"][0][1] = [bytes].pack("m0")
      attempt { sandbox.resume(Kobako::Execution.from_h(copy).dump, value: 1) }
      attempt { sandbox.replay(Kobako::Execution.from_h(copy)) }
    end
    expect(sandbox.eval("2 + 2")).to eq(4)
  end

  it "survives random changes to a to_h Hash" do
    hash = JSON.parse(JSON.generate(sandbox.execute(script).to_h))
    random = Random.new(2027)
    junk = [nil, -1, 2**70, "x", [], {}, { "$ext" => "Time", "v" => [1] }, { "$handle" => [999, "X"] }, 1.5, true]
    200.times do
      copy = JSON.parse(JSON.generate(hash))
      node = copy
      path = []
      3.times do
        keys = node.is_a?(Hash) ? node.keys : (node.is_a?(Array) ? node.each_index.to_a : [])
        break if keys.empty?

        key = keys[random.rand(keys.size)]
        path << key
        break unless node[key].is_a?(Hash) || node[key].is_a?(Array)

        node = node[key]
      end
      next if path.empty?

      parent = path[0..-2].reduce(copy) { |n, k| n[k] }
      parent[path.last] = junk[random.rand(junk.size)]
      attempt do
        loaded = Kobako::Execution.from_h(copy)
        loaded.calls
        loaded.inspect
        sandbox.replay(loaded)
      end
    end
    expect(sandbox.eval("3 + 3")).to eq(6)
  end
end
