# CRuby's core behaviour where mruby 3.3's differs or is missing (contract R-4): methods
# a CRuby developer calls without a require, and fixes to ones that gave other answers.
# Loaded after every core gem it extends, so its definitions win.
MRuby::Gem::Specification.new("mruby-kobako-corelib") do |spec|
  spec.license = "MIT"
  spec.author = "kobako"
  spec.summary = "CRuby-compatible core methods for the kobako guest"
  %w[mruby-string-ext mruby-array-ext mruby-hash-ext mruby-numeric-ext mruby-enum-ext mruby-enumerator
     mruby-range-ext mruby-proc-ext mruby-symbol-ext mruby-object-ext mruby-kernel-ext mruby-compar-ext
     mruby-struct mruby-rational mruby-complex mruby-bigint mruby-set mruby-method mruby-enum-chain
     mruby-sprintf mruby-metaprog mruby-random mruby-data mruby-time].each do |gem|
    spec.add_dependency gem, core: gem
  end
  spec.add_dependency "mruby-kobako-regexp"
end
