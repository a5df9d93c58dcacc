require "spec_helper"
require_relative "../support/differential"
%w[realistic_cases regexp_cases json_cases pattern_cases core_part2_cases coverage_cases].each do |file|
  require_relative "../differential/#{file}"
end

# The compile cache (issue 16): a source evaluated again runs from the bytecode the guest
# compiled for it before, and nothing a script can observe changes.
RSpec.describe "the compile cache" do
  # Everything an eval shows: value or error (class, message, backtrace), and output.
  def observe(sandbox, code, **options)
    execution = sandbox.execute(code, **options)
    error = execution.error
    [execution.value, execution.stdout, execution.stderr,
     error && [error.class, error.message, error.respond_to?(:klass) && error.klass,
               error.respond_to?(:backtrace_lines) && error.backtrace_lines]]
  end

  # A source no earlier example evaluated, so its first two evals compile.
  def fresh(code) = "#{code}\n# #{rand(1 << 60)}"

  it "compiles a source twice, keeping its bytecode the second time, then runs the bytecode" do
    sandbox = Kobako::Sandbox.new
    code = fresh("[1, 2, 3].map { |x| x * 2 }.sum")
    before = sandbox.compile_cache_stats
    expect(before[:enabled]).to be(true)
    expect(sandbox.eval(code)).to eq(12)
    expect(sandbox.compile_cache_stats[:stored]).to eq(before[:stored])
    expect(sandbox.eval(code)).to eq(12)
    expect(sandbox.compile_cache_stats[:stored]).to eq(before[:stored] + 1)
    3.times { expect(sandbox.eval(code)).to eq(12) }
    after = sandbox.compile_cache_stats
    expect(after[:hits]).to eq(before[:hits] + 3)
    expect(after[:entries]).to be >= 1
    expect(after[:bytes]).to be > 0
  end

  it "is shared by the Sandboxes of one guest module, whatever their Services and snippets" do
    code = fresh("Helper.call(20) + Rates.rate")
    one = Kobako::Sandbox.new.preload(code: "Helper = ->(x) { x + 1 }", name: :Helper)
    one.bind(:Rates, Struct.new(:rate).new(1))
    two = Kobako::Sandbox.new.preload(code: "Helper = ->(x) { x * 2 }", name: :Helper)
    two.bind(:Rates, Struct.new(:rate).new(2))
    expect([one.eval(code), one.eval(code)]).to eq([22, 22])
    hits = two.compile_cache_stats[:hits]
    expect([two.eval(code), two.eval(code)]).to eq([42, 42])
    expect(two.compile_cache_stats[:hits]).to eq(hits + 2)
  end

  it "answers each source with its own bytecode" do
    sandbox = Kobako::Sandbox.new
    sources = Array.new(20) { |i| fresh("#{i} * 3") }
    3.times do
      expect(sources.map { |code| sandbox.eval(code) }).to eq(Array.new(20) { |i| i * 3 })
    end
  end

  it "evaluates a formula with each invocation's own slot fillings" do
    sandbox = Kobako::Sandbox.new
    sandbox.slot("Ctx::Row", methods: %i[price qty])
    row = Struct.new(:price, :qty)
    formula = fresh(<<~RUBY)
      total = Ctx::Row.price * Ctx::Row.qty
      total > 100 ? total * 0.9 : total
    RUBY
    answers = [[10, 3], [50, 4], [7, 7], [200, 1]].map do |price, qty|
      sandbox.eval(formula, bindings: { "Ctx::Row" => row.new(price, qty) })
    end
    expect(answers).to eq([30, 180.0, 49, 180.0])
  end

  it "gives the same errors, messages, backtraces and output from the bytecode" do
    sandbox = Kobako::Sandbox.new
    scripts = [
      "def f(x)\n  raise ArgumentError, \"bad \#{x}\"\nend\n\nf(3)",
      "puts 'before'\n$stderr.puts 'warn'\n[1, 2].fetch(10)",
      "x = 1\ny = [__LINE__, __FILE__, __method__.inspect]\nbinding.local_variables + y",
      "class Point\n  attr_reader :x\n  def initialize(x) = @x = x\nend\nPoint.new(4).x.fdiv(0)",
      "begin\n  Integer('zz')\nrescue => e\n  [e.class.name, e.message, e.backtrace.size > 0]\nend",
      "def deep(n) = n.zero? ? caller.size : deep(n - 1)\ndeep(5)",
      "h = Hash.new { |hash, k| hash[k] = k.to_s * 2 }\nh[:ab]; h",
      "missing_method_here(1)",
      "1.upto(3).map { |i| i.to_s.rjust(3, '0') }.join(',')"
    ].map { |s| fresh(s) }
    scripts.each do |code|
      compiled = observe(sandbox, code)
      expect(observe(sandbox, code)).to eq(compiled)
      expect(observe(sandbox, code)).to eq(compiled), "from the bytecode: #{code.lines.first}"
    end
  end

  it "runs every differential case the same from its bytecode as compiled" do
    cases = [RealisticScripts, RegexpCases, JsonCases, PatternCases, CorePart2Cases, CoverageCases].flat_map(&:cases)
    expect(cases.size).to be > 2000
    sandbox = Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20)
    hits = sandbox.compile_cache_stats[:hits]
    differing = cases.filter_map do |kase|
      code = fresh(kase.code)
      compiled = observe(sandbox, code)
      observe(sandbox, code)
      cached = observe(sandbox, code)
      "#{kase.name}: #{compiled.inspect[0, 300]} then #{cached.inspect[0, 300]}" if cached != compiled
    end
    expect(differing).to be_empty
    # Every case that compiles was run from bytecode the third time.
    expect(sandbox.compile_cache_stats[:hits] - hits).to be > cases.size * 0.9
  end

  it "never caches what does not compile" do
    sandbox = Kobako::Sandbox.new
    code = fresh("def broken(")
    stored = sandbox.compile_cache_stats[:stored]
    3.times { expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, /SyntaxError|syntax error/) }
    expect(sandbox.compile_cache_stats[:stored]).to eq(stored)
  end

  it "keeps the bytecode when the script it belongs to raised or was stopped" do
    sandbox = Kobako::Sandbox.new(timeout: 0.5)
    code = fresh("$n = (defined?($n) && $n) || 0\nraise 'boom'")
    3.times { expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError, /boom/) }
    spin = fresh("loop { }")
    3.times { expect { sandbox.eval(spin) }.to raise_error(Kobako::TimeoutError) }
  end

  it "can be switched off, and is off under a fuel budget" do
    off = Kobako::Sandbox.new(compile_cache: false)
    expect(off.compile_cache_stats[:enabled]).to be(false)
    code = fresh("40 + 2")
    hits = off.compile_cache_stats[:hits]
    3.times { expect(off.eval(code)).to eq(42) }
    expect(off.compile_cache_stats[:hits]).to eq(hits)

    metered = Kobako::Sandbox.new(fuel: 10**9)
    expect(metered.compile_cache_stats[:enabled]).to be(false)
    counts = Array.new(3) do
      metered.eval(code)
      metered.usage.fuel_used
    end
    expect(counts.uniq.size).to eq(1)
    expect { Kobako::Sandbox.new(compile_cache: :yes) }.to raise_error(ArgumentError, /compile_cache must be true or false/)
  end

  it "keeps long scripts' bytecode, which skips the parser" do
    sandbox = Kobako::Sandbox.new(memory_limit: 64 << 20)
    code = fresh("x = 0\n" + ("x += [1, 2, 3].map { |v| v * 2 }.sum\n" * 2000) + "x")
    results = Array.new(3) { sandbox.eval(code) }
    expect(results).to eq([24_000] * 3)
    expect(sandbox.compile_cache_stats[:bytes]).to be > code.bytesize
  end

  it "is consistent under threads evaluating the same new sources at once" do
    sandbox = Kobako::Sandbox.new(gvl: :release)
    sources = Array.new(8) { |i| fresh("(1..#{i + 10}).sum") }
    errors = Queue.new
    threads = Array.new(8) do
      Thread.new do
        20.times do
          sources.each_with_index { |code, i| errors << code unless sandbox.eval(code) == (1..(i + 10)).sum }
        end
      end
    end
    expect(threads.map { |t| t.join(60) }).to all(be_a(Thread))
    expect(errors.size).to eq(0)
  end
end
