# CRuby's LoadError (not a StandardError: `rescue => e` does not catch it).
class LoadError < ScriptError
  attr_reader :path
end

# Kernel#require, #require_relative and #load for a sandbox: the libraries the guest
# carries (lib/, as bytecode) can be required, true the first time and false after, as in
# CRuby; nothing else, and nothing ever reads a file.
module Kernel
  # What each feature loads (lib/*.rb, in order). "set" is already part of the guest.
  KOBAKO_LIBRARIES = {
    "json" => %w[json], "set" => [], "date" => %w[date_parse date], "time" => %w[date_parse date time],
    "base64" => %w[base64], "csv" => %w[csv], "bigdecimal" => %w[bigdecimal],
    "bigdecimal/util" => %w[bigdecimal bigdecimal_util], "securerandom" => %w[securerandom]
  }.freeze
  KOBAKO_ALIASES = { "json/ext" => "json", "json/pure" => "json", "bigdecimal.so" => "bigdecimal" }.freeze

  def require(name)
    feature = __kobako_feature(name)
    loaded = ($__kobako_loaded ||= [])
    return false if loaded.include?(feature)

    loaded << feature
    files = ($__kobako_files ||= [])
    KOBAKO_LIBRARIES.fetch(feature).each do |file|
      next if files.include?(file)

      files << file
      Kobako.__load_library(file)
    end
    true
  end

  def require_relative(name)
    raise LoadError, "cannot load such file -- #{name} (require_relative cannot read files in the sandbox; " \
                     "the sandbox provides: #{KOBAKO_LIBRARIES.keys.join(', ')})"
  end

  def load(name, _wrap = false)
    raise LoadError, "cannot load such file -- #{name} (the sandbox cannot read files)"
  end

  def __kobako_feature(name)
    name = name.to_path if name.respond_to?(:to_path)
    raise TypeError, "no implicit conversion of #{name.class} into String" unless name.is_a?(String)

    feature = name.delete_suffix(".rb")
    feature = KOBAKO_ALIASES.fetch(feature, feature)
    unless KOBAKO_LIBRARIES.key?(feature)
      raise LoadError, "cannot load such file -- #{name} (the sandbox provides: #{KOBAKO_LIBRARIES.keys.join(', ')})"
    end

    feature
  end

  private :require, :require_relative, :load, :__kobako_feature
end
