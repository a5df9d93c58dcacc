# `rake soak`: a long run that `bin/test` does not include. 1,000,000 mixed invocations
# (plain evals, Service calls, yields with next and break, output, script and Service
# errors, memory-limit traps) across 4 threads on one Sandbox, printing RSS and open file
# descriptors at the start, every 100,000 invocations, and at the end. They must stay flat.
desc "Soak: 1,000,000 mixed invocations across 4 threads; prints RSS and file descriptors (SOAK_INVOCATIONS to change)"
task :soak do
  ruby "-Ilib", File.expand_path("../spec/stress/soak.rb", __dir__)
end
