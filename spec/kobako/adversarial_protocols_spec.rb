require "spec_helper"
require "set"
require "timeout"
require "kobako/code_mode"
require "kobako/cli"
require "stringio"

# Contract S-3/X-1 attacked through Ruby's implicit protocols: a script puts Handles where
# Ruby calls methods without being asked (Hash keys, Sets, comparisons, sorting,
# interpolation, coercion, conversions, pattern matching) on both sides of the boundary.
# The host object declares one method; every other method it has records that it ran.
# None of them may run because of a guest value (only `name`, when the script calls it).
module ProtocolAttack
  PROTOCOLS = %i[
    hash eql? == <=> === =~ ! != to_s inspect to_str to_ary to_a to_hash to_h to_proc to_sym to_i to_int
    to_f to_r to_c coerce each call dup clone freeze respond_to? respond_to_missing? method_missing
    instance_variables frozen? equal? succ size length keys -@ +@ + - < > <= >= & | ^ <<
  ].freeze
end

RSpec.describe Kobako::Sandbox, "implicit protocol calls on host objects (adversarial)" do
  around { |example| Timeout.timeout(120) { example.run } }

  # Records every protocol method that runs on it (on the host).
  let(:recorder_class) do
    log = calls
    Class.new do
      ProtocolAttack::PROTOCOLS.each do |name|
        define_method(name) do |*args, &block|
          log << name
          name == :respond_to? || name == :respond_to_missing? ? super(*args, &block) : nil
        end
      end
      define_method(:name) { "row" }
    end
  end
  let(:calls) { [] }

  let(:sandbox) do
    stub_const("ProtocolRow", recorder_class)
    box = Kobako::Sandbox.new(timeout: 5)
    box.expose(ProtocolRow, :name)
    rows = [ProtocolRow.new, ProtocolRow.new]
    box.bind("Rows", -> { rows })
    box.bind("Take", ->(value) { value.size })
    box.bind("TakeKw", ->(value:) { value.size })
    box
  end

  # Every attempt in the guest, each its own invocation so one refusal does not hide the others.
  attempts = [
    "a, b = Rows.call; { a => 1, b => 2 }",
    "a, b = Rows.call; { a => 1, :sym => 2, 3 => 4, nil => 5 }",
    "a, = Rows.call; h = {}; h[a] = 1; h.key?(a)",
    "a, b = Rows.call; Set[a, b, a].size",
    "a, b = Rows.call; [a, b, a].uniq.size",
    "a, b = Rows.call; [a == b, a.eql?(b), a.equal?(a), a != b, !a, a.hash == a.hash]",
    "a, b = Rows.call; [a, b].sort",
    "a, b = Rows.call; [a, b].max",
    "a, b = Rows.call; [a, b].sort_by(&:name)",
    "a, = Rows.call; a <=> a",
    "a, = Rows.call; \"row: \#{a}\"",
    "a, = Rows.call; [a.to_s, a.inspect, format('%s %p', a, a)]",
    "a, = Rows.call; puts a; p a; print a",
    "a, = Rows.call; 1 + a",
    "a, = Rows.call; [1] + a",
    "a, = Rows.call; 'x' + a",
    "a, = Rows.call; { **a }",
    "a, = Rows.call; Array(a)",
    "a, = Rows.call; String(a)",
    "a, = Rows.call; Integer(a)",
    "a, = Rows.call; [1].map(&a)",
    "a, = Rows.call; x, y = *a; x",
    "a, = Rows.call; case a when 1 then :one when ProtocolRow then :row else :other end",
    "a, = Rows.call; case a in { name: } then name else :no end",
    "a, = Rows.call; case a in [x] then x else :no end",
    "a, = Rows.call; a =~ /x/",
    "a, = Rows.call; [a].include?(a)",
    "a, = Rows.call; [a].index(a)",
    "a, = Rows.call; [[a, 1]].to_h",
    "a, = Rows.call; [a].flatten",
    "a, = Rows.call; [a].join(',')",
    "a, = Rows.call; a.respond_to?(:each)",
    "a, = Rows.call; a.to_a",
    "a, = Rows.call; a.frozen?",
    "a, = Rows.call; a.dup",
    "a, = Rows.call; a.name",
    "a, = Rows.call; Take.call({ a => 1 })",
    "a, b = Rows.call; Take.call({ a => 1, b => 2, c: 3 })",
    "a, = Rows.call; Take.call([a, a, { k: a }])",
    "a, = Rows.call; TakeKw.call(value: { a => [a] })",
    "a, = Rows.call; Take.call({ [a] => 1 })",
    "a, = Rows.call; Take.call({ a => 1, 'str' => 2 })",
    "a, = Rows.call; Take.call({ { a => 1 } => 2 })",
    "a, b = Rows.call; [a, { a => [b] }, { 1 => a }]",
    "a, = Rows.call; { a => 1, 'str' => 2 }",
    "a, = Rows.call; { [a] => 1 }"
  ].freeze

  it "runs none of the host object's undeclared methods, whatever the script does with its Handles" do
    outcomes = attempts.to_h do |code|
      [code, sandbox.execute(code)]
    end
    expect(calls).to eq([]), "host methods ran: #{calls.tally.inspect}"
    # The declared one runs when called.
    expect(sandbox.eval("Rows.call.first.name")).to eq("row")
    expect(calls).to eq([])
    # And the outcomes are what a Ruby developer would expect.
    keyed = outcomes["a, b = Rows.call; { a => 1, b => 2 }"].value
    expect(keyed).to be_compare_by_identity
    expect(keyed.values).to eq([1, 2])
    expect(keyed.keys.map(&:class)).to eq([ProtocolRow, ProtocolRow])
    mixed = outcomes["a, b = Rows.call; { a => 1, :sym => 2, 3 => 4, nil => 5 }"].value
    expect(mixed.size).to eq(4)
    expect(mixed[:sym]).to eq(2)
    expect(mixed[3]).to eq(4)
    expect(outcomes["a, b = Rows.call; Set[a, b, a].size"].value).to eq(2)
    expect(outcomes["a, b = Rows.call; [a, b, a].uniq.size"].value).to eq(2)
    expect(outcomes["a, b = Rows.call; [a == b, a.eql?(b), a.equal?(a), a != b, !a, a.hash == a.hash]"].value)
      .to eq([false, false, true, true, false, true])
    expect(outcomes["a, b = Rows.call; [a, b].sort_by(&:name)"].value.size).to eq(2)
    expect(outcomes["a, = Rows.call; Take.call({ a => 1 })"].value).to eq(1)
    expect(outcomes["a, b = Rows.call; Take.call({ a => 1, b => 2, c: 3 })"].value).to eq(3)
    expect(outcomes["a, = Rows.call; TakeKw.call(value: { a => [a] })"].value).to eq(1)
    expect(outcomes["a, = Rows.call; \"row: \#{a}\""].value).to eq("row: #<Kobako::Handle ProtocolRow>")
  end

  it "refuses, with a clear error, a Hash whose keys would make the host hash a Handle" do
    refused = [
      ["a, = Rows.call; Take.call({ [a] => 1 })", Kobako::ServiceError],
      ["a, = Rows.call; Take.call({ a => 1, 'str' => 2 })", Kobako::ServiceError],
      ["a, = Rows.call; Take.call({ { a => 1 } => 2 })", Kobako::ServiceError],
      ["a, = Rows.call; { a => 1, 'str' => 2 }", Kobako::SandboxError],
      ["a, = Rows.call; { [a] => 1 }", Kobako::SandboxError]
    ]
    refused.each do |code, error_class|
      error = sandbox.execute(code).error
      expect(error).to be_a(error_class), "#{code}: #{error.inspect}"
      expect(error.message).to include("a Hash with a Handle as a key can cross to the host only when")
      expect(error.klass).to eq("TypeError")
    end
    expect(calls).to eq([])
  end

  it "answers comparisons and conversions it was not given with refusals in the guest" do
    refusals = {
      "a, b = Rows.call; [a, b].sort" => "NoMethodError",
      "a, = Rows.call; 1 + a" => "TypeError",
      "a, = Rows.call; Integer(a)" => "TypeError"
    }
    refusals.each do |code, klass|
      expect(sandbox.execute(code).error&.klass).to eq(klass), code
    end
    expect(calls).to eq([])
  end

  it "never runs a host object's methods when kobako shows a value holding it (CodeMode, CLI, Execution)" do
    result = Kobako::CodeMode.run(sandbox, "a, b = Rows.call; [a, { a => b }]")
    expect(result.to_h[:value]).to include("#<Kobako::Handle ProtocolRow>")
    result.to_s
    execution = result.execution
    expect(execution.inspect).to include("#<Kobako::Handle ProtocolRow>")
    report = Kobako::CLI::Report.new(execution)
    expect(report.to_h[:value]).to eq(["#<Kobako::Handle ProtocolRow>", { "#<Kobako::Handle ProtocolRow>" => "#<Kobako::Handle ProtocolRow>" }])
    report.to_json
    report.print(StringIO.new, StringIO.new, value: true)
    expect(calls).to eq([])
  end

  it "records Handles in the transcript without running the host object's methods when read back" do
    execution = sandbox.execute("a, b = Rows.call; Take.call({ a => [b] }); Take.call([a])")
    execution.calls.map(&:inspect)
    execution.to_h
    expect(calls).to eq([])
  end
end
