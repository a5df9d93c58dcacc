//! The state a guest instance's Store holds (its data), and the caps it runs under. The
//! bottom of the extension's drivers: invocation.rs drives one call on a fresh store of it,
//! session.rs keeps one alive across calls; the host functions (wasi.rs, dispatch.rs,
//! compile_cache.rs) read and write it. Nothing here imports a driver.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use magnus::{prelude::*, value::BoxValue, Ruby, Value};
use wasmtime::{Memory, TypedFunc};

use crate::capture::Capture;
use crate::clock::{GuestClock, RANDOM_SEED};
use crate::faults::{classify, Abort, CallState, FaultKind};
use crate::guest_fiber::GuestYielder;
use crate::limits::MemoryCap;

/// The caps of one Sandbox (contract §3).
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub timeout: Option<Duration>,
    pub memory: Option<usize>,
    pub stdout: Option<usize>,
    pub stderr: Option<usize>,
    /// Fuel for the user's code of one invocation (and, apart, for preparing it); None:
    /// no metering. Set exactly when the module was compiled for the metered engine.
    pub fuel: Option<u64>,
}

/// What a guest instance's Store holds: the state of the instance (its memory cap and
/// random source) and of the call in progress (input, captures, dispatcher, deadline,
/// abort). A one-call Invocation and a Session both drive stores of it.
pub struct InstanceState {
    pub stdin: Vec<u8>,
    pub stdin_pos: usize,
    pub stdout: Capture,
    pub stderr: Capture,
    pub memory_cap: MemoryCap,
    pub memory: Option<Memory>,
    /// Guest exports the dispatch import calls back into.
    pub exports: Option<Exports>,
    /// The Ruby object answering Service calls (`#call(request, token)`), rooted and
    /// pinned for the whole invocation (contract W-4).
    pub dispatcher: Option<BoxValue<Value>>,
    /// Identifies this invocation to `yield_to_active_invocation`.
    pub token: u64,
    /// Dispatches in progress (dispatch -> yield -> dispatch ...).
    pub depth: u32,
    /// Set once the invocation must end without running the guest again.
    pub abort: Option<Abort>,
    /// Aborts a later one replaced; kept so their roots are released with the GVL held.
    pub superseded: Vec<Abort>,
    /// Service calls the guest made (a prepared image must have made none).
    pub dispatches: u64,
    /// Flags shared with the driver (is the GVL released, does Ruby want the thread back).
    pub shared: Arc<Shared>,
    /// The coroutine the guest runs on, while it runs (guest_fiber.rs).
    pub yielder: Option<*const GuestYielder>,
    /// What `clock_time_get` answers. Frozen until the interpreter is started and prepared
    /// state applied, so start-up never depends on the invocation's clock.
    pub clock: GuestClock,
    /// The guest read a clock (a prepared image made by reading one is tied to that clock).
    pub read_clock: bool,
    /// The Sandbox's fuel budget (None: not metered).
    pub fuel_budget: Option<u64>,
    /// The store holds a budget now (not the start-up allowance), so what it lost is fuel used.
    pub metering: bool,
    /// The host asked the guest for the script's bytecode (compile_cache.rs).
    pub keep_bytecode: bool,
    /// The bytecode the guest handed over (`env.__kobako_compiled`).
    pub compiled: Option<Vec<u8>>,
    pub deadline: Option<Instant>,
    rng: u64,
}

#[derive(Clone)]
pub struct Exports {
    pub alloc: TypedFunc<i32, i32>,
    pub yield_to_block: TypedFunc<(i32, i32), i64>,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// A fresh token for a call (`yield_to_active_invocation` finds calls by it).
pub fn next_token() -> u64 {
    NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
}

impl InstanceState {
    /// State for one invocation of a module whose random source starts at `rng_seed`.
    pub fn for_module(stdin: Vec<u8>, limits: &Limits, rng_seed: u64) -> Self {
        Self {
            stdin,
            stdin_pos: 0,
            stdout: Capture::new(limits.stdout),
            stderr: Capture::new(limits.stderr),
            memory_cap: MemoryCap::new(limits.memory),
            memory: None,
            exports: None,
            dispatcher: None,
            token: next_token(),
            depth: 0,
            abort: None,
            superseded: Vec::new(),
            dispatches: 0,
            shared: Arc::new(Shared::unattached()),
            yielder: None,
            clock: GuestClock::Frozen,
            read_clock: false,
            fuel_budget: limits.fuel,
            metering: false,
            keep_bytecode: false,
            compiled: None,
            deadline: None,
            rng: rng_seed,
        }
    }

