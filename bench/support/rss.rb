module Bench
  # Resident set size of this process, from the kernel's own accounting. Also loaded into
  # the memory subprocesses (`ruby -r .../rss.rb`), so it must not depend on anything else.
  module RSS
    module_function

    # VmRSS in KiB (Linux only).
    def kib
      line = File.foreach("/proc/self/status").find { |l| l.start_with?("VmRSS:") }
      raise "VmRSS not found in /proc/self/status" unless line

      Integer(line[/\d+/])
    end

    def mb = kib / 1024.0
  end
end
