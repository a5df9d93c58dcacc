require "rails/railtie"
require "active_support/notifications"
require "digest"
require_relative "../kobako"
require_relative "rails/instrumenter"
require_relative "rails/log_subscriber"

module Kobako
  # The Rails integration (`require "kobako/rails"`, or Bundler.require with the gem in the
  # Gemfile): `config.kobako` options, one shared application Sandbox, set-up hooks,
  # ActiveSupport::Notifications events and a log line per invocation.
  #
  #   # config/application.rb
  #   config.kobako.timeout = 0.5
  #   config.kobako.gvl = :release
  #   # config/initializers/kobako.rb
  #   Kobako::Rails.setup do |sandbox|
  #     sandbox.slot("Ctx::Order", methods: %i[total items])
  #     sandbox.define(:Shop).bind(:Rates, TaxRates.new, methods: %i[for_region])
  #   end
  #   # anywhere
  #   Rails.application.kobako.eval(formula, bindings: { "Ctx::Order" => order })
  module Rails
    # Sandbox.new options config.kobako passes on, with the integration's defaults.
    OPTIONS = %i[timeout memory_limit stdout_limit stderr_limit gvl max_service_calls fuel clock seed compile_cache].freeze
    DEFAULTS = { timeout: 1.0, memory_limit: 8 << 20, stdout_limit: 64 << 10, stderr_limit: 64 << 10, gvl: :hold }.freeze

    @lock = Mutex.new
    @setups = []
    @sandbox = nil
    @options = DEFAULTS

    class << self
      # The application's Sandbox, built on first use with config.kobako and every setup
      # block; rebuilt after a code reload (so Services bound to reloaded classes follow).
      def sandbox
        @sandbox || @lock.synchronize { @sandbox ||= build }
      end

      # Registers a block that sets up the Sandbox (bind, slot, preload, expose). It runs
      # each time the Sandbox is built.
      def setup(&block)
        raise ArgumentError, "Kobako::Rails.setup needs a block" unless block

        @lock.synchronize do
          @setups << block
          @sandbox = nil
        end
      end

      # Forgets the Sandbox (the next use builds it again). Called on every code reload.
      def reset!
        @lock.synchronize { @sandbox = nil }
      end

      # Forgets the setup blocks too (for a reloaded initializer, and for tests).
      def clear_setups!
        @lock.synchronize do
          @setups = []
          @sandbox = nil
        end
      end

      # Takes config.kobako (an ActiveSupport::OrderedOptions).
      def configure(config)
        unknown = config.keys.map(&:to_sym) - OPTIONS
        raise ArgumentError, "config.kobako does not know #{unknown.join(', ')} (known: #{OPTIONS.join(', ')})" if unknown.any?

        @lock.synchronize do
          @options = DEFAULTS.merge(config.to_h.transform_keys(&:to_sym))
          @sandbox = nil
        end
      end

      def options = @options

      private

      def build
        sandbox = Kobako::Sandbox.new(**@options)
        @setups.each { |block| block.call(sandbox) }
        sandbox
      end
    end

    class Railtie < ::Rails::Railtie
      config.kobako = ActiveSupport::OrderedOptions.new

      initializer "kobako.configure" do |app|
        Kobako::Rails.configure(app.config.kobako)
        # Rails.application.kobako
        app.singleton_class.define_method(:kobako) { Kobako::Rails.sandbox } unless app.respond_to?(:kobako)
      end

      initializer "kobako.instrumentation" do
        Kobako.instrumenter = Kobako::Rails::Instrumenter.new
        Kobako::Rails::LogSubscriber.attach_to(:kobako)
      end

      # Development reloads: setup blocks may name reloaded classes, so rebuild.
      config.to_prepare { Kobako::Rails.reset! }
    end
  end

  # Kobako.sandbox: the Rails application's shared Sandbox.
  def self.sandbox = Kobako::Rails.sandbox
end