    /// Readies a kept store (a session's) for its next call with `stdin` as input: what
    /// the last call left of its own is cleared; the instance's memory cap and random
    /// source go on.
    pub fn reset_for_call(&mut self, stdin: Vec<u8>) {
        self.stdin = stdin;
        self.stdin_pos = 0;
        self.token = next_token();
        self.depth = 0;
        self.abort = None;
        self.superseded.clear();
        self.dispatches = 0;
        self.yielder = None;
        self.clock = GuestClock::Frozen;
        self.read_clock = false;
        self.metering = false;
        self.keep_bytecode = false;
        self.compiled = None;
        self.deadline = None;
    }

    /// State for probing a module at load time (no input, no caps).
    pub fn probe() -> Self {
        Self::for_module(Vec::new(), &Limits::default(), RANDOM_SEED)
    }

    /// Records why the invocation ends. The first reason stays unless `replace` (what Ruby
    /// is unwinding with wins over a trap recorded on the way).
    pub fn record_abort(&mut self, abort: Abort, replace: bool) {
        match &self.abort {
            Some(_) if !replace => self.superseded.push(abort),
            _ => {
                if let Some(old) = self.abort.replace(abort) {
                    self.superseded.push(old);
                }
            }
        }
    }

    /// What `faults::classify` reads.
    pub fn call_state(&self) -> CallState<'_> {
        CallState { abort: self.abort.as_ref(), memory_exceeded: self.memory_cap.exceeded(), fuel_budget: self.fuel_budget }
    }

    /// Why a guest call failed, as the Ruby layer will report it (faults::classify).
    pub fn classify(&self, err: &wasmtime::Error, fuel_left: Option<u64>) -> (FaultKind, String) {
        classify(&self.call_state(), err, fuel_left)
    }

    /// Where the deterministic random source stands (captured with a pre-initialised image).
    pub fn rng_state(&self) -> u64 {
        self.rng
    }

    pub fn set_rng_state(&mut self, state: u64) {
        self.rng = state;
    }

    /// xorshift64*: deterministic bytes, never the host's entropy.
    pub fn next_random_byte(&mut self) -> u8 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
    }
}

/// Flags the Ruby side and the guest side of one invocation share.
pub struct Shared {
    /// Set by Ruby's unblock function (an interrupt while the GVL is released): the guest
    /// suspends to a checkpoint at its next epoch tick.
    pub stop: AtomicBool,
    /// The guest is running without the GVL right now.
    pub released: AtomicBool,
    /// The Ruby thread the invocation runs on, rooted and pinned (read without the GVL).
    thread: Option<BoxValue<Value>>,
}

impl Shared {
    /// For an invocation on the current Ruby thread (call with the GVL).
    pub fn for_current_thread() -> Self {
        let thread = Ruby::get().ok().map(|ruby| BoxValue::new(ruby.thread_current().as_value()));
        Self { stop: AtomicBool::new(false), released: AtomicBool::new(false), thread }
    }

    /// For stores no Ruby thread drives (probes): never released, no thread to ask.
    pub fn unattached() -> Self {
        Self { stop: AtomicBool::new(false), released: AtomicBool::new(false), thread: None }
    }

    /// The guest should suspend to a checkpoint now: it holds the GVL (so Ruby waits for
    /// it), or Ruby wants the thread back. Ruby calls the unblock function for Thread#raise
    /// and Thread#kill, but a signal for the main thread only sets its trap flag (Ruby 3.1
    /// wakes a released main thread only through a helper thread it does not start when
    /// other threads were alive), so the flag is read too: a plain read, no Ruby call.
    pub fn wants_checkpoint(&self) -> bool {
        if !self.released.load(Ordering::Relaxed) || self.stop.swap(false, Ordering::SeqCst) {
            return true;
        }
        // SAFETY: `thread` is the running thread's Thread object, pinned by its BoxValue;
        // this only reads its interrupt flags.
        self.thread.as_ref().is_some_and(|t| unsafe { rb_sys::rb_thread_interrupted(magnus::rb_sys::AsRawValue::as_raw(**t)) } != 0)
    }
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
    /// Fuel the metered phase that ended the invocation used (None: not metered).
    pub fuel_used: Option<u64>,
    /// The script's bytecode, when the entry asked for it (`Entry::Eval { keep: true }`).
    pub compiled: Option<Vec<u8>>,
}

/// Fuel left in a metered store (None when it is not metered, or not yet on its budget).
pub fn fuel_left(store: impl wasmtime::AsContext<Data = InstanceState>) -> Option<u64> {
    let store = store.as_context();
    if !store.data().metering {
        return None;
    }
    store.get_fuel().ok()
}
