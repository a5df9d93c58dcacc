require "spec_helper"
require_relative "../support/differential"

# The guest bugs that mruby's own test suite found (spec/kobako/mruby_own_tests_spec.rb),
# pinned down one by one against the host's CRuby.
RSpec.describe "fixes found by mruby's own tests (differential)" do
  cases = {
    # $! is put back when a rescue clause is left, however it is left.
    "$! after a rescue clause completes" => 'begin; raise "x"; rescue; end; $!.inspect',
    "$! after return from a rescue clause" => 'def m; raise "x"; rescue; return 1; end; m; $!.inspect',
    "$! after break from a rescue clause" => 'i = 0; while i < 2; i += 1; begin; raise "x"; rescue; break; end; end; $!.inspect',
    "$! after next from a rescue clause" => '[1, 2].each { begin; raise "x"; rescue; next; end }; $!.inspect',
    "$! after retry" => 'n = 0; begin; n += 1; raise "x" if n < 3; rescue; retry; end; [n, $!.inspect]',
    "$! after a rescue that matches nothing" =>
      'begin; begin; raise "a"; rescue TypeError; end; rescue; end; $!.inspect',
    "$! after an ensure clause" => 'begin; begin; raise "a"; ensure; $seen = $!.message; end; rescue; end; [$seen, $!.inspect]',
    "$! of the outer clause after a nested one" =>
      'begin; raise "outer"; rescue; begin; raise "inner"; rescue; end; $!.message; end',
    "$! with a rescue modifier" => 'x = (raise "a" rescue 5); [x, $!.inspect]',
    "the value of a rescue clause" => 'begin; raise TypeError; rescue ArgumentError; 1; rescue TypeError => e; e.class.name; end',
    "a bare raise with nothing handled is a RuntimeError" =>
      'begin; raise "old"; rescue; end; begin; raise; rescue => e; e.class.name; end',
    # next/redo inside begin/rescue in a while loop belong to the loop
    "next inside begin/rescue in a while loop" =>
      'r = []; i = 0; while i < 3; i += 1; begin; next if i == 2; r << i; rescue; end; end; r',
    "next inside a method's begin/rescue in a while loop" =>
      'def m; i = 0; while i < 3; i += 1; begin; next; rescue; end; end; :done; end; m',
    "redo inside begin/rescue in a while loop" =>
      'r = []; i = 0; while i < 3; i += 1; begin; r << i; redo if i == 1 && r.size < 2; rescue; end; end; r',
    # Proc#== and Method#== compare the captured environment
    "procs from one block in two scopes" => 'a = 2.times.map { |i| proc { i } }; [a[0] == a[1], a[0] == a[0].dup]',
    "methods made by define_method from one block" =>
      'class Integer; %i[kb_a kb_b].each { |op| define_method(op) { op } }; end; ' \
      '[1.method(:kb_a) == 1.method(:kb_b), Integer.instance_method(:+) == Integer.instance_method(:-)]',
    # NameError only for a bare name
    "self.missing is a NoMethodError" => 'begin; self.kb_missing; rescue NameError => e; e.class.name; end',
    "a bare missing name is a NameError" => 'begin; kb_missing; rescue NameError => e; e.class.name; end',
    # Range
    "endless and beginless Range#hash" => '[(1..).hash == (1..).hash, (1..).hash == (1...).hash, (..1).hash == (..1).hash]',
    "Range#min with a block on an endless range" => '(1..).min { |a, b| a <=> b }',
    "Range#min(n) on an endless range" => '(1..).min(2)',
    "Range#max with a block on a beginless range" => '(..1).max { |a, b| a <=> b }',
    "Range#min and #max of ordinary ranges" => '[(1..3).min, (1...3).max, ("a".."c").min, ("a".."c").max, (3..1).min, (1.0..2.5).max]',
    # Float steps with infinities
    "Float step with an infinite step" => 'a = []; 1.0.step(2.0, Float::INFINITY) { |x| a << x }; a',
    "Infinity.step(Infinity)" => 'a = []; Float::INFINITY.step(Float::INFINITY) { |x| a << x }; a',
    "Range#step by Infinity" => '[(1.0..2.0).step(Float::INFINITY).to_a, (1.0..).step(Float::INFINITY).first(2)]'
  }

  it "agrees with CRuby on each" do
    kases = cases.map { |name, code| Differential::Case.new("mruby test fixes", name, code) }
    results = Differential.run(kases, Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20))
    expect(results.reject(&:agree?)).to be_empty, Differential.report(results)
  end
end
