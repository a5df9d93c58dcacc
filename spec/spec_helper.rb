require "kobako"

unless File.exist?(Kobako::Sandbox::DEFAULT_WASM_PATH)
  abort "data/kobako.wasm is missing: run bin/setup (or `rake build`) before the specs"
end

RSpec.configure do |config|
  config.expect_with(:rspec) { |c| c.syntax = :expect }
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand config.seed
end
