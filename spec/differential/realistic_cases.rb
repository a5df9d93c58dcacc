# Realistic scripts for the differential suite (spec/differential/scripts/): text and data
# processing, pricing and eligibility formulas, and tool-orchestration code, written as a
# CRuby developer or a language model writes them, not tuned to the sandbox.
module RealisticScripts
  @scripts = []

  # Scripts that are known to disagree with CRuby, with the reason (docs/compatibility.md
  # lists them too). Every other script must agree.
  KNOWN_DIFFERENCES = {
    "sort stable multi key" => "max_by(n) with equal keys: CRuby orders ties by its unstable quicksort, " \
                               "the guest keeps them in input order (Ruby leaves the order of ties unspecified)"
  }.freeze

  def self.add(group, scripts)
    scripts.each { |name, code| @scripts << Differential::Case.new("scripts: #{group}", name, code) }
  end

  def self.cases = @scripts
end

Dir[File.join(__dir__, "scripts", "*.rb")].sort.each { |f| require f }
