# A one-file Rails 6.1 application (Debian's ruby-rails) that prices orders with formulas
# its customers wrote, evaluated per request in the application's shared Sandbox with the
# order as a slot binding. Serve it with Puma:
#
#   puma -b tcp://127.0.0.1:3000 -t 4:4 examples/rails/config.ru
#   curl 'http://127.0.0.1:3000/price?customer=acme&order=1'
require "logger"
require "rails"
require "action_controller/railtie"
require_relative "../../lib/kobako"
require_relative "../../lib/kobako/rails"

Order = Struct.new(:id, :subtotal, :items, :region)

# Products live in a database (sqlite3, from Debian's ruby-sqlite3): prices in a
# decimal column, timestamps kept by Rails. Invoices are priced by a formula that reads
# the product through a slot and the quantity as a local, in BigDecimal and
# TimeWithZone as the app holds them (issue 25). Without sqlite3 the /invoice route says so.
begin
  require "active_record"
  require "sqlite3"
  # As Rails' own railtie sets it: timestamps read back as TimeWithZone in config.time_zone.
  ActiveRecord::Base.time_zone_aware_attributes = true
  require "tmpdir"
  # A file, not ":memory:": each of Puma's threads has its own connection, and an in-memory
  # database belongs to one connection.
  database = File.join(Dir.tmpdir, "kobako-example-#{Process.pid}.sqlite3")
  at_exit { File.delete(database) if File.exist?(database) }
  ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: database, pool: 8)
  ActiveRecord::Migration.verbose = false
  ActiveRecord::Schema.define do
    create_table(:products) do |t|
      t.string :name
      t.decimal :price, precision: 12, scale: 2
      t.timestamps
    end
  end

  class Product < ActiveRecord::Base
    include Kobako::Exposable
    expose_to_sandbox :name, :price, :created_at
  end
  PRODUCTS_DB = true
rescue LoadError => e
  PRODUCTS_DB = e.message
end

# The application's data (a database in a real app).
module Store
  ORDERS = Array.new(20) { |i| Order.new(i + 1, 10.0 * (i + 1), i * 3 % 40, %w[EU US UK][i % 3]) }.to_h { |o| [o.id, o] }
  FORMULAS = {
    "acme" => "net = Ctx::Order.subtotal * (Ctx::Order.items >= 20 ? 0.9 : 1.0)\n" \
              "(net * (1 + Tax.rate(Ctx::Order.region))).round(2)",
    "globex" => "Ctx::Order.subtotal + Ctx::Order.items",
    "initech" => "Ctx::Order.subtotl * 2"
  }.freeze
  # An invoice: total in BigDecimal, due 30 days after the product was listed.
  INVOICE = "total = (Ctx::Product.price * qty * (1 + vat)).round(2)\n" \
            "{ total: total, due: Ctx::Product.created_at + 30 * 86_400, listed: Ctx::Product.created_at }"
end

# What formulas may call besides the order: tax rates by region.
class TaxTable
  include Kobako::Exposable
  expose_to_sandbox :rate

  RATES = { "EU" => 0.21, "US" => 0.07, "UK" => 0.2 }.freeze

  def rate(region) = RATES.fetch(region)
end

# Counts the kobako events this process saw (for the spec; an app would log or graph them).
module EventCounts
  @lock = Mutex.new
  @counts = Hash.new(0)

  def self.add(name, payload)
    @lock.synchronize do
      @counts[name] += 1
      @counts["#{name} #{payload[:outcome]}"] += 1 if payload[:outcome]
      @counts["#{name} #{payload[:service]}.#{payload[:method]}"] += 1 if payload[:service]
    end
  end

  def self.to_h = @lock.synchronize { @counts.dup }
end

class FormulaApp < Rails::Application
  config.root = __dir__
  config.eager_load = false
  config.consider_all_requests_local = false
  config.secret_key_base = "kobako-example-only-#{'0' * 40}"
  config.hosts.clear
  config.logger = Logger.new($stdout, level: ENV.fetch("LOG_LEVEL", "info"))
  config.kobako.timeout = 0.5
  config.kobako.memory_limit = 2 << 20
  config.kobako.gvl = :release
  config.time_zone = "Eastern Time (US & Canada)"

  routes.append do
    get "/price", to: "prices#show"
    get "/events", to: "prices#events"
    get "/invoice", to: "prices#invoice"
  end
end

Kobako::Rails.setup do |sandbox|
  sandbox.slot("Ctx::Order", methods: %i[subtotal items region], doc: "the order being priced")
  sandbox.bind(:Tax, TaxTable.new, doc: "Tax.rate(region) for EU, US, UK")
  sandbox.slot("Ctx::Product", methods: %i[name price created_at], doc: "the product being invoiced")
end

%w[execute.kobako service_call.kobako].each do |name|
  ActiveSupport::Notifications.subscribe(name) { |event| EventCounts.add(name, event.payload) }
end

class PricesController < ActionController::API
  def show
    formula = Store::FORMULAS.fetch(params[:customer]) { return head(:not_found) }
    order = Store::ORDERS.fetch(params[:order].to_i) { return head(:not_found) }
    execution = Rails.application.kobako.execute(formula, bindings: { "Ctx::Order" => order })
    if execution.ok?
      render json: { customer: params[:customer], order: order.id, price: execution.value }
    else
      error = execution.error
      render status: :unprocessable_entity,
             json: { customer: params[:customer], error: error.respond_to?(:klass) ? error.klass : error.class.name,
                     message: error.message.lines.first.strip }
    end
  end

  def events = render(json: EventCounts.to_h)

  # GET /invoice?product=1&qty=3: the formula gets the product (its decimal price and its
  # created_at, a TimeWithZone) through a slot and qty and the VAT rate as locals.
  def invoice
    return render(status: :service_unavailable, json: { error: "no products database: #{PRODUCTS_DB}" }) unless PRODUCTS_DB == true

    product = Product.find_by(id: params[:product]) or return head(:not_found)
    value = Rails.application.kobako.eval(Store::INVOICE, bindings: { "Ctx::Product" => product },
                                                          locals: { qty: params[:qty].to_i, vat: BigDecimal("0.21") })
    render json: { product: product.name, total: value[:total].to_s("F"), total_class: value[:total].class.name,
                   due: value[:due].iso8601, due_zone: value[:due].try(:time_zone)&.name, # a TimeWithZone again
                   listed: value[:listed] == product.created_at }
  end
end

FormulaApp.initialize!

if PRODUCTS_DB == true
  Product.create!(name: "pen", price: BigDecimal("1.10"), created_at: Time.zone.local(2026, 3, 1, 9))
  Product.create!(name: "desk", price: BigDecimal("249.99"), created_at: Time.zone.local(2026, 10, 20, 17, 30))
end

# With KOBAKO_WARM=1 the Sandbox is built and used at boot, so under `puma --preload` the
# master makes it and the forked workers inherit it.
Rails.application.kobako.eval("1 + 1") if ENV["KOBAKO_WARM"] == "1"
