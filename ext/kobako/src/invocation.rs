//! Drives one guest call on a store: arms its caps, runs the entry on the guest's
//! coroutine while the driver answers its requests, and reports what came back. A
//! one-shot invocation (`invoke`) does it on a fresh Store and instance that nothing else
//! ever sees; a session (session.rs) does it on a store it keeps across calls.

use std::sync::Arc;
use std::time::Instant;

use magnus::{value::BoxValue, Value};
use wasmtime::{Engine, Instance, Memory, Store, UpdateDeadline};

use crate::capture::Capture;
use crate::clock::{GuestClock, InvocationClock};
use crate::driver::{Driver, InvocationFiber, Outcome, ReleaseHistory};
use crate::engine::ActiveInvocation;
use crate::faults::{Abort, DispatchFault, FaultKind};
use crate::guest_fiber::{GuestYielder, Reply, Request};
use crate::guest_memory::unpack_payload;
use crate::guest_module::GuestModule;
use crate::instance::{place_in_guest, start_instance};
use crate::prepared_image::{self, PreparedImage};
use crate::store_state::{fuel_left, InstanceState, Limits, Report, Shared};

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
    let mut store = new_store(module.pre.module().engine(), InstanceState::for_module(stdin, limits, module.rng_seed));
    let driver = begin_call(&mut store, dispatcher, release_gvl, limits, started);
    let outcome = drive(&mut store, &driver, move |store| call_entry(module, image, store, entry, clock, started));
    end_call(&mut store, limits, outcome, started)
}

/// A store for `state`, with the memory cap as its limiter and the epoch tick armed.
pub fn new_store(engine: &Engine, state: InstanceState) -> Store<InstanceState> {
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.memory_cap);
    store.epoch_deadline_callback(|mut ctx| Ok(epoch_tick(ctx.data_mut())));
    store.set_epoch_deadline(1);
    store
}

/// Arms the store for one call answered by `dispatcher` (rooted for the call) and returns
/// the driver that will run it.
pub fn begin_call(
    store: &mut Store<InstanceState>,
    dispatcher: Value,
    release_gvl: Option<Arc<ReleaseHistory>>,
    limits: &Limits,
    started: Instant,
) -> Driver {
    let state = store.data_mut();
    state.dispatcher = Some(BoxValue::new(dispatcher));
    state.shared = Arc::new(if release_gvl.is_some() {
        // Only a released guest reads the thread's interrupt flags (a held one checks in).
        Shared::for_current_thread()
    } else {
        Shared::unattached()
    });
    state.deadline = limits.timeout.and_then(|t| started.checked_add(t));
    Driver::new(dispatcher, state.token, release_gvl, state.shared.clone())
}

/// Runs `body` on a guest coroutine driven from this thread; a failed guest call comes
/// back classified.
pub fn drive(
    store: &mut Store<InstanceState>,
    driver: &Driver,
    body: impl FnOnce(&mut Store<InstanceState>) -> Outcome,
) -> Result<Vec<u8>, (FaultKind, String)> {
    let _active = match ActiveInvocation::start() {
        Ok(active) => active,
        Err(e) => return Err((FaultKind::Trap, e.to_string())),
    };
    let store_ptr: *mut Store<InstanceState> = store;
    // SAFETY: the driver runs the coroutine to its end before `store` is used again; the
    // coroutine is the only user of the store meanwhile.
    let fiber = unsafe {
        InvocationFiber::new(move |yielder| {
            let store = &mut *store_ptr;
            store.data_mut().yielder = Some(yielder as *const GuestYielder);
            let outcome = body(store);
            store.data_mut().yielder = None;
            outcome
        })
    };
    match fiber {
        Ok(mut fiber) => driver.run(&mut fiber).map_err(|err| store.data().classify(&err, fuel_left(&*store))),
        Err(e) => Err((FaultKind::Trap, format!("could not map a stack for the guest: {e}"))),
    }
}

