//! Running the guest without Ruby's GVL (`Sandbox.new(gvl: :release)`).
//!
//! The driver (driver.rs) releases the GVL for each stretch of guest work and has it back
//! whenever the guest suspends for Ruby work (a Service call, a checkpoint). While it is
//! released no Ruby API may be touched: the guest works on copies of its input, and the
//! dispatcher stays rooted in a BoxValue. Ruby interrupts (Thread#raise, Thread#kill,
//! signals) reach a released guest through the unblock function, which asks it to suspend
//! to a checkpoint at its next epoch tick, where Ruby processes them.

use std::ffi::c_void;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

struct Call<F, R> {
    f: Option<F>,
    result: Option<std::thread::Result<R>>,
}

impl<F, R> Call<F, R> {
    fn new(f: F) -> Self {
        Self { f: Some(f), result: None }
    }

    /// The closure's value; a panic carried across Ruby's C frames resumes here.
    fn value(self) -> Option<R> {
        match self.result {
            Some(Ok(value)) => Some(value),
            Some(Err(panic)) => resume_unwind(panic),
            None => None,
        }
    }
}

/// Runs the `FnOnce(bool)` of a `without_gvl` call, telling it the GVL is released.
unsafe extern "C" fn released<F: FnOnce(bool) -> R, R>(data: *mut c_void) -> *mut c_void {
    // SAFETY: `data` is the `Call` the caller keeps alive for the whole call.
    let call = unsafe { &mut *(data as *mut Call<F, R>) };
    if let Some(f) = call.f.take() {
        // A panic must not unwind through Ruby's C frames: carry it across instead.
        call.result = Some(catch_unwind(AssertUnwindSafe(|| f(true))));
    }
    std::ptr::null_mut()
}

unsafe extern "C" fn request_stop(flag: *mut c_void) {
    // SAFETY: the flag outlives the released call (it is owned by the invocation).
    unsafe { (*(flag as *const AtomicBool)).store(true, Ordering::SeqCst) };
}

/// Runs `f` with the GVL released, telling it whether it really was: `f(true)` runs
/// without the GVL, `f(false)` holding it. `stop` is set when Ruby wants this thread back
/// early. Uses `rb_thread_call_without_gvl2`, which does not process interrupts on return
/// (that could unwind through these frames); Ruby processes them at its next check.
///
/// `without_gvl2` declines to release when an interrupt is already pending (a signal, a
/// Thread#raise, or just the timer asking for a thread switch, which under load is often).
/// `f` then runs holding the GVL and must know it: the guest then suspends to checkpoints
/// as it does under `gvl: :hold`.
pub fn without_gvl<F: FnOnce(bool) -> R, R>(stop: &AtomicBool, f: F) -> R {
    let mut call = Call::new(f);
    // SAFETY: `released` matches `Call<F, R>`; both pointers outlive the call.
    unsafe {
        rb_sys::rb_thread_call_without_gvl2(
            Some(released::<F, R>),
            &mut call as *mut Call<F, R> as *mut c_void,
            Some(request_stop),
            stop as *const AtomicBool as *mut c_void,
        );
    }
    match call.f.take() {
        Some(declined) => declined(false),
        None => call.value().expect("a released call that ran left its result"),
    }
}
