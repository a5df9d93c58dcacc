require_relative "lib/kobako/version"

Gem::Specification.new do |spec|
  spec.name = "kobako"
  spec.version = Kobako::VERSION
  spec.summary = "Run untrusted Ruby (mruby on WebAssembly) safely inside a Ruby process"
  spec.description = "kobako evaluates untrusted Ruby code in an mruby interpreter compiled to " \
                     "WebAssembly and hosted by wasmtime, with caps on time, memory and output."
  spec.authors = ["kobako developers"]
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.1"
  spec.files = Dir["lib/**/*.rb", "sig/**/*.rbs", "ext/kobako/**/*.{rb,rs,toml}", "data/kobako.wasm",
                   # the guest crate is a member of the cargo workspace, so it ships too
                   "ext/guest/**/*.{rb,rs,toml,rake,c,h}", "ext/guest/build.rs",
                   "Cargo.toml", "Cargo.lock", "README.md", "SECURITY.md", "CHANGELOG.md", "docs/**/*.md", "exe/*"]
  spec.bindir = "exe"
  spec.executables = ["kobako"]
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/kobako/extconf.rb"]
end
