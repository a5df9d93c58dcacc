//! Why a guest call did not produce an outcome: the kinds of fault the Ruby layer reports,
//! the aborts recorded from inside a dispatch, the errors the host functions raise into
//! the guest, and how a failed guest call is classified. Plain types at the bottom of the
//! extension: nothing here drives a guest.

use magnus::{value::BoxValue, Error, Ruby, Value};
use wasmtime::Trap;

use crate::errors::describe;
use crate::limits::MemoryLimitExceeded;
use crate::ruby_errors::{self, Kind as ErrorKind};

/// Why an invocation ended without an outcome (each maps to a TrapError subclass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Timeout,
    MemoryLimit,
    /// The fuel budget ran out (Trap::OutOfFuel).
    Fuel,
    Trap,
    /// A Ruby exception from a Service ended the invocation; see `dispatch::park_host_error`.
    Host,
}

/// Why an invocation was abandoned from inside a dispatch.
pub enum Abort {
    /// A trap in a nested guest call (timeout, memory limit, fuel, fault).
    Fault(FaultKind, String),
    /// A Ruby exception or jump that must reach the caller of `eval` unchanged. The
    /// BoxValue keeps the exception rooted and pinned while it waits.
    Ruby(Error, Option<BoxValue<Value>>),
}

impl Abort {
    /// Roots the error (needs the GVL: call it on the Ruby side).
    pub fn ruby(err: Error) -> Self {
        let rooted = err.value().map(BoxValue::new);
        Abort::Ruby(err, rooted)
    }

    /// What a Service whose yield found the invocation aborted must raise.
    pub fn failure(&self) -> BlockFailure {
        match self {
            Abort::Ruby(err, _) => BlockFailure::Ruby(err.clone()),
            Abort::Fault(kind, msg) => BlockFailure::Fault(*kind, msg.clone()),
        }
    }
}

/// Why a block a Service yielded to did not answer; raised into the Service.
pub enum BlockFailure {
    /// The Ruby error that aborts the invocation (still rooted by its Abort).
    Ruby(Error),
    Fault(FaultKind, String),
}

impl BlockFailure {
    pub fn to_error(&self, ruby: &Ruby) -> Error {
        match self {
            BlockFailure::Ruby(err) => err.clone(),
            BlockFailure::Fault(kind, msg) => {
                let kind = match kind {
                    FaultKind::Timeout => ErrorKind::Timeout,
                    FaultKind::MemoryLimit => ErrorKind::MemoryLimit,
                    FaultKind::Fuel => ErrorKind::Fuel,
                    FaultKind::Trap | FaultKind::Host => ErrorKind::Trap,
                };
                ruby_errors::error(ruby, kind, format!("the sandbox invocation was aborted: {msg}"))
            }
        }
    }
}

/// Returned by the dispatch import once the invocation is aborted; unwinds the guest.
#[derive(Debug, thiserror::Error)]
#[error("the invocation was aborted from inside a Service call")]
pub struct Aborted;

/// A trap raised by the dispatch import itself (bad request, no dispatcher, too deep).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DispatchFault(pub String);

#[derive(Debug, thiserror::Error)]
#[error("the guest called proc_exit({0})")]
pub struct GuestExit(pub i32);

/// What `classify` reads of a store's state.
pub struct CallState<'a> {
    pub abort: Option<&'a Abort>,
    pub memory_exceeded: bool,
    pub fuel_budget: Option<u64>,
}

/// Why a guest call failed, as the Ruby layer will report it. An abort recorded from inside
/// a dispatch wins over the trap it caused; a trap while growing past the memory cap is a
/// memory-limit fault; a trap with the budget at zero (`fuel_left`) is the budget's, however
/// the trap reached us.
pub fn classify(state: &CallState<'_>, err: &wasmtime::Error, fuel_left: Option<u64>) -> (FaultKind, String) {
    if let Some(Abort::Fault(kind, message)) = state.abort {
        return (*kind, message.clone());
    }
    let out_of_fuel = |state: &CallState<'_>| match state.fuel_budget {
        Some(budget) => (FaultKind::Fuel, format!("the script used up its fuel budget of {budget} units")),
        None => (FaultKind::Trap, "the guest ran out of fuel".into()),
    };
    match fault(err) {
        (FaultKind::Fuel, _) => out_of_fuel(state),
        (FaultKind::Trap, msg) if state.memory_exceeded => (FaultKind::MemoryLimit, msg),
        (FaultKind::Trap, _) if fuel_left == Some(0) => out_of_fuel(state),
        other => other,
    }
}

/// Classifies a failed guest call. Known causes get their own one-line message; the wasm
/// backtrace stays out of it (it names guest internals, not the user's script).
fn fault(err: &wasmtime::Error) -> (FaultKind, String) {
    if let Some(trap) = err.downcast_ref::<Trap>() {
        if *trap == Trap::Interrupt {
            return (FaultKind::Timeout, "the invocation ran past its timeout".into());
        }
        if *trap == Trap::OutOfFuel {
            return (FaultKind::Fuel, trap.to_string());
        }
        return (FaultKind::Trap, trap.to_string());
    }
    if let Some(limit) = err.downcast_ref::<MemoryLimitExceeded>() {
        return (FaultKind::MemoryLimit, limit.to_string());
    }
    if let Some(exit) = err.downcast_ref::<GuestExit>() {
        return (FaultKind::Trap, exit.to_string());
    }
    if let Some(dispatch) = err.downcast_ref::<DispatchFault>() {
        return (FaultKind::Trap, dispatch.to_string());
    }
    if err.downcast_ref::<Aborted>().is_some() {
        return (FaultKind::Trap, "the invocation was aborted by the host".into());
    }
    (FaultKind::Trap, describe(err))
}
