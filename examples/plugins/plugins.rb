# Plugins: third-party code the app loads once (snippets) and calls by name (entrypoints),
# with only the Services the app hands it. A plugin cannot see another plugin's state
# between calls, the app's objects, or anything on the host it was not given.
#
#   ruby -Ilib examples/plugins/plugins.rb
require "kobako"

# What the app offers plugins.
class Catalog
  include Kobako::Exposable
  expose_to_sandbox :price_of, :each_item

  ITEMS = { "pen" => 2.5, "ink" => 7.0, "pad" => 4.0 }.freeze

  def price_of(sku) = ITEMS.fetch(sku)
  def each_item(&block) = ITEMS.each(&block)
end

PLUGINS = {
  Cheapest: <<~RUBY,
    Cheapest = lambda do |limit:|
      found = []
      App::Catalog.each_item { |sku, price| found << [price, sku] if price <= limit }
      found.sort.map(&:last)
    end
  RUBY
  Basket: <<~RUBY
    Basket = ->(skus) { skus.sum { |sku| App::Catalog.price_of(sku) }.round(2) }
  RUBY
}.freeze

host = Kobako::Sandbox.new(timeout: 1, memory_limit: 2 << 20)
host.define(:App).bind(:Catalog, Catalog.new, doc: "the shop's catalogue")
PLUGINS.each { |name, code| host.preload(code: code, name: name) }

puts "Cheapest(limit: 5): #{host.run(:Cheapest, limit: 5).inspect}"
puts "Basket(pen pen ink): #{host.run(:Basket, %w[pen pen ink]).inspect}"
begin
  host.run(:Basket, ["gold"])
rescue Kobako::ServiceError => e
  puts "Basket(gold) failed: #{e.class}: #{e.message}"
end
begin
  host.eval("File.read('/etc/passwd')")
rescue Kobako::SandboxError => e
  puts "a plugin reaching for files: #{e.klass}"
end
puts "plugins loaded: #{host.snippet_count}"
