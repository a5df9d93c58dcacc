//! The guest's only way out (`env.__kobako_dispatch`), contract W-4.
//!
//! A dispatch copies the request out of guest memory and suspends the guest's coroutine
//! with it; the driver (driver.rs) has the invocation's Ruby dispatcher answer it on the
//! Ruby thread's stack, and the response is copied into memory the guest allocates. A
//! Service that yields to a guest block resumes the suspended dispatch with the block's
//! request, which runs here, on the guest's stack, as a nested guest call.
//!
//! When anything aborts the invocation (a trap inside a yield, a Ruby exception that is not
//! a StandardError, a throw), the abort is recorded in the store, every enclosing dispatch
//! returns a trap, and the guest never runs again: its interpreter was left mid-call.

use magnus::{value::BoxValue, Error, Ruby, Value};
use wasmtime::{Caller, Linker};

use crate::guest_fiber::{Reply, Request};
use crate::guest_memory::{self, MAX_PAYLOAD};
use crate::faults::{Abort, Aborted, BlockFailure, DispatchFault, FaultKind};
use crate::store_state::InstanceState;
use crate::ruby_errors::{self, Kind as ErrorKind};

/// Deepest nesting of dispatch -> yield -> dispatch the host accepts. The real guest stops
/// at 32; a hostile one is cut off here before it exhausts the native stack.
const MAX_NESTING: u32 = 40;


type Parked = (Error, Option<BoxValue<Value>>);

thread_local! {
    /// The Ruby error that aborted this thread's latest invocation, until re-raised.
    static PARKED: std::cell::RefCell<Option<Parked>> = const { std::cell::RefCell::new(None) };
}

/// Keeps the error (rooted) until the Ruby layer has recorded the invocation's output and
/// calls `Runtime.raise_host_error`.
pub fn park_host_error(err: Error, rooted: Option<BoxValue<Value>>) {
    PARKED.with(|p| *p.borrow_mut() = Some((err, rooted)));
}

/// `Kobako::Runtime.raise_host_error`: raises the parked error of this thread's latest
/// invocation exactly as the Service raised it (exception or throw).
pub fn raise_host_error(ruby: &Ruby) -> Result<(), Error> {
    match PARKED.with(|p| p.borrow_mut().take()) {
        Some((err, _rooted)) => Err(err),
        None => Err(ruby_errors::error(ruby, ErrorKind::Trap, "the invocation was aborted by the host")),
    }
}

pub fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    linker.func_wrap("env", "__kobako_dispatch", dispatch)?;
    Ok(())
}

fn dispatch(mut caller: Caller<'_, InstanceState>, ptr: i32, len: i32) -> wasmtime::Result<i64> {
    if caller.data().abort.is_some() {
        return Err(Aborted.into());
    }
    caller.data_mut().dispatches += 1;
    let memory = caller.data().memory.ok_or_else(|| DispatchFault("the guest has no memory".into()))?;
    if len as u32 as usize > MAX_PAYLOAD {
        return Err(DispatchFault(format!("the guest sent a {len}-byte Service request, over the 16 MiB limit")).into());
    }
    let request = guest_memory::slice(memory.data(&caller), ptr as u32, len as u32)
        .map_err(|e| DispatchFault(format!("the guest sent a malformed Service request: {e}")))?
        .to_vec();
    if caller.data().dispatcher.is_none() {
        return Err(DispatchFault("no Service dispatcher is attached to this invocation".into()).into());
    }
    let yielder = caller.data().yielder.ok_or_else(|| DispatchFault("the guest is not running on its own stack".into()))?;
    if caller.data().depth >= MAX_NESTING {
        return Err(DispatchFault(format!("Service calls nest deeper than {MAX_NESTING} levels")).into());
    }
    // SAFETY: the yielder belongs to the coroutine this call runs on, which is suspended
    // only inside `suspend`.
    let yielder = unsafe { &*yielder };
    caller.data_mut().depth += 1;
    let mut reply = yielder.suspend(Request::Service(request));
    let answer = loop {
        match reply {
            Reply::Answer(bytes) => break Ok(bytes),
            Reply::Abort(abort) => break Err(abort),
            Reply::Yield(block) => {
                let done = run_block_for_service(&mut caller, &block);
                reply = yielder.suspend(Request::BlockDone(done));
            }
            Reply::Go => break Err(Abort::Fault(FaultKind::Trap, "a Service call was resumed without an answer".into())),
        }
    };
    caller.data_mut().depth -= 1;

    match answer {
        // What Ruby is unwinding with (an exception that is not a StandardError, a throw,
        // Thread#kill) wins over a trap recorded on the way: it must reach the caller.
        Err(abort) => {
            caller.data_mut().record_abort(abort, true);
            Err(Aborted.into())
        }
        Ok(_) if caller.data().abort.is_some() => Err(Aborted.into()),
        Ok(bytes) => place_in_guest(&mut caller, &bytes),
    }
}

