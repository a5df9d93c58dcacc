# The operations and workloads of the concurrency stress suite (spec/stress/workload.rb runs
# one per process; spec/stress/soak.rb reuses them for `rake soak`).
require "kobako"
require "stringio"

VERIFY_COMPACTION_GROWTH = (RUBY_VERSION >= "3.2" ? { expand_heap: true } : { double_heap: true }).freeze

module Stress
  module_function

  def fail!(message)
    warn "stress: #{message}"
    exit! 1
  end

  # A Sandbox with the Services every workload uses. The timeout is generous: under
  # `gvl: :hold`, time an invocation spends waiting for the GVL in a Service call counts
  # (contract C-1), and other threads' invocations run meanwhile.
  def sandbox(gvl, timeout: 10, memory_limit: 4 << 20)
    Kobako::Sandbox.new(gvl: gvl, timeout: timeout, memory_limit: memory_limit).tap do |s|
      s.define(:T).bind(:E, ->(x) { x })
                  .bind(:M, ->(list, &blk) { list.map(&blk) })
                  .bind(:F, ->(key) { {}.fetch(key) })
                  .bind(:Sleep, ->(seconds) { sleep(seconds) && :slept })
      s.define(:Ctx).slot(:Who)
    end
  end

  # One operation of thread `i`, step `j`: [code, check], where check raises on a mismatch.
  def op(sandbox, i, j, short = nil)
    case j % 10
    when 0 then expect_value(sandbox, "#{i} * 1000 + #{j}", (i * 1000) + j)
    when 1 then expect_value(sandbox, "T::E.call(#{j})", j)
    when 2 then expect_value(sandbox, "T::M.call([1, 2, 3]) { |y| next y * #{i} }", [i, 2 * i, 3 * i])
    when 3 then expect_value(sandbox, "T::M.call([1, 2, 3]) { |y| break #{j} if y == 2; y }", j)
    when 4
      expect_value(sandbox, "puts 'o#{i}-#{j}'; warn 'w#{j}'; #{j}", j)
      check(sandbox.stdout == "o#{i}-#{j}\n", "stdout of #{i}/#{j} was #{sandbox.stdout.inspect}")
      check(sandbox.stderr == "w#{j}\n", "stderr of #{i}/#{j} was #{sandbox.stderr.inspect}")
    when 5 then expect_error(sandbox, "raise ArgumentError, 'e#{i}-#{j}'", Kobako::SandboxError, "e#{i}-#{j}")
    when 6 then expect_error(sandbox, "T::F.call('k#{i}-#{j}')", Kobako::ServiceError, "k#{i}-#{j}")
    when 7 then expect_value(sandbox, "T::M.call([#{i}]) { |y| T::M.call([y]) { |z| T::E.call(z + #{j}) } }", [[i + j]])
    when 8
      if short && j % 100 == 8
        expect_error(short, "puts 'before'; loop {}", Kobako::TimeoutError, "timeout")
        check(short.stdout == "before\n", "stdout before a timeout was #{short.stdout.inspect}")
      else
        expect_slot(sandbox, i, j)
      end
    else
      expect_error(sandbox, "'x' * (8 << 20)", Kobako::MemoryLimitError, "memory_limit")
      check(sandbox.usage.memory_peak <= (4 << 20), "memory_peak #{sandbox.usage.memory_peak} over the limit")
    end
    check(sandbox.usage.wall_time.positive?, "usage of #{i}/#{j} has no wall time")
  end

  # A slot filled per invocation (each thread its own object), read through execute, and
  # every tenth one replayed: the shared Sandbox must never mix fillings up.
  def expect_slot(sandbox, i, j)
    who = -> { i * 1000 }
    execution = sandbox.execute("Ctx::Who.call + #{j}", bindings: { "Ctx::Who" => who })
    check(execution.ok? && execution.value == (i * 1000) + j, "slot of #{i}/#{j} gave #{execution.inspect}")
    check(execution.calls.size == 1 && execution.calls.first.result == i * 1000, "transcript of #{i}/#{j} is wrong")
    return unless (j / 10).even?

    check(sandbox.replay(execution) == execution, "replay of #{i}/#{j} differs")
  end

  def check(ok, message)
    fail!(message) unless ok
  end

  def expect_value(sandbox, code, expected)
    got = sandbox.eval(code)
    check(got == expected, "#{code} gave #{got.inspect}, expected #{expected.inspect}")
    check(sandbox.stdout.empty? || code.include?("puts"), "stdout leaked into #{code}: #{sandbox.stdout.inspect}")
  end

  def expect_error(sandbox, code, klass, text)
    sandbox.eval(code)
    fail!("#{code} did not raise")
  rescue Kobako::Error => e
    check(e.is_a?(klass) && e.message.include?(text), "#{code} raised #{e.class}: #{e.message}")
  end

  def threads(count, &body)
    count.times.map { |i| Thread.new(i, &body) }.each(&:join)
  end

  # Mixed operations on one shared Sandbox, or on one Sandbox per thread.
  def mixed(gvl, shared:, threads: 8, steps: 300)
    common = sandbox(gvl)
    common_short = sandbox(gvl, timeout: 0.05)
    threads(threads) do |i|
      own = shared ? common : sandbox(gvl)
      short = shared ? common_short : sandbox(gvl, timeout: 0.05)
      steps.times { |j| op(own, i, j, short) }
    end
  end

  # Every thread's first call at the same instant, in a process that has not run one yet.
  def cold(gvl, threads: 8)
    shared = sandbox(gvl)
    gate = Queue.new
    workers = threads.times.map do |i|
      Thread.new do
        gate.pop
        own = i.even? ? shared : sandbox(gvl)
        op(own, i, i % 8)
        expect_value(own, "T::E.call(#{i})", i)
      end
    end
    sleep 0.05
    threads.times { gate << :go }
    workers.each(&:join)
  end

  # A short run under GC.stress, then a longer one with GC.compact from another thread.
  def gc(gvl)
    s = sandbox(gvl, timeout: 30) # GC.stress makes every Service call slow, more so on a busy machine
    GC.stress = true
    threads(3) { |i| 4.times { |j| op(s, i, j) } }
    GC.stress = false
    stop = false
    compactor = Thread.new do
      until stop
        GC.compact
        GC.verify_compaction_references(toward: :empty, **VERIFY_COMPACTION_GROWTH) if rand < 0.05
        sleep 0.001
      end
    end
    threads(8) { |i| 150.times { |j| op(s, i, j) } }
    stop = true
    compactor.join
  end

  # Thread#raise, Thread#kill and signals at random moments: inside Service calls, inside
  # yields, in plain guest code. Survivors must keep giving right answers.
  def interrupts(gvl, seconds: 3.0)
    Thread.report_on_exception = false # the chaos kills threads on purpose
    s = sandbox(gvl, timeout: 0.5)
    signals = 0
    trap(:USR1) { signals += 1 }
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    workers = Array.new(6) { |i| worker(s, i, deadline) }
    chaos_rng = Random.new(gvl == :release ? 1 : 2)
    while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
      victim = chaos_rng.rand(workers.size)
      strike(workers[victim], chaos_rng.rand(3), "chaos", :USR1)
      workers[victim] = worker(s, victim, deadline) unless settle(workers[victim], 0.5)
      sleep chaos_rng.rand * 0.01
    end
    workers.each { |w| settle(w, 5) || fail!("a worker did not finish after the chaos") }
    expect_value(s, "T::M.call([1]) { |x| T::E.call(x) }", [1])
    check(signals.positive?, "no signal was handled")
  end

  # One blow of the chaos: 0 raises `message` in the thread, 1 kills it, anything else
  # sends the process `signal`.
  def strike(thread, choice, message, signal)
    case choice
    when 0 then thread.raise(RuntimeError, message)
    when 1 then thread.kill
    else Process.kill(signal, Process.pid)
    end
  end

  # Waits up to `seconds` for a worker; true once it has ended (killed or raised by the
  # chaos counts as ended).
  def settle(thread, seconds)
    thread.join(seconds) ? true : !thread.alive?
  rescue RuntimeError => e
    raise unless e.message == "chaos"

    true
  end

  def worker(s, i, deadline)
    Thread.new do
      Thread.current.report_on_exception = false
      j = 0
      while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
        begin
          case j % 4
          when 0 then s.eval("T::Sleep.call(0.002); 1")
          when 1 then s.eval("T::M.call([1, 2]) { |y| T::Sleep.call(0.001); y }")
          when 2 then s.eval("x = 0; 20_000.times { x += 1 }; x")
          else op(s, i, j)
          end
        rescue RuntimeError => e
          raise unless e.message == "chaos"
        rescue Kobako::TrapError
          nil # an interrupt landing in the guest ends that invocation as a trap
        end
        j += 1
      end
    end
  end

  # A Thread#raise or Thread#kill landing during the process's very first invocation.
  def first_interrupt(gvl, delay)
    s = sandbox(gvl)
    worker = Thread.new do
      Thread.current.report_on_exception = false
      s.eval("T::M.call([1, 2]) { |y| T::E.call(y) }")
    end
    sleep delay
    delay.to_s.end_with?("5") ? worker.kill : worker.raise(RuntimeError, "chaos")
    begin
      worker.join(5) or fail!("the interrupted first invocation did not end")
    rescue RuntimeError => e
      fail!("unexpected #{e.message}") unless e.message == "chaos"
    rescue Kobako::TrapError
      nil
    end
    expect_value(s, "T::E.call(7)", 7)
  end

  # Issue 26: interrupt storms (Timeout.timeout, Thread#raise, Thread#kill, signals) while 8
  # threads evaluate in guest code, in Service calls and in yielded blocks. Every eval
  # either gives its right answer or raises the interrupt it was sent, nothing else; then
  # every Sandbox still answers.
  def storm(gvl, seconds: 4.0)
    Thread.report_on_exception = false
    boxes = Array.new(4) { sandbox(gvl, timeout: 5) }
    signals = 0
    trap(:USR2) { signals += 1 }
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    codes = [
      ["x = 0; 30_000.times { x += 1 }; x", 30_000],
      ["T::M.call([1, 2, 3]) { |y| T::E.call(y) * 2 }", [2, 4, 6]],
      ["T::Sleep.call(0.003); :slept", :slept],
      ["T::M.call([1, 2]) { |y| z = 0; 5_000.times { z += y }; z }", [5_000, 10_000]]
    ]
    stormer = lambda do |i|
      Thread.new do
        j = 0
        while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
          code, expected = codes[(i + j) % codes.size]
          box = boxes[(i + j) % boxes.size]
          begin
            got = if j.odd?
                    Timeout.timeout(0.002 * (1 + (j % 5))) { box.eval(code) }
                  else
                    box.eval(code)
                  end
            check(got == expected, "#{code} gave #{got.inspect} in a storm")
          rescue Timeout::Error
            nil
          rescue RuntimeError => e
            raise unless e.message == "storm"
          rescue Exception => e # rubocop:disable Lint/RescueException
            # Two interrupts racing (a storm raise and a Timeout): Ruby delivers the second
            # at the thread's next blocking point, which can be inside a later Timeout block
            # (it then passes through as Timeout's internal ExitException, in plain Ruby too).
            raise unless stale_timeout?(e)
          end
          j += 1
        end
      end
    end
    require "timeout"
    workers = Array.new(8) { |i| stormer.call(i) }
    rng = Random.new(gvl == :release ? 3 : 4)
    while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
      victim = rng.rand(workers.size)
      strike(workers[victim], rng.rand(4), "storm", :USR2)
      sleep rng.rand * 0.005
      next if workers[victim].alive?

      begin
        workers[victim].join
      rescue RuntimeError => e
        fail!("worker died of #{e.message}") unless e.message == "storm"
      end
      workers[victim] = stormer.call(victim)
    end
    workers.each do |w|
      w.join(10) or fail!("a worker hung after the storm")
    rescue RuntimeError => e
      fail!("worker died of #{e.message}") unless e.message == "storm"
    end
    boxes.each { |b| expect_value(b, "T::M.call([1]) { |x| T::E.call(x) }", [1]) }
    check(signals.positive?, "no signal was handled")
  end

  def stale_timeout?(error)
    (defined?(Timeout::ExitException) && error.is_a?(Timeout::ExitException)) ||
      (error.is_a?(UncaughtThrowError) && error.tag.is_a?(Timeout::Error))
  end

  # An interrupt landing while the process builds its first Sandbox (and, with an empty
  # KOBAKO_MODULE_CACHE, compiles the module) on one thread while another compiles too.
  def construct_interrupt(gvl, delay)
    Thread.report_on_exception = false
    other = Thread.new { sandbox(gvl).eval("T::E.call(1)") }
    victim = Thread.new { sandbox(gvl).eval("T::M.call([1]) { |y| y }") }
    sleep delay
    delay.to_s.end_with?("5") ? victim.kill : victim.raise(RuntimeError, "chaos")
    begin
      victim.join(60) or fail!("the interrupted construction did not end")
    rescue RuntimeError => e
      fail!("unexpected #{e.message}") unless e.message == "chaos"
    end
    check(other.value == 1, "the other thread's first eval failed")
    expect_value(sandbox(gvl), "T::M.call([2]) { |y| T::E.call(y) }", [2])
  end

  # For `rake stress` (the hunt for the SIGBUS of issue 26): the bench's thread curves,
  # compute and Service-heavy, 1 to 8 threads, with GC.compact from another thread.
  def curves(gvl, seconds: 3.0)
    stop = false
    compactor = Thread.new { until stop; GC.compact; sleep 0.01; end }
    [1, 2, 4, 8].each do |count|
      boxes = Array.new(count) { sandbox(gvl) }
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + (seconds / 4)
      threads(count) do |i|
        j = 0
        while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
          if j.even?
            expect_value(boxes[i], "i = 0; while i < 20_000; i += 1; end; i", 20_000)
          else
            expect_value(boxes[i], "i = 0; while i < 50; T::E.call(i); i += 1; end; i", 50)
          end
          j += 1
        end
      end
    end
    stop = true
    compactor.join
  end

  # Deep guest recursion near and past the stack limit on every thread (run it with a
  # small RUBY_THREAD_MACHINE_STACK_SIZE too): always the guest's own error, never a signal.
  def deep(gvl)
    s = Kobako::Sandbox.new(gvl: gvl, memory_limit: 256 << 20, timeout: 30)
    codes = ["a = []; 60_000.times { a = [a] }; a.inspect.size",
             "def f(n) = n.zero? ? 0 : [1].map { f(n - 1) }.first + 1; f(100_000)",
             "def g(n) = n.zero? ? 0 : g(n - 1) + 1; g(200_000)"]
    threads(4) do |i|
      6.times do |j|
        code = codes[(i + j) % codes.size]
        begin
          s.eval(code)
        rescue Kobako::Error
          nil
        end
      end
    end
    expect_value(s, "[1, 2].sum", 3)
  end

  # Forked children evaluating while the parent's threads do.
  def forks(gvl)
    s = sandbox(gvl)
    busy = Thread.new { 200.times { |j| op(s, 1, j) } }
    pids = Array.new(3) do |k|
      fork do
        threads(2) { |i| 50.times { |j| op(s, i + k, j) } }
        exit! 0
      end
    end
    pids.each do |pid|
      _, status = Process.wait2(pid)
      check(status.success?, "a forked child ended with #{status.inspect}")
    end
    busy.join
  end
end

