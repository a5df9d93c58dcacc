# Unicode case mapping for String#upcase/downcase/capitalize/swapcase (and ! forms,
# casecmp, casecmp?) and the same on Symbol, as CRuby does by default (full mapping from
# UnicodeData.txt, SpecialCasing.txt and CaseFolding.txt of Debian's unicode-data), and
# String#unicode_normalize/unicode_normalize!/unicode_normalized? (UnicodeData.txt,
# CompositionExclusions.txt, DerivedNormalizationProps.txt).
# The tables are generated into build_dir at build time (tables.rb); they are never
# committed.
require_relative "tables"

MRuby::Gem::Specification.new("mruby-kobako-unicode") do |spec|
  spec.license = "MIT"
  spec.author = "kobako"
  spec.summary = "Unicode case mapping for the kobako guest"
  spec.add_dependency "mruby-string-ext", core: "mruby-string-ext"
  spec.add_dependency "mruby-symbol-ext", core: "mruby-symbol-ext"

  KobakoUnicodeTables.check_inputs!
  { "kobako_casemap_tables.c" => :casemap_c, "kobako_normalize_tables.c" => :normalize_c }.each do |name, generator|
    generated = "#{build_dir}/#{name}"
    file generated => KobakoUnicodeTables.inputs + ["#{dir}/tables.rb", __FILE__] do
      mkdir_p File.dirname(generated)
      File.write(generated, KobakoUnicodeTables.public_send(generator))
    end
    spec.objs << objfile(generated.pathmap("%X"))
  end
end
