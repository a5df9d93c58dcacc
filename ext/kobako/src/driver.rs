//! Drives an invocation's guest coroutine from the Ruby thread: answers its Service calls
//! and checkpoints on the thread's own stack, and under `gvl: :release` runs the guest
//! without the GVL in between (contract W-4, T-1).
//!
//! A Service that yields to a guest block re-enters here
//! (`Kobako::Runtime.yield_to_active_invocation`): the same coroutine is resumed with the
//! block's request and driven until the block is done, answering the Service calls the
//! block makes on the way.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use magnus::{prelude::*, Error, RString, Ruby, Value};

use crate::faults::{Abort, BlockFailure, DispatchFault, FaultKind};
use crate::guest_fiber::{GuestFiber, Reply, Request, Step};
use crate::ruby_checkpoint::Checkpoints;
use crate::ruby_errors::{self, Kind as ErrorKind};
use crate::store_state::Shared;

/// What an invocation's coroutine returns: the outcome bytes, or why the guest call failed.
pub type Outcome = wasmtime::Result<Vec<u8>>;
pub type InvocationFiber = GuestFiber<Outcome>;


/// What a `gvl: :release` Sandbox learnt from its last invocation: how long the guest ran
/// from its start to its first request (a Service call, a checkpoint, the end).
#[derive(Default)]
pub struct ReleaseHistory {
    first_stretch_ns: AtomicU64,
}

/// A first stretch shorter than this is not worth releasing the GVL for: handing it to a
/// waiting thread and waiting to get it back for the first Service call costs tens of µs.
const RELEASE_WORTH: Duration = Duration::from_micros(50);

impl ReleaseHistory {
    fn worth_releasing(&self) -> bool {
        match self.first_stretch_ns.load(Ordering::Relaxed) {
            0 => true,
            ns => ns >= RELEASE_WORTH.as_nanos() as u64,
        }
    }

    fn record(&self, stretch: Duration) {
        self.first_stretch_ns.store((stretch.as_nanos() as u64).max(1), Ordering::Relaxed);
    }
}

pub struct Driver {
    /// The Ruby object answering Service calls, rooted by the invocation (its BoxValue).
    pub dispatcher: Value,
    pub token: u64,
    /// `gvl: :release` (None: `:hold`).
    release: Option<Arc<ReleaseHistory>>,
    pub shared: Arc<Shared>,
    checkpoints: RefCell<Checkpoints>,
    /// The guest is suspended waiting for a Service answer: only then may a Service
    /// resume it with a block to run (not at a checkpoint, not while it runs).
    at_service: Cell<bool>,
    /// The Ruby Fiber the invocation runs on. The Driver lives on that Fiber's stack, which
    /// Ruby's GC scans conservatively, so the object stays put.
    ruby_fiber: rb_sys::VALUE,
}

struct ActiveDrive {
    token: u64,
    fiber: *mut InvocationFiber,
    driver: *const Driver,
}

thread_local! {
    /// Invocations being driven on this thread, innermost last.
    static ACTIVE: RefCell<Vec<ActiveDrive>> = const { RefCell::new(Vec::new()) };
}

/// Registers an invocation for `yield_to_active_invocation` while it is driven.
struct Registration;

impl Registration {
    fn push(token: u64, fiber: *mut InvocationFiber, driver: *const Driver) -> Self {
        ACTIVE.with(|a| a.borrow_mut().push(ActiveDrive { token, fiber, driver }));
        Registration
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().pop());
    }
}

/// An invocation of another Fiber of this thread is in progress (paused in a Service call
/// whose Ruby code switched Fibers): a guest entered from `ruby_fiber` now could not return
/// in order.
fn busy_on_another_fiber(ruby_fiber: rb_sys::VALUE) -> bool {
    ACTIVE.with(|a| {
        // SAFETY: a registered driver lives until its registration is popped.
        a.borrow().iter().any(|d| unsafe { (*d.driver).ruby_fiber } != ruby_fiber)
    })
}

