//! What a running guest owes Ruby: a chance to process interrupts, and to let other
//! threads run.
//!
//! Ruby code checks for interrupts (Thread#raise, Thread#kill, signal handlers, Timeout) at
//! every call and loop, and hands the GVL over when its time slice is up. A guest that
//! holds the GVL (`gvl: :hold`) runs no Ruby code, so it suspends to a checkpoint on every
//! epoch tick (guest_fiber.rs): there, on the Ruby thread's stack and with no wasm frames
//! on it, pending interrupts are processed (an exception or Thread#kill ends the
//! invocation and reaches the caller unchanged), and the GVL is offered to waiting threads.
//!
//! Ruby's own scheduler hands the GVL to a waiting thread only after a 100 ms slice, too
//! late for `Timeout.timeout` to stop a script promptly; the guest offers it every
//! OFFER_EVERY instead. Like Ruby's round robin, when another thread kept the GVL for long
//! the guest then keeps it as long (up to Ruby's own slice) before offering it again.

use std::time::{Duration, Instant};

use magnus::Error;

/// How often a guest holding the GVL offers it to threads waiting for it.
pub const OFFER_EVERY: Duration = Duration::from_millis(10);

/// Ruby's own time slice (TIME_QUANTUM): the longest a guest keeps the GVL between offers.
const LONGEST_SLICE: Duration = Duration::from_millis(100);

pub struct Checkpoints {
    next_offer: Instant,
}

impl Checkpoints {
    pub fn new() -> Self {
        Self { next_offer: Instant::now() + OFFER_EVERY }
    }

    /// Processes Ruby's pending interrupts, first offering the GVL to other threads when it
    /// is time. Err: what an interrupt raised (or threw); the invocation must end with it.
    /// The caller holds the GVL and runs on the Ruby thread's stack.
    pub fn run(&mut self) -> Result<(), Error> {
        let started = Instant::now();
        if started < self.next_offer {
            return protected(|| unsafe { rb_sys::rb_thread_check_ints() });
        }
        // rb_thread_schedule gives the GVL to a waiting thread (if any), then processes
        // interrupts, which may raise: hence the protection.
        let result = protected(|| unsafe { rb_sys::rb_thread_schedule() });
        let others_ran = started.elapsed();
        self.next_offer = Instant::now() + others_ran.clamp(OFFER_EVERY, LONGEST_SLICE);
        result
    }

    /// Processes pending interrupts only (the thread was away from Ruby without the GVL).
    pub fn interrupts_only() -> Result<(), Error> {
        protected(|| unsafe { rb_sys::rb_thread_check_ints() })
    }
}

/// Runs a Ruby C function that may raise or throw, catching the jump here.
fn protected(f: impl FnOnce()) -> Result<(), Error> {
    magnus::rb_sys::protect(|| {
        f();
        rb_sys::special_consts::Qnil as rb_sys::VALUE
    })
    .map(|_| ())
}
