# Prints the agreement of every differential corpus (spec/differential/*_cases.rb) between
# the sandbox and this CRuby, with each disagreement. Run by `rake differential`.
require "kobako"
require_relative "../support/differential"
Dir[File.join(__dir__, "*_cases.rb")].sort.each { |f| require f }

corpora = Object.constants.grep(/Cases\z|\ARealisticScripts\z/).map { |c| Object.const_get(c) }.select { |c| c.respond_to?(:cases) }
cases = corpora.flat_map(&:cases)
sandbox = Kobako::Sandbox.new(timeout: 5, memory_limit: 32 << 20)
puts "CRuby #{RUBY_VERSION}, #{cases.size} cases"
puts Differential.report(Differential.run(cases, sandbox))
