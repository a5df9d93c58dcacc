require "spec_helper"
require "json"
require "open3"
require "pty"
require "rbconfig"
require "tmpdir"
require "kobako/cli"

# The `kobako` command (issue 17, part 2), run as a user runs it: a separate process.
RSpec.describe "the kobako command" do
  def exe = File.expand_path("../../exe/kobako", __dir__)

  def kobako(*args, stdin: "")
    out, err, status = Open3.capture3(RbConfig.ruby, exe, *args, stdin_data: stdin)
    [out, err, status.exitstatus]
  end

  def json_of(*args, **options)
    out, _err, code = kobako(*args, "--json", **options)
    [JSON.parse(out), code]
  end

  around do |example|
    Dir.mktmpdir("kobako-cli") { |dir| @dir = dir; example.run }
  end

  def file(name, text)
    File.join(@dir, name).tap { |path| File.write(path, text) }
  end

  it "evaluates CODE and prints its output, then its value" do
    expect(kobako("eval", "puts 'hi'; [1, :a, { b: 2.5 }]")).to eq(["hi\n[1, :a, {:b=>2.5}]\n", "", 0])
    expect(kobako("eval", "puts 'only output'", "--no-print")).to eq(["only output\n", "", 0])
  end

  it "runs FILE, and the script on standard input with -" do
    path = file("script.rb", "total = [3, 4].sum\nputs \"total: \#{total}\"\ntotal\n")
    expect(kobako("run", path)).to eq(["total: 7\n", "", 0])
    expect(kobako("run", path, "--print")).to eq(["total: 7\n7\n", "", 0])
    expect(kobako("run", "-", stdin: "$stderr.puts 'warned'; 5")).to eq(["", "warned\n", 0])
  end

  it "reports an error the script raised with its class, message and the script's backtrace, exit 1" do
    out, err, code = kobako("eval", "def f\n  raise ArgumentError, 'bad input'\nend\nf")
    expect([out, code]).to eq(["", 1])
    expect(err).to start_with("ArgumentError: bad input (Kobako::SandboxError)\n")
    expect(err).to include("from (eval):2")
    expect(err).not_to include(File.expand_path("../../lib", __dir__))
  end

  it "prints one JSON object with --json" do
    result, code = json_of("eval", "puts 'x'; { 'a' => [1, nil, 2.5], sym: :s, nan: 0.0 / 0 }")
    expect(code).to eq(0)
    expect(result).to include("ok" => true, "value" => { "a" => [1, nil, 2.5], "sym" => "s", "nan" => "NaN" },
                              "stdout" => "x\n", "stderr" => "", "error" => nil, "stdout_truncated" => false)
    expect(result["inspect"]).to eq('{"a"=>[1, nil, 2.5], :sym=>:s, :nan=>NaN}')
    expect(result["usage"].keys).to contain_exactly("wall_time", "memory_peak", "fuel_used")

    failed, code = json_of("eval", "[1].fetch(5)")
    expect(code).to eq(1)
    expect(failed["ok"]).to be(false)
    expect(failed["error"]).to include("class" => "Kobako::SandboxError", "klass" => "IndexError")
    expect(failed["error"]["message"]).to match(/index 5 outside of array bounds/)
    expect(failed["error"]["backtrace"]).to all(start_with("(eval)"))
  end

  it "applies --timeout, --memory and --stdout-limit, with an exit status per outcome" do
    expect(kobako("eval", "loop {}", "--timeout", "0.2")[1..]).to eq(["Kobako::TimeoutError: the script ran past its timeout of 0.2 s\n", 4])
    _out, err, code = kobako("eval", "'a' * (8 << 20)", "--memory", "1M")
    expect([code, err]).to match([5, /\AKobako::MemoryLimitError: the script exceeded its memory_limit of 1048576 bytes/])
    result, code = json_of("eval", "print 'x' * 100; 1", "--stdout-limit", "10")
    expect([code, result["stdout"], result["stdout_truncated"]]).to eq([0, "x" * 10, true])
    expect(json_of("eval", "'a' * (4 << 20); 1", "--memory", "none").first["value"]).to eq(1)
  end

  it "binds Services from a --require-services file, and exits 3 for a ServiceError" do
    services = file("services.rb", <<~RUBY)
      orders = { 3 => { "id" => 3, "total" => 42 } }
      sandbox.define("Shop").bind(:Orders, Struct.new(:orders) {
        include Kobako::Exposable
        expose_to_sandbox :find
        def find(id) = orders.fetch(id)
      }.new(orders))
    RUBY
    expect(kobako("eval", "Shop::Orders.find(3)['total']", "--require-services", services)).to eq(["42\n", "", 0])
    _out, err, code = kobako("eval", "Shop::Orders.find(9)", "--require-services", services)
    expect(code).to eq(3)
    expect(err).to start_with("KeyError: ")
    expect(err).to include("(Kobako::ServiceError)")
  end

  it "exits 2 for a bad command line and 7 when the set-up fails, saying why" do
    expect(kobako("bogus")).to eq(["", "kobako: unknown command \"bogus\" (run, eval or console)\nTry `kobako --help`.\n", 2])
    expect(kobako("eval")[2]).to eq(2)
    expect(kobako("eval", "1", "--memory", "lots")[1]).to include("not a byte count: \"lots\"")
    expect(kobako("eval", "1", "--timeout", "-1")[1]).to include("timeout must be nil or a positive finite number")
    expect(kobako("run", File.join(@dir, "missing.rb"))[1..]).to match([/cannot read .*missing\.rb: No such file/, 2])
    broken = file("broken.rb", "raise 'no database here'")
    expect(kobako("eval", "1", "--require-services", broken)).to eq(["", "kobako: #{broken} raised RuntimeError: no database here\n", 7])
    expect(kobako("--help")).to match([/Usage: kobako run FILE/, "", 0])
    expect(kobako("--version")).to eq(["kobako #{Kobako::VERSION}\n", "", 0])
  end

  it "stops `run` on Ctrl-C (SIGINT) at once: one line, exit 130" do
    path = file("spin.rb", "puts 'started'\nloop {}\n")
    out_r, out_w = IO.pipe
    err_r, err_w = IO.pipe
    pid = Process.spawn(RbConfig.ruby, exe, "run", path, "--timeout", "20", out: out_w, err: err_w)
    out_w.close
    err_w.close
    sleep 1.5 # started, and inside the loop (output is shown when the script ends)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    Process.kill(:INT, pid)
    _, status = Process.wait2(pid)
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 5
    expect(status.exitstatus).to eq(130)
    expect(err_r.read).to eq("interrupted\n")
  end

  it "maps every outcome to its documented exit status" do
    expect(Kobako::CLI::EXIT_CODES.values.uniq.size).to eq(Kobako::CLI::EXIT_CODES.size)
  end

  describe "console" do
    def plain(text) = text.gsub(/\e\[[0-9;?]*[A-Za-z]|\e[=>]/, "")

    # Runs the console on a pseudo-terminal, typing each of `keys` after the next prompt
    # (or, for a [pattern, key] pair, once the output matches pattern), and returns
    # everything it printed (terminal escapes removed). Fails instead of hanging when the
    # console stops answering.
    def console_session(keys)
      transcript = +""
      PTY.spawn(RbConfig.ruby, exe, "console", "--timeout", "2") do |reader, writer, pid|
        answered = 0
        read_until = lambda do |pattern|
          deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 20
          until plain(transcript).match?(pattern)
            left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
            raise "the console stopped answering; it printed: #{plain(transcript).inspect}" if left <= 0

            begin
              transcript << reader.read_nonblock(4096) if IO.select([reader], nil, nil, left)
            rescue EOFError, Errno::EIO
              break
            end
            # Reline asks the terminal where the cursor is; answer as a terminal would.
            while transcript.scan("\e[6n").size > answered
              writer.write("\e[1;1R")
              answered += 1
            end
          end
        end
        prompts = 0
        keys.each do |key|
          if key.is_a?(Array)
            pattern, key = key
            read_until.call(pattern)
            sleep 0.3 # let Reline (or the running entry) get there
          else
            prompts += 1
            read_until.call(/(?:kobako[>*] .*){#{prompts}}/m)
          end
          writer.write(key)
        end
        read_until.call(/\A\z\Z/) # nothing matches: read to the end of output (EOF)
        Process.wait(pid)
        @console_status = $?.exitstatus
      end
      plain(transcript).delete("\r")
    end

    it "runs each entry in the sandbox, continues unfinished input, recalls history, and exits 0" do
      out = console_session(["40 + 2\r", "def triple(x)\r", "  x * 3\r", "end; triple(5)\r", "undefined_thing\r",
                             "puts 'side'; :done\r", "\e[A\e[A\e[A\r", "exit\r"])
      expect(out).to include("each entry runs in a fresh sandbox")
      expect(out).to include("=> 42")
      expect(out).to include("=> 15")
      expect(out).to match(/NameError: .*undefined_thing/)
      expect(out).to include("side\n=> :done")
      expect(out.scan("=> 15").size).to eq(2) # the up-arrows brought the multi-line entry back
      expect(@console_status).to eq(0)
    end

    it "stops a running entry on Ctrl-C and goes back to the prompt; Ctrl-C at the prompt drops the line; Ctrl-D leaves" do
      out = console_session([[/kobako> /, "loop {}\r"], [/loop \{\}/, "\x03"], [/interrupted/, "20 + 1\r"],
                             [/=> 21/, "abc"], [/abc/, "\x03"],
                             [/abc.*kobako> /m, "2 * 4\r"], [/=> 8/, "\x04"]])
      expect(out).to include("interrupted\n")
      expect(out).to include("=> 21")
      expect(out).to include("=> 8")
      expect(out).not_to include("abc2") # the dropped line did not prefix the next entry
      expect(out).not_to match(/Interrupt|backtrace|\.rb:\d+/)
      expect(@console_status).to eq(0)
    end

    it "knows unfinished Ruby from finished and broken Ruby" do
      incomplete = ["def f", "[1,\n2", "'open", "foo do", "if x"]
      complete = ["1 + 1", "def f = 1", "x = [1,\n2]", "end"]
      expect(incomplete.map { |c| Kobako::CLI::Console.incomplete?(c) }).to all(be(true))
      expect(complete.map { |c| Kobako::CLI::Console.incomplete?(c) }).to all(be(false))
    end
  end
end
