//! Native extension of the kobako gem: hosts the mruby wasm guest under wasmtime.
//! Ruby sees two classes, `Kobako::Runtime` and `Kobako::Snapshot` (see docs/architecture.md).

mod capture;
mod dispatch;
mod engine;
mod errors;
mod guest_memory;
mod guest_module;
mod gvl;
mod invocation;
mod limits;
mod module_cache;
mod preinit;
mod prepared_image;
mod runtime;
mod snapshot;
mod wasi;

use magnus::{Error, Ruby};

#[magnus::init]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let kobako = ruby.define_module("Kobako")?;
    runtime::define(ruby, kobako)?;
    snapshot::define(ruby, kobako)?;
    Ok(())
}
