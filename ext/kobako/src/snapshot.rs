//! `Kobako::Snapshot`: what one invocation produced, handed to the Ruby layer to decode.
//! Outcome bytes are MessagePack from the guest; the Ruby Transport decodes them.

use magnus::{RString, Ruby, Symbol};

use crate::faults::FaultKind;
use crate::store_state::Report;

#[magnus::wrap(class = "Kobako::Snapshot", free_immediately, size)]
pub struct Snapshot {
    report: Report,
}

impl Snapshot {
    pub fn new(report: Report) -> Self {
        Self { report }
    }

    /// The outcome bytes, or nil when the invocation trapped.
    fn outcome(ruby: &Ruby, rb_self: &Self) -> Option<RString> {
        rb_self.report.outcome.as_ref().ok().map(|b| ruby.str_from_slice(b))
    }

    /// :timeout, :memory_limit, :fuel, :trap or :host when the invocation trapped, else nil.
    fn trap_kind(ruby: &Ruby, rb_self: &Self) -> Option<Symbol> {
        rb_self.report.outcome.as_ref().err().map(|(kind, _)| {
            ruby.to_symbol(match kind {
                FaultKind::Timeout => "timeout",
                FaultKind::MemoryLimit => "memory_limit",
                FaultKind::Fuel => "fuel",
                FaultKind::Trap => "trap",
                FaultKind::Host => "host",
            })
        })
    }

    fn trap_message(&self) -> Option<String> {
        self.report.outcome.as_ref().err().map(|(_, msg)| msg.clone())
    }

    fn stdout(ruby: &Ruby, rb_self: &Self) -> RString {
        ruby.str_from_slice(&rb_self.report.stdout)
    }

    fn stderr(ruby: &Ruby, rb_self: &Self) -> RString {
        ruby.str_from_slice(&rb_self.report.stderr)
    }

    fn stdout_truncated(&self) -> bool {
        self.report.stdout_truncated
    }

    fn stderr_truncated(&self) -> bool {
        self.report.stderr_truncated
    }

    fn wall_time(&self) -> f64 {
        self.report.wall_time.as_secs_f64()
    }

    fn memory_peak(&self) -> u64 {
        self.report.memory_peak as u64
    }

    /// Fuel the user's code used (the whole budget when it ran out), or nil when the
    /// Sandbox has no fuel budget.
    fn fuel_used(&self) -> Option<u64> {
        self.report.fuel_used
    }
}

pub fn define(ruby: &Ruby, kobako: magnus::RModule) -> Result<(), magnus::Error> {
    use magnus::{method, Class, Module};
    let class = kobako.define_class("Snapshot", ruby.class_object())?;
    class.undef_default_alloc_func();
    class.define_method("outcome", method!(Snapshot::outcome, 0))?;
    class.define_method("trap_kind", method!(Snapshot::trap_kind, 0))?;
    class.define_method("trap_message", method!(Snapshot::trap_message, 0))?;
    class.define_method("stdout", method!(Snapshot::stdout, 0))?;
    class.define_method("stderr", method!(Snapshot::stderr, 0))?;
    class.define_method("stdout_truncated?", method!(Snapshot::stdout_truncated, 0))?;
    class.define_method("stderr_truncated?", method!(Snapshot::stderr_truncated, 0))?;
    class.define_method("wall_time", method!(Snapshot::wall_time, 0))?;
    class.define_method("memory_peak", method!(Snapshot::memory_peak, 0))?;
    class.define_method("fuel_used", method!(Snapshot::fuel_used, 0))?;
    Ok(())
}
