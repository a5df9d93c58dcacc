# Concurrency workloads for spec/kobako/concurrency_stress_spec.rb (contract T-1..T-3).
# Each runs in its own process, so a crash ([BUG], SIGABRT, SIGSEGV) or a deadlock (which
# no in-process watchdog could break while the GVL is held) shows up as that process's exit
# status or its timeout. Exit 0 means every result was checked and right.
#
#   ruby -Ilib spec/stress/workload.rb MODE GVL [ARGS...]
#   MODE: mixed-shared | mixed-own | cold | gc | interrupts | storm | first-interrupt | construct-interrupt
#         curves | deep | forks (for `rake stress`)
require_relative "workload_ops"

mode, gvl, arg = ARGV
gvl = gvl.to_sym
case mode
when "mixed-shared" then Stress.mixed(gvl, shared: true)
when "mixed-own" then Stress.mixed(gvl, shared: false)
when "cold" then Stress.cold(gvl)
when "gc" then Stress.gc(gvl)
when "interrupts" then Stress.interrupts(gvl)
when "storm" then Stress.storm(gvl)
when "first-interrupt" then Stress.first_interrupt(gvl, Float(arg))
when "curves" then Stress.curves(gvl)
when "deep" then Stress.deep(gvl)
when "forks" then Stress.forks(gvl)
when "construct-interrupt" then Stress.construct_interrupt(gvl, Float(arg))
else abort "unknown mode #{mode.inspect}"
end
exit! 0
