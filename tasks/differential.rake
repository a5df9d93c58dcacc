# `rake differential`: runs the differential corpora (spec/differential/) in the sandbox and
# in this CRuby and prints the agreement per group with every disagreement, the figures
# docs/compatibility.md records. The specs assert the thresholds; this shows the detail.
desc "Print the sandbox-vs-CRuby agreement of the differential corpora"
task :differential do
  ruby "-Ilib", "-e", <<~RUBY
    require "kobako"
    require_relative "spec/support/differential"
    Dir["spec/differential/*_cases.rb"].sort.each { |f| require_relative f }
    corpora = [RegexpCases].select { |c| defined?(c) }
    cases = corpora.flat_map(&:cases)
    sandbox = Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20)
    puts "CRuby \#{RUBY_VERSION}, \#{cases.size} cases"
    puts Differential.report(Differential.run(cases, sandbox))
  RUBY
end
