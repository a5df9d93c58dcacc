//! The guest's only way out (`env.__kobako_dispatch`) and the host's way back in
//! (`Kobako::Runtime.yield_to_active_invocation`), contract W-4.
//!
//! A dispatch copies the request out of guest memory, calls the invocation's Ruby
//! dispatcher (`#call(request, token)`), and copies the response into memory the guest
//! allocates. While the dispatcher runs, the wasmtime `Caller` is registered on a
//! thread-local stack so a Service that yields can re-enter the same guest instance.
//!
//! When anything aborts the invocation (a trap inside a yield, a Ruby exception that is not
//! a StandardError, a throw), the abort is recorded in the store, every enclosing dispatch
//! returns a trap, and the guest never runs again: its interpreter was left mid-call.

use std::cell::RefCell;
use std::ffi::c_void;

use magnus::{prelude::*, value::BoxValue, Error, RString, Ruby, Value};
use wasmtime::{Caller, Linker};

use crate::guest_memory::{self, MAX_PAYLOAD};
use crate::invocation::{FaultKind, Invocation};
use crate::ruby_errors::{self, Kind as ErrorKind};

/// Deepest nesting of dispatch -> yield -> dispatch the host accepts. The real guest stops
/// at 32; a hostile one is cut off here before it exhausts the native stack.
const MAX_NESTING: u32 = 40;

/// Why an invocation was abandoned from inside a dispatch.
pub enum Abort {
    /// A trap in a nested guest call (timeout, memory limit, fuel, fault).
    Fault(FaultKind, String),
    /// A Ruby exception or jump that must reach the caller of `eval` unchanged. The
    /// BoxValue keeps the exception rooted and pinned while it waits.
    Ruby(Error, Option<BoxValue<Value>>),
}

impl Abort {
    fn ruby(err: Error) -> Self {
        let rooted = err.value().map(BoxValue::new);
        Abort::Ruby(err, rooted)
    }

    /// The error to raise into a Service whose yield found the invocation aborted.
    fn to_error(&self, ruby: &Ruby) -> Error {
        match self {
            Abort::Ruby(err, _) => err.clone(),
            Abort::Fault(kind, msg) => {
                let kind = match kind {
                    FaultKind::Timeout => ErrorKind::Timeout,
                    FaultKind::MemoryLimit => ErrorKind::MemoryLimit,
                    FaultKind::Fuel => ErrorKind::Fuel,
                    FaultKind::Trap | FaultKind::Host => ErrorKind::Trap,
                };
                ruby_errors::error(ruby, kind, format!("the sandbox invocation was aborted: {msg}"))
            }
        }
    }
}

enum DispatchError {
    NoRuby,
    Ruby(Error),
}

/// Returned by the dispatch import once the invocation is aborted; unwinds the guest.
#[derive(Debug, thiserror::Error)]
#[error("the invocation was aborted from inside a Service call")]
pub struct Aborted;

/// A trap raised by the dispatch import itself (bad request, no dispatcher, too deep).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DispatchFault(pub String);

struct ActiveCall {
    token: u64,
    caller: *mut c_void,
}

type Parked = (Error, Option<BoxValue<Value>>);

thread_local! {
    /// Dispatches in progress on this thread, innermost last.
    static ACTIVE: RefCell<Vec<ActiveCall>> = const { RefCell::new(Vec::new()) };
    /// The Ruby error that aborted this thread's latest invocation, until re-raised.
    static PARKED: RefCell<Option<Parked>> = const { RefCell::new(None) };
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

/// Registers a Caller for the duration of one dispatcher call; unregisters on drop.
struct ActiveGuard;

impl ActiveGuard {
    fn push(token: u64, caller: &mut Caller<'_, Invocation>) -> Self {
        let caller = caller as *mut Caller<'_, Invocation> as *mut c_void;
        ACTIVE.with(|a| a.borrow_mut().push(ActiveCall { token, caller }));
        ActiveGuard
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().pop());
    }
}

pub fn add_to_linker(linker: &mut Linker<Invocation>) -> wasmtime::Result<()> {
    linker.func_wrap("env", "__kobako_dispatch", dispatch)?;
    Ok(())
}

