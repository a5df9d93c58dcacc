module Bench
  # Prints every result as one plain-text table, grouped, followed by the notes and the
  # reasons for rows that did not produce a number.
  module Table
    HEADERS = ["benchmark", "median", "spread p10–p90", "n", "unit", "target", "met", "vs CRuby eval", "vs mruby -e"].freeze
    NUMERIC = [1, 2, 3].freeze # right-aligned columns

    module_function

    def print(results, io: $stdout)
      footnotes = []
      rows = []
      results.each_value.chunk_while { |a, b| a.entry.group == b.entry.group }.each do |group|
        rows << [:group, group.first.entry.group]
        group.each { |result| rows << row(result, results, footnotes) }
      end
      widths = HEADERS.map(&:length)
      rows.each { |r| r.each_with_index { |cell, i| widths[i] = [widths[i], cell.length].max } unless r.first == :group }
      rule = widths.map { |w| "-" * w }.join("-+-")

      io.puts line(HEADERS, widths)
      rows.each do |r|
        if r.first == :group
          io.puts rule
          io.puts "[#{r.last}]"
        else
          io.puts line(r, widths)
        end
      end
      io.puts rule
      io.puts "spread: 10th–90th percentile of the samples (linear interpolation); n: samples;"
      io.puts "ratios: baseline median / our median (\"× faster\" means kobako takes less time)."
      footnotes.each { |f| io.puts f }
    end

    def row(result, results, footnotes)
      entry = result.entry
      name = entry.name
      if entry.note
        footnotes << "[#{footnotes.size + 1}] #{entry.note}"
        name = "#{name} [#{footnotes.size}]"
      end
      return [name, status_text(result, footnotes), "", "", entry.unit, entry.target.to_s, "", "", ""] unless result.ok?

      s = result.stats
      spread = s[:samples].to_i > 1 ? "#{Bench.number(s[:p10])}–#{Bench.number(s[:p90])}" : "—"
      met = entry.target ? (entry.target.met?(s[:median]) ? "yes" : "NO") : ""
      [name, Bench.number(s[:median]), spread, s[:samples] ? s[:samples].to_s : "—", entry.unit,
       entry.target.to_s, met, ratio_text(result, results, entry.vs[:cruby]), ratio_text(result, results, entry.vs[:mruby])]
    end

    def status_text(result, footnotes)
      case result.status
      when :na then "n/a (#{result.message})"
      when :missing then "UNAVAILABLE: #{result.message}"
      else
        footnotes << "[#{footnotes.size + 1}] ERROR in #{result.entry.name}: #{result.message}"
        "ERROR [#{footnotes.size}]"
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
