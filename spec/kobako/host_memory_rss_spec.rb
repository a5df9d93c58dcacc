require "spec_helper"
require "json"
require "open3"
require "rbconfig"
require_relative "../support/host_memory_probe"

# Contract X-2 measured: each worst case runs in a fresh process (spec/support/
# host_memory_probe.rb) and the growth of its resident memory must stay under the budget
# docs/performance.md documents ("Host memory"): what kobako keeps after an invocation, and
# what it holds at the peak of one, besides the guest's own linear memory (memory_limit) and
# the pages of it wasmtime keeps resident for the next invocation.
RSpec.describe Kobako::Sandbox, "host memory budget, measured (X-2)" do
  mib = 1 << 20
  # The documented budget (docs/performance.md, "Host memory"), with the default options.
  retained_budget = 64 * mib
  peak_budget = 128 * mib
  keep_resident = 16 * mib # the engine's KEEP_RESIDENT pages of guest memory

  def probe(name)
    lib = File.expand_path("../../lib", __dir__)
    script = File.expand_path("../support/host_memory_probe.rb", __dir__)
    # A fixed mmap threshold: large blocks go back to the system when freed, so the
    # resident growth after the invocation is what is still held.
    env = { "MALLOC_MMAP_THRESHOLD_" => "131072", "MALLOC_TRIM_THRESHOLD_" => "131072" }
    out, err, status = Open3.capture3(env, RbConfig.ruby, "-I#{lib}", script, name)
    raise "probe #{name} failed: #{err}" unless status.success?

    JSON.parse(out, symbolize_names: true)
  end

  HostMemoryProbe::CASES.each_key do |name|
    it "#{name}: resident memory grows less than the documented budget" do
      result = probe(name)
      guest = result[:memory_limit] || Kobako::Sandbox::DEFAULT_MEMORY_LIMIT
      expect(result[:retained]).to be < retained_budget + keep_resident,
                                   "#{name} kept #{result[:retained] / mib.to_f} MiB (#{result.inspect})"
      expect(result[:peak]).to be < peak_budget + guest + keep_resident,
                               "#{name} peaked at #{result[:peak] / mib.to_f} MiB (#{result.inspect})"
    end
  end
end
