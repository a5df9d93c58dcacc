require "spec_helper"
require "json"
require "open3"
require "rbconfig"

# Sessions behave like irb: each step is evaluated in CRuby against one binding
# (TOPLEVEL_BINDING, in a fresh process) and in a kobako session, and every step's value
# (as inspect) or exception class must match. Steps end in values that cross the
# boundary (an object of the script's own class, or a lambda, would not).
RSpec.describe "sessions, differentially against CRuby" do
  sequences = {
    "locals build on each other" => ["total = 0", "prices = [3, 4, 5]", "prices.each { |p| total += p }", "total",
                                     "total += 1", "[total, prices.size]"],
    "methods, classes and constants stay" => ["def tax(x) = (x * 1.1).round(2)", "RATE = 3",
                                              "class Cart; def initialize = @items = []; def add(i) = @items << i; def size = @items.size; end",
                                              "cart = Cart.new; nil", "cart.add(1); cart.add(2); cart.size", "tax(RATE * 10)"],
    "a raised step keeps what it assigned" => ["a = 1", "b = 2; raise ArgumentError, 'no'", "[a, b]",
                                               "Integer('x') rescue :bad", "c = [a, b].sum"],
    "globals, requires and blocks" => ["require 'base64'; Base64.strict_encode64('ok')", "$count = 0", "3.times { $count += 1 }",
                                       "Base64.strict_encode64($count.to_s)", "words = %w[b a c].sort", "words.map(&:upcase)"],
    "a closure sees the value its local had" => ["x = 10", "f = -> { x * 2 }; nil", "f.call", "y = f.call + 1"],
    "names become defined" => ["defined?(z)", "z = 5", "defined?(z)", "local_variables.include?(:z)"]
  }

  cruby = <<~RUBY
    require "json"
    steps = JSON.parse(STDIN.read)
    out = steps.map do |step|
      begin
        ["ok", eval(step, TOPLEVEL_BINDING).inspect]
      rescue StandardError => e
        ["error", e.class.name]
      end
    end
    print JSON.generate(out)
  RUBY

  sequences.each do |name, steps|
    it name do
      out, err, status = Open3.capture3(RbConfig.ruby, "-e", cruby, stdin_data: JSON.generate(steps))
      expect([err, status.success?]).to eq(["", true])
      expected = JSON.parse(out)
      session = Kobako::Sandbox.new.session
      got = steps.map do |step|
        execution = session.execute(step)
        execution.error ? ["error", execution.error.klass] : ["ok", execution.value.inspect]
      end
      expect(got).to eq(expected)
    end
  end
end
