# A script asks for a refund; a person approves it hours later; a job in another process
# continues the script from where it stopped, and the refund happens exactly once.
# Run with `ruby -Ilib examples/approvals/refunds.rb` (docs/guides/approvals.md).
require "kobako"
require "active_record"
require "active_job"
require "global_id"
require "tmpdir"

DB = File.join(Dir.mktmpdir("kobako-approvals"), "shop.sqlite3")
ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: DB)
ActiveRecord::Migration.verbose = false
ActiveRecord::Schema.define do
  create_table(:orders) { |t| t.decimal :total, precision: 10, scale: 2 }
  # One row per suspended run: the stored run, its stable id, and where it stands.
  create_table(:approvals) do |t|
    t.string :suspension_id, null: false, index: { unique: true }
    t.binary :run, null: false
    t.string :summary
    t.string :status, null: false, default: "pending"
    t.string :outcome
  end
  # The refunds made: the suspension id is unique, so a refund is made once however
  # often the job runs.
  create_table(:refunds) do |t|
    t.string :suspension_id, null: false, index: { unique: true }
    t.integer :order_id
    t.decimal :amount, precision: 10, scale: 2
  end
end
GlobalID.app = "shop"

class Order < ActiveRecord::Base
  include GlobalID::Identification
end

class Approval < ActiveRecord::Base; end
class Refund < ActiveRecord::Base; end

# What scripts may call. `refund` suspends the run instead of being called: the person
# approving decides, and the job makes the refund.
class Shop
  def order(id) = Order.find(id)
end

class Payments
  def refund(order, amount) = raise("never called by a script: refund suspends")
end

def sandbox
  box = Kobako::Sandbox.new(timeout: 2)
  box.expose(Order, :id, :total)
  box.bind("Shop", Shop.new, methods: %i[order])
  box.bind("Payments", Payments.new, methods: %i[refund], suspend: %i[refund])
  box
end

SCRIPT = <<~RUBY.freeze
  order = Shop.order(1)
  puts "order \#{order.id} comes to \#{order.total.to_s('F')}"
  receipt = Payments.refund(order, order.total)
  "order \#{order.id}: refunded with receipt \#{receipt}"
RUBY

# The job: claims the approval (one worker wins), makes the refund under the suspension
# id (unique), and resumes the run with the receipt.
class ResumeRefundJob < ActiveJob::Base
  def perform(approval_id)
    claimed = Approval.where(id: approval_id, status: "approved").update_all(status: "resuming")
    return if claimed.zero? # another run of this job got there first

    approval = Approval.find(approval_id)
    box = sandbox
    call = box.load_execution(approval.run).pending_call
    refund = Refund.create!(suspension_id: approval.suspension_id, order_id: call.args[0].id, amount: call.args[1])
    resumed = box.resume(approval.run, value: "R-#{refund.id}")
    approval.update!(status: "done", outcome: resumed.value)
  end
end

ActiveJob::Base.queue_adapter = :test
ActiveJob::Base.logger = Logger.new(nil)

# 1. The app runs the script; it stops at Payments.refund and is stored.
Order.create!(total: BigDecimal("120.50"))
execution = sandbox.execute(SCRIPT)
call = execution.pending_call
puts "suspended at #{call.target}.#{call.method_name}(order #{call.args[0].id}, #{call.args[1].to_s('F')})"
puts "printed so far: #{execution.stdout.inspect}"
approval = Approval.create!(suspension_id: call.id, run: execution.dump,
                            summary: "refund #{call.args[1].to_s('F')} on order #{call.args[0].id}")

# 2. Hours later a person approves, and the app enqueues the job (twice, by mistake).
approval.update!(status: "approved")
2.times { ResumeRefundJob.perform_later(approval.id) }

# 3. A worker process runs the jobs: a fresh process, a fresh Sandbox, the run read back
#    from the database.
jobs = ActiveJob::Base.queue_adapter.enqueued_jobs.map { |job| job.except(:job) }
worker = fork do
  ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: DB)
  jobs.each { |job| ActiveJob::Base.execute(job.transform_keys(&:to_s)) }
end
Process.wait(worker)
raise "the worker failed" unless $?.success?

approval.reload
puts "approval: #{approval.status}, script returned #{approval.outcome.inspect}"
puts "refunds made: #{Refund.count} (#{Refund.first.amount.to_s('F')} on order #{Refund.first.order_id})"
