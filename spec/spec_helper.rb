require "kobako"

unless File.exist?(Kobako::Sandbox::DEFAULT_WASM_PATH)
  abort "data/kobako.wasm is missing: run bin/setup (or `rake build`) before the specs"
end

# GC.verify_compaction_references grows the heap with double_heap: on Ruby 3.1 and
# expand_heap: from 3.2 (where double_heap is deprecated).
VERIFY_COMPACTION_GROWTH = (RUBY_VERSION >= "3.2" ? { expand_heap: true } : { double_heap: true }).freeze

RSpec.configure do |config|
  config.expect_with(:rspec) { |c| c.syntax = :expect }
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand config.seed
end
