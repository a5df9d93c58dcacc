# Writes a plain Makefile that builds the Rust extension with cargo. Works under
# `gem install` and rake-compiler (which runs this from tmp/): every path hangs off __dir__.
require "rbconfig"

manifest = File.expand_path("Cargo.toml", __dir__)
target_dir = ENV["CARGO_TARGET_DIR"] || File.expand_path("../../target", __dir__)
dlext = RbConfig::CONFIG["DLEXT"]
built = File.join(target_dir, "release", "libkobako.so")
clean_target = ENV["CARGO_TARGET_DIR"] ? "" : "rm -rf #{target_dir}"

File.write("Makefile", <<~MAKE)
  RUBY = #{RbConfig.ruby}
  CARGO_TARGET_DIR = #{target_dir}
  sitearchdir = #{RbConfig::CONFIG['sitearchdir']}
  target_prefix = /kobako
  DESTDIR =

  all: kobako.#{dlext}

  kobako.#{dlext}: FORCE
  \tRUBY=$(RUBY) CARGO_TARGET_DIR=$(CARGO_TARGET_DIR) cargo build --release --manifest-path #{manifest}
  \tcp #{built} kobako.#{dlext}

  install: all
  \tmkdir -p $(DESTDIR)$(sitearchdir)$(target_prefix)
  \tcp kobako.#{dlext} $(DESTDIR)$(sitearchdir)$(target_prefix)/kobako.#{dlext}
  \t#{clean_target}

  clean:
  \trm -f kobako.#{dlext}

  FORCE:
  .PHONY: all install clean FORCE
MAKE
