module Bench
  # Prints every result as one plain-text table, grouped by benchmark file; a row without
  # a number says why instead.
  module Table
    HEADERS = ["benchmark", "median", "spread p10–p90", "n", "unit", "target", "met", "vs CRuby eval", "vs mruby -e"].freeze
    NUMERIC = [1, 2, 3].freeze # right-aligned columns

    module_function

    def print(results, io: $stdout)
      rows = []
      results.each_value.chunk_while { |a, b| a.entry.group == b.entry.group }.each do |group|
        rows << [:group, group.first.entry.group]
        group.each { |result| rows << row(result, results) }
      end
      widths = HEADERS.map(&:length)
      rows.each { |r| r.each_with_index { |cell, i| widths[i] = [widths[i], cell.length].max } if r.first.is_a?(String) }
      widths[0] = [widths[0], *rows.select { |r| r.first == :message }.map { |r| r[1].length }].max
      rule = widths.map { |w| "-" * w }.join("-+-")

      io.puts line(HEADERS, widths)
      rows.each do |r|
        case r.first
        when :group
          io.puts rule
          io.puts "[#{r.last}]"
        when :message
          io.puts "#{r[1].ljust(widths[0])} | #{r[2]}"
        else
          io.puts line(r, widths)
        end
      end
      io.puts rule
      io.puts "spread: 10th–90th percentile of the samples (linear interpolation); n: samples;"
      io.puts "ratios: baseline median / our median (\"× faster\" means kobako takes less time)."
    end

    def row(result, results)
      entry = result.entry
      # No number: the reason takes the rest of the line instead of stretching a column.
      return [:message, entry.name, status_text(result)] unless result.ok?

      s = result.stats
      spread = s[:samples].to_i > 1 ? "#{Bench.number(s[:p10])}–#{Bench.number(s[:p90])}" : "—"
      met = entry.target ? (entry.target.met?(s[:median]) ? "yes" : "NO") : ""
      [entry.name, Bench.number(s[:median]), spread, s[:samples] ? s[:samples].to_s : "—", entry.unit,
       entry.target.to_s, met, ratio_text(result, results, entry.vs[:cruby]), ratio_text(result, results, entry.vs[:mruby])]
    end

    def status_text(result)
      case result.status
      when :na then "n/a (#{result.message})"
      when :missing then "baseline UNAVAILABLE: #{result.message}"
      else "ERROR: #{result.message}"
      end
    end

    def ratio_text(result, results, key)
      return "" unless key

      r = Bench.ratio(result, results, key)
      return "n/a" unless r

      r >= 1 ? "#{Bench.number(r)}× faster" : "#{Bench.number(1 / r)}× slower"
    end

    def line(cells, widths)
      cells.each_with_index.map do |cell, i|
        NUMERIC.include?(i) ? cell.rjust(widths[i]) : cell.ljust(widths[i])
      end.join(" | ").rstrip
    end
  end
end
