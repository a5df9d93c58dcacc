# Compiling Ruby to RITE bytecode for Sandbox#preload(binary:). The bytecode must come from
# the mrbc of the mruby version the guest runs (3.3.0), which `rake guest` builds.
namespace :kobako do
  desc "Compile Ruby to bytecode for preload(binary:): rake kobako:mrbc[in.rb,out.mrb] (DEBUG=1 keeps line numbers)"
  task :mrbc, %i[input output] => "guest:mruby" do |_, args|
    input = args[:input] or abort "usage: rake kobako:mrbc[input.rb,output.mrb]"
    output = args[:output] || input.sub(/\.rb\z/, "") + ".mrb"
    flags = ENV["DEBUG"] == "1" ? ["-g"] : []
    sh KobakoBuild::HOST_MRBC, *flags, "-o", output, input
  end

  desc "Print the path of the bundled mruby's mrbc"
  task mrbc_path: "guest:mruby" do
    puts KobakoBuild::HOST_MRBC
  end

  desc "Regenerate the bytecode fixtures in spec/fixtures/bytecode"
  task fixtures: "guest:mruby" do
    sh RbConfig.ruby, File.join(KobakoBuild::ROOT, "spec", "fixtures", "bytecode", "generate.rb"), KobakoBuild::HOST_MRBC
  end
end