/// Ends the call: what it printed and cost, the dispatcher released, and a Ruby exception
/// that aborted it parked for `Runtime.raise_host_error`. The store is left ready for
/// another call (a session's next one) or to be dropped.
pub fn end_call(
    store: &mut Store<InstanceState>,
    limits: &Limits,
    outcome: Result<Vec<u8>, (FaultKind, String)>,
    started: Instant,
) -> Report {
    let wall_time = started.elapsed();
    let fuel_used = limits.fuel.map(|budget| match store.data().metering {
        true => budget.saturating_sub(store.get_fuel().unwrap_or(0)),
        false => 0,
    });
    let state = store.data_mut();
    state.dispatcher = None;
    state.superseded.clear();
    state.shared = Arc::new(Shared::unattached()); // no Thread kept rooted between calls
    let outcome = match state.abort.take() {
        Some(Abort::Ruby(err, rooted)) => {
            crate::dispatch::park_host_error(err, rooted);
            Err((FaultKind::Host, "a Service raised an exception that aborted the invocation".into()))
        }
        Some(other) => {
            state.abort = Some(other);
            outcome
        }
        None => outcome,
    };
    let stdout = std::mem::replace(&mut state.stdout, Capture::new(limits.stdout));
    let stderr = std::mem::replace(&mut state.stderr, Capture::new(limits.stderr));
    Report {
        outcome,
        stdout_truncated: stdout.truncated(),
        stderr_truncated: stderr.truncated(),
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
        wall_time,
        memory_peak: state.memory_cap.peak(),
        fuel_used,
        compiled: state.compiled.take(),
    }
}

/// The epoch deadline was reached (every TICK): end a timed-out or aborted invocation, and
/// give Ruby its checkpoint when it wants one (ruby_checkpoint.rs).
fn epoch_tick(inv: &mut InstanceState) -> UpdateDeadline {
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


/// Puts a metered store on its budget for the next phase.
fn refuel(store: &mut Store<InstanceState>) -> wasmtime::Result<()> {
    if let Some(budget) = store.data().fuel_budget {
        store.set_fuel(budget)?;
        store.data_mut().metering = true;
    }
    Ok(())
}

fn call_entry(
    module: &GuestModule,
    image: Option<&PreparedImage>,
    store: &mut Store<InstanceState>,
    entry: Entry,
    clock: Option<InvocationClock>,
    started: Instant,
) -> wasmtime::Result<Vec<u8>> {
    let (instance, memory) = start_instance(module, store)?;
    if let Some(image) = image {
        image.apply(store, &instance, memory)?;
    }
    apply_clock(store, &instance, clock, started, true)?;
    if let Some(failed) = arm_budget(&instance, store, memory, &entry, image.is_none())? {
        return Ok(failed);
    }
    run_entry(&instance, store, memory, entry)
}

/// Puts a metered store on its budget for the entry. When the instance still has to
/// prepare (`prepare_first`: no image did it), preparing runs apart first under a budget
/// of its own, so the entry's budget and fuel_used cover the user's code, the same with or
/// without an image; its outcome is returned when preparing failed.
pub fn arm_budget(
    instance: &Instance,
    store: &mut Store<InstanceState>,
    memory: Memory,
    entry: &Entry,
    prepare_first: bool,
) -> wasmtime::Result<Option<Vec<u8>>> {
    if store.data().fuel_budget.is_none() {
        return Ok(None);
    }
    if prepare_first {
        refuel(store)?;
        if let Some(failed) = prepare_apart(instance, store, memory, entry)? {
            return Ok(Some(failed));
        }
    }
    refuel(store)?;
    Ok(None)
}

/// Installs the call's clock (read from `started`); with `reseed`, also its random seed:
/// the WASI stream restarts from it and the guest reseeds its Random once it is prepared,
/// right before the script (so snippets replay identically with or without a prepared
/// image).
pub fn apply_clock(
    store: &mut Store<InstanceState>,
    instance: &Instance,
    clock: Option<InvocationClock>,
    started: Instant,
    reseed: bool,
) -> wasmtime::Result<()> {
    let Some(clock) = clock else { return Ok(()) };
    store.data_mut().clock = GuestClock::new(&clock, started);
    if let (Some(seed), true) = (clock.seed, reseed) {
        store.data_mut().set_rng_state(crate::clock::random_state_for(seed));
        let reseed = instance.get_typed_func::<i64, ()>(&mut *store, "__kobako_seed")?;
        reseed.call(&mut *store, seed as i64)?;
    }
    Ok(())
}

/// Calls the entry and copies its outcome out of guest memory.
pub fn run_entry(instance: &Instance, store: &mut Store<InstanceState>, memory: Memory, entry: Entry) -> wasmtime::Result<Vec<u8>> {
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
fn prepare_apart(instance: &Instance, store: &mut Store<InstanceState>, memory: Memory, entry: &Entry) -> wasmtime::Result<Option<Vec<u8>>> {
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




