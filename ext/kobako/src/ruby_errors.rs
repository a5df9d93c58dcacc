//! The Ruby exception classes the extension raises, looked up once at `Init_kobako`, and
//! a way to raise them that never runs Ruby code lazily.
//!
//! Both matter for threads (contract T-1, T-3): a lookup done on first use could run
//! `const_get` while another thread holds the GVL and waits on the same lazy value (a
//! deadlock), and an `Error::new(class, msg)` is only turned into an exception later,
//! where a `Thread#kill` landing in that `new` made magnus abort the process. Here the
//! exception object is made at once; if making it is interrupted, the interruption is
//! what propagates.

use magnus::{value::Lazy, Class, Error, ExceptionClass, Module, RModule, Ruby};

fn kobako_class(ruby: &Ruby, name: &str) -> ExceptionClass {
    ruby.class_object()
        .const_get::<_, RModule>("Kobako")
        .and_then(|m| m.const_get::<_, ExceptionClass>(name))
        .unwrap_or_else(|_| ruby.exception_runtime_error())
}

static TRAP_ERROR: Lazy<ExceptionClass> = Lazy::new(|ruby| kobako_class(ruby, "TrapError"));
static TIMEOUT_ERROR: Lazy<ExceptionClass> = Lazy::new(|ruby| kobako_class(ruby, "TimeoutError"));
static MEMORY_LIMIT_ERROR: Lazy<ExceptionClass> = Lazy::new(|ruby| kobako_class(ruby, "MemoryLimitError"));
static FUEL_ERROR: Lazy<ExceptionClass> = Lazy::new(|ruby| kobako_class(ruby, "FuelExhaustedError"));
static SETUP_ERROR: Lazy<ExceptionClass> = Lazy::new(|ruby| kobako_class(ruby, "SetupError"));
static MODULE_NOT_BUILT_ERROR: Lazy<ExceptionClass> = Lazy::new(|ruby| kobako_class(ruby, "ModuleNotBuiltError"));

/// The classes kobako's Ruby layer defines (lib/kobako/errors.rb is loaded first).
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Trap,
    Timeout,
    MemoryLimit,
    Fuel,
    Setup,
    ModuleNotBuilt,
    Argument,
}

/// Resolves every class now, while `Init_kobako` runs on one thread.
pub fn force(ruby: &Ruby) {
    for lazy in [&TRAP_ERROR, &TIMEOUT_ERROR, &MEMORY_LIMIT_ERROR, &FUEL_ERROR, &SETUP_ERROR, &MODULE_NOT_BUILT_ERROR] {
        Lazy::force(lazy, ruby);
    }
}

fn class(ruby: &Ruby, kind: Kind) -> ExceptionClass {
    match kind {
        Kind::Trap => ruby.get_inner(&TRAP_ERROR),
        Kind::Timeout => ruby.get_inner(&TIMEOUT_ERROR),
        Kind::MemoryLimit => ruby.get_inner(&MEMORY_LIMIT_ERROR),
        Kind::Fuel => ruby.get_inner(&FUEL_ERROR),
        Kind::Setup => ruby.get_inner(&SETUP_ERROR),
        Kind::ModuleNotBuilt => ruby.get_inner(&MODULE_NOT_BUILT_ERROR),
        Kind::Argument => ruby.exception_arg_error(),
    }
}

/// An error holding a ready-made exception of `kind` (or whatever interrupted making it).
pub fn error(ruby: &Ruby, kind: Kind, message: impl AsRef<str>) -> Error {
    match class(ruby, kind).new_instance((ruby.str_new(message.as_ref()),)) {
        Ok(exception) => exception.into(),
        Err(interrupted) => interrupted,
    }
}
