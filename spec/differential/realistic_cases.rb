# Realistic scripts for the differential suite (spec/differential/scripts/): text and data
# processing, pricing and eligibility formulas, and tool-orchestration code, written as a
# CRuby developer or a language model writes them, not tuned to the sandbox.
module RealisticScripts
  @scripts = []

  # Scripts known to need the core-method work of the next issue (Real Ruby, part 2), with
  # what they need. Every other script must agree with CRuby.
  NEEDS_PART_TWO = {
    "sort stable multi key" => "Array#<=> for sort and max_by with Array keys",
    "sum floats precisely" => "Array#sum's compensated (Kahan-Babuska) Float summation",
    "step ranges" => "Range#step and Numeric#step with Floats",
    "integer math" => "Integer#gcd and #lcm",
    "calendar slots" => "Enumerable#slice_when",
    "structs for results" => "Struct.new(..., keyword_init:)",
    "chunk and slice" => "Enumerable#chunk_while",
    "method objects" => "Kernel#method and Method#to_proc",
    "base64 round trip" => "String#b"
  }.freeze

  def self.add(group, scripts)
    scripts.each { |name, code| @scripts << Differential::Case.new("scripts: #{group}", name, code) }
  end

  def self.cases = @scripts
end

Dir[File.join(__dir__, "scripts", "*.rb")].sort.each { |f| require f }
