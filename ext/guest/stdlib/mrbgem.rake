# The parts of CRuby's standard library a sandboxed script reaches for (contract R-5):
# require, json, date, time, base64, csv, bigdecimal, securerandom. mrblib/ is what CRuby
# has without a require (Kernel#require, Time#strftime, ...); each file in lib/ is
# compiled to bytecode at build time and run by `require`, so, as in CRuby, JSON or Date
# exist only once required.
MRuby::Gem::Specification.new("mruby-kobako-stdlib") do |spec|
  spec.license = "MIT"
  spec.author = "kobako"
  spec.summary = "require, JSON, Date, Time formatting, Base64, CSV, BigDecimal for the kobako guest"
  %w[mruby-string-ext mruby-array-ext mruby-hash-ext mruby-numeric-ext mruby-enum-ext mruby-time mruby-pack
     mruby-random mruby-struct mruby-rational mruby-bigint mruby-sprintf mruby-set mruby-kernel-ext].each do |gem|
    spec.add_dependency gem, core: gem
  end
  spec.add_dependency "mruby-kobako-regexp"

  # lib/*.rb -> one generated C file holding each library's RITE bytecode and a table the
  # loader (src/stdlib.c) looks names up in.
  libs = Dir["#{dir}/lib/*.rb"].sort
  generated = "#{build_dir}/kobako_libraries.c"
  file generated => libs + [build.mrbcfile, __FILE__] do
    mkdir_p File.dirname(generated)
    File.open(generated, "w") do |f|
      f.puts "/* Generated from #{dir}/lib by mrbgem.rake: the guest's standard library as bytecode. */"
      f.puts "#include <stdint.h>"
      f.puts "#include <stddef.h>"
      libs.each { |rb| build.mrbc.run(f, rb, "kobako_lib_#{File.basename(rb, '.rb')}", cdump: false, static: true) }
      f.puts "struct kobako_library { const char *name; const uint8_t *irep; };"
      f.puts "const struct kobako_library kobako_libraries[] = {"
      libs.each { |rb| n = File.basename(rb, ".rb"); f.puts %(  { "#{n}", kobako_lib_#{n} },) }
      f.puts "  { NULL, NULL }"
      f.puts "};"
    end
  end
  spec.objs << objfile(generated.pathmap("%X"))
end