/// Copies `bytes` into memory the guest allocates and returns `(ptr << 32) | len`.
fn place_in_guest(caller: &mut Caller<'_, InstanceState>, bytes: &[u8]) -> wasmtime::Result<i64> {
    if bytes.len() > MAX_PAYLOAD || bytes.is_empty() {
        return Err(DispatchFault(format!("a {}-byte message cannot be sent to the guest", bytes.len())).into());
    }
    let exports = caller.data().exports.clone().ok_or_else(|| DispatchFault("the guest exports are not bound".into()))?;
    let ptr = exports.alloc.call(&mut *caller, bytes.len() as i32)?;
    if ptr == 0 {
        return Err(DispatchFault(format!("the guest could not allocate {} bytes", bytes.len())).into());
    }
    let memory = caller.data().memory.ok_or_else(|| DispatchFault("the guest has no memory".into()))?;
    let dest = guest_memory::slice_mut(memory.data_mut(&mut *caller), ptr as u32, bytes.len() as u32)
        .map_err(|e| DispatchFault(format!("the guest allocated memory out of bounds: {e}")))?;
    dest.copy_from_slice(bytes);
    Ok((((ptr as u32 as u64) << 32) | bytes.len() as u64) as i64)
}

/// Runs the guest block a Service yielded to (a nested guest call on the guest's stack).
/// A failure records why the invocation is aborted: the guest never runs again.
fn run_block_for_service(caller: &mut Caller<'_, InstanceState>, request: &[u8]) -> Result<Vec<u8>, BlockFailure> {
    if let Some(abort) = &caller.data().abort {
        return Err(abort.failure());
    }
    match run_block(caller, request) {
        Ok(answer) => Ok(answer),
        Err(err) => {
            if caller.data().abort.is_none() {
                let fuel_left = crate::store_state::fuel_left(&*caller);
                let (kind, message) = caller.data().classify(&err, fuel_left);
                caller.data_mut().record_abort(Abort::Fault(kind, message), false);
            }
            let abort = caller.data().abort.as_ref().expect("an aborted invocation records why");
            Err(abort.failure())
        }
    }
}

fn run_block(caller: &mut Caller<'_, InstanceState>, request: &[u8]) -> wasmtime::Result<Vec<u8>> {
    let packed = place_in_guest(caller, request)?;
    let exports = caller.data().exports.clone().ok_or_else(|| DispatchFault("the guest exports are not bound".into()))?;
    let (ptr, len) = ((packed as u64 >> 32) as i32, packed as u32 as i32);
    let answer = exports.yield_to_block.call(&mut *caller, (ptr, len))?;
    let memory = caller.data().memory.ok_or_else(|| DispatchFault("the guest has no memory".into()))?;
    let bytes = guest_memory::unpack_payload(memory.data(&*caller), answer)
        .map_err(|e| DispatchFault(format!("the guest returned a malformed block result: {e}")))?;
    Ok(bytes.to_vec())
}
