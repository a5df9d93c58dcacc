require "spec_helper"
require "timeout"
require "rbconfig"
require "open3"

# Issue 26: the host's interrupts stop a running script at once in both GVL modes, wherever
# it is (guest code, a Service call, a block a Service yields to), the host's own exception
# propagates, the host's ensure blocks run, and the Sandbox stays usable. How fast is a
# benchmark's business (`rake bench`, group "interrupts"); here "at once" means long before
# the Sandbox's own 30 s timeout.
RSpec.describe Kobako::Sandbox, "host interrupts stop a running script" do
  PLACES = {
    "a tight loop" => "loop {}",
    "a Service call" => "T::Slow.call",
    "a yielded block" => "T::Each.call { loop {} }",
    "a Service called from a yielded block" => "T::Each.call { T::Slow.call }"
  }.freeze

  def sandbox(gvl)
    described_class.new(gvl: gvl, timeout: 30).tap do |s|
      s.define(:T).bind(:Slow, -> { sleep 30 })
                  .bind(:Each, ->(&blk) { 3.times { blk.call } })
    end
  end

  def clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  # Runs `code` on a new thread; returns [thread, ensure-ran queue] once it is running.
  def running(sb, code)
    ensured = Queue.new
    started = Queue.new
    thread = Thread.new do
      Thread.current.report_on_exception = false
      started << true
      sb.eval(code)
    ensure
      ensured << true
    end
    started.pop
    sleep 0.1 # well inside the guest (or the Service) by now
    [thread, ensured]
  end

  %i[hold release].each do |gvl|
    context "gvl: :#{gvl}" do
      PLACES.each do |place, code|
        it "Timeout.timeout stops #{place} with Timeout::Error, and the Sandbox goes on" do
          sb = sandbox(gvl)
          ensured = false
          started = clock
          expect do
            Timeout.timeout(0.2) { sb.eval(code) }
          ensure
            ensured = true
          end.to raise_error(Timeout::Error)
          expect(clock - started).to be < 3
          expect(ensured).to be(true)
          expect(sb.eval("[1, 2].sum")).to eq(3)
        end

        it "Thread#raise stops #{place} with the host's exception" do
          sb = sandbox(gvl)
          thread, ensured = running(sb, code)
          started = clock
          thread.raise(IOError, "from the host")
          expect { thread.join(5) }.to raise_error(IOError, "from the host")
          expect(clock - started).to be < 3
          expect(ensured.pop(timeout: 1)).to be(true)
          expect(sb.eval("T::Each.call { 1 }; 2")).to eq(2)
        end

        it "Thread#kill stops #{place}, running the thread's ensure blocks" do
          sb = sandbox(gvl)
          thread, ensured = running(sb, code)
          started = clock
          thread.kill
          expect(thread.join(5)).to eq(thread)
          expect(clock - started).to be < 3
          expect(thread.alive?).to be(false)
          expect(ensured.pop(timeout: 1)).to be(true)
          expect(sb.eval("'still' + ' here'")).to eq("still here")
        end
      end

      %w[INT TERM].each do |signal|
        it "SIG#{signal} to the process stops a script on the main thread with Ruby's own exception" do
          script = <<~RUBY
            require "kobako"
            sb = Kobako::Sandbox.new(gvl: :#{gvl}, timeout: 30)
            Thread.new { sleep 0.3; Process.kill(:#{signal}, Process.pid) }
            started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
            begin
              sb.eval("loop {}")
            rescue SignalException => e
              elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
              puts [e.class, e.signo, elapsed < 5, sb.eval("6 * 7")].inspect
            end
          RUBY
          out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), "-e", script)
          expect(status.success?).to be(true), err
          klass = signal == "INT" ? "Interrupt" : "SignalException"
          expect(out).to eq("[#{klass}, #{Signal.list.fetch(signal)}, true, 42]\n")
        end
      end

      it "lets other Ruby threads run while a script holds the thread" do
        sb = sandbox(gvl)
        ticks = 0
        ticker = Thread.new { loop { ticks += 1; sleep 0.001 } }
        expect { Timeout.timeout(0.5) { sb.eval("loop {}") } }.to raise_error(Timeout::Error)
        ticker.kill
        expect(ticks).to be > 20
      end

      it "ends deep guest recursion in the guest's own SystemStackError on a fiber and an Enumerator" do
        sb = described_class.new(gvl: gvl, memory_limit: 256 << 20, timeout: 30)
        deep = "a = []; 100_000.times { a = [a] }; a.inspect.size"
        expect { Fiber.new { sb.eval(deep) }.resume }.to raise_error(Kobako::SandboxError, /SystemStackError|stack/)
        expect { Enumerator.new { |y| y << sb.eval(deep) }.next }.to raise_error(Kobako::SandboxError, /SystemStackError|stack/)
        expect(Fiber.new { sb.eval("1 + 1") }.resume).to eq(2)
      end
    end
  end

  it "ends deep guest recursion on threads with small machine stacks in the guest, never in a host signal" do
    script = <<~RUBY
      require "kobako"
      deep = ["a = []; 100_000.times { a = [a] }; a.inspect.size",
              "def f(n) = n.zero? ? 0 : [1].map { f(n - 1) }.first + 1; f(100_000)",
              "a = []; 100_000.times { a = [a] }; b = []; 100_000.times { b = [b] }; a == b"]
      %i[hold release].each do |gvl|
        sb = Kobako::Sandbox.new(gvl: gvl, memory_limit: 256 << 20, timeout: 30)
        deep.each do |code|
          got = Thread.new do
            sb.eval(code)
          rescue Kobako::Error
            :guest
          rescue Exception => e
            e
          end.value
          puts got.inspect
        end
        puts Thread.new { sb.eval("1 + 1") }.value
      end
    RUBY
    env = { "RUBY_THREAD_MACHINE_STACK_SIZE" => "262144", "RUBY_FIBER_MACHINE_STACK_SIZE" => "262144" }
    out, err, status = Open3.capture3(env, RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__), "-e", script)
    expect(status.success?).to be(true), "exit #{status.inspect}: #{err[-2000..] || err}"
    expect(out).to eq((([":guest"] * 3) + ["2"]).then { |lines| (lines * 2).join("\n") + "\n" })
  end
end
