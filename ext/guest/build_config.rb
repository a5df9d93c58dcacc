# mruby build configuration for the kobako guest (used by `rake guest:mruby`).
#
# Two builds: a host `mrbc` (native gcc; compiles mrblib and users' snippets to RITE
# bytecode) and the wasm32-wasi libmruby.a that the Rust guest crate links.
# KOBAKO_TOOLS_DIR holds the `cc`/`ar` wrappers around zig (see Rakefile).
tools = ENV.fetch("KOBAKO_TOOLS_DIR") { raise "KOBAKO_TOOLS_DIR is not set (run through `rake guest:mruby`)" }

# Defines that change the C ABI of mrb_value: every C file and the Rust crate must agree.
KOBAKO_MRUBY_DEFINES = %w[MRB_INT64 MRB_NO_BOXING MRB_UTF8_STRING].freeze

MRuby::Build.new do |conf|
  conf.toolchain :gcc
  conf.defines += KOBAKO_MRUBY_DEFINES
  conf.build_mrbc_exec
  conf.disable_libmruby
  conf.disable_presym
end

MRuby::CrossBuild.new("wasm32-wasi") do |conf|
  conf.toolchain :clang

  wasm_flags = %w[
    -target wasm32-wasi -mcpu=generic+exception_handling
    -mllvm -wasm-enable-sjlj -mllvm -wasm-use-legacy-eh=false
  ]
  conf.cc.command = File.join(tools, "cc")
  conf.cc.flags = wasm_flags + %w[-O2 -g0]
  conf.cc.defines += KOBAKO_MRUBY_DEFINES
  # mruby's non-Linux defaults cap Strings at 1 MiB and Arrays at 128 Ki elements;
  # the sandbox's memory_limit is the cap that should decide, so lift them.
  conf.cc.defines += %w[MRB_STR_LENGTH_MAX=0 MRB_ARY_LENGTH_MAX=0]
  conf.linker.command = File.join(tools, "cc")
  conf.linker.flags = wasm_flags
  conf.archiver.command = File.join(tools, "ar")

  # Contract R-1: the core gems a script author expects, nothing that reaches files,
  # sockets, processes or sleep. Time and Random read the host's frozen clock and fixed
  # seed (R-2), so they are hermetic.
  %w[
    mruby-compiler mruby-error
    mruby-array-ext mruby-hash-ext mruby-string-ext mruby-numeric-ext mruby-enum-ext
    mruby-range-ext mruby-proc-ext mruby-symbol-ext mruby-object-ext mruby-kernel-ext
    mruby-compar-ext mruby-class-ext mruby-toplevel-ext
    mruby-sprintf mruby-metaprog mruby-struct mruby-math mruby-pack mruby-enumerator
    mruby-enum-lazy mruby-set mruby-data mruby-catch mruby-rational mruby-complex mruby-bigint
    mruby-time mruby-random
    mruby-method mruby-eval mruby-binding mruby-enum-chain mruby-proc-binding
  ].each { |name| conf.gem core: name }
  conf.gem File.expand_path("mrbgem", __dir__)
  conf.gem File.expand_path("regexp", __dir__)
  conf.gem File.expand_path("stdlib", __dir__)
  conf.gem File.expand_path("corelib", __dir__)
  conf.gem File.expand_path("unicode", __dir__)
end
