# Customer formulas: each customer stores a pricing rule as Ruby; the app evaluates it per
# order with the order in a slot, under tight caps, and turns a broken formula into a
# message for the customer instead of an exception.
#
#   ruby -Ilib examples/formulas/pricing.rb
require "kobako"

Order = Struct.new(:subtotal, :items, :region, :coupon)

# What the customers wrote (stored in the database in a real app).
FORMULAS = {
  "acme" => <<~RUBY,
    rate = { "EU" => 0.21, "US" => 0.07 }.fetch(Ctx::Order.region, 0.0)
    bulk = Ctx::Order.items >= 20 ? 0.1 : 0.0
    net = Ctx::Order.subtotal * (1 - bulk)
    (net * (1 + rate)).round(2)
  RUBY
  "globex" => <<~RUBY,
    off = Ctx::Order.coupon.to_s[/\\AFLAT(\\d+)\\z/, 1].to_i
    [Ctx::Order.subtotal - off, 0].max
  RUBY
  "initech" => <<~RUBY,
    Ctx::Order.subtotl * 2
  RUBY
  "hooli" => <<~RUBY
    loop { }
  RUBY
}.freeze

# One Sandbox for the app: set up once, shared by every request (and thread).
PRICING = Kobako::Sandbox.new(timeout: 0.2, memory_limit: 1 << 20, stdout_limit: 4096)
PRICING.slot("Ctx::Order", methods: Order.members, doc: "the order being priced")

# The price, or [:error, what to tell the customer].
def price(customer, order)
  execution = PRICING.execute(FORMULAS.fetch(customer), bindings: { "Ctx::Order" => order })
  return execution.value if execution.ok?

  error = execution.error
  what = error.respond_to?(:klass) && error.klass ? "#{error.klass}: #{error.message.lines.first.strip}" : error.message
  [:error, what]
end

orders = [Order.new(100.0, 25, "EU", nil), Order.new(40, 1, "US", "FLAT15")]
FORMULAS.each_key do |customer|
  orders.each { |order| puts "#{customer}: #{price(customer, order).inspect}" }
end

# The same formula runs again and again: from the third time on it skips the parser.
1000.times { |i| price("acme", Order.new(i, i % 30, "EU", nil)) }
stats = PRICING.compile_cache_stats
puts "compile cache: #{stats[:hits]} hits, #{stats[:entries]} entries"
