require "rbconfig"

module Kobako
  # Tells the app's own source files from Ruby's and the libraries' (ServiceErrors asks it
  # whether an exception, or the class of one, was written by the app). Library code is
  # anything under Ruby's own directories, a gem directory (RubyGems, Bundler, Debian's
  # rubygems-integration), a loaded gem's directory wherever it lives, kobako itself, and
  # code with no file of its own (`<internal:...>`, `(eval ...)`). Everything else is the app,
  # including a gem being developed in its own checkout (the Gemfile's `gemspec`): its
  # specs and examples are the app there.
  module CodeOrigin
    RBCONFIG_DIRS = %w[
      rubylibprefix rubylibdir rubyarchdir rubyarchprefix rubysitearchprefix sitedir sitelibdir sitearchdir
      vendordir vendorlibdir vendorarchdir
    ].freeze
    KOBAKO_LIB = File.expand_path("..", __dir__).freeze

    @lock = Mutex.new
    @roots = nil
    @roots_key = nil

    module_function

    # True when `path` (a source path from a backtrace or const_source_location) is not
    # the app's: Ruby's, a gem's, kobako's, or not a file at all.
    def library?(path)
      return true unless path.is_a?(String) && !path.empty?
      return true if path.start_with?("<", "(eval")

      full = File.expand_path(path)
      roots.any? { |root| full == root || full.start_with?("#{root}/") }
    end

    # The directories of library code, worked out again when gems are loaded.
    def roots
      key = defined?(Gem) && Gem.respond_to?(:loaded_specs) ? Gem.loaded_specs.size : 0
      return @roots if @roots && @roots_key == key

      @lock.synchronize do
        @roots = collect_roots.freeze
        @roots_key = key
      end
      @roots
    end

    def collect_roots
      dirs = RBCONFIG_DIRS.map { |k| RbConfig::CONFIG[k] }
      dirs << KOBAKO_LIB
      if defined?(Gem)
        dirs.concat(Gem.path) if Gem.respond_to?(:path)
        dirs << Gem.default_dir if Gem.respond_to?(:default_dir)
        project = project_root
        Gem.loaded_specs.each_value do |spec|
          dirs << spec.full_gem_path unless project && File.expand_path(spec.full_gem_path) == project
        end
      end
      dirs << Bundler.bundle_path.to_s if bundler_ready?
      outermost(dirs.compact.reject(&:empty?).map { |d| File.expand_path(d) }.reject { |d| d == "/" })
    end

    # The directories not inside another of `dirs`.
    def outermost(dirs)
      dirs.uniq.sort_by(&:length).each_with_object([]) do |dir, kept|
        kept << dir unless kept.any? { |root| dir.start_with?("#{root}/") }
      end
    end

    # The directory of the Gemfile when Bundler runs the app (nil otherwise).
    def project_root
      bundler_ready? ? File.expand_path(Bundler.root.to_s) : nil
    end

    # Bundler's paths raise outside a bundle (no Gemfile): then there are none to add.
    def bundler_ready?
      return false unless defined?(Bundler) && Bundler.respond_to?(:bundle_path) && Bundler.respond_to?(:root)

      Bundler.bundle_path && Bundler.root
      true
    rescue StandardError
      false
    end
  end
end
