require "spec_helper"

# The README's "One Sandbox per app" example, as a Rack-style app served from 8 threads at
# once (issue 15, item 8).
RSpec.describe "One Sandbox per app (README)" do
  readme = File.read(File.expand_path("../../README.md", __dir__))
  code = readme[/<!-- readme-example: shared -->\n```ruby\n(.*?)```/m, 1] or raise "README example shared not found"

  before(:all) do
    # The example defines top-level constants; give it a module of its own.
    @example = Module.new
    @example.module_eval(code.sub(/^PriceApp\.new\.call.*\z/m, ""), "README.md")
  end

  let(:app) { @example::PriceApp.new }

  it "answers the README's request as shown" do
    shown = code[/^# => (.*)$/, 1]
    expect(app.call("account.id" => 1, "account.plan" => "pro", "formula" => "Price.call(subtotal) + 5",
                    "subtotal" => BigDecimal("100")))
      .to eq(eval(shown)) # rubocop:disable Security/Eval -- the README's own literal
  end

  it "serves 8 threads at once, each request seeing only its own account" do
    plans = %w[pro free]
    failures = Queue.new
    threads = 8.times.map do |t|
      Thread.new do
        25.times do |i|
          plan = plans[(t + i) % 2]
          amount = BigDecimal("#{10 * (t + 1) + i}.#{t}#{i}")
          id = t * 100 + i
          status, _headers, body = app.call("account.id" => id, "account.plan" => plan, "subtotal" => amount,
                                            "formula" => "Price.call(subtotal) + Ctx::Account.id * 1000")
          want = ((amount * (plan == "pro" ? BigDecimal("0.8") : 1)).round(2) + (id * 1000)).to_s("F")
          failures << [t, i, status, body, want] unless status == 200 && body == [want]
        end
      end
    end
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 120
    threads.each { |th| raise "watchdog: a request thread hung" unless th.join([deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC), 0].max) }
    expect(failures.size).to eq(0), -> { Array.new(failures.size) { failures.pop }.first(3).inspect }
  end

  it "reports a broken formula as a 422 with the script's error, and keeps serving" do
    status, _, body = app.call("account.id" => 1, "account.plan" => "gold", "formula" => "Price.call(1)")
    expect(status).to eq(422)
    expect(body.first).to start_with("Kobako::ServiceError: Pricing::Discounts.fetch raised KeyError")
    status, _, body = app.call("account.id" => 2, "account.plan" => "free", "formula" => "Price.call(")
    expect([status, body.first]).to match([422, /\AKobako::SandboxError: .*syntax error/])
    expect(app.call("account.id" => 3, "account.plan" => "free", "formula" => "Price.call(subtotal)",
                    "subtotal" => BigDecimal("2"))[2]).to eq(["2.0"])
  end
end
