require "spec_helper"
require "json"
require "net/http"
require "open3"
require "rbconfig"
require "socket"

# The Rails integration (issue 17, part 1): config.kobako, the shared Sandbox and its
# set-up hooks, and the example app served by a real Puma with several threads and
# gvl: :release, checked through its answers and the notifications it counted.
#
# Rails is loaded only in child processes: its core extensions would change the CRuby that
# the differential suites compare the sandbox with.
RSpec.describe "the Rails integration" do
  lib = File.expand_path("../../lib", __dir__)
  probe = 'require "rails"; require "action_controller/railtie"; require "puma"'
  _out, why, status = Open3.capture3(RbConfig.ruby, "-e", probe)
  unless status.success?
    before { skip "Rails 6.1 and Puma from Debian's packages are not loadable here (#{why.lines.first&.strip})" }
  end

  # Runs `code` in a child Ruby with Rails and kobako/rails loaded; returns its stdout.
  define_method(:in_rails) do |code|
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", lib, "-e", "require 'rails'; require 'kobako/rails'\n#{code}")
    raise "the child failed: #{err}" unless status.success?

    out
  end

  describe "Kobako::Rails" do
    it "builds one shared Sandbox from config.kobako and the setup blocks, and rebuilds it after a reset" do
      out = in_rails(<<~RUBY)
        Kobako::Rails.configure(ActiveSupport::OrderedOptions.new.merge!(timeout: 0.3, gvl: :release))
        Kobako::Rails.setup { |sandbox| sandbox.bind(:Greeting, -> { "hello" }) }
        first = Kobako.sandbox
        p [first.equal?(Kobako::Rails.sandbox), first.timeout, first.gvl, first.memory_limit, first.eval("Greeting.call")]
        Kobako::Rails.reset!
        p [Kobako.sandbox.equal?(first), Kobako.sandbox.eval("Greeting.call")]
      RUBY
      expect(out).to eq(%([true, 0.3, :release, 8388608, "hello"]\n[false, "hello"]\n))
    end

    it "comes with kobako itself when Rails is loaded first" do
      out, err, status = Open3.capture3(RbConfig.ruby, "-I", lib, "-e",
                                        'require "rails"; require "kobako"; p defined?(Kobako::Rails::Railtie)')
      expect([out, err, status.success?]).to eq(["\"constant\"\n", "", true])
    end

    it "refuses options it does not know, and a setup without a block" do
      out = in_rails(<<~RUBY)
        begin
          Kobako::Rails.configure(ActiveSupport::OrderedOptions.new.merge!(timout: 1))
        rescue ArgumentError => e
          puts e.message
        end
        begin
          Kobako::Rails.setup
        rescue ArgumentError => e
          puts e.message
        end
      RUBY
      expect(out).to eq("config.kobako does not know timout (known: #{%w[timeout memory_limit stdout_limit stderr_limit gvl
                                                                        max_service_calls fuel clock seed compile_cache].join(', ')})\n" \
                        "Kobako::Rails.setup needs a block\n")
    end
  end

  describe "examples/rails on Puma" do
    root = File.expand_path("../..", __dir__)

    def free_port
      server = TCPServer.new("127.0.0.1", 0)
      server.addr[1]
    ensure
      server&.close
    end

    # Starts Puma with `threads` threads (and `extra` arguments), yields the base URL, and
    # returns what it logged.
    def with_puma(threads, extra = [], env = {})
      port = free_port
      root = File.expand_path("../..", __dir__)
      env = { "LOG_LEVEL" => "debug" }.merge(env)
      argv = [RbConfig.ruby, "-S", "puma", "-b", "tcp://127.0.0.1:#{port}", "-t", "#{threads}:#{threads}", *extra,
              File.join(root, "examples/rails/config.ru")]
      log = +""
      Open3.popen2e(env, *argv, chdir: root) do |_in, out, wait|
        reader = Thread.new { out.each_line { |line| log << line } }
        deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 60
        until log.include?("Listening on") && (!extra.include?("-w") || log.scan(/booted/i).size >= 2 || log.include?("- Worker 1"))
          raise "Puma did not start:\n#{log}" if !wait.alive? || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

          sleep 0.05
        end
        begin
          yield "http://127.0.0.1:#{port}"
        ensure
          Process.kill("TERM", wait.pid)
          raise "Puma did not stop" unless wait.join(30)

          reader.join(5)
        end
      end
      log
    end

    def get_json(base, path)
      response = Net::HTTP.get_response(URI("#{base}#{path}"))
      [response.code.to_i, JSON.parse(response.body)]
    end

    it "prices orders per request with the record as a slot, from 8 client threads, and publishes the events" do
      rates = { "EU" => 0.21, "US" => 0.07, "UK" => 0.2 }
      orders = Array.new(20) { |i| [i + 1, 10.0 * (i + 1), i * 3 % 40, %w[EU US UK][i % 3]] }
      expected = lambda do |customer, id|
        _, subtotal, items, region = orders[id - 1]
        case customer
        when "acme" then [200, (subtotal * (items >= 20 ? 0.9 : 1.0) * (1 + rates[region])).round(2)]
        when "globex" then [200, subtotal + items]
        else [422, nil]
        end
      end
      requests = Array.new(8) { |t| Array.new(25) { |i| [%w[acme globex initech][(t + i) % 3], ((t * 25 + i) % 20) + 1] } }
      events = nil
      log = with_puma(4) do |base|
        wrong = Queue.new
        clients = requests.map do |mine|
          Thread.new do
            mine.each do |customer, id|
              code, body = get_json(base, "/price?customer=#{customer}&order=#{id}")
              want_code, want_price = expected.call(customer, id)
              ok = code == want_code && (want_code == 422 ? body["error"] == "NoMethodError" : body["price"] == want_price)
              wrong << [customer, id, code, body] unless ok
            end
          end
        end
        expect(clients.map { |c| c.join(60) }).to all(be_a(Thread))
        expect(wrong.size).to eq(0), -> { "wrong answers: #{Array.new(wrong.size) { wrong.pop }.first(5).inspect}" }
        events = get_json(base, "/events").last
      end
      all = requests.flatten(1)
      count = ->(name) { all.count { |customer, _| customer == name } }
      expect(events["execute.kobako"]).to eq(all.size)
      expect(events["execute.kobako ok"]).to eq(count.("acme") + count.("globex"))
      expect(events["execute.kobako Kobako::ServiceRefusedError"]).to eq(count.("initech"))
      expect(events["service_call.kobako Tax.rate"]).to eq(count.("acme"))
      expect(events["service_call.kobako Ctx::Order.subtotal"]).to eq(count.("acme") + count.("globex"))
      expect(events["service_call.kobako"]).to eq(count.("acme") * 4 + count.("globex") * 2)
      expect(log).to match(/Kobako eval [0-9a-f]{16} ok \(\d+\.\dms, [\d.]+ KB, 4 calls\)/)
      expect(log).to match(/Kobako eval [0-9a-f]{16} Kobako::ServiceRefusedError NoMethodError/)
    end

    it "invoices products from the database: a decimal price and a TimeWithZone through a slot, qty as a local" do
      sqlite = Open3.capture3(RbConfig.ruby, "-e", 'require "sqlite3"')[2].success?
      skip "Debian's ruby-sqlite3 does not load in this Ruby (it is built for Debian's own Ruby)" unless sqlite

      answers = nil
      with_puma(2) do |base|
        answers = [get_json(base, "/invoice?product=1&qty=3"), get_json(base, "/invoice?product=2&qty=2")]
      end
      # 1.10 * 3 * 1.21 = 3.993; created 2026-03-01 09:00 EST, due 30 days of seconds later, in EDT.
      expect(answers[0]).to eq([200, { "product" => "pen", "total" => "3.99", "total_class" => "BigDecimal",
                                       "due" => "2026-03-31T10:00:00-04:00", "due_zone" => "Eastern Time (US & Canada)",
                                       "listed" => true }])
      expect(answers[1][1].slice("total", "due")).to eq("total" => "604.98", "due" => "2026-11-19T16:30:00-05:00")
    end

    it "keeps working in forked workers when the master built and used the Sandbox (puma --preload)" do
      answers = Queue.new
      log = with_puma(2, %w[-w 2 --preload], "KOBAKO_WARM" => "1") do |base|
        Array.new(4) do |t|
          Thread.new { 10.times { |i| answers << get_json(base, "/price?customer=globex&order=#{(t * 10 + i) % 20 + 1}") } }
        end.each { |c| expect(c.join(60)).to be_a(Thread) }
      end
      got = Array.new(answers.size) { answers.pop }
      expect(got.size).to eq(40)
      expect(got.map(&:first).uniq).to eq([200])
      expect(got.map { |_, body| body["price"] }).to all(be_a(Float))
      expect(log).to include("Cluster").or include("cluster")
    end
  end
end
