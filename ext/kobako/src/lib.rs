//! Native extension of the kobako gem: hosts the mruby wasm guest under wasmtime.
//! Ruby sees two classes, `Kobako::Runtime` and `Kobako::Snapshot` (see docs/architecture.md).

mod capture;
mod clock;
mod compile_cache;
mod dispatch;
mod driver;
mod engine;
mod errors;
mod faults;
mod guest_fiber;
mod guest_memory;
mod guest_module;
mod instance;
mod gvl;
mod invocation;
mod limits;
mod module_cache;
mod preinit;
mod prepared_image;
mod ruby_checkpoint;
mod ruby_codec;
mod ruby_errors;
mod runtime;
mod session;
mod snapshot;
mod store_state;
mod wasi;

use magnus::{Error, Ruby};

#[magnus::init]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let kobako = ruby.define_module("Kobako")?;
    runtime::define(ruby, kobako)?;
    snapshot::define(ruby, kobako)?;
    session::define(ruby, kobako)?;
    // Everything that is looked up lazily is looked up now, on this one thread: a first
    // lookup racing on several threads could deadlock on the GVL (contract T-3), and one
    // interrupted by Thread#kill would panic inside magnus.
    ruby_errors::force(ruby);
    ruby_codec::force(ruby);
    let _ = <runtime::Runtime as magnus::TypedData>::class(ruby);
    let _ = <snapshot::Snapshot as magnus::TypedData>::class(ruby);
    let _ = <session::GuestSession as magnus::TypedData>::class(ruby);
    Ok(())
}
