# `rake differential`: the sandbox-vs-CRuby agreement of the differential corpora, per
# group, with every disagreement (the figures docs/compatibility.md records). The specs
# assert the thresholds; this shows the detail.
desc "Print the sandbox-vs-CRuby agreement of the differential corpora"
task :differential do
  ruby "-Ilib", File.expand_path("../spec/differential/report.rb", __dir__)
end
