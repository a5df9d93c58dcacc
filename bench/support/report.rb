require "etc"
require "fileutils"
require "json"
require "open3"
require "time"

module Bench
  # Writes the run as JSON: the machine it ran on and every row, so results from
  # different commits or machines can be compared later.
  module Report
    DIR = File.expand_path("../results", __dir__)

    module_function

    # Writes bench/results/<UTC timestamp>.json and latest.json; returns the first path.
    def write(results, started_at:)
      data = {
        started_at: started_at.utc.iso8601,
        machine: machine,
        measurements: results.map { |key, result| measurement(key, result, results) }
      }
      json = JSON.pretty_generate(data) + "\n"
      FileUtils.mkdir_p(DIR)
      path = File.join(DIR, "#{started_at.utc.strftime('%Y%m%dT%H%M%SZ')}.json")
      File.write(path, json)
      File.write(File.join(DIR, "latest.json"), json)
      path
    end

    def measurement(key, result, results)
      entry = result.entry
      row = { key: key.to_s, group: entry.group, name: entry.name, unit: entry.unit, status: result.status.to_s }
      row.merge!(result.stats || {})
      row[:derived_from] = entry.from.map(&:to_s) if entry.derived?
      row[:message] = result.message if result.message
      if entry.target
        row[:target] = entry.target.to_h
        row[:met] = result.ok? ? entry.target.met?(result.median) : nil
      end
      entry.vs.each { |name, base| row[:"faster_than_#{name}"] = Bench.ratio(result, results, base) }
      row
    end

    def machine
      {
        uname: command("uname", "-a"),
        cpu_model: cpu_model,
        nproc: Etc.nprocessors,
        ruby: RUBY_DESCRIPTION,
        kobako: Kobako::VERSION,
        git_commit: command("git", "rev-parse", "--short", "HEAD", chdir: File.expand_path("../..", __dir__))
      }
    end

    def cpu_model
      line = File.foreach("/proc/cpuinfo").find { |l| l.start_with?("model name") }
      line&.split(":", 2)&.last&.strip
    rescue SystemCallError
      nil
    end

    # stdout of a command, or nil if it is missing or fails.
    def command(*argv, **opts)
      out, status = Open3.capture2(*argv, err: File::NULL, **opts)
      status.success? ? out.strip : nil
    rescue SystemCallError
      nil
    end
  end
end