fn dispatch(mut caller: Caller<'_, Invocation>, ptr: i32, len: i32) -> wasmtime::Result<i64> {
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
    let (dispatcher, token) = {
        let inv = caller.data();
        let dispatcher = inv.dispatcher.as_ref().map(|d| **d);
        (dispatcher, inv.token)
    };
    let dispatcher = dispatcher.ok_or_else(|| DispatchFault("no Service dispatcher is attached to this invocation".into()))?;
    if caller.data().depth >= MAX_NESTING {
        return Err(DispatchFault(format!("Service calls nest deeper than {MAX_NESTING} levels")).into());
    }
    caller.data_mut().depth += 1;
    let released = caller.data().gvl_released;
    caller.data_mut().gvl_released = false; // nested guest calls run under this GVL hold
    let result = {
        let _active = ActiveGuard::push(token, &mut caller);
        let call = || -> Result<Vec<u8>, DispatchError> {
            let ruby = Ruby::get().map_err(|_| DispatchError::NoRuby)?;
            let response = dispatcher
                .funcall::<_, _, RString>("call", (ruby.str_from_slice(&request), token))
                .map_err(DispatchError::Ruby)?;
            // SAFETY: copied before any Ruby code can run again.
            Ok(unsafe { response.as_slice() }.to_vec())
        };
        if released { crate::gvl::with_gvl(call) } else { call() }
    };
    caller.data_mut().gvl_released = released;
    caller.data_mut().depth -= 1;

    let bytes = match result {
        // What Ruby is unwinding with (an exception that is not a StandardError, a throw,
        // Thread#kill) wins over a trap recorded on the way: it must reach the caller.
        Err(DispatchError::Ruby(err)) => {
            caller.data_mut().abort = Some(Abort::ruby(err));
            return Err(Aborted.into());
        }
        _ if caller.data().abort.is_some() => return Err(Aborted.into()),
        Ok(bytes) => bytes,
        Err(DispatchError::NoRuby) => return Err(DispatchFault("Ruby is not available on this thread".into()).into()),
    };
    place_in_guest(&mut caller, &bytes)
}

/// Copies `bytes` into memory the guest allocates and returns `(ptr << 32) | len`.
fn place_in_guest(caller: &mut Caller<'_, Invocation>, bytes: &[u8]) -> wasmtime::Result<i64> {
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

/// `Kobako::Runtime.yield_to_active_invocation(token, request)`: runs a guest block from
/// inside a Service call of invocation `token` on this thread and returns the guest's
/// answer (its value or a fault). Outside such a call it raises TrapError.
pub fn yield_to_active_invocation(ruby: &Ruby, token: u64, request: RString) -> Result<RString, Error> {
    // SAFETY: copied before any Ruby code can run again.
    let request = unsafe { request.as_slice() }.to_vec();
    let caller = ACTIVE.with(|a| a.borrow().iter().rev().find(|c| c.token == token).map(|c| c.caller));
    let Some(caller) = caller else {
        return Err(ruby_errors::error(
            ruby,
            ErrorKind::Trap,
            "a sandbox block can only run while its Service call is in progress, on the same thread",
        ));
    };
    // SAFETY: the pointer was registered by `dispatch`, which is suspended in the Ruby call
    // that led here and unregisters it before returning; nothing else touches the Caller
    // meanwhile. Nested dispatches register their own (innermost) Caller.
    let caller = unsafe { &mut *(caller as *mut Caller<'static, Invocation>) };
    if let Some(abort) = &caller.data().abort {
        return Err(abort.to_error(ruby));
    }
    // Under `gvl: :release` the block runs without the GVL too, so a long block neither
    // stalls other threads nor ignores Thread#kill (the unblock function stops it).
    let result = if caller.data().release_mode {
        let stop = caller.data().stop.clone();
        crate::gvl::without_gvl(&stop, |released| {
            caller.data_mut().gvl_released = released;
            let result = run_block(caller, &request);
            caller.data_mut().gvl_released = false;
            result
        })
    } else {
        run_block(caller, &request)
    };
    match result {
        Ok(answer) => Ok(ruby.str_from_slice(&answer)),
        Err(err) => {
            if caller.data().abort.is_none() {
                let fuel_left = crate::invocation::fuel_left(&*caller);
                let (kind, message) = crate::invocation::classify(caller.data(), &err, fuel_left);
                caller.data_mut().abort = Some(Abort::Fault(kind, message));
            }
            let abort = caller.data().abort.as_ref().expect("an aborted invocation records why");
            Err(abort.to_error(ruby))
        }
    }
}

fn run_block(caller: &mut Caller<'_, Invocation>, request: &[u8]) -> wasmtime::Result<Vec<u8>> {
    let packed = place_in_guest(caller, request)?;
    let exports = caller.data().exports.clone().ok_or_else(|| DispatchFault("the guest exports are not bound".into()))?;
    let (ptr, len) = ((packed as u64 >> 32) as i32, packed as u32 as i32);
    let answer = exports.yield_to_block.call(&mut *caller, (ptr, len))?;
    let memory = caller.data().memory.ok_or_else(|| DispatchFault("the guest has no memory".into()))?;
    let bytes = guest_memory::unpack_payload(memory.data(&*caller), answer)
        .map_err(|e| DispatchFault(format!("the guest returned a malformed block result: {e}")))?;
    Ok(bytes.to_vec())
}
