# Queues COUNT pricing jobs and prints their keys (one per line), for the spec:
#
#   REDIS_URL=... ruby examples/sidekiq/enqueue.rb 1000
require_relative "../../lib/kobako/sidekiq"

count = Integer(ARGV.fetch(0, "10"))
count.times do |i|
  key = Kobako::Sidekiq.enqueue("Ctx::Item.price * Ctx::Item.qty + #{i}", bindings: { "Ctx::Item" => i % 50 }, key: "job-#{i}")
  puts key
end
