# Paths and helpers shared by the build tasks.
require "digest"
require "fileutils"
require "rbconfig"

module KobakoBuild
  ROOT = File.expand_path("..", __dir__)
  MRUBY_VERSION = "3.3.0"
  MRUBY_SHA256 = "53088367e3d7657eb722ddfacb938f74aed1f8538b3717fe0b6eb8f58402af65"
  CACHE_DIR = ENV.fetch("KOBAKO_CACHE_DIR", File.join(Dir.home, ".cache", "kobako"))
  TARBALL = File.join(CACHE_DIR, "src", "mruby_#{MRUBY_VERSION}.orig.tar.gz")
  ONIG_VERSION = "6.9.9"
  ONIG_SHA256 = "001aa1202e78448f4c0bf1a48c76e556876b36f16d92ce3207eccfd61d99f2a0"
  ONIG_TARBALL = File.join(CACHE_DIR, "src", "libonig_#{ONIG_VERSION}.orig.tar.gz")
  BUILD_DIR = File.join(ROOT, "build")
  ONIG_SRC = File.join(BUILD_DIR, "oniguruma-#{ONIG_VERSION}")
  TOOLS_DIR = File.join(BUILD_DIR, "tools")
  MRUBY_SRC = File.join(BUILD_DIR, "mruby-#{MRUBY_VERSION}")
  MRUBY_BUILD = File.join(BUILD_DIR, "mruby")
  GUEST_DIR = File.join(ROOT, "ext", "guest")
  MRUBY_LIB_DIR = File.join(MRUBY_BUILD, "wasm32-wasi", "lib")
  HOST_MRBC = File.join(MRUBY_BUILD, "host", "bin", "mrbc")
  WASM = File.join(ROOT, "data", "kobako.wasm")
  # Shared by every clone so CI and later sessions reuse compiled crates (wasmtime is big).
  CARGO_TARGET_DIR = ENV.fetch("CARGO_TARGET_DIR", File.join(CACHE_DIR, "target"))

  module_function

  def zig_path
    @zig_path ||= begin
      out = `python3 -c "import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))"`.strip
      abort "ziglang is not installed for python3: run bin/setup" unless $?.success? && File.executable?(out)
      out
    end
  end

  def write_if_changed(path, content, mode: 0o755)
    return if File.exist?(path) && File.read(path) == content
    FileUtils.mkdir_p(File.dirname(path))
    File.write(path, content)
    File.chmod(mode, path)
  end

  def newest_mtime(patterns)
    Dir.glob(patterns).map { |f| File.mtime(f) }.max || Time.at(0)
  end

  # Unpacks a pinned source tarball into `dest` (checking its sha256), then yields to
  # prepare it; skipped when `dest` was already made from the same `stamp`.
  def unpack(tarball, sha256, dest, stamp)
    stamp_file = File.join(dest, ".kobako-sha256")
    return if File.exist?(stamp_file) && File.read(stamp_file) == stamp

    abort "#{tarball} is missing: run bin/setup to fetch it" unless File.exist?(tarball)
    actual = Digest::SHA256.file(tarball).hexdigest
    abort "#{tarball} has sha256 #{actual}, expected #{sha256}" unless actual == sha256
    FileUtils.rm_rf(dest)
    FileUtils.mkdir_p(BUILD_DIR)
    system("tar", "xzf", tarball, "-C", BUILD_DIR, exception: true)
    yield if block_given?
    File.write(stamp_file, stamp)
  end

  def cargo_env
    { "CARGO_TARGET_DIR" => CARGO_TARGET_DIR, "RUBY" => RbConfig.ruby }
  end
end
