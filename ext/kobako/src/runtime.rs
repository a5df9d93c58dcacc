//! `Kobako::Runtime`: one per Sandbox. Holds the loaded guest module and the caps, and
//! runs invocations. No wasmtime type crosses into Ruby.

use std::sync::Arc;
use std::time::Duration;

use magnus::{function, method, prelude::*, Error, RHash, RModule, RString, Ruby, Value};

use crate::dispatch::{self, kobako_error};
use crate::errors::LoadError;
use crate::guest_module::{self, GuestModule};
use crate::invocation::{self, Entry, Limits};
use crate::snapshot::Snapshot;

#[magnus::wrap(class = "Kobako::Runtime", free_immediately, size)]
pub struct Runtime {
    module: Arc<GuestModule>,
    limits: Limits,
}

fn positive(ruby: &Ruby, name: &str, value: Option<u64>) -> Result<Option<usize>, Error> {
    match value {
        Some(0) => Err(Error::new(ruby.exception_arg_error(), format!("{name} must be positive"))),
        Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
        None => Ok(None),
    }
}

impl Runtime {
    /// Runtime.new(wasm_path, timeout, memory_limit, stdout_limit, stderr_limit)
    fn new(
        ruby: &Ruby,
        wasm_path: String,
        timeout: Option<f64>,
        memory_limit: Option<u64>,
        stdout_limit: Option<u64>,
        stderr_limit: Option<u64>,
    ) -> Result<Self, Error> {
        let timeout = match timeout {
            Some(t) if t.is_finite() && t > 0.0 => Some(Duration::try_from_secs_f64(t).unwrap_or(Duration::MAX)),
            Some(t) => return Err(Error::new(ruby.exception_arg_error(), format!("timeout must be positive and finite, got {t}"))),
            None => None,
        };
        let limits = Limits {
            timeout,
            memory: positive(ruby, "memory_limit", memory_limit)?,
            stdout: positive(ruby, "stdout_limit", stdout_limit)?,
            stderr: positive(ruby, "stderr_limit", stderr_limit)?,
        };
        let module = guest_module::load(&wasm_path).map_err(|e| {
            let class = match e {
                LoadError::NotBuilt(_) => "ModuleNotBuiltError",
                _ => "SetupError",
            };
            Error::new(kobako_error(ruby, class), e.to_string())
        })?;
        Ok(Self { module, limits })
    }

    /// How the guest module was loaded: `{preinitialized: true/false, preinit_error:,
    /// cache: "hit"/"stored"/"disabled"/"failed", cache_error:, cache_path:}`.
    fn module_info(ruby: &Ruby, rb_self: &Self) -> Result<RHash, Error> {
        let info = &rb_self.module.info;
        let hash = ruby.hash_new();
        hash.aset(ruby.to_symbol("preinitialized"), info.preinitialized.is_ok())?;
        hash.aset(ruby.to_symbol("preinit_error"), info.preinitialized.as_ref().err().cloned())?;
        hash.aset(ruby.to_symbol("cache"), ruby.to_symbol(info.cache.label()))?;
        hash.aset(ruby.to_symbol("cache_error"), info.cache.reason().map(str::to_owned))?;
        hash.aset(ruby.to_symbol("cache_path"), info.cache_path.as_ref().map(|p| p.display().to_string()))?;
        Ok(hash)
    }

    /// Runs `__kobako_eval` with `stdin` (the framed input) and returns a Snapshot.
    /// `dispatcher.call(request, token)` answers the script's Service calls. When a Ruby
    /// exception from a Service aborted the invocation, the Snapshot's trap kind is :host
    /// and `Runtime.raise_host_error` re-raises that exception.
    fn eval(&self, stdin: RString, dispatcher: Value) -> Snapshot {
        // SAFETY: the bytes are copied before any Ruby code can run.
        let input = unsafe { stdin.as_slice() }.to_vec();
        Snapshot::new(invocation::invoke(&self.module, &self.limits, input, Entry::Eval, dispatcher))
    }

    /// Runs `__kobako_run` with `stdin` (frames [preamble, snippets]) and the run envelope
    /// `[name, args, kwargs]`, which is written into guest memory; see #eval for the rest.
    fn run(&self, stdin: RString, envelope: RString, dispatcher: Value) -> Snapshot {
        // SAFETY: the bytes are copied before any Ruby code can run.
        let input = unsafe { stdin.as_slice() }.to_vec();
        let envelope = unsafe { envelope.as_slice() }.to_vec();
        Snapshot::new(invocation::invoke(&self.module, &self.limits, input, Entry::Run(envelope), dispatcher))
    }
}

pub fn define(ruby: &Ruby, kobako: RModule) -> Result<(), Error> {
    let class = kobako.define_class("Runtime", ruby.class_object())?;
    class.undef_default_alloc_func();
    class.define_singleton_method("new", function!(Runtime::new, 5))?;
    class.define_method("eval", method!(Runtime::eval, 2))?;
    class.define_method("run", method!(Runtime::run, 3))?;
    class.define_method("module_info", method!(Runtime::module_info, 0))?;
    class.define_singleton_method(
        "yield_to_active_invocation",
        function!(dispatch::yield_to_active_invocation, 2),
    )?;
    class.define_singleton_method("raise_host_error", function!(dispatch::raise_host_error, 0))?;
    Ok(())
}
