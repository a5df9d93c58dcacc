require "json"
require "securerandom"
require "sidekiq"
require_relative "../kobako"
require_relative "cli/report"

module Kobako
  # Scale-out on Sidekiq (`require "kobako/sidekiq"`): evaluations become jobs that worker
  # processes run in their own shared Sandbox, and each job's Execution (value, output,
  # usage, the Service calls) is recorded in Redis as its result.
  #
  #   # in the worker (sidekiq -r ./worker.rb)
  #   Kobako::Sidekiq.configure do |c|
  #     c.sandbox { Kobako::Sandbox.new(timeout: 1).tap { |s| s.slot("Ctx::Order", methods: %i[total]) } }
  #     c.binding("Ctx::Order") { |id| Order.find(id) }     # job argument -> object
  #   end
  #   # anywhere
  #   key = Kobako::Sidekiq.enqueue(formula, bindings: { "Ctx::Order" => order.id })
  #   Kobako::Sidekiq.result(key)   # => {"ok" => true, "value" => 42, ...} once it ran
  module Sidekiq
    RESULTS = "kobako:results"
    COMPLETIONS = "kobako:completions"

    # What a worker process is configured with.
    class Config
      attr_accessor :max_script_bytes, :max_result_bytes
      attr_reader :binders

      def initialize
        @max_script_bytes = 64 << 10
        @max_result_bytes = 1 << 20
        @binders = {}
        @factory = -> { Kobako::Sandbox.new }
      end

      # The block that builds this process's Sandbox (once, on the first job).
      def sandbox(&block)
        @factory = block if block
        @factory
      end

      # How a job argument becomes the object filling the slot `path`.
      def binding(path, &block)
        raise ArgumentError, "binding #{path} needs a block" unless block

        @binders[path.to_s] = block
      end
    end

    @config = Config.new
    @lock = Mutex.new
    @sandbox = nil

    class << self
      attr_reader :config

      def configure
        @lock.synchronize do
          yield @config
          @sandbox = nil
        end
      end

      # This process's Sandbox, shared by the worker's threads.
      def sandbox = @sandbox || @lock.synchronize { @sandbox ||= @config.sandbox.call }

      # Queues `code` with slot arguments (plain values; each worker's binding block turns
      # them into objects). Returns the key its result will be stored under.
      def enqueue(code, bindings: {}, key: SecureRandom.uuid)
        unless code.is_a?(String) && code.bytesize <= @config.max_script_bytes
          raise ArgumentError, "the script must be a String of at most #{@config.max_script_bytes} bytes"
        end

        Job.perform_async(key, code, bindings.transform_keys(&:to_s))
        key
      end

      # The recorded result for `key` (a Hash), or nil while the job has not run.
      def result(key)
        json = ::Sidekiq.redis { |r| r.hget(RESULTS, key) }
        json && JSON.parse(json)
      end

      # How many times the job under `key` completed (1 once it ran; more would mean it ran twice).
      def completions(key) = ::Sidekiq.redis { |r| r.hget(COMPLETIONS, key) }.to_i

      def resolve(path, argument)
        binder = @config.binders.fetch(path) { raise ArgumentError, "no binding is configured for the slot #{path}" }
        binder.call(argument)
      end

      # The record stored for an Execution (JSON-able).
      def record(execution)
        report = Kobako::CLI::Report.new(execution).to_h
        report[:calls] = execution.calls.map do |call|
          { service: call.target.to_s, method: call.method.to_s, args: Kobako::CLI::Report.jsonable(call.args),
            error: call.error&.first }
        end
        report[:worker] = Process.pid
        report
      end
    end

    # The Sidekiq job. A job that is given a script over the size limit, or whose result
    # is over its limit, records a refusal instead. No retries: a script that failed once
    # fails the same way again (the sandbox is deterministic), and a result is written once.
    class Job
      include ::Sidekiq::Job
      sidekiq_options retry: false

      def perform(key, code, bindings = {})
        config = Kobako::Sidekiq.config
        record = if !code.is_a?(String) || code.bytesize > config.max_script_bytes
                   refusal("the script is over #{config.max_script_bytes} bytes")
                 else
                   run(code, bindings)
                 end
        json = JSON.generate(record)
        json = JSON.generate(refusal("the result is #{json.bytesize} bytes, over #{config.max_result_bytes}")) if json.bytesize > config.max_result_bytes
        ::Sidekiq.redis do |r|
          r.hsetnx(RESULTS, key, json) # the first completion wins
          r.hincrby(COMPLETIONS, key, 1)
        end
      end

      private

      def run(code, bindings)
        objects = bindings.to_h { |path, argument| [path, Kobako::Sidekiq.resolve(path, argument)] }
        Kobako::Sidekiq.record(Kobako::Sidekiq.sandbox.execute(code, bindings: objects))
      rescue ArgumentError => e
        refusal(e.message)
      end

      def refusal(why) = { ok: false, value: nil, error: { class: "Kobako::Sidekiq::Refused", message: why }, worker: Process.pid }
    end
  end
end
