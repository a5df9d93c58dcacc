# A Sidekiq worker process that evaluates kobako jobs:
#
#   REDIS_URL=redis://127.0.0.1:6379/0 sidekiq -r ./examples/sidekiq/worker.rb -c 5
#
# Jobs price an item: the script reads the item, filled per job from its id.
require_relative "../../lib/kobako/sidekiq"

Item = Struct.new(:id, :price, :qty)
ITEMS = Array.new(50) { |i| Item.new(i, (i % 7) + 1, (i % 5) + 1) }.freeze

Kobako::Sidekiq.configure do |c|
  c.sandbox do
    Kobako::Sandbox.new(timeout: 1, memory_limit: 2 << 20, gvl: :release).tap do |s|
      s.slot("Ctx::Item", methods: %i[price qty], doc: "the item being priced")
    end
  end
  c.binding("Ctx::Item") { |id| ITEMS.fetch(Integer(id)) }
  c.max_script_bytes = 4096
  c.max_result_bytes = 64 << 10
end
