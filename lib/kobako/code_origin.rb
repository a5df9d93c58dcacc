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
    @verdicts = {} # path => library?, for the paths seen in backtraces (bounded)
    MAX_VERDICTS = 4096

    module_function

    # True when `path` (a source path from a backtrace or const_source_location) is not
    # the app's: Ruby's, a gem's, kobako's, or not a file at all.
    def library?(path)
      return true unless path.is_a?(String) && !path.empty?
      return true if path.start_with?("<", "(eval")

      roots = self.roots
      verdict = @verdicts[path]
      return verdict unless verdict.nil?

      full = path.start_with?("/") ? path : File.expand_path(path)
      verdict = roots.any? { |root| full.start_with?(root) }
      @verdicts.clear if @verdicts.size >= MAX_VERDICTS
      @verdicts[path.frozen? ? path : path.dup.freeze] = verdict
    end

    # The directories of library code, each with a trailing "/", worked out again (and the
    # verdicts forgotten) when gems are loaded.
    def roots
      key = defined?(Gem) && Gem.respond_to?(:loaded_specs) ? Gem.loaded_specs.size : 0
      return @roots if @roots && @roots_key == key

      @lock.synchronize do
        unless @roots && @roots_key == key
          @verdicts = {}
          @roots = collect_roots.map { |dir| "#{dir}/".freeze }.freeze
          @roots_key = key
        end
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
      kept = []
      dirs.uniq.sort_by(&:length).each do |dir|
        slashed = "#{dir}/"
        kept << slashed unless kept.any? { |root| slashed.start_with?(root) }
      end
      kept.map { |root| root.chomp("/") }
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

# Worked out while kobako loads, not during the first Service error.
Kobako::CodeOrigin.roots
