# A code-mode agent loop with a scripted stand-in for the language model (no network, the
# same every run): the model is shown the Sandbox's API reference and a task, writes a
# script, gets a tool result back, repairs its script from the error, and answers.
#
#   ruby -Ilib examples/code_mode/agent.rb
require "kobako"
require "kobako/code_mode"

# The application's side: what scripts may reach.
class Orders
  include Kobako::Exposable
  expose_to_sandbox :find, :list

  ROWS = {
    3 => { "id" => 3, "customer" => "ann", "lines" => [{ "sku" => "pen", "qty" => 3, "price" => 2.5 },
                                                       { "sku" => "ink", "qty" => 1, "price" => 7.0 }] },
    4 => { "id" => 4, "customer" => "bo", "lines" => [{ "sku" => "pad", "qty" => 2, "price" => 4.0 }] }
  }.freeze

  def find(id) = ROWS.fetch(id)
  def list(customer: nil) = ROWS.values.select { |o| customer.nil? || o["customer"] == customer }.map { |o| o["id"] }
end

sandbox = Kobako::Sandbox.new(timeout: 2, memory_limit: 4 << 20)
sandbox.define(:Shop).bind(:Orders, Orders.new, doc: "Orders by id; lines have sku, qty and price")
sandbox.bind(:TaxRate, -> { 0.2 }, doc: "The tax rate, a Float")

# The stand-in model: its first script has a mistake; it reads the tool result and fixes
# the name the result points at (as a model would), then answers from the value.
class ScriptedModel
  FIRST_SCRIPT = <<~RUBY.freeze
    order = Shop::Orders.fnd(3)
    net = order["lines"].sum { |l| l["qty"] * l["price"] }
    (net * (1 + TaxRate.call)).round(2)
  RUBY

  def next_turn(messages)
    last = messages.last
    return { script: FIRST_SCRIPT } if last[:role] == "user"

    result = last[:content]
    if result.start_with?("ok")
      { answer: "Order 3 comes to #{result[/^value: (.*)$/, 1]} with tax." }
    elsif (wrong = result[/`(\w+)' is not callable|\.(\w+) is not callable/, 2]) && (right = result[/Did you mean\? (\w+)/, 1])
      { script: messages.reverse.find { |m| m[:role] == "assistant" }[:content].gsub(/\b#{wrong}\b/, right) }
    else
      { answer: "I could not do it: #{result.lines.first.strip}" }
    end
  end
end

# What a model reads about a Service's failure is what the script could read (contract
# X-1): Ruby's words when every part of them came from the script (the key it asked
# for), and never Ruby's text about host data: merging into the frozen ROWS would quote
# the whole Hash, so kobako names the call and the class instead.
puts "== a missing order", Kobako::CodeMode.run(sandbox, "Shop::Orders.find(9)").to_s.lines.first
sandbox2 = Kobako::Sandbox.new(timeout: 2)
sandbox2.bind(:Archive, ->(id) { Orders::ROWS.merge!(id => {}) }, doc: "Archives an order")
puts "== a host error", Kobako::CodeMode.run(sandbox2, "Archive.call(3)").to_s.lines.first

reference = sandbox.api_reference
puts "== API reference (#{reference.length / 4} tokens, at 4 characters each)", reference
messages = [{ role: "system", content: reference }, { role: "user", content: "What does order 3 cost with tax?" }]
model = ScriptedModel.new
answer = nil
5.times do |turn|
  step = model.next_turn(messages)
  if (answer = step[:answer])
    puts "== answer", answer
    break
  end
  result = Kobako::CodeMode.run(sandbox, step[:script])
  puts "== script #{turn + 1}", step[:script], "== tool result", result.to_s
  messages << { role: "assistant", content: step[:script] } << { role: "tool", content: result.to_s }
end

exit(answer&.start_with?("Order 3") ? 0 : 1)
