require "kobako"
require "yaml"
require_relative "../../tasks/build_paths"

# Runs mruby's own test suite (test/t/*.rb and mrbgems/<gem>/test/*.rb of the gems the
# guest ships) inside the sandbox, one fresh invocation per test file, and collects the
# result of every top-level assertion. Used by spec/kobako/mruby_own_tests_spec.rb; run
# this file directly to print the current failures as expected_failures.yml would list them:
#   bundle exec ruby -Ilib spec/support/mruby_own_tests.rb [FILE_SUBSTRING...]
module MrubyOwnTests
  SRC = KobakoBuild::MRUBY_SRC
  ROOT = KobakoBuild::ROOT
  SHIM = File.join(ROOT, "spec", "mruby_tests", "shim.rb")
  EXPECTED = File.join(ROOT, "spec", "mruby_tests", "expected_failures.yml")
  LINE = /\A\x02mrbtest\t(pass|fail|skip|warn|crash)\t([^\t]*)\t(.*)\z/
  TOP_LEVEL = "(file top level)".freeze

  # The categories a reason in expected_failures.yml starts with ("category: detail").
  REASONS = [
    "frozen clock",
    "no file system / IO",
    "no Fiber",
    "gem not shipped",
    "C test helper missing",
    "limits lifted",
    "CRuby 3.3 behaves differently",
    "kobako adds",
    "all gems loaded",
    "sandbox",
  ].freeze

  Result = Struct.new(:file, :title, :status, :message) do
    def passed? = status == "pass"
  end

  module_function

  # The core gems of the guest build, read from the build config's word list.
  def shipped_gems
    text = File.read(File.join(ROOT, "ext", "guest", "build_config.rb"))
    list = text[/%w\[(.*?)\]\.each \{ \|name\| conf\.gem core: name \}/m, 1]
    raise "cannot find the core gem list (%w[...].each { |name| conf.gem core: name }) in build_config.rb" unless list

    list.split
  end

  # [relative path, GEMNAME] for every test file, core first.
  def test_files
    core = Dir[File.join(SRC, "test", "t", "*.rb")].sort.map { |f| [f, "mruby-test"] }
    gems = shipped_gems.flat_map do |gem|
      Dir[File.join(SRC, "mrbgems", gem, "test", "*.rb")].sort.map { |f| [f, gem] }
    end
    (core + gems).map { |path, gem| [path.delete_prefix("#{SRC}/"), gem] }
  end

  def core?(file) = file.start_with?("test/")

  def sandbox
    Kobako::Sandbox.new(timeout: 60, memory_limit: 512 << 20, stdout_limit: 16 << 20, stderr_limit: 1 << 20)
                   .preload(code: File.read(File.join(SRC, "test", "assert.rb")), name: :mrbtest_assert)
                   .preload(code: File.read(SHIM), name: :mrbtest_shim)
  end

  def unescape(text)
    text.gsub(/\\[\\tn]/) { |e| { "\\\\" => "\\", "\\t" => "\t", "\\n" => "\n" }.fetch(e) }
  end

  # The results of one test file. A title used twice in a file gets " (#2)" and so on.
  def run_file(box, file, gem)
    source = "GEMNAME = #{gem.dump}; " + File.read(File.join(SRC, file))
    crash = nil
    begin
      box.eval(source)
    rescue Kobako::Error => e
      crash = "#{e.class}: #{e.message}"
    end
    seen = Hash.new(0)
    results = box.stdout.each_line(chomp: true).filter_map do |line|
      m = LINE.match(line) or next
      title = unescape(m[2])
      seen[title] += 1
      title = "#{title} (##{seen[title]})" if seen[title] > 1
      Result.new(file, title, m[1], unescape(m[3]))
    end
    results << Result.new(file, TOP_LEVEL, "crash", crash) if crash
    results
  end

  def run_all(filter = [])
    box = sandbox
    files = test_files
    files = files.select { |f, _| filter.any? { |s| f.include?(s) } } unless filter.empty?
    files.flat_map { |file, gem| run_file(box, file, gem) }
  end

  # { file => { title => reason } }. A file's entry may also be a list of one-entry maps
  # (`file: [title: reason, ...]`).
  def expected_failures
    return {} unless File.exist?(EXPECTED)

    (YAML.safe_load_file(EXPECTED) || {}).transform_values do |v|
      v.is_a?(Array) ? v.reduce({}) { |all, entry| all.merge(entry) } : (v || {})
    end
  end

  # The pass figures of a result list: { core: [passed, total], gems: [passed, total] }.
  def totals(results)
    core, gems = results.reject { |r| r.title == TOP_LEVEL }.partition { |r| core?(r.file) }
    { core: [core.count(&:passed?), core.size], gems: [gems.count(&:passed?), gems.size] }
  end

  def reason_category(reason)
    REASONS.find { |c| reason.start_with?("#{c}: ") }
  end
end

if $PROGRAM_NAME == __FILE__
  results = MrubyOwnTests.run_all(ARGV)
  expected = MrubyOwnTests.expected_failures
  results.reject(&:passed?).group_by(&:file).each do |file, failures|
    puts "#{file}:"
    failures.each do |r|
      known = expected.dig(file, r.title)
      puts "  #{r.title.dump}: #{(known || "TODO #{r.status}").dump}"
      puts r.message.to_s.gsub(/^/, "    # ") unless known
    end
  end
  MrubyOwnTests.totals(results).each { |k, (pass, total)| puts "#{k}: #{pass}/#{total}" }
end
