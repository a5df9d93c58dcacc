module Bench
  # A target for a row's median: `Bench.at_most(25)` or `Bench.at_least(100)`.
  Target = Struct.new(:op, :value) do
    def met?(median) = op == :<= ? median <= value : median >= value
    def to_s = "#{op == :<= ? '≤' : '≥'} #{format('%g', value)}"
    def to_h = { op: op.to_s, value: value }
  end

  # The benchmark could not run here for a reason that is not a failure (a missing
  # option); the row says why.
  class NotAvailable < StandardError; end

  # A baseline could not be measured; reported, and `rake bench` fails at the end.
  class BaselineMissing < StandardError; end

  # One table row: a measured list of samples or a value derived from other rows.
  # `vs` maps :cruby/:mruby to the key of the baseline row in the same unit.
  Entry = Struct.new(:group, :key, :name, :unit, :target, :vs, :from, :block, keyword_init: true) do
    def derived? = !from.nil?
  end

  # What running an Entry produced. status: :ok, :na, :missing (baseline) or :error.
  Result = Struct.new(:entry, :status, :stats, :message, keyword_init: true) do
    def ok? = status == :ok
    def median = stats && stats[:median]
  end

  # Collects the Entries of every group file in load order.
  class Group
    def initialize(name, entries)
      @name = name
      @entries = entries
    end

    # A row whose block returns a list of samples, each in `unit`.
    def measure(key, name, unit:, target: nil, vs: {}, &block)
      add(Entry.new(group: @name, key: key, name: name, unit: unit, target: target, vs: vs, block: block))
    end

    # A row computed from the medians of earlier rows (`from` keys, in block order).
    def derive(key, name, unit:, from:, target: nil, &block)
      add(Entry.new(group: @name, key: key, name: name, unit: unit, target: target, vs: {}, from: from, block: block))
    end

    private

    def add(entry)
      raise ArgumentError, "duplicate benchmark key #{entry.key}" if @entries.any? { |e| e.key == entry.key }

      @entries << entry
    end
  end

  ENTRIES = []

  module_function

  def at_most(value) = Target.new(:<=, value)
  def at_least(value) = Target.new(:>=, value)

  # Registers one group of benchmarks (one bench/*.rb file).
  def group(name)
    yield Group.new(name, ENTRIES)
  end

  # Short human form: about three significant digits.
  def number(value)
    abs = value.abs
    if abs >= 100 then format("%.0f", value)
    elsif abs >= 10 then format("%.1f", value)
    elsif abs >= 1 then format("%.2f", value)
    else format("%.3f", value)
    end
  end

  # Runs the entries in order; a derived row sees the results before it.
  def run(entries, log: $stderr)
    results = {}
    width = entries.map { |e| e.group.length + e.name.length + 2 }.max
    entries.each do |entry|
      log.print "  #{"#{entry.group}: #{entry.name}".ljust(width)}"
      started = Timing.now
      results[entry.key] = entry.derived? ? derive(entry, results) : measure(entry)
      log.puts format(" %6.1f s  %s", Timing.now - started, results[entry.key].status)
    end
    results
  end

  def measure(entry)
    Result.new(entry: entry, status: :ok, stats: Stats.summary(entry.block.call))
  rescue NotAvailable => e
    Result.new(entry: entry, status: :na, message: e.message)
  rescue BaselineMissing => e
    Result.new(entry: entry, status: :missing, message: e.message)
  rescue StandardError => e
    Result.new(entry: entry, status: :error, message: "#{e.class}: #{e.message}")
  end

  def derive(entry, results)
    inputs = entry.from.map { |key| results[key] }
    unless inputs.all? { |r| r&.ok? }
      return Result.new(entry: entry, status: :na, message: "needs #{entry.from.join(' and ')}")
    end

    value = entry.block.call(*inputs.map(&:median)).to_f
    Result.new(entry: entry, status: :ok,
               stats: { median: value, p10: nil, p90: nil, min: nil, max: nil, samples: nil })
  rescue StandardError => e
    Result.new(entry: entry, status: :error, message: "#{e.class}: #{e.message}")
  end

  # How much faster we are than the baseline row `key` (below 1: slower), or nil.
  def ratio(result, results, key)
    base = key && results[key]
    return nil unless result.ok? && base&.ok? && result.median.positive?
    raise "unit mismatch: #{result.entry.key} vs #{key}" unless base.entry.unit == result.entry.unit

    base.median / result.median
  end
end
