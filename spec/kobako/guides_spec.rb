require "spec_helper"
require "open3"
require "rbconfig"

# Each guide in docs/guides has a runnable example (issue 17, part 6); they must run and
# show what the guide says they show.
RSpec.describe "the guides and their examples" do
  root = File.expand_path("../..", __dir__)
  expected = {
    "approvals.md" => ["examples/approvals/refunds.rb",
                       ["suspended at Payments.refund(order 1, 120.5)", "printed so far: \"order 1 comes to 120.5\\n\"",
                        "approval: done, script returned \"order 1: refunded with receipt R-1\"",
                        "refunds made: 1 (120.5 on order 1)"]],
    "code_mode.md" => ["examples/code_mode/agent.rb",
                       ["Did you mean? find", "value: 17.4", "Order 3 comes to 17.4 with tax.",
                        "error: KeyError: Shop::Orders.find raised KeyError: key not found: 9",
                        "error: FrozenError: Archive.call raised FrozenError (details withheld: the message was about host data)"]],
    "customer_formulas.md" => ["examples/formulas/pricing.rb",
                               ["acme: 108.9", "globex: 25",
                                "initech: [:error, \"NoMethodError: Ctx::Order.subtotl is not callable from the sandbox\"]",
                                "hooli: [:error, \"the script ran past its timeout of 0.2 s\"]", "compile cache: "]],
    "plugins.md" => ["examples/plugins/plugins.rb",
                     ["Cheapest(limit: 5): [\"pen\", \"pad\"]", "Basket(pen pen ink): 12.0",
                      "Basket(gold) failed: Kobako::ServiceError: App::Catalog.price_of raised KeyError",
                      "a plugin reaching for files: NameError", "plugins loaded: 2"]]
  }

  it "has a guide for every use, each linking its example" do
    expect(Dir[File.join(root, "docs/guides/*.md")].map { |f| File.basename(f) }).to match_array(expected.keys)
    expected.each do |guide, (example, _)|
      expect(File.read(File.join(root, "docs/guides", guide))).to include("(../../#{example})")
    end
  end

  # Examples that need Debian's sqlite3, whose native part is built for Debian's own Ruby.
  needs_sqlite = %w[examples/approvals/refunds.rb]

  expected.each do |guide, (example, lines)|
    it "runs #{example} (#{guide})" do
      if needs_sqlite.include?(example) && !Open3.capture3(RbConfig.ruby, "-e", 'require "sqlite3"')[2].success?
        skip "Debian's ruby-sqlite3 does not load in this Ruby (it is built for Debian's own Ruby)"
      end
      out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.join(root, "lib"), File.join(root, example))
      expect([err, status.exitstatus]).to eq(["", 0])
      lines.each { |line| expect(out).to include(line) }
    end
  end
end
