//! Running the guest without Ruby's GVL (`Sandbox.new(gvl: :release)`), and taking it back
//! for the Ruby work a Service call needs.
//!
//! While the GVL is released no Ruby API may be touched: the invocation works on copies of
//! its input, and the dispatcher stays rooted in a BoxValue. Ruby interrupts
//! (Thread#raise, Thread#kill, signals) reach a released invocation through the unblock
//! function, which asks the guest to stop at its next epoch check; Ruby handles the
//! interrupt itself once the call has returned with the GVL.

use std::ffi::c_void;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

struct Call<F, R> {
    f: Option<F>,
    result: Option<std::thread::Result<R>>,
}

unsafe extern "C" fn trampoline<F: FnOnce() -> R, R>(data: *mut c_void) -> *mut c_void {
    // SAFETY: `data` is the `Call` the caller below keeps alive for the whole call.
    let call = unsafe { &mut *(data as *mut Call<F, R>) };
    if let Some(f) = call.f.take() {
        // A panic must not unwind through Ruby's C frames: carry it across instead.
        call.result = Some(catch_unwind(AssertUnwindSafe(f)));
    }
    std::ptr::null_mut()
}

unsafe extern "C" fn request_stop(flag: *mut c_void) {
    // SAFETY: the flag outlives the released call (it is owned by the invocation).
    unsafe { (*(flag as *const AtomicBool)).store(true, Ordering::SeqCst) };
}

/// Runs `f` with the GVL released. `stop` is set when Ruby wants this thread back early.
/// Uses `rb_thread_call_without_gvl2`, which does not process interrupts on return (that
/// could unwind through these frames); Ruby processes them at its next check.
pub fn without_gvl<F: FnOnce() -> R, R>(stop: &AtomicBool, f: F) -> R {
    let mut call = Call { f: Some(f), result: None };
    // SAFETY: the trampoline matches `Call<F, R>`; both pointers outlive the call.
    unsafe {
        rb_sys::rb_thread_call_without_gvl2(
            Some(trampoline::<F, R>),
            &mut call as *mut Call<F, R> as *mut c_void,
            Some(request_stop),
            stop as *const AtomicBool as *mut c_void,
        );
    }
    finish(call)
}

/// Runs `f` holding the GVL, from a thread that released it with `without_gvl`.
pub fn with_gvl<F: FnOnce() -> R, R>(f: F) -> R {
    let mut call = Call { f: Some(f), result: None };
    // SAFETY: as above; this thread is a Ruby thread that released the GVL.
    unsafe {
        rb_sys::rb_thread_call_with_gvl(Some(trampoline::<F, R>), &mut call as *mut Call<F, R> as *mut c_void);
    }
    finish(call)
}

fn finish<F: FnOnce() -> R, R>(mut call: Call<F, R>) -> R {
    match call.result {
        Some(Ok(value)) => value,
        Some(Err(panic)) => resume_unwind(panic),
        // without_gvl2 returns without calling `f` when an interrupt is already pending:
        // run it holding the GVL instead; Ruby handles the interrupt afterwards.
        None => (call.f.take().expect("a function that was not called is still there"))(),
    }
}
