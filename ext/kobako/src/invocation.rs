//! One invocation: a fresh guest instance, armed caps, the call, and what came back.
//! Nothing survives between invocations: each gets its own Store and instance.

use std::time::{Duration, Instant};

use wasmtime::{Memory, Store, Trap, UpdateDeadline};

use crate::capture::Capture;
use crate::dispatch::DispatchUnavailable;
use crate::engine::ActiveInvocation;
use crate::errors::describe;
use crate::guest_memory::unpack_payload;
use crate::guest_module::GuestModule;
use crate::limits::{MemoryCap, MemoryLimitExceeded};
use crate::wasi::GuestExit;

/// The caps of one Sandbox (contract §3).
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub timeout: Option<Duration>,
    pub memory: Option<usize>,
    pub stdout: Option<usize>,
    pub stderr: Option<usize>,
}

/// Store data of one invocation.
pub struct Invocation {
    pub stdin: Vec<u8>,
    pub stdin_pos: usize,
    pub stdout: Capture,
    pub stderr: Capture,
    pub memory_cap: MemoryCap,
    pub memory: Option<Memory>,
    deadline: Option<Instant>,
    rng: u64,
}

/// Fixed seed for the guest's `random_get` (contract R-2: hermetic by default).
const RANDOM_SEED: u64 = 0x6b6f_6261_6b6f_2021;

impl Invocation {
    fn new(stdin: Vec<u8>, limits: &Limits) -> Self {
        Self {
            stdin,
            stdin_pos: 0,
            stdout: Capture::new(limits.stdout),
            stderr: Capture::new(limits.stderr),
            memory_cap: MemoryCap::new(limits.memory),
            memory: None,
            deadline: None,
            rng: RANDOM_SEED,
        }
    }

    /// State for probing a module at load time (no input, no caps).
    pub fn probe() -> Self {
        Self::new(Vec::new(), &Limits::default())
    }

    /// xorshift64*: deterministic bytes, never the host's entropy.
    pub fn next_random_byte(&mut self) -> u8 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
    }
}

/// Why an invocation ended without an outcome (each maps to a TrapError subclass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Timeout,
    MemoryLimit,
    Trap,
}

/// Everything the Ruby layer needs after an invocation, whatever happened.
pub struct Report {
    pub outcome: Result<Vec<u8>, (FaultKind, String)>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub wall_time: Duration,
    pub memory_peak: usize,
}

/// Runs `__kobako_eval` with `stdin` as the guest's input frames.
pub fn eval(module: &GuestModule, limits: &Limits, stdin: Vec<u8>) -> Report {
    let started = Instant::now();
    let engine = module.pre.module().engine();
    let mut store = Store::new(engine, Invocation::new(stdin, limits));
    store.limiter(|inv| &mut inv.memory_cap);
    store.data_mut().deadline = limits.timeout.and_then(|t| started.checked_add(t));
    store.epoch_deadline_callback(|ctx| match ctx.data().deadline {
        Some(deadline) if Instant::now() >= deadline => Ok(UpdateDeadline::Interrupt),
        _ => Ok(UpdateDeadline::Continue(1)),
    });
    store.set_epoch_deadline(1);

    let outcome = match ActiveInvocation::start() {
        Ok(_active) => call_eval(module, &mut store),
        Err(e) => Err((FaultKind::Trap, e.to_string())),
    };
    let wall_time = started.elapsed();
    let outcome = outcome.map_err(|(kind, msg)| match kind {
        FaultKind::Trap if store.data().memory_cap.exceeded() => (FaultKind::MemoryLimit, msg),
        other => (other, msg),
    });

    let state = store.into_data();
    Report {
        outcome,
        stdout_truncated: state.stdout.truncated(),
        stderr_truncated: state.stderr.truncated(),
        stdout: state.stdout.into_bytes(),
        stderr: state.stderr.into_bytes(),
        wall_time,
        memory_peak: state.memory_cap.peak(),
    }
}

fn call_eval(module: &GuestModule, store: &mut Store<Invocation>) -> Result<Vec<u8>, (FaultKind, String)> {
    let instance = module.pre.instantiate(&mut *store).map_err(fault)?;
    let memory = instance
        .get_memory(&mut *store, "memory")
        .ok_or((FaultKind::Trap, "the guest has no memory export".to_string()))?;
    store.data_mut().memory = Some(memory);

    let init = instance.get_typed_func::<(), i32>(&mut *store, "__kobako_init").map_err(fault)?;
    if init.call(&mut *store, ()).map_err(fault)? == 0 {
        return Err((FaultKind::Trap, "the guest could not start its interpreter".into()));
    }
    let baseline = memory.data_size(&*store);
    store.data_mut().memory_cap.arm(baseline);

    let eval = instance.get_typed_func::<(), ()>(&mut *store, "__kobako_eval").map_err(fault)?;
    eval.call(&mut *store, ()).map_err(fault)?;
    let take = instance.get_typed_func::<(), i64>(&mut *store, "__kobako_take_outcome").map_err(fault)?;
    let packed = take.call(&mut *store, ()).map_err(fault)?;
    let bytes = unpack_payload(memory.data(&*store), packed)
        .map_err(|e| (FaultKind::Trap, format!("the guest returned a malformed outcome: {e}")))?;
    Ok(bytes.to_vec())
}

/// Classifies a failed guest call. Known causes get their own one-line message; the wasm
/// backtrace stays out of it (it names guest internals, not the user's script).
fn fault(err: wasmtime::Error) -> (FaultKind, String) {
    if let Some(trap) = err.downcast_ref::<Trap>() {
        if *trap == Trap::Interrupt {
            return (FaultKind::Timeout, "the invocation ran past its timeout".into());
        }
        return (FaultKind::Trap, trap.to_string());
    }
    if let Some(limit) = err.downcast_ref::<MemoryLimitExceeded>() {
        return (FaultKind::MemoryLimit, limit.to_string());
    }
    if let Some(exit) = err.downcast_ref::<GuestExit>() {
        return (FaultKind::Trap, exit.to_string());
    }
    if let Some(dispatch) = err.downcast_ref::<DispatchUnavailable>() {
        return (FaultKind::Trap, dispatch.to_string());
    }
    (FaultKind::Trap, describe(&err))
}
