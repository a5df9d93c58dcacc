require "spec_helper"
require_relative "../../tasks/wasm_inspector"
require_relative "../support/hostile_guest"

# The build's import/export check (rake guest:check, contract W-1).
RSpec.describe KobakoBuild::WasmInspector do
  it "accepts the real guest and lists only WASI imports" do
    inspector = described_class.new(File.binread(Kobako::Sandbox::DEFAULT_WASM_PATH))
    expect(inspector.check_abi!).to be(true)
    expect(inspector.imports.map(&:module_name).uniq - ["env"]).to eq(["wasi_snapshot_preview1"])
    expect(inspector.imports.select { |i| i.module_name == "env" }.map(&:name) - %w[__kobako_dispatch __kobako_compiled]).to be_empty
  end

  it "accepts the dispatch import" do
    bytes = HostileGuest.build(imports: ["__kobako_dispatch", "fd_write"])
    expect(described_class.new(bytes).check_abi!).to be(true)
  end

  it "fails on any other import, naming it" do
    bytes = HostileGuest.build(imports: ["socket_open"])
    expect { described_class.new(bytes).check_abi! }.to raise_error(RuntimeError, /forbidden imports.*evil_host\.socket_open/)
  end

  it "fails when an ABI export is missing" do
    bytes = HostileGuest.build.sub("__kobako_run".b, "__kobako_ru_".b)
    expect { described_class.new(bytes).check_abi! }.to raise_error(RuntimeError, /does not export func __kobako_run/)
  end

  it "refuses bytes that are not a wasm module" do
    expect { described_class.new("nope") }.to raise_error(RuntimeError, /not a wasm module/)
  end
end
