# The benchmark suite: `bundle exec rake bench`, or `ruby -Ilib bench/run.rb [group ...]`
# to run only some groups (e.g. `snippets threads`). Loads every group file, runs its
# rows in order, prints one table and writes bench/results/<UTC timestamp>.json.
# Exits non-zero only when a benchmark crashed or a baseline could not be measured;
# a missed target is reported, not failed.
$stdout.sync = true # keep the table after the progress lines when both go to one terminal
require "kobako"

support = File.join(__dir__, "support")
%w[stats timing rss subprocess registry scripts table report].each { |f| require File.join(support, f) }

# One file per group; the order here is the order of the table.
GROUPS = %w[invocations fuel services values api formulas snippets sessions startup memory threads stdlib compute curves baselines].freeze

wanted = ARGV.empty? ? GROUPS : ARGV
unknown = wanted - GROUPS
abort "unknown group(s): #{unknown.join(', ')} (known: #{GROUPS.join(', ')})" unless unknown.empty?
wanted.each { |name| require File.join(__dir__, name) }

started_at = Time.now
$stderr.puts "kobako #{Kobako::VERSION} benchmarks (#{wanted.join(', ')})"
results = Bench.run(Bench::ENTRIES)
$stderr.puts format("done in %.1f s", Time.now - started_at)

puts
Bench::Table.print(results)
path = Bench::Report.write(results, started_at: started_at)
puts "results: #{path}"

failed = results.values.reject { |r| %i[ok na].include?(r.status) }
unless failed.empty?
  warn "\n#{failed.size} benchmark(s) crashed or lack a baseline: #{failed.map { |r| r.entry.key }.join(', ')}"
  warn "install the mruby baseline with bin/setup" if failed.any? { |r| r.status == :missing }
  exit 1
end
