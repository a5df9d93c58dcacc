require "spec_helper"
require_relative "../support/mruby_own_tests"

# mruby 3.3.0's own test suite (test/t/*.rb and the tests of every gem the guest ships),
# each file in a fresh invocation, against the checked-in list of expected failures.
# A failure not on the list fails this spec, and so does a listed failure that now passes.
RSpec.describe "mruby's own test suite in the sandbox" do
  before(:all) do
    unless File.exist?(File.join(MrubyOwnTests::SRC, "test", "assert.rb"))
      raise "#{MrubyOwnTests::SRC} is missing: run `bundle exec rake guest` first"
    end

    @results = MrubyOwnTests.run_all
    @expected = MrubyOwnTests.expected_failures
  end

  after(:all) do
    next unless @results

    totals = MrubyOwnTests.totals(@results)
    line = totals.map { |k, (pass, total)| format("%s %d/%d (%.1f%%)", k, pass, total, 100.0 * pass / total) }
    listed = @expected.values.sum(&:size)
    RSpec.configuration.reporter.message("mruby's own tests: #{line.join(', ')}; #{listed} expected failures")
  end

  def describe_result(result)
    "#{result.file}: #{result.title.dump} (#{result.status})\n#{result.message.to_s.gsub(/^/, '    ')}"
  end

  it "runs every test file of the core and of each shipped gem" do
    files = @results.map(&:file).uniq
    expect(files).to include("test/t/string.rb", "mrbgems/mruby-struct/test/struct.rb")
    # (test/t/regexperror.rb has its only assert commented out)
    with_asserts = MrubyOwnTests.test_files.map(&:first).select do |f|
      File.binread(File.join(MrubyOwnTests::SRC, f)).match?(/^\s*assert[\s(]/n)
    end
    expect(files).to match_array(with_asserts)
    expect(@results.size).to be > 1000
  end

  it "has no failure that the expected-failure list does not explain" do
    unexpected = @results.reject { |r| r.passed? || @expected.dig(r.file, r.title) }
    expect(unexpected.map { |r| describe_result(r) }).to eq([])
  end

  it "lists only failures that still happen (a fixed one must leave the list)" do
    failing = @results.reject(&:passed?).to_h { |r| [[r.file, r.title], true] }
    stale = @expected.flat_map { |file, titles| titles.keys.map { |t| [file, t] } }.reject { |key| failing[key] }
    expect(stale.map { |file, title| "#{file}: #{title.dump}" }).to eq([])
  end

  it "gives every expected failure a reason of a known category" do
    vague = @expected.flat_map do |file, titles|
      titles.reject { |_, reason| reason.is_a?(String) && MrubyOwnTests.reason_category(reason) }
            .map { |title, reason| "#{file}: #{title.dump} => #{reason.inspect}" }
    end
    expect(vague).to eq([])
  end
end
