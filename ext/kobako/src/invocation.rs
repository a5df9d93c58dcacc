//! One invocation: a fresh guest instance, armed caps, the call, and what came back.
//! Nothing survives between invocations: each gets its own Store and instance.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use magnus::{value::BoxValue, Value};
use wasmtime::{Instance, Memory, Store, Trap, TypedFunc, UpdateDeadline};

use crate::capture::Capture;
use crate::clock::{GuestClock, InvocationClock};
use crate::dispatch::{Abort, Aborted, DispatchFault};
use crate::driver::{Driver, InvocationFiber, ReleaseHistory, Shared};
use crate::engine::ActiveInvocation;
use crate::errors::describe;
use crate::guest_memory::unpack_payload;
use crate::guest_fiber::{GuestYielder, Reply, Request};
use crate::guest_module::{GuestModule, SETUP_FUEL};
use crate::limits::{MemoryCap, MemoryLimitExceeded};
use crate::prepared_image::{self, PreparedImage};
use crate::wasi::GuestExit;

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

/// Store data of one invocation.
pub struct Invocation {
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
    superseded: Vec<Abort>,
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
    deadline: Option<Instant>,
    rng: u64,
}

#[derive(Clone)]
pub struct Exports {
    pub alloc: TypedFunc<i32, i32>,
    pub yield_to_block: TypedFunc<(i32, i32), i64>,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Fixed seed for the guest's `random_get` (contract R-2: hermetic by default).
pub const RANDOM_SEED: u64 = 0x6b6f_6261_6b6f_2021;

impl Invocation {
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
            token: NEXT_TOKEN.fetch_add(1, Ordering::Relaxed),
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

/// Which guest export an invocation calls.
pub enum Entry {
    /// `__kobako_eval()`: the script is one of the stdin frames; with `keep`, the guest
    /// hands its bytecode over first (compile_cache.rs).
    Eval { keep: bool },
    /// `__kobako_eval_compiled()`: as Eval, with the script's cached bytecode as the frame.
    EvalCompiled,
    /// `__kobako_run(ptr, len)` with this run envelope written into guest memory.
    Run(Vec<u8>),
}

/// Runs `entry` with `stdin` as the guest's input frames; Service calls go to
/// `dispatcher`. A Ruby exception (or throw) from a Service that aborted the invocation
/// is parked with `dispatch::park_host_error` and the outcome is a `Host` fault.
/// `clock` is the invocation's clock and seed (None: frozen, fixed sequence).
#[allow(clippy::too_many_arguments)]
pub fn invoke(
    module: &GuestModule,
    image: Option<&PreparedImage>,
    limits: &Limits,
    release_gvl: Option<Arc<ReleaseHistory>>,
    stdin: Vec<u8>,
    entry: Entry,
    dispatcher: Value,
    clock: Option<InvocationClock>,
) -> Report {
    let started = Instant::now();
    let engine = module.pre.module().engine();
    let mut invocation = Invocation::for_module(stdin, limits, module.rng_seed);
    invocation.dispatcher = Some(BoxValue::new(dispatcher));
    if release_gvl.is_some() {
        // Only a released guest reads the thread's interrupt flags (a held one checks in).
        invocation.shared = Arc::new(Shared::for_current_thread());
    }
    let driver = Driver::new(dispatcher, invocation.token, release_gvl, invocation.shared.clone());
    let mut store = Store::new(engine, invocation);
    store.limiter(|inv| &mut inv.memory_cap);
    store.data_mut().deadline = limits.timeout.and_then(|t| started.checked_add(t));
    store.epoch_deadline_callback(|mut ctx| Ok(epoch_tick(ctx.data_mut())));
    store.set_epoch_deadline(1);

    let outcome = match ActiveInvocation::start() {
        Ok(_active) => {
            let store_ptr: *mut Store<Invocation> = &mut store;
            // SAFETY: the driver runs the coroutine to its end before `store` is used again
            // or dropped; the coroutine is the only user of the store meanwhile.
            let fiber = unsafe {
                InvocationFiber::new(move |yielder| {
                    let store = &mut *store_ptr;
                    store.data_mut().yielder = Some(yielder as *const GuestYielder);
                    let outcome = call_entry(module, image, store, entry, clock, started);
                    store.data_mut().yielder = None;
                    outcome
                })
            };
            match fiber {
                Ok(mut fiber) => driver.run(&mut fiber).map_err(|err| classify(store.data(), &err, fuel_left(&store))),
                Err(e) => Err((FaultKind::Trap, format!("could not map a stack for the guest: {e}"))),
            }
        }
        Err(e) => Err((FaultKind::Trap, e.to_string())),
    };
    let wall_time = started.elapsed();
    let fuel_used = limits.fuel.map(|budget| match store.data().metering {
        true => budget.saturating_sub(store.get_fuel().unwrap_or(0)),
        false => 0,
    });

    let mut state = store.into_data();
    state.dispatcher = None;
    state.superseded.clear();
    let outcome = match state.abort.take() {
        Some(Abort::Ruby(err, rooted)) => {
            crate::dispatch::park_host_error(err, rooted);
            Err((FaultKind::Host, "a Service raised an exception that aborted the invocation".into()))
        }
        _ => outcome,
    };
    Report {
        outcome,
        stdout_truncated: state.stdout.truncated(),
        stderr_truncated: state.stderr.truncated(),
        stdout: state.stdout.into_bytes(),
        stderr: state.stderr.into_bytes(),
        wall_time,
        memory_peak: state.memory_cap.peak(),
        fuel_used,
        compiled: state.compiled,
    }
}

/// The epoch deadline was reached (every TICK): end a timed-out or aborted invocation, and
/// give Ruby its checkpoint when it wants one (ruby_checkpoint.rs).
fn epoch_tick(inv: &mut Invocation) -> UpdateDeadline {
    if inv.abort.is_some() || inv.deadline.is_some_and(|d| Instant::now() >= d) {
        return UpdateDeadline::Interrupt;
    }
    if let Some(yielder) = inv.yielder {
        if inv.shared.wants_checkpoint() {
            // SAFETY: the yielder belongs to the coroutine this tick runs on.
            match unsafe { &*yielder }.suspend(Request::Checkpoint) {
                Reply::Go => {}
                Reply::Abort(abort) => {
                    inv.record_abort(abort, true);
                    return UpdateDeadline::Interrupt;
                }
                Reply::Answer(_) | Reply::Yield(_) => {
                    inv.record_abort(Abort::Fault(FaultKind::Trap, "a checkpoint was resumed with a Service answer".into()), false);
                    return UpdateDeadline::Interrupt;
                }
            }
        }
    }
    UpdateDeadline::Continue(1)
}

/// Fuel left in a metered store (None when it is not metered, or not yet on its budget).
pub fn fuel_left(store: impl wasmtime::AsContext<Data = Invocation>) -> Option<u64> {
    let store = store.as_context();
    if !store.data().metering {
        return None;
    }
    store.get_fuel().ok()
}

/// Puts a metered store on its budget for the next phase.
fn refuel(store: &mut Store<Invocation>) -> wasmtime::Result<()> {
    if let Some(budget) = store.data().fuel_budget {
        store.set_fuel(budget)?;
        store.data_mut().metering = true;
    }
    Ok(())
}

fn call_entry(
    module: &GuestModule,
    image: Option<&PreparedImage>,
    store: &mut Store<Invocation>,
    entry: Entry,
    clock: Option<InvocationClock>,
    started: Instant,
) -> wasmtime::Result<Vec<u8>> {
    let (instance, memory) = start_instance(module, store)?;
    if let Some(image) = image {
        image.apply(store, &instance, memory)?;
    }
    if let Some(clock) = clock {
        store.data_mut().clock = GuestClock::new(&clock, started);
        if let Some(seed) = clock.seed {
            // The WASI stream restarts from the seed; the guest reseeds its Random once it
            // is prepared, right before the script (so snippets replay identically with or
            // without a prepared image).
            store.data_mut().set_rng_state(crate::clock::random_state_for(seed));
            let reseed = instance.get_typed_func::<i64, ()>(&mut *store, "__kobako_seed")?;
            reseed.call(&mut *store, seed as i64)?;
        }
    }
    if store.data().fuel_budget.is_some() {
        // Metered: preparing (when no image did it) runs apart under a budget of its own,
        // so the entry's budget and fuel_used cover the user's code, the same with or
        // without an image.
        if image.is_none() {
            refuel(store)?;
            if let Some(failed) = prepare_apart(&instance, store, memory, &entry)? {
                return Ok(failed);
            }
        }
        refuel(store)?;
    }

    match entry {
        Entry::Eval { keep } => {
            if keep {
                if let Ok(ask) = instance.get_typed_func::<(), ()>(&mut *store, "__kobako_keep_bytecode") {
                    store.data_mut().keep_bytecode = true;
                    ask.call(&mut *store, ())?;
                }
            }
            let eval = instance.get_typed_func::<(), ()>(&mut *store, "__kobako_eval")?;
            eval.call(&mut *store, ())?;
        }
        Entry::EvalCompiled => {
            let eval = instance.get_typed_func::<(), ()>(&mut *store, "__kobako_eval_compiled")?;
            eval.call(&mut *store, ())?;
        }
        Entry::Run(envelope) => {
            let run = instance.get_typed_func::<(i32, i32), ()>(&mut *store, "__kobako_run")?;
            let (ptr, len) = place_in_guest(store, memory, &envelope)?;
            run.call(&mut *store, (ptr, len))?;
        }
    }
    let take = instance.get_typed_func::<(), i64>(&mut *store, "__kobako_take_outcome")?;
    let packed = take.call(&mut *store, ())?;
    let bytes = unpack_payload(memory.data(&*store), packed)
        .map_err(|e| DispatchFault(format!("the guest returned a malformed outcome: {e}")))?;
    Ok(bytes.to_vec())
}

/// Installs the Services and replays the snippets with `__kobako_prepare`, before the
/// entry, which then finds the interpreter prepared for its frames and goes straight to
/// the user's code. Returns the outcome when preparing failed: it is the invocation's.
/// A guest without `__kobako_prepare`, input the entry will refuse, or no Services and no
/// snippets: the entry prepares (a few hundred units, the same every time).
fn prepare_apart(instance: &Instance, store: &mut Store<Invocation>, memory: Memory, entry: &Entry) -> wasmtime::Result<Option<Vec<u8>>> {
    let Ok(prepare) = instance.get_typed_func::<(), ()>(&mut *store, "__kobako_prepare") else {
        return Ok(None);
    };
    let frames = {
        let parts = kobako_guest::frames::split(&store.data().stdin).ok();
        let (preamble, snippets) = match (entry, parts.as_deref()) {
            (Entry::Eval { .. } | Entry::EvalCompiled, Some([preamble, _source, snippets, ..])) => (*preamble, *snippets),
            (Entry::Run(_), Some([preamble, snippets, ..])) => (*preamble, *snippets),
            _ => return Ok(None),
        };
        if preamble == [0x90] && snippets == [0x90] {
            return Ok(None); // nothing to prepare: a separate call would cost more than it meters
        }
        prepared_image::frame_pair(preamble, snippets)
    };
    let input = std::mem::replace(&mut store.data_mut().stdin, frames);
    store.data_mut().stdin_pos = 0;
    prepare.call(&mut *store, ())?;
    let take = instance.get_typed_func::<(), i64>(&mut *store, "__kobako_take_outcome")?;
    let packed = take.call(&mut *store, ())?;
    let outcome = unpack_payload(memory.data(&*store), packed)
        .map_err(|e| DispatchFault(format!("the guest returned a malformed outcome: {e}")))?;
    if outcome != prepared_image::NIL_OUTCOME {
        return Ok(Some(outcome.to_vec()));
    }
    let data = store.data_mut();
    data.stdin = input;
    data.stdin_pos = 0;
    Ok(None)
}

/// A new instance in `store`, its interpreter started and the memory cap armed at its
/// current size (the invocation's entry size, contract C-2). A metered store gets the
/// start-up allowance; budgets start with `refuel`.
pub fn start_instance(module: &GuestModule, store: &mut Store<Invocation>) -> wasmtime::Result<(Instance, Memory)> {
    if module.metered {
        store.set_fuel(SETUP_FUEL)?;
        store.data_mut().metering = false;
    }
    let instance = module.pre.instantiate(&mut *store)?;
    let memory = instance
        .get_memory(&mut *store, "memory")
        .ok_or_else(|| DispatchFault("the guest has no memory export".into()))?;
    store.data_mut().memory = Some(memory);
    bind_exports(&instance, store)?;

    let init = instance.get_typed_func::<(), i32>(&mut *store, "__kobako_init")?;
    if init.call(&mut *store, ())? == 0 {
        return Err(DispatchFault("the guest could not start its interpreter".into()).into());
    }
    let baseline = memory.data_size(&*store);
    store.data_mut().memory_cap.arm(baseline);
    Ok((instance, memory))
}

/// Copies `bytes` into memory from `__kobako_alloc`; the guest releases it after reading.
fn place_in_guest(store: &mut Store<Invocation>, memory: Memory, bytes: &[u8]) -> wasmtime::Result<(i32, i32)> {
    let len = i32::try_from(bytes.len())
        .ok()
        .filter(|&len| len > 0 && len as usize <= crate::guest_memory::MAX_PAYLOAD)
        .ok_or_else(|| DispatchFault(format!("the run envelope is {} bytes, outside 1..=16 MiB", bytes.len())))?;
    let alloc = store.data().exports.as_ref().map(|e| e.alloc.clone()).ok_or_else(|| DispatchFault("exports not bound".into()))?;
    let ptr = alloc.call(&mut *store, len)?;
    if ptr == 0 {
        return Err(DispatchFault(format!("the guest could not allocate {len} bytes for the run envelope")).into());
    }
    crate::guest_memory::slice_mut(memory.data_mut(&mut *store), ptr as u32, len as u32)
        .map_err(|e| DispatchFault(format!("the guest allocated the run envelope out of bounds: {e}")))?
        .copy_from_slice(bytes);
    Ok((ptr, len))
}

fn bind_exports(instance: &Instance, store: &mut Store<Invocation>) -> wasmtime::Result<()> {
    let alloc = instance.get_typed_func::<i32, i32>(&mut *store, "__kobako_alloc")?;
    let yield_to_block = instance.get_typed_func::<(i32, i32), i64>(&mut *store, "__kobako_yield_to_block")?;
    store.data_mut().exports = Some(Exports { alloc, yield_to_block });
    Ok(())
}

/// Why a guest call failed, as the Ruby layer will report it. An abort recorded from inside
/// a dispatch wins over the trap it caused; a trap while growing past the memory cap is a
/// memory-limit fault; a trap with the budget at zero (`fuel_left`) is the budget's, however
/// the trap reached us.
pub fn classify(inv: &Invocation, err: &wasmtime::Error, fuel_left: Option<u64>) -> (FaultKind, String) {
    if let Some(Abort::Fault(kind, message)) = &inv.abort {
        return (*kind, message.clone());
    }
    let out_of_fuel = |inv: &Invocation| match inv.fuel_budget {
        Some(budget) => (FaultKind::Fuel, format!("the script used up its fuel budget of {budget} units")),
        None => (FaultKind::Trap, "the guest ran out of fuel".into()),
    };
    match fault(err) {
        (FaultKind::Fuel, _) => out_of_fuel(inv),
        (FaultKind::Trap, msg) if inv.memory_cap.exceeded() => (FaultKind::MemoryLimit, msg),
        (FaultKind::Trap, _) if fuel_left == Some(0) => out_of_fuel(inv),
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
