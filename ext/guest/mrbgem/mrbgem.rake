# The kobako guest runtime as an mrbgem: the eval entry point, the outcome encoder,
# the captured-output IO objects and the wasm setjmp/longjmp runtime. Compiled with the
# same flags as the rest of libmruby so every object agrees on MRB_INT64/MRB_NO_BOXING.
MRuby::Gem::Specification.new("mruby-kobako") do |spec|
  spec.license = "MIT"
  spec.author = "kobako"
  spec.summary = "kobako guest runtime (eval, outcome encoding, captured output)"
  spec.add_dependency "mruby-sprintf", core: "mruby-sprintf"
  spec.add_dependency "mruby-error", core: "mruby-error"
  spec.add_dependency "mruby-random", core: "mruby-random" # src/random.c wraps its methods
  spec.cc.include_paths << "#{dir}/include"
end