/// `Kobako::Runtime.guest_busy_on_another_fiber?`: whether an eval on the current Fiber
/// would be refused now (the Ruby layer waits under a Fiber scheduler instead).
pub fn guest_busy_on_another_fiber() -> bool {
    // SAFETY: called from Ruby, holding the GVL.
    busy_on_another_fiber(unsafe { rb_sys::rb_fiber_current() })
}

enum Driven {
    Finished(Outcome),
    Block(Result<Vec<u8>, BlockFailure>),
}

impl Driver {
    pub fn new(dispatcher: Value, token: u64, release: Option<Arc<ReleaseHistory>>, shared: Arc<Shared>) -> Self {
        // SAFETY: called holding the GVL, on a Ruby thread.
        let ruby_fiber = unsafe { rb_sys::rb_fiber_current() };
        Self {
            dispatcher,
            token,
            release,
            shared,
            checkpoints: RefCell::new(Checkpoints::new()),
            at_service: Cell::new(false),
            ruby_fiber,
        }
    }

    /// Runs the invocation's coroutine to its end.
    ///
    /// wasmtime keeps the guest calls in progress on a thread as a stack: the latest one
    /// entered must return first. An invocation suspended in a Service call whose Ruby
    /// code switched to another Fiber breaks that if the other Fiber enters a guest too and
    /// is still inside it when the first resumes (wasmtime then aborts with a failed
    /// assertion). So a guest is not entered while an invocation of another Fiber of this
    /// thread is in progress; nested invocations (a Service calling eval) are on the same
    /// Fiber and stay in order.
    pub fn run(&self, fiber: &mut InvocationFiber) -> Outcome {
        if busy_on_another_fiber(self.ruby_fiber) {
            return Err(DispatchFault(
                "another invocation on this thread is paused in a Service call on another Fiber; guests cannot \
                 interleave across Fibers of one thread (run them on separate threads)"
                    .into(),
            )
            .into());
        }
        let fiber: *mut InvocationFiber = fiber;
        let _registered = Registration::push(self.token, fiber, self);
        match drive(fiber, self, Reply::Go) {
            Driven::Finished(outcome) => outcome,
            // A block only finishes inside the Service call that asked for it.
            Driven::Block(_) => Err(DispatchFault("the guest finished a block nobody asked for".into()).into()),
        }
    }

    /// One resumption of the guest; without the GVL when `release` under `gvl: :release`.
    /// With no other Ruby thread alive there is nobody to release the GVL to, and Ruby
    /// 3.1 starts (and kills) a helper thread for every release on a lone main thread
    /// (about 70 µs): the guest then runs holding it, with checkpoints as under `:hold`.
    /// Also says whether the guest ran without the GVL.
    fn resume(&self, fiber: *mut InvocationFiber, reply: Reply, release: bool) -> (Step<Outcome>, bool) {
        self.at_service.set(false);
        // SAFETY: rb_thread_alone only reads the VM's thread count; the GVL is held here.
        if !release || self.release.is_none() || unsafe { rb_sys::rb_thread_alone() } != 0 {
            // SAFETY: the fiber outlives its drive; only one resumption runs at a time.
            return (unsafe { (*fiber).resume(reply) }, false);
        }
        let shared = &self.shared;
        crate::gvl::without_gvl(&shared.stop, |released| {
            shared.released.store(released, Ordering::Relaxed);
            // SAFETY: as above; no Ruby API is touched until the guest suspends.
            let step = unsafe { (*fiber).resume(reply) };
            shared.released.store(false, Ordering::Relaxed);
            (step, released)
        })
    }

    /// A Service call, answered by the Ruby dispatcher (which may yield to a guest block).
    fn serve(&self, request: Vec<u8>) -> Reply {
        let Ok(ruby) = Ruby::get() else {
            return Reply::Abort(Abort::Fault(FaultKind::Trap, "Ruby is not available on this thread".into()));
        };
        self.at_service.set(true);
        let response = self.dispatcher.funcall::<_, _, RString>("call", (ruby.str_from_slice(&request), self.token));
        match response {
            // SAFETY: copied before any Ruby code can run again.
            Ok(response) => Reply::Answer(unsafe { response.as_slice() }.to_vec()),
            // An exception that is not a StandardError, a throw, Thread#kill: it must
            // reach the caller of eval unchanged.
            Err(err) => Reply::Abort(Abort::ruby(err)),
        }
    }

