# Builds the guest module data/kobako.wasm:
#   guest:tools   cc/ar wrappers around zig (clang 22 + wasi-libc, from PyPI's ziglang)
#   guest:source  the pinned mruby source, checked against its sha256, with our fixes applied
#   guest:onig    the pinned Oniguruma source (the Regexp engine), checked against its sha256
#   guest:mruby   host mrbc + wasm32 libmruby.a (with the kobako mrbgem)
#   guest:wasm    the Rust guest crate linked with libmruby.a -> data/kobako.wasm
#   guest:check   the module imports only WASI p1, env.__kobako_dispatch and env.__kobako_compiled,
#                 and exports the ABI
require "digest"
require "etc"
require "fileutils"
require_relative "build_paths"
require_relative "wasm_inspector"
require_relative "../ext/guest/mruby_patches"

namespace :guest do
  desc "Write the zig cc/ar wrappers used as the wasm C toolchain"
  task :tools do
    zig = KobakoBuild.zig_path
    # An old Debian wasm-opt on PATH breaks clang's link step; the wrappers hide it.
    KobakoBuild.write_if_changed(File.join(KobakoBuild::TOOLS_DIR, "cc"), <<~SH)
      #!/bin/sh
      exec "#{zig}" cc "$@"
    SH
    KobakoBuild.write_if_changed(File.join(KobakoBuild::TOOLS_DIR, "ar"), <<~SH)
      #!/bin/sh
      exec "#{zig}" ar "$@"
    SH
  end

  desc "Unpack the pinned mruby #{KobakoBuild::MRUBY_VERSION} source"
  task :source do
    stamp = "#{KobakoBuild::MRUBY_SHA256} patches:#{KobakoMrubyPatches.digest}"
    KobakoBuild.unpack(KobakoBuild::TARBALL, KobakoBuild::MRUBY_SHA256, KobakoBuild::MRUBY_SRC, stamp) do
      KobakoMrubyPatches.apply(KobakoBuild::MRUBY_SRC)
    end
  end

  desc "Unpack the pinned Oniguruma #{KobakoBuild::ONIG_VERSION} source"
  task :onig do
    KobakoBuild.unpack(KobakoBuild::ONIG_TARBALL, KobakoBuild::ONIG_SHA256, KobakoBuild::ONIG_SRC, KobakoBuild::ONIG_SHA256)
  end

  desc "Build host mrbc and the wasm32 libmruby.a"
  task mruby: %i[tools source onig] do
    lib = File.join(KobakoBuild::MRUBY_LIB_DIR, "libmruby.a")
    inputs = KobakoBuild.newest_mtime([File.join(KobakoBuild::GUEST_DIR, "build_config.rb"),
                                       File.join(KobakoBuild::GUEST_DIR, "mruby_patches.rb"),
                                       File.join(KobakoBuild::GUEST_DIR, "patches", "*.rb"),
                                       File.join(KobakoBuild::GUEST_DIR, "mrbgem", "**", "*"),
                                       File.join(KobakoBuild::GUEST_DIR, "regexp", "**", "*"),
                                       File.join(KobakoBuild::GUEST_DIR, "stdlib", "**", "*"),
                                       File.join(KobakoBuild::GUEST_DIR, "corelib", "**", "*"),
                                       File.join(KobakoBuild::GUEST_DIR, "unicode", "**", "*")])
    next if File.exist?(lib) && File.exist?(KobakoBuild::HOST_MRBC) && File.mtime(lib) >= inputs

    env = {
      "MRUBY_CONFIG" => File.join(KobakoBuild::GUEST_DIR, "build_config.rb"),
      "MRUBY_BUILD_DIR" => KobakoBuild::MRUBY_BUILD,
      "KOBAKO_TOOLS_DIR" => KobakoBuild::TOOLS_DIR,
      "KOBAKO_ONIG_SRC" => KobakoBuild::ONIG_SRC,
      "PATH" => ENV.fetch("PATH").split(":").reject { |d| File.executable?(File.join(d, "wasm-opt")) }.join(":")
    }
    # mruby writes the list of gem initialisers only when the gem list changes, so a gem of
    # ours that gains its first C or Ruby file would stay out of it; always rewrite it.
    FileUtils.rm_f(File.join(KobakoBuild::MRUBY_BUILD, "wasm32-wasi", "mrbgems", "gem_init.c"))
    Dir.chdir(KobakoBuild::MRUBY_SRC) { sh env, "rake", "-j#{Etc.nprocessors}", "all" }
    FileUtils.touch(lib)
  end

  desc "Link the Rust guest crate with libmruby.a into data/kobako.wasm"
  task wasm: :mruby do
    env = KobakoBuild.cargo_env.merge("KOBAKO_MRUBY_LIB_DIR" => KobakoBuild::MRUBY_LIB_DIR)
    sh env, "cargo", "build", "--quiet", "--release", "--target", "wasm32-wasip1",
       "-p", "kobako-guest", chdir: KobakoBuild::ROOT
    built = File.join(KobakoBuild::CARGO_TARGET_DIR, "wasm32-wasip1", "release", "kobako_guest.wasm")
    FileUtils.mkdir_p(File.dirname(KobakoBuild::WASM))
    unless File.exist?(KobakoBuild::WASM) && FileUtils.identical?(built, KobakoBuild::WASM)
      FileUtils.cp(built, KobakoBuild::WASM)
    end
    Rake::Task["guest:check"].invoke
  end

  desc "Check the guest's imports and exports against the ABI (contract W-1)"
  task :check do
    KobakoBuild::WasmInspector.new(File.binread(KobakoBuild::WASM)).check_abi!
    puts "#{KobakoBuild::WASM}: #{File.size(KobakoBuild::WASM)} bytes, imports and exports match the ABI"
  end
end

desc "Build data/kobako.wasm"
task guest: "guest:wasm"
