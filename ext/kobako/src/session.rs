//! `Kobako::GuestSession`: one guest instance kept alive across evals, for
//! `Kobako::Session` (contract P-1). The first eval starts the instance, marks it a
//! session's (`__kobako_session`: the script's top-level locals are kept from one eval to
//! the next) and prepares it; every eval after that runs in the same interpreter, with
//! the Sandbox's caps for each call and its memory_limit over the session's whole heap.
//!
//! A call that ends in a trap (timeout, memory limit, fuel, an abort) leaves the
//! interpreter mid-call, so the instance is never entered again: the session is broken,
//! and the Ruby layer rebuilds it from its recorded steps.

use std::sync::{Arc, Mutex, TryLockError};
use std::time::Instant;

use magnus::{method, prelude::*, Error, RModule, RString, Ruby, Value};
use wasmtime::{Instance, Memory, Store};

use crate::clock::InvocationClock;
use crate::driver::ReleaseHistory;
use crate::faults::DispatchFault;
use crate::guest_module::GuestModule;
use crate::instance::start_instance;
use crate::invocation::{apply_clock, arm_budget, begin_call, drive, end_call, new_store, run_entry, Entry};
use crate::ruby_errors::{self, Kind as ErrorKind};
use crate::snapshot::Snapshot;
use crate::store_state::{InstanceState, Limits};

#[magnus::wrap(class = "Kobako::GuestSession", free_immediately, size)]
pub struct GuestSession {
    module: Arc<GuestModule>,
    limits: Limits,
    release_gvl: Option<Arc<ReleaseHistory>>,
    live: Mutex<Live>,
}

/// The kept store and, once the first eval started it, its instance.
struct Live {
    store: Option<Store<InstanceState>>,
    started: Option<(Instance, Memory)>,
    /// Why the instance can never run again (a trap ended a call mid-way).
    broken: Option<String>,
    calls: u64,
}

// SAFETY: a GuestSession is only used from Ruby threads holding the GVL, one call at a time
// (the Mutex, taken with try_lock, refuses a second); the store never leaves the call that
// drives it, and between calls it roots nothing (end_call drops the dispatcher and thread).
unsafe impl Send for Live {}

impl GuestSession {
    pub fn new(module: Arc<GuestModule>, limits: Limits, release_gvl: Option<Arc<ReleaseHistory>>) -> Self {
        Self { module, limits, release_gvl, live: Mutex::new(Live { store: None, started: None, broken: None, calls: 0 }) }
    }

    /// Runs one eval (frames as for `Runtime#eval`) in the session's interpreter.
    fn eval(ruby: &Ruby, rb_self: &Self, stdin: RString, dispatcher: Value, clock: Value) -> Result<Snapshot, Error> {
        let clock = InvocationClock::from_ruby(ruby, clock)?;
        // SAFETY: the bytes are copied before any Ruby code can run.
        let input = unsafe { stdin.as_slice() }.to_vec();
        let mut live = match rb_self.live.try_lock() {
            Ok(live) => live,
            Err(TryLockError::WouldBlock) => {
                return Err(ruby_errors::error(ruby, ErrorKind::Argument, "the session is already running an eval"))
            }
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
        };
        if let Some(why) = &live.broken {
            return Err(ruby_errors::error(ruby, ErrorKind::Argument, format!("the session's instance ended: {why}")));
        }
        let started = Instant::now();
        let module = rb_self.module.clone();
        let live = &mut *live;
        let store = live.store.get_or_insert_with(|| {
            new_store(module.pre.module().engine(), InstanceState::for_module(Vec::new(), &rb_self.limits, module.rng_seed))
        });
        store.data_mut().reset_for_call(input);
        let driver = begin_call(store, dispatcher, rb_self.release_gvl.clone(), &rb_self.limits, started);
        let opened = &mut live.started;
        let outcome = drive(store, &driver, |store| {
            let (instance, memory, first) = match *opened {
                Some((instance, memory)) => (instance, memory, false),
                None => {
                    let (instance, memory) = start_instance(&module, store)?;
                    let begin = instance
                        .get_typed_func::<(), i32>(&mut *store, "__kobako_session")
                        .map_err(|_| DispatchFault("this guest module has no sessions (rebuild it with `rake guest`)".into()))?;
                    if begin.call(&mut *store, ())? == 0 {
                        return Err(DispatchFault("the guest could not start its interpreter".into()).into());
                    }
                    *opened = Some((instance, memory));
                    (instance, memory, true)
                }
            };
            // The seed applies once: a session's randomness goes on from step to step.
            apply_clock(store, &instance, clock, started, first)?;
            let entry = Entry::Eval { keep: false };
            if let Some(failed) = arm_budget(&instance, store, memory, &entry, first)? {
                return Ok(failed);
            }
            run_entry(&instance, store, memory, entry)
        });
        if let Err((_, message)) = &outcome {
            live.broken = Some(message.clone());
        }
        live.calls += 1;
        let report = end_call(store, &rb_self.limits, outcome, started);
        Ok(Snapshot::new(report))
    }

    /// Drops the instance (its memory and pool slot); later evals raise. Never waits: an
    /// instance running an eval right now is left as it is (returns false).
    fn close(&self) -> bool {
        let mut live = match self.live.try_lock() {
            Ok(live) => live,
            Err(TryLockError::WouldBlock) => return false,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
        };
        live.store = None;
        live.started = None;
        live.broken = Some("the session was closed".into());
        true
    }

    /// True while the instance can run more evals.
    fn usable(&self) -> bool {
        match self.live.try_lock() {
            Ok(live) => live.broken.is_none(),
            Err(TryLockError::WouldBlock) => true,
            Err(TryLockError::Poisoned(p)) => p.into_inner().broken.is_none(),
        }
    }

    /// Bytes of linear memory the instance has (0 before the first eval or once closed).
    fn memory_size(&self) -> usize {
        let Ok(live) = self.live.try_lock() else { return 0 };
        match (&live.store, live.started) {
            (Some(store), Some((_, memory))) => memory.data_size(store),
            _ => 0,
        }
    }
}

pub fn define(ruby: &Ruby, kobako: RModule) -> Result<(), Error> {
    let class = kobako.define_class("GuestSession", ruby.class_object())?;
    class.undef_default_alloc_func();
    class.define_method("eval", method!(GuestSession::eval, 3))?;
    class.define_method("close", method!(GuestSession::close, 0))?;
    class.define_method("usable?", method!(GuestSession::usable, 0))?;
    class.define_method("memory_size", method!(GuestSession::memory_size, 0))?;
    Ok(())
}
