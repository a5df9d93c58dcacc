require "spec_helper"
require_relative "../support/method_coverage"

# The method-coverage sweep (contract R-4): every public method CRuby's core classes define
# (instance and singleton, as the running host's CRuby lists them) exists in the guest, or
# is listed with its reason in spec/method_coverage/intentionally_absent.yml. The figures
# are in docs/compatibility.md; `bundle exec ruby -Ilib spec/support/method_coverage.rb`
# prints them.
RSpec.describe "method coverage against CRuby" do
  let(:sandbox) { Kobako::Sandbox.new(timeout: 30, memory_limit: 64 << 20) }

  it "lists CRuby's methods for every swept class" do
    lists = MethodCoverage.host_lists
    expect(lists.keys).to eq(MethodCoverage::CLASSES)
    expect(lists["String"][0]).to include("upcase", "scan")
    expect(lists["Kernel"][1]).to include("format", "Integer")
  end

  it "finds every CRuby method in the guest or in the intentionally-absent list" do
    missing = MethodCoverage.guest_missing(sandbox).values.flatten
    unlisted = missing.reject { |m| MethodCoverage.absent.key?(m) }
    expect(unlisted).to be_empty,
                        "#{unlisted.size} CRuby #{RUBY_VERSION} methods are missing in the guest " \
                        "(implement them, or list them with a reason): #{unlisted.join(' ')}"
  end

  it "lists only methods that are really absent" do
    stale = MethodCoverage.stale_absent(sandbox)
    expect(stale).to be_empty, "listed as absent but present in the guest (remove them from the list): #{stale.join(' ')}"
  end

  it "gives every absent method a reason and a class the sweep covers" do
    MethodCoverage.absent.each do |name, reason|
      expect(name).to match(/\A(?:#{MethodCoverage::CLASSES.map { |c| Regexp.escape(c) }.join('|')})[#.]\S+\z/)
      expect(reason).to be_a(String).and(satisfy { |r| !r.strip.empty? })
    end
  end
end
