require "open3"
require "rbconfig"
require "yaml"

# The method-coverage sweep: which public methods CRuby's core classes define, which of
# them the guest lacks, and which of those are absent on purpose
# (spec/method_coverage/intentionally_absent.yml). CRuby's lists come from the running
# host, read in a plain `ruby --disable-gems` child with only `require "set"`, so gems do
# not add methods; the guest's answer comes from a sandbox eval.
#
# Run on its own for the figures: `bundle exec ruby -Ilib spec/support/method_coverage.rb`.
module MethodCoverage
  CLASSES = %w[
    Integer Float String Symbol Array Hash Range Enumerable Comparable Kernel Module Class Object
    NilClass TrueClass FalseClass Struct Proc Method UnboundMethod Exception Time Set Rational
    Complex Math Enumerator Enumerator::Lazy MatchData Regexp
  ].freeze

  ABSENT_FILE = File.expand_path("../method_coverage/intentionally_absent.yml", __dir__)

  # Prints {"Integer" => [[instance method names], [singleton method names]], ...}.
  HOST_SCRIPT = <<~'RUBY'.freeze
    require "set"
    lists = ARGV.to_h do |name|
      klass = name.split("::").inject(Object) { |mod, part| mod.const_get(part) }
      singleton = klass.singleton_methods(false).select { |m| klass.singleton_class.public_method_defined?(m) }
      [name, [klass.public_instance_methods(false).map(&:to_s).sort, singleton.map(&:to_s).sort]]
    end
    $stdout.binmode
    $stdout.write(Marshal.dump(lists))
  RUBY

  # Runs in the guest with LISTS (the host's lists) defined; answers the names it lacks.
  # A method counts as present when an instance (or the class itself, for singleton
  # methods) responds to it. Inherited from Object/Kernel/BasicObject does not count for
  # a class that CRuby gives its own definition (Kernel#=== is not Method#===), except
  # for dup/clone/freeze, which CRuby redefines only to go faster, and respond_to?, which
  # Exception redefines with Kernel's answers for public methods; an Enumerator::Lazy
  # method must be Lazy's own, since the Enumerable one it would inherit is eager.
  GUEST_SCRIPT = <<~'RUBY'.freeze
    generic = [Object, Kernel, BasicObject]
    generic_ok = %i[dup clone freeze respond_to?]
    LISTS.to_h do |name, (instance, singleton)|
      klass = begin
        name.split("::").inject(Object) { |mod, part| mod.const_get(part) }
      rescue NameError
        nil
      end
      next [name, instance.map { |m| "#{name}##{m}" } + singleton.map { |m| "#{name}.#{m}" }] unless klass

      missing = []
      instance.each do |m|
        sym = m.to_sym
        present = klass.method_defined?(sym)
        if present && !generic.include?(klass)
          owner = klass.instance_method(sym).owner
          present = false if generic.include?(owner) && !generic_ok.include?(sym)
          present = false if name == "Enumerator::Lazy" && owner != klass
        end
        missing << "#{name}##{m}" unless present
      end
      singleton.each { |m| missing << "#{name}.#{m}" unless klass.respond_to?(m.to_sym) }
      [name, missing]
    end
  RUBY

  module_function

  def host_lists
    @host_lists ||= begin
      env = { "RUBYOPT" => nil, "RUBYLIB" => nil, "BUNDLE_GEMFILE" => nil }
      out, err, status = Open3.capture3(env, RbConfig.ruby, "--disable-gems", "-e", HOST_SCRIPT, *CLASSES,
                                        binmode: true)
      raise "listing CRuby's methods failed: #{err}" unless status.success?

      Marshal.load(out) # rubocop:disable Security/MarshalLoad -- our own child's output
    end
  end

  # {"Integer" => ["Integer#ceildiv", ...]}: what the guest lacks of the host's lists.
  def guest_missing(sandbox = Kobako::Sandbox.new(timeout: 30, memory_limit: 64 << 20))
    sandbox.eval("LISTS = #{host_lists.inspect}\n#{GUEST_SCRIPT}")
  end

  # {"Kernel.fork" => "process control", ...}
  def absent
    @absent ||= YAML.safe_load(File.read(ABSENT_FILE)).each_value.inject({}) { |all, group| all.merge(group) }
  end

  # Listed as absent but answered by the guest: entries to take off the list. Asked in
  # the guest for every entry, including those the running host's CRuby lacks.
  def stale_absent(sandbox = Kobako::Sandbox.new(timeout: 30, memory_limit: 64 << 20))
    lists = absent.keys.group_by { |full| full[/\A[^#.]+(?:::[A-Z]\w*)?/] }.to_h do |name, entries|
      [name, [entries.filter_map { |e| e.split("#", 2)[1] if e.include?("#") },
              entries.filter_map { |e| e.split(".", 2)[1] unless e.include?("#") }]]
    end
    still_missing = sandbox.eval("LISTS = #{lists.inspect}\n#{GUEST_SCRIPT}").values.flatten
    absent.keys - still_missing
  end

  # [[class, CRuby methods, present, intentionally absent, missing]], the last row the totals.
  def table(missing = guest_missing)
    rows = CLASSES.map do |name|
      total = host_lists[name].sum(&:size)
      gone = missing[name]
      listed = gone.count { |m| absent.key?(m) }
      [name, total, total - gone.size, listed, gone.size - listed]
    end
    rows << ["total", *rows.transpose.drop(1).map(&:sum)]
  end
end

if $PROGRAM_NAME == __FILE__
  require "kobako"
  missing = MethodCoverage.guest_missing
  puts "CRuby #{RUBY_VERSION}: methods / present in the guest / intentionally absent / missing"
  MethodCoverage.table(missing).each { |row| puts format("%-18s %4d %4d %4d %4d", *row) }
  unlisted = missing.values.flatten.reject { |m| MethodCoverage.absent.key?(m) }
  puts "missing: #{unlisted.join(' ')}" unless unlisted.empty?
  stale = MethodCoverage.stale_absent
  puts "listed as absent but present: #{stale.join(' ')}" unless stale.empty?
end
