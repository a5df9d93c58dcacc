# Source fixes applied to the pinned mruby before it is built (see docs/decisions.md).
# Each entry replaces one exact snippet; a missing snippet fails the build loudly, so a
# version bump cannot silently drop a fix.
module KobakoMrubyPatches
  PATCHES = []

  module_function

  # Each file under patches/ adds the fixes of one topic, so topics can change apart.
  def add_all(patches)
    PATCHES.concat(patches)
  end

  def files
    Dir[File.join(__dir__, "patches", "*.rb")].sort
  end

  def apply(src_dir)
    PATCHES.each do |patch|
      path = File.join(src_dir, patch[:file])
      text = File.read(path)
      expected = patch.fetch(:count, 1)
      count = text.scan(patch[:from]).size
      unless count == expected
        raise "mruby patch does not apply to #{patch[:file]} (#{patch[:why]}): found #{count} matches, expected #{expected}"
      end

      File.write(path, text.gsub(patch[:from]) { patch[:to] })
    end
  end

  # Part of the source stamp, so editing a patch re-extracts and rebuilds mruby.
  def digest
    require "digest"
    Digest::SHA256.hexdigest(Marshal.dump(PATCHES))
  end
end

KobakoMrubyPatches.files.each { |f| require f }
