//! The guest runs on a stack of its own, never on the Ruby thread's.
//!
//! A Ruby thread's native stack can be small (`RUBY_THREAD_MACHINE_STACK_SIZE`, fibers,
//! Enumerator#next), and wasmtime sets the guest's stack limit `MAX_WASM_STACK` below
//! wherever the guest was entered: on a small stack, deep guest recursion would run past
//! the end of the thread's stack into its guard page, a fault no wasm trap covers (Ruby's
//! own handler then longjmps across wasm frames, or the process dies). So every guest call
//! runs on a coroutine with a stack sized for the limit plus the host frames above it, and
//! deep recursion always ends in wasmtime's stack-overflow trap.
//!
//! Ruby must only run on the Ruby thread's stack (its GC scans that stack; its overflow
//! checks measure it). When the guest needs Ruby (a Service call, an interrupt
//! checkpoint), it suspends with a `Request`; whoever resumed it does the Ruby work on the
//! thread's stack and resumes it with the `Reply`. A block a Service yields to runs by
//! resuming the same coroutine, so nested guest calls stay on the guest's stack too.
//!
//! A coroutine is always driven to completion: dropping one suspended inside wasm would
//! unwind through wasm frames. An aborted invocation is resumed with `Reply::Abort`, which
//! every suspension point turns into a trap that unwinds the guest normally.

use std::cell::RefCell;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

use crate::faults::{Abort, BlockFailure};

/// The coroutine's stack: the guest's own limit, plus room for the host frames that run on
/// it (wasmtime's entry and trap machinery, WASI calls, one dispatch per nesting level).
pub const GUEST_STACK: usize = crate::engine::MAX_WASM_STACK + (1 << 20);

/// Stacks each thread keeps for its next invocations (mapping one costs a few µs; nested
/// invocations on one thread need one each).
const SPARE_STACKS: usize = 2;

thread_local! {
    static SPARE: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
}

/// What the guest asks of the Ruby side when it suspends.
pub enum Request {
    /// A Service call: answer with `Reply::Answer` (or `Reply::Yield` to run a block first).
    Service(Vec<u8>),
    /// The epoch tick: Ruby may process interrupts and let other threads run.
    Checkpoint,
    /// The block a `Reply::Yield` asked for has finished.
    BlockDone(Result<Vec<u8>, BlockFailure>),
}

/// What the Ruby side resumes the guest with.
pub enum Reply {
    /// Go on (after a checkpoint, or to start).
    Go,
    /// The response to a Service call.
    Answer(Vec<u8>),
    /// Run a guest block (the request is the guest's), then suspend with `BlockDone`.
    Yield(Vec<u8>),
    /// End the invocation: the guest traps at the suspension point.
    Abort(Abort),
}

pub type GuestYielder = Yielder<Reply, Request>;

/// One step of a coroutine: it asked for something, or it finished with `R`.
pub enum Step<R> {
    Asks(Request),
    Done(R),
}

pub struct GuestFiber<R> {
    coroutine: Option<Coroutine<Reply, Request, R, DefaultStack>>,
}

fn take_stack() -> std::io::Result<DefaultStack> {
    match SPARE.with(|s| s.borrow_mut().pop()) {
        Some(stack) => Ok(stack),
        None => DefaultStack::new(GUEST_STACK),
    }
}

fn give_back(stack: DefaultStack) {
    SPARE.with(|s| {
        let mut spare = s.borrow_mut();
        if spare.len() < SPARE_STACKS {
            spare.push(stack);
        }
    });
}

impl<R> GuestFiber<R> {
    /// A coroutine that will run `body` on a guest stack (started by the first `resume`).
    ///
    /// # Safety
    /// Everything `body` borrows must stay valid until the coroutine has finished: the
    /// caller drives it to completion before those borrows end.
    pub unsafe fn new(body: impl FnOnce(&GuestYielder) -> R) -> std::io::Result<Self> {
        let stack = take_stack()?;
        // SAFETY: per this function's contract.
        let coroutine = unsafe { Coroutine::with_stack_unchecked(stack, move |yielder, _start: Reply| body(yielder)) };
        Ok(Self { coroutine: Some(coroutine) })
    }

    /// Resumes the guest with `reply` until it asks for something or finishes.
    pub fn resume(&mut self, reply: Reply) -> Step<R> {
        let coroutine = self.coroutine.as_mut().expect("a finished guest coroutine is not resumed");
        match coroutine.resume(reply) {
            CoroutineResult::Yield(request) => Step::Asks(request),
            CoroutineResult::Return(value) => {
                if let Some(done) = self.coroutine.take() {
                    give_back(done.into_stack());
                }
                Step::Done(value)
            }
        }
    }
}

impl<R> Drop for GuestFiber<R> {
    fn drop(&mut self) {
        if let Some(coroutine) = self.coroutine.take() {
            if coroutine.started() && !coroutine.done() {
                // Unreachable by construction (drivers finish what they start); unwinding
                // through wasm frames would be worse than losing one stack.
                std::mem::forget(coroutine);
            }
        }
    }
}

/// Runs `f` on a guest stack with nothing to ask of Ruby (probes, preparing an image).
pub fn on_guest_stack<T>(f: impl FnOnce() -> T) -> std::io::Result<T> {
    let mut stack = take_stack()?;
    let value = corosensei::on_stack(&mut stack, f);
    give_back(stack);
    Ok(value)
}
