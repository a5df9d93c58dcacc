//! The `env.__kobako_dispatch` import: the guest's only way out to host Services.
//! Services arrive with their own issue; until then a call traps with a clear message.

use wasmtime::{Caller, Linker};

use crate::invocation::Invocation;

#[derive(Debug, thiserror::Error)]
#[error("the guest called __kobako_dispatch, but Service dispatch is not available in this version")]
pub struct DispatchUnavailable;

pub fn add_to_linker(linker: &mut Linker<Invocation>) -> wasmtime::Result<()> {
    linker.func_wrap("env", "__kobako_dispatch", |_: Caller<'_, Invocation>, _ptr: i32, _len: i32| -> wasmtime::Result<i64> {
        Err(DispatchUnavailable.into())
    })?;
    Ok(())
}
