require "spec_helper"

# The extension's files import downwards only (docs/architecture.md "Layers"): state types
# at the bottom, the code that drives a call on top, and no import running back up.
RSpec.describe "the native extension's layers" do
  src = File.expand_path("../../ext/kobako/src", __dir__)
  imports = Dir[File.join(src, "*.rs")].to_h do |file|
    text = File.read(file).gsub(%r{^\s*//.*$}, "")
    names = text.scan(/crate::(\w+)/).flatten
    text.scan(/use crate::\{([^}]*)\}/).each { |(list)| names.concat(list.scan(/\b([a-z_]+)\b/).flatten) }
    own = File.basename(file, ".rs")
    [own, (names.uniq - [own, "self"]).select { |n| File.exist?(File.join(src, "#{n}.rs")) }.sort]
  end

  # The length of the longest import chain below each file (its layer).
  def layers_of(imports)
    depth = {}
    visit = lambda do |file, trail|
      raise "import cycle: #{(trail + [file]).join(' -> ')}" if trail.include?(file)

      depth[file] ||= (imports.fetch(file).map { |dep| visit.call(dep, trail + [file]) }.max || -1) + 1
    end
    imports.each_key { |file| visit.call(file, []) }
    depth
  end

  it "has no import cycle" do
    expect { layers_of(imports) }.not_to raise_error
  end

  it "keeps the store's state and the faults below every host function and driver" do
    layers = layers_of(imports)
    %w[faults store_state].each do |low|
      %w[wasi dispatch compile_cache guest_module preinit prepared_image instance invocation session driver runtime].each do |high|
        expect(layers.fetch(low)).to be < layers.fetch(high), "#{low} should sit below #{high}"
      end
    end
    expect(imports.fetch("store_state")).to all(satisfy { |dep| layers.fetch(dep) < layers.fetch("store_state") })
    expect(imports.select { |_, deps| deps.include?("invocation") }.keys).to match_array(%w[runtime session])
  end
end
