module Bench
  # Order statistics over one measurement's samples. Medians and percentiles rather than
  # means: a GC pause or a scheduler hiccup should widen the spread, not move the headline.
  module Stats
    module_function

    # { median:, p10:, p90:, min:, max:, samples: } for a non-empty list of numbers.
    def summary(values)
      raise ArgumentError, "no samples" if values.empty?

      sorted = values.map(&:to_f).sort
      {
        median: percentile(sorted, 50),
        p10: percentile(sorted, 10),
        p90: percentile(sorted, 90),
        min: sorted.first,
        max: sorted.last,
        samples: sorted.size
      }
    end

    # Linear interpolation between the closest ranks of an already sorted list.
    def percentile(sorted, pct)
      return sorted.first if sorted.size == 1

      rank = (pct / 100.0) * (sorted.size - 1)
      low = rank.floor
      high = rank.ceil
      sorted[low] + (sorted[high] - sorted[low]) * (rank - low)
    end
  end
end
