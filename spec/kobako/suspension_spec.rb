require "spec_helper"
require "json"
require "bigdecimal"
require "open3"
require "rbconfig"

# Contract P-2: a run stops at a suspending Service call, is stored, and continues with the
# app's answer, here or in another process, without making the earlier calls again.
RSpec.describe "suspension and resume" do
  let(:made) { [] }
  let(:payments) do
    made = self.made
    Class.new do
      define_method(:refund) do |order, amount|
        made << [:refund, order, amount]
        "refund #{order}/#{amount}"
      end
      define_method(:quote) do |amount|
        made << [:quote, amount]
        Kobako.suspend!("large: #{amount}") if amount > 100
        amount * 2
      end
      define_method(:lookup) do |id|
        made << [:lookup, id]
        { "id" => id, "total" => BigDecimal("12.50") }
      end
      define_method(:each_row) { |&block| [1, 2].map(&block) }
    end.new
  end

  def sandbox(**options)
    Kobako::Sandbox.new(**options).tap do |s|
      s.bind("Payments", payments, methods: %i[refund quote lookup each_row], suspend: %i[refund])
    end
  end

  let(:script) do
    <<~RUBY
      order = Payments.lookup(7)
      puts "order \#{order["id"]} total \#{order["total"].to_s("F")}"
      answer = begin
        Payments.refund(order["id"], 120)
      rescue => e
        "denied: \#{e.message}"
      end
      puts answer
      [order["total"] * 2, answer]
    RUBY
  end

  it "stops at a declared suspend: method without calling it, and says which call" do
    execution = sandbox.execute(script)
    expect(execution).to be_suspended
    expect(execution).not_to be_ok
    expect(execution.error).to be_nil
    expect(execution.pending_call.to_a.first(5)).to eq(["Payments", :refund, [7, 120], {}, nil])
    expect(execution.pending_call.id).to match(/\Asusp_\h{40}\z/)
    expect(execution.stdout).to eq("order 7 total 12.5\n")
    expect(made).to eq([[:lookup, 7]])
  end

  it "makes eval and run raise SuspendedError carrying the suspended Execution" do
    box = sandbox
    expect { box.eval(script) }.to raise_error(Kobako::SuspendedError, /Payments.refund/) { |e| expect(e.execution).to be_suspended }
  end

  it "resumes from the blob with the app's value, making no earlier call again" do
    box = sandbox
    blob = box.execute(script).dump
    made.clear
    resumed = box.resume(blob, value: "approved")
    expect(resumed).to be_ok
    expect(resumed.value).to eq([BigDecimal("25"), "approved"])
    expect(resumed.stdout).to eq("order 7 total 12.5\napproved\n")
    expect(resumed.calls.map { |c| [c.target, c.method, c.result] })
      .to eq([["Payments", :lookup, { "id" => 7, "total" => BigDecimal("12.5") }], ["Payments", :refund, "approved"]])
    expect(made).to eq([])
  end

  it "resumes with an error the script can rescue, its message as the app wrote it" do
    box = sandbox
    resumed = box.resume(box.execute(script).dump, error: ArgumentError.new("the approver said no"))
    expect(resumed.value).to eq([BigDecimal("25"), "denied: the approver said no"])
    box2 = sandbox
    resumed = box2.resume(box2.execute("Payments.refund(1, 2)").dump, error: KeyError.new("gone"))
    expect(resumed.error).to be_a(Kobako::ServiceError)
    expect(resumed.error.klass).to eq("KeyError")
  end

  it "suspends from inside a Service with Kobako.suspend!, keeping its reason, and chains suspensions" do
    box = sandbox
    first = box.execute("[Payments.quote(5), Payments.quote(150), Payments.quote(300)]")
    expect(first.pending_call.to_a.first(5)).to eq(["Payments", :quote, [150], {}, "large: 150"])
    second = box.resume(first.dump, value: 1)
    expect(second.pending_call.args).to eq([300])
    expect(made.count { |m| m == [:quote, 5] }).to eq(1)
    done = box.resume(second.dump, value: 2)
    expect(done.value).to eq([10, 1, 2])
    expect(done.calls.size).to eq(3)
  end

  it "gives the same suspension the same id when the same blob is resumed twice" do
    box = sandbox
    blob = box.execute("a = Payments.quote(150); b = Payments.quote(500); [a, b]").dump
    one = box.resume(blob, value: 3)
    two = box.resume(blob, value: 3)
    other = box.resume(blob, value: 4)
    expect(one.pending_call.id).to eq(two.pending_call.id)
    expect(other.pending_call.id).not_to eq(one.pending_call.id)
    expect(one).to eq(two)
  end

  it "refuses a suspension inside the block of another Service call (the script gets a ServiceError)" do
    value = sandbox.eval("Payments.each_row { |i| Payments.refund(i, 1) } rescue $!.message")
    expect(value).to include("cannot suspend the run: it was called inside the block of another Service call")
  end

  it "suspends at a slot's declared method, the slot filled again on resume" do
    box = Kobako::Sandbox.new
    box.slot("Ctx::Account", methods: %i[name charge], suspend: :charge)
    account = Struct.new(:name) { def charge(amount) = raise("never called") }
    execution = box.execute("n = Ctx::Account.name; Ctx::Account.charge(5); Ctx::Account.name + '!'",
                            bindings: { "Ctx::Account" => account.new("ann") })
    expect(execution.pending_call.to_a.first(4)).to eq(["Ctx::Account", :charge, [5], {}])
    resumed = box.resume(execution.dump, value: true, bindings: { "Ctx::Account" => account.new("bo") })
    expect(resumed.value).to eq("bo!")
    unfilled = box.resume(execution.dump, value: true)
    expect(unfilled.error).to be_a(Kobako::NoServiceError)
  end

  it "checks suspend: against the declared methods" do
    box = Kobako::Sandbox.new
    expect { box.bind("P", payments, methods: %i[refund], suspend: %i[void]) }
      .to raise_error(ArgumentError, /names void, which P does not declare/)
    expect { box.bind("Q", payments, methods: %i[refund], suspend: [1]) }.to raise_error(ArgumentError, /method name/)
    expect { box.define(:Ns).bind(:Pay, payments, methods: %i[refund], suspend: :refund) }.not_to raise_error
  end

  it "suspends a run entrypoint and resumes it" do
    box = sandbox
    box.preload(code: "Flow = ->(n, by:) { Payments.refund(n, by) + '!' }", name: :Flow)
    execution = box.execute_run(:Flow, 3, by: 4)
    expect(execution.pending_call.args).to eq([3, 4])
    expect(box.resume(execution.dump, value: "done").value).to eq("done!")
  end

  it "counts fuel and max_service_calls over the whole run, not per resumed part" do
    box = sandbox(fuel: 50_000_000, max_service_calls: 3)
    code = "Payments.quote(1); Payments.quote(2); Payments.refund(1, 1); Payments.quote(3); Payments.quote(4)"
    resumed = box.resume(box.execute(code).dump, value: 0)
    expect(resumed.error).to be_a(Kobako::ServiceLimitError)

    loop_code = "n = 0; 5_000.times { n += 1 }; Payments.refund(1, n); 5_000.times { n += 1 }; n"
    whole = sandbox(fuel: 50_000_000).execute(loop_code.sub("Payments.refund(1, n);", "")).usage.fuel_used
    box = sandbox(fuel: 50_000_000)
    resumed = box.resume(box.execute(loop_code).dump, value: nil)
    expect(resumed.value).to eq(10_000)
    expect(resumed.usage.fuel_used).to be_within(whole / 10).of(whole)
  end

  it "refuses an answer that cannot cross, and value: with error:, before running" do
    box = sandbox
    blob = box.execute(script).dump
    made.clear
    expect { box.resume(blob, value: Object.new) }.to raise_error(ArgumentError, /resume value/)
    expect { box.resume(blob, value: 1, error: RuntimeError.new) }.to raise_error(ArgumentError, /not both/)
    expect { box.resume(blob, error: "no") }.to raise_error(TypeError, /Exception/)
    expect(made).to eq([])
  end

  it "refuses a finished run, a blob from another set-up, and anything that is not a blob" do
    box = sandbox
    expect { box.resume(box.execute("1").dump, value: 1) }.to raise_error(ArgumentError, /not suspended/)
    blob = box.execute(script).dump
    other = Kobako::Sandbox.new.tap { |s| s.bind("Payments", payments, methods: %i[refund], suspend: %i[refund]) }
    expect { other.resume(blob, value: 1) }.to raise_error(Kobako::SnapshotError, /Payments declared/)
    extra = sandbox.preload(code: "X = 1", name: :X)
    expect { extra.resume(blob, value: 1) }.to raise_error(Kobako::SnapshotError, /snippets/)
    ["", "KOBAKO", blob[0, blob.size / 2], "#{blob}!", 42].each do |bad|
      expect { box.resume(bad, value: 1) }.to raise_error(Kobako::SnapshotError)
    end
  end

  it "resumes in another process, where the Services are bound again" do
    program = <<~RUBY
      require "kobako"
      class Pay
        def refund(order, amount) = raise("never called")
        def lookup(id) = { "id" => id, "total" => 3 }
      end
      box = Kobako::Sandbox.new
      box.bind("Payments", Pay.new, methods: %i[refund lookup], suspend: %i[refund])
      if ARGV[0] == "start"
        STDOUT.binmode.write(box.execute("o = Payments.lookup(2); r = Payments.refund(o['id'], 9); [o, r]").dump)
      else
        Pay.define_method(:lookup) { |_| raise "made again" }
        p box.resume(STDIN.binmode.read, value: "ok").value
      end
    RUBY
    ruby = [RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), "-e", program]
    blob, err, status = Open3.capture3(*ruby, "start", binmode: true)
    expect([err, status.success?]).to eq(["", true])
    out, err, status = Open3.capture3(*ruby, "resume", stdin_data: blob)
    expect([err, status.success?]).to eq(["", true])
    expect(out).to eq("[{\"id\"=>2, \"total\"=>3}, \"ok\"]\n")
  end

  context "with Handles" do
    before do
      require "global_id"
      GlobalID.app = "kobako-spec"
    end

    let(:order_class) do
      stub_const("SpecOrder", Class.new do
        include GlobalID::Identification
        attr_reader :id

        def initialize(id) = @id = id
        def total = @id * 10
        def self.find(id) = new(Integer(id))
        def self.name = "SpecOrder"
      end)
    end

    it "finds a Handle's object again by its GlobalID after resuming, and fails a call on one it cannot find" do
      box = Kobako::Sandbox.new
      box.expose(order_class, :total)
      box.bind("Orders", ->(id) { order_class.new(id) })
      box.bind("Pay", Object.new.tap { |o| o.define_singleton_method(:approve) { |order| order } },
               methods: %i[approve], suspend: %i[approve])
      execution = box.execute("o = Orders.call(4); Pay.approve(o); o.total + 1")
      expect(execution.pending_call.args.first).to be_a(order_class)
      resumed = box.resume(execution.dump, value: nil)
      expect(resumed.value).to eq(41)

      plain = Class.new { def total = 1 }
      box2 = Kobako::Sandbox.new
      box2.expose(plain, :total)
      box2.bind("Orders", ->(_) { plain.new })
      box2.bind("Pay", Object.new.tap { |o| o.define_singleton_method(:approve) { |order| order } },
                methods: %i[approve], suspend: %i[approve])
      execution = box2.execute("o = Orders.call(4); Pay.approve(o); begin; o.total; rescue => e; e.message; end")
      expect(box2.resume(execution.dump, value: nil).value).to include("was handed out before the run was suspended")
    end
  end

  describe "stored Executions" do
    let(:values_script) do
      <<~RUBY
        require "bigdecimal"
        require "date"
        require "set"
        v = Payments.lookup(1)
        [v["total"], Date.new(2026, 1, 31), Time.at(0, 5, :nsec).utc, 2**70, 3r/4, Set[1, 2], (1..), :sym,
         { 1 => "a", "$x" => 2.5 }, Float::NAN.to_s, -0.0, "caf\u00e9"]
      RUBY
    end

    it "round-trips through to_h, JSON and from_h, and replays in this process" do
      box = sandbox
      execution = box.execute(values_script)
      json = JSON.generate(execution.to_h)
      loaded = Kobako::Execution.from_h(JSON.parse(json))
      expect(loaded.value).to eql(execution.value)
      expect(loaded.value[1]).to be_a(Date)
      expect(loaded.calls.first.result).to eq("id" => 1, "total" => BigDecimal("12.5"))
      expect(loaded).to eq(execution)
      made.clear
      expect(box.replay(loaded)).to eq(execution)
      expect(made).to eq([])
      expect(JSON.parse(json)["calls_readable"].first["result"]).to eq("id" => 1, "total" => { "$ext" => "BigDecimal", "v" => "0.125e2" })
    end

    it "round-trips through Marshal and Execution.load, suspended or not" do
      box = sandbox
      [box.execute(script), box.execute(values_script), box.execute("raise ArgumentError, 'x'")].each do |execution|
        copy = Marshal.load(Marshal.dump(execution))
        expect(copy).to eq(execution)
        expect(Kobako::Execution.load(execution.dump)).to eq(execution)
      end
      failed = Kobako::Execution.load(box.execute("raise ArgumentError, 'x'").dump)
      expect(failed.error).to be_a(Kobako::SandboxError)
      expect(failed.error.klass).to eq("ArgumentError")
      expect(failed.error.execution).to equal(failed)
    end

    it "replays a run stored as JSON in another process" do
      json = JSON.generate(sandbox.execute("x = Payments.lookup(3); puts x['id']; x['total'] + 1").to_h)
      program = <<~RUBY
        require "kobako"
        require "json"
        pay = Object.new
        def pay.lookup(*) = raise("called")
        box = Kobako::Sandbox.new
        box.bind("Payments", pay, methods: %i[refund quote lookup each_row], suspend: %i[refund])
        replayed = box.replay(Kobako::Execution.from_h(JSON.parse(STDIN.read)))
        print replayed.stdout, replayed.value.to_s("F")
      RUBY
      out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), "-rbigdecimal",
                                        "-e", program, stdin_data: json)
      expect([err, status.success?]).to eq(["", true])
      expect(out).to eq("3\n13.5")
    end

    it "refuses a malformed Hash with SnapshotError" do
      hash = JSON.parse(JSON.generate(sandbox.execute("Payments.quote(1)").to_h))
      [nil, [], {}, hash.merge("format" => "x"), hash.merge("kind" => "exec"), hash.merge("calls" => [[1]]),
       hash.merge("outcome" => hash["outcome"].merge("value" => { "$ext" => "Nope", "v" => 1 })),
       hash.merge("outcome" => hash["outcome"].merge("error" => { "class" => "Object", "message" => "" })),
       hash.merge("kobako" => "0.0.0")].each do |bad|
        expect { Kobako::Execution.from_h(bad) }.to raise_error(Kobako::SnapshotError)
      end
    end
  end
end
