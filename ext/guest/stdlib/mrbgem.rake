# The parts of CRuby's standard library a sandboxed script reaches for (contract R-5):
# require, json, date, time, base64, csv, bigdecimal, securerandom. They are loaded when
# the interpreter opens (so the pre-initialised image holds them and `require` costs
# nothing); `require` answers as CRuby does and refuses everything else.
MRuby::Gem::Specification.new("mruby-kobako-stdlib") do |spec|
  spec.license = "MIT"
  spec.author = "kobako"
  spec.summary = "require, JSON, Date, Time formatting, Base64, CSV, BigDecimal for the kobako guest"
  %w[mruby-string-ext mruby-array-ext mruby-hash-ext mruby-numeric-ext mruby-enum-ext mruby-time mruby-pack
     mruby-random mruby-struct mruby-rational mruby-bigint mruby-sprintf mruby-set mruby-kernel-ext].each do |gem|
    spec.add_dependency gem, core: gem
  end
  spec.add_dependency "mruby-kobako-regexp"
end
