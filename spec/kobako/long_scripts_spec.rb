require "spec_helper"

# Long scripts (issue 16): the parser and code generator remember where the statement list
# and the instruction sequence end instead of walking them from the start. These scripts
# have thousands of statements at the top level, in method bodies, in blocks and in
# begin/rescue bodies, with the instruction patterns the peephole optimiser rewrites
# (moves, additions of constants, jumps), and must give CRuby's answers.
RSpec.describe Kobako::Sandbox, "long scripts" do
  let(:sandbox) { described_class.new(memory_limit: 64 << 20, timeout: 30) }

  def cruby(code) = TOPLEVEL_BINDING.dup.eval(code)

  it "runs 5,000 top-level statements as CRuby does" do
    code = (1..5000).map { |i| "a#{i % 50} = #{i} + 1 - 1\nb = a#{i % 50} + #{i % 7}" }.join("\n") + "\n[a7, a49, b]"
    expect(sandbox.eval(code)).to eq(cruby(code))
  end

  it "runs long method bodies, blocks and rescue bodies as CRuby does" do
    # 1,200 statements: a rescue body jumps over all of them, and mruby's jumps reach 32 KiB
    # (`x = x + n` on a local takes three instructions since the ADDI fold fix).
    body = (1..1200).map { |i| "x = x + #{i % 9}; y = x if x.odd?" }.join("\n")
    code = <<~RUBY
      def long_one(x)
        y = 0
        #{body}
        [x, y]
      end
      sums = [1, 2].map do |x|
        y = 0
        #{body}
        x + y
      end
      rescued = begin
        x = 3
        y = 0
        #{body}
        raise "at \#{x}"
      rescue => e
        e.message
      end
      [long_one(5), sums, rescued]
    RUBY
    expect(sandbox.eval(code)).to eq(cruby(code))
  end

  it "reports errors at the right line deep in a long script" do
    code = (1..3000).map { |i| "v#{i % 10} = #{i}" }.join("\n") + "\nnil + 1\n"
    expect { sandbox.eval(code) }.to raise_error(Kobako::SandboxError) { |e|
      expect(e.klass).to eq("NoMethodError")
      expect(e.backtrace_lines.first).to start_with("(eval):3001")
    }
  end

  it "reads long heredocs (squiggly and interpolated) as CRuby does, within the default memory_limit" do
    rows = (1..2650).map { |i| "  #{i},name#{i},#{i * 3.5},2024-01-#{(i % 28) + 1}" }.join("\n")
    interpolated = (1..400).map { |i| "  row \#{#{i} * 2} of \#{n}" }.join("\n")
    code = "n = 400\ncsv = <<~CSV\n#{rows}\nCSV\nlines = <<~TEXT\n#{interpolated}\nTEXT\n" \
           "[csv.bytesize, csv.lines.size, csv.lines.first, csv.lines.last, lines.lines.size, lines.lines[199]]"
    expect(code.bytesize).to be > 80_000
    expect(described_class.new.eval(code)).to eq(cruby(code))
  end

  it "compiles and runs a 100 KB script" do
    line = "x = [1, 2, 3].map { |v| v * 2 }.sum + 1\n"
    code = line * ((100 << 10) / line.bytesize)
    expect(sandbox.eval(code)).to eq(13)
  end
end
