require "rbconfig"

desc "Run the benchmark suite (bench/run.rb): prints one table, writes bench/results/*.json"
task :bench do
  root = File.expand_path("..", __dir__)
  # A separate process, so the suite's own memory and threads start clean.
  sh RbConfig.ruby, "-I", File.join(root, "lib"), File.join(root, "bench", "run.rb"), chdir: root
end