    /// `released`: the guest suspended from a stretch without the GVL (Ruby asked for the
    /// thread back); it needs no GVL offer, the next stretch releases it anyway.
    fn checkpoint(&self, released: bool) -> Reply {
        let result = if released {
            Checkpoints::interrupts_only()
        } else {
            self.checkpoints.borrow_mut().run()
        };
        match result {
            Ok(()) => Reply::Go,
            Err(err) => Reply::Abort(Abort::ruby(err)),
        }
    }
}

/// When `gvl: :release` lets the guest run without the GVL: from its start when its
/// Sandbox's last first stretch was long enough to be worth it (ReleaseHistory), and
/// whenever it has run a whole tick holding the GVL (a checkpoint). After a Service answer
/// or into a block it goes on holding the GVL: between two Service calls a guest runs for
/// microseconds, and handing the GVL over and waiting to get it back costs more (two
/// Service-heavy threads ran at half the speed of one). A guest that computes after a
/// Service call keeps the GVL for at most one tick.
fn drive(fiber: *mut InvocationFiber, driver: &Driver, first: Reply) -> Driven {
    let starting = matches!(first, Reply::Go);
    let history = driver.release.as_deref().filter(|_| starting);
    let mut release = history.is_some_and(ReleaseHistory::worth_releasing);
    let mut reply = first;
    let mut stretch_started = history.map(|_| Instant::now());
    loop {
        let (step, released) = driver.resume(fiber, reply, release);
        if let (Some(history), Some(started)) = (history, stretch_started.take()) {
            history.record(started.elapsed());
        }
        (reply, release) = match step {
            Step::Done(outcome) => return Driven::Finished(outcome),
            Step::Asks(Request::BlockDone(result)) => {
                // The guest is back where the Service that yielded left it: awaiting its answer.
                driver.at_service.set(true);
                return Driven::Block(result);
            }
            Step::Asks(Request::Service(request)) => (driver.serve(request), false),
            Step::Asks(Request::Checkpoint) => (driver.checkpoint(released), true),
        };
    }
}

/// `Kobako::Runtime.yield_to_active_invocation(token, request)`: runs a guest block from
/// inside a Service call of invocation `token` on this thread and returns the guest's
/// answer (its value or a fault). Outside such a call it raises TrapError.
pub fn yield_to_active_invocation(ruby: &Ruby, token: u64, request: RString) -> Result<RString, Error> {
    // SAFETY: copied before any Ruby code can run again.
    let request = unsafe { request.as_slice() }.to_vec();
    let found = ACTIVE.with(|a| {
        a.borrow()
            .iter()
            .rev()
            .find(|d| d.token == token)
            // SAFETY: a registered driver lives until its registration is popped.
            .filter(|d| unsafe { (*d.driver).at_service.get() })
            .map(|d| (d.fiber, d.driver))
    });
    let Some((fiber, driver)) = found else {
        return Err(ruby_errors::error(
            ruby,
            ErrorKind::Trap,
            "a sandbox block can only run while its Service call is in progress, on the same thread",
        ));
    };
    // SAFETY: the registration lives as long as the drive that is suspended in the Service
    // call that led here; that drive does not touch the fiber until the Service returns.
    let driver = unsafe { &*driver };
    match drive(fiber, driver, Reply::Yield(request)) {
        Driven::Block(Ok(answer)) => Ok(ruby.str_from_slice(&answer)),
        Driven::Block(Err(failure)) => Err(failure.to_error(ruby)),
        Driven::Finished(_) => Err(ruby_errors::error(ruby, ErrorKind::Trap, "the invocation ended while a Service was yielding to it")),
    }
}
