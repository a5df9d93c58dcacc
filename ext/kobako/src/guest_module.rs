//! Loading a guest module: compile once per path (cached for the process), link it against
//! our WASI slice and the dispatch import, check its exports and ABI version.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use wasmtime::{ExternType, InstancePre, Linker, Module, Store};

use crate::engine::engine;
use crate::errors::{describe, LoadError};
use crate::invocation::Invocation;
use crate::wasi;

/// The host/guest wire version this extension speaks (guest export `__kobako_abi_version`).
pub const ABI_VERSION: i32 = 1;

const REQUIRED_FUNCS: &[&str] = &[
    "__kobako_alloc",
    "__kobako_eval",
    "__kobako_run",
    "__kobako_take_outcome",
    "__kobako_yield_to_block",
    "__kobako_abi_version",
    "__kobako_init",
];

/// A compiled, linked guest, ready to instantiate once per invocation.
pub struct GuestModule {
    pub pre: InstancePre<Invocation>,
}

struct Cached {
    len: u64,
    modified: Option<SystemTime>,
    module: Arc<GuestModule>,
}

static CACHE: OnceLock<Mutex<HashMap<PathBuf, Cached>>> = OnceLock::new();

pub fn load(path: &str) -> Result<Arc<GuestModule>, LoadError> {
    let unreadable = |reason: String| LoadError::Unreadable { path: path.to_owned(), reason };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::NotBuilt(path.to_owned())),
        Err(e) => return Err(unreadable(e.to_string())),
    };
    if !meta.is_file() {
        return Err(unreadable("not a regular file".into()));
    }
    let key = std::fs::canonicalize(path).map_err(|e| unreadable(e.to_string()))?;
    let modified = meta.modified().ok();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(hit) = cache.get(&key) {
        if hit.len == meta.len() && hit.modified == modified {
            return Ok(hit.module.clone());
        }
    }
    let bytes = std::fs::read(&key).map_err(|e| unreadable(e.to_string()))?;
    let module = Arc::new(compile(path, &bytes)?);
    cache.insert(key, Cached { len: meta.len(), modified, module: module.clone() });
    Ok(module)
}

fn compile(path: &str, bytes: &[u8]) -> Result<GuestModule, LoadError> {
    let invalid = |reason: String| LoadError::Invalid { path: path.to_owned(), reason };
    let engine = engine()?;
    let module = Module::new(engine, bytes).map_err(|e| invalid(describe(&e)))?;

    for name in REQUIRED_FUNCS {
        match module.get_export(name) {
            Some(ExternType::Func(_)) => {}
            _ => return Err(invalid(format!("it does not export the function {name}"))),
        }
    }
    if !matches!(module.get_export("memory"), Some(ExternType::Memory(_))) {
        return Err(invalid("it does not export its memory".into()));
    }

    let mut linker = Linker::new(engine);
    wasi::add_to_linker(&mut linker).map_err(|e| invalid(describe(&e)))?;
    crate::dispatch::add_to_linker(&mut linker).map_err(|e| invalid(describe(&e)))?;
    let pre = linker
        .instantiate_pre(&module)
        .map_err(|e| invalid(format!("it needs an import kobako does not provide: {}", describe(&e))))?;

    check_abi_version(&pre).map_err(invalid)?;
    Ok(GuestModule { pre })
}

/// Asks the guest which ABI it speaks. Runs only that constant export, no interpreter code.
fn check_abi_version(pre: &InstancePre<Invocation>) -> Result<(), String> {
    let mut store = Store::new(pre.module().engine(), Invocation::probe());
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = pre.instantiate(&mut store).map_err(|e| describe(&e))?;
    let version = instance
        .get_typed_func::<(), i32>(&mut store, "__kobako_abi_version")
        .and_then(|f| f.call(&mut store, ()))
        .map_err(|e| describe(&e))?;
    if version != ABI_VERSION {
        return Err(format!("it speaks guest ABI version {version}, this kobako speaks {ABI_VERSION}"));
    }
    Ok(())
}
