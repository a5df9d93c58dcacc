require "spec_helper"
require "json"
require "open3"
require "rbconfig"
require "socket"
require "tmpdir"

# Scale-out on Sidekiq (issue 17, part 5): jobs evaluated by two real worker processes
# against a real redis-server, each of 1,000 completing once with the right result.
# Sidekiq runs only in child processes, so nothing of it changes the suite's own Ruby.
RSpec.describe "kobako on Sidekiq" do
  root = File.expand_path("../..", __dir__)
  probe_out, probe_err, probe = Open3.capture3(RbConfig.ruby, "-e", 'require "sidekiq"; require "redis"')
  redis_server = ENV.fetch("KOBAKO_REDIS_SERVER", "/usr/bin/redis-server")
  if !probe.success? || (!ENV["KOBAKO_TEST_REDIS_URL"] && !File.executable?(redis_server))
    before { skip "Sidekiq 6.4 and redis-server from Debian's packages are not here (#{(probe_err + probe_out).lines.first&.strip})" }
  end

  # A redis-server of our own on a free port (or the one .ci/run started), flushed first.
  around do |example|
    if (url = ENV["KOBAKO_TEST_REDIS_URL"])
      @redis_url = url
      example.run
    else
      Dir.mktmpdir("kobako-redis") do |dir|
        port = TCPServer.new("127.0.0.1", 0).then { |s| s.addr[1].tap { s.close } }
        pid = Process.spawn(redis_server, "--port", port.to_s, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                            "--dir", dir, out: File::NULL, err: File::NULL)
        begin
          deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 20
          begin
            TCPSocket.new("127.0.0.1", port).close
          rescue SystemCallError
            raise "redis-server did not start" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

            sleep 0.05
            retry
          end
          @redis_url = "redis://127.0.0.1:#{port}/0"
          example.run
        ensure
          Process.kill("TERM", pid)
          Process.wait(pid)
        end
      end
    end
  end

  define_method(:root_dir) { root }

  # Runs Ruby `code` (or, with file:, a script) in a child with REDIS_URL; returns its stdout.
  def child(code = nil, *args, file: nil)
    program = file ? [File.join(root_dir, file)] : ["-e", code]
    out, err, status = Open3.capture3({ "REDIS_URL" => @redis_url }, RbConfig.ruby, "-I", File.join(root_dir, "lib"),
                                      *program, *args, chdir: root_dir)
    raise "child failed: #{err}" unless status.success?

    out
  end

  # Every result and completion count, as one JSON object from a child process.
  def snapshot
    JSON.parse(child(<<~RUBY))
      require "kobako/sidekiq"
      results = Sidekiq.redis { |r| r.hgetall(Kobako::Sidekiq::RESULTS) }
      completions = Sidekiq.redis { |r| r.hgetall(Kobako::Sidekiq::COMPLETIONS) }
      puts JSON.generate(results: results.transform_values { |j| JSON.parse(j) }, completions: completions)
    RUBY
  end

  it "runs 1,000 jobs on two worker processes, each completing once with the right result" do
    child('require "kobako/sidekiq"; Sidekiq.redis(&:flushdb)')
    workers = Array.new(2) do
      Open3.popen2e({ "REDIS_URL" => @redis_url }, RbConfig.ruby, "-S", "sidekiq", "-r", "./examples/sidekiq/worker.rb",
                    "-c", "4", chdir: root_dir)
    end
    logs = workers.map { |_in, out, _wait| Thread.new { out.read } }
    begin
      keys = child(nil, "1000", file: "examples/sidekiq/enqueue.rb").split
      expect(keys.size).to eq(1000)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 180
      state = nil
      loop do
        state = snapshot
        break if state["results"].size >= 1000 || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

        sleep 0.5
      end
      results = state["results"]
      expect(results.size).to eq(1000)
      wrong = keys.each_with_index.reject do |key, i|
        id = i % 50
        results[key] && results[key]["ok"] && results[key]["value"] == ((id % 7) + 1) * ((id % 5) + 1) + i
      end
      expect(wrong).to be_empty
      expect(state["completions"].values.uniq).to eq(["1"])
      expect(results.values.map { |r| r["worker"] }.uniq.size).to eq(2) # both workers took jobs
      sample = results["job-7"]
      expect(sample["calls"]).to eq([{ "service" => "Ctx::Item", "method" => "price", "args" => [], "error" => nil },
                                     { "service" => "Ctx::Item", "method" => "qty", "args" => [], "error" => nil }])
      expect(sample["usage"].keys).to contain_exactly("wall_time", "memory_peak", "fuel_used")
    ensure
      workers.each { |_in, _out, wait| Process.kill("TERM", wait.pid) }
      workers.each { |_in, _out, wait| expect(wait.join(30)).to be_truthy }
      logs.each { |t| t.join(5) }
    end
  end

  it "records refusals and errors instead of running what is over its limits" do
    out = child(<<~RUBY)
      require "./examples/sidekiq/worker"
      Sidekiq.redis(&:flushdb)
      job = Kobako::Sidekiq::Job.new
      job.perform("long", "1 + " * 2000 + "1", {})
      job.perform("big", "'x' * 100_000", {})
      job.perform("unbound", "Ctx::Other.price", { "Ctx::Other" => 1 })
      job.perform("raises", "Ctx::Item.price.fetch(1)", { "Ctx::Item" => 3 })
      job.perform("raises", "2", {})
      begin
        Kobako::Sidekiq.enqueue("1" * 5000)
      rescue ArgumentError => e
        puts e.message
      end
      %w[long big unbound raises].each { |k| puts JSON.generate(Kobako::Sidekiq.result(k).slice("ok", "error", "value")) }
      puts Kobako::Sidekiq.completions("raises")
    RUBY
    lines = out.lines.map(&:chomp)
    expect(lines[0]).to eq("the script must be a String of at most 4096 bytes")
    expect(JSON.parse(lines[1])["error"]).to eq("class" => "Kobako::Sidekiq::Refused", "message" => "the script is over 4096 bytes")
    expect(JSON.parse(lines[2])["error"]["message"]).to match(/\Athe result is \d+ bytes, over 65536\z/)
    expect(JSON.parse(lines[3])["error"]["message"]).to eq("no binding is configured for the slot Ctx::Other")
    raised = JSON.parse(lines[4])
    expect(raised["ok"]).to be(false)
    expect(raised["error"]).to include("class" => "Kobako::SandboxError", "klass" => "NoMethodError")
    expect(lines[5]).to eq("2") # the second run of the key counted, its result not written over the first
  end
end
