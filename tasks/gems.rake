# Packaging:
#   rake gem:source   pkg/kobako-VERSION.gem: compiles the extension at install (needs Rust)
#   rake native:gem   pkg/kobako-VERSION-x86_64-linux.gem: carries the compiled extension
#                     for every Ruby it was built for (lib/kobako/3.1/, lib/kobako/3.3/, ...)
#                     and data/kobako.wasm; installs in seconds with no Rust and no network
require "fileutils"
require "tmpdir"
require "rubygems/package"

module KobakoGems
  ROOT = File.expand_path("..", __dir__)
  PKG = File.join(ROOT, "pkg")

  module_function

  def spec = Gem::Specification.load(File.join(ROOT, "kobako.gemspec"))

  def build(spec, dir)
    FileUtils.mkdir_p(PKG)
    Dir.chdir(dir) do
      file = Gem::Package.build(spec)
      FileUtils.mv(file, File.join(PKG, File.basename(file)))
      File.join(PKG, File.basename(file))
    end
  end

  # Compiled extensions to carry: {"3.1" => path, ...}. The one `rake compile` made is for
  # the running Ruby; CI's second Ruby leaves its build in lib/kobako/3.3/.
  def extensions
    current = RbConfig::CONFIG["ruby_version"][/\A\d+\.\d+/]
    found = Dir[File.join(ROOT, "lib/kobako/*/kobako.so")].to_h { |so| [File.basename(File.dirname(so)), so] }
    found[current] ||= File.join(ROOT, "lib/kobako/kobako.so")
    found.select { |_, so| File.exist?(so) }
  end
end

namespace :gem do
  desc "Build the source gem (pkg/kobako-VERSION.gem; compiles the extension when installed)"
  task source: :guest do
    puts KobakoGems.build(KobakoGems.spec, KobakoGems::ROOT)
  end
end

namespace :native do
  desc "Build the platform gem (pkg/kobako-VERSION-x86_64-linux.gem) with the compiled extension and guest"
  task gem: %i[guest compile] do
    Dir.mktmpdir("kobako-native-gem") do |stage|
      spec = KobakoGems.spec
      ruby_files = spec.files.reject { |f| f.start_with?("ext/", "Cargo.") }
      ruby_files.each do |file|
        FileUtils.mkdir_p(File.join(stage, File.dirname(file)))
        FileUtils.cp(File.join(KobakoGems::ROOT, file), File.join(stage, file))
      end
      versions = KobakoGems.extensions.map do |version, so|
        target = File.join(stage, "lib/kobako", version, "kobako.so")
        FileUtils.mkdir_p(File.dirname(target))
        # Debug sections only; the dynamic symbols (Init_kobako) stay.
        sh "strip", "--strip-unneeded", "-o", target, so
        ruby_files << "lib/kobako/#{version}/kobako.so"
        version
      end.sort_by { |v| Gem::Version.new(v) }
      spec.platform = Gem::Platform.new(RbConfig::CONFIG["arch"].sub(/-gnu\z/, ""))
      spec.extensions = []
      spec.files = ruby_files
      spec.required_ruby_version = [">= #{versions.first}", "< #{versions.last.sub(/\d+\z/) { |m| (m.to_i + 1).to_s }}"]
      puts "#{KobakoGems.build(spec, stage)} (extensions for Ruby #{versions.join(', ')})"
    end
  end
end
