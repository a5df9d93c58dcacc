# Unicode case mapping for String#upcase/downcase/capitalize/swapcase (and ! forms,
# casecmp?), as CRuby does by default (full mapping from UnicodeData.txt and
# SpecialCasing.txt of the pinned Unicode data).
MRuby::Gem::Specification.new("mruby-kobako-unicode") do |spec|
  spec.license = "MIT"
  spec.author = "kobako"
  spec.summary = "Unicode case mapping for the kobako guest"
  spec.add_dependency "mruby-string-ext", core: "mruby-string-ext"
end
