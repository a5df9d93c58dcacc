//! Loading a guest module: pre-initialise and compile it once (cached on disk and for the
//! process), link it against our WASI slice and the dispatch import, check its exports and
//! ABI version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use wasmtime::{Engine, ExternType, InstancePre, Linker, Module, Store, Val};

use crate::engine::engine;
use crate::errors::{describe, LoadError};
use crate::store_state::InstanceState;
use crate::module_cache::{self, CacheOutcome};
use crate::{preinit, wasi};

/// The host/guest wire version this extension speaks (guest export `__kobako_abi_version`).
pub const ABI_VERSION: i32 = 5;

const REQUIRED_FUNCS: &[&str] = &[
    "__kobako_alloc",
    "__kobako_eval",
    "__kobako_eval_compiled",
    "__kobako_keep_bytecode",
    "__kobako_run",
    "__kobako_take_outcome",
    "__kobako_yield_to_block",
    "__kobako_abi_version",
    "__kobako_init",
    "__kobako_seed",
];

/// A compiled, linked guest, ready to instantiate once per invocation.
pub struct GuestModule {
    pub pre: InstancePre<InstanceState>,
    /// Where the deterministic random source starts: the state the pre-initialised image
    /// was captured with, so scripts see the same numbers as without pre-initialisation.
    pub rng_seed: u64,
    /// Compiled for the fuel-metered engine: every Store of it must be given fuel.
    pub metered: bool,
    pub info: ModuleInfo,
    /// Bytecode of scripts this module compiled for repeated sources.
    pub compile_cache: crate::compile_cache::CompileCache,
}

/// How a module was loaded (`Kobako::Runtime#module_info`).
pub struct ModuleInfo {
    /// `Ok` when invocations start from a pre-initialised image, else why not.
    pub preinitialized: Result<(), String>,
    pub cache: CacheOutcome,
    pub cache_path: Option<PathBuf>,
}

struct Cached {
    len: u64,
    modified: Option<SystemTime>,
    module: Arc<GuestModule>,
    /// When the file was last found unchanged: within RECHECK of it, Sandbox.new trusts the
    /// loaded module without a stat (the stat was most of Runtime.new).
    checked: Instant,
}

/// How long a loaded module is trusted before its file is looked at again.
const RECHECK: Duration = Duration::from_secs(1);

/// Modules already loaded in this process, by the path they were asked for and whether
/// they were compiled for the fuel-metered engine.
static LOADED: OnceLock<Mutex<HashMap<(String, bool), Cached>>> = OnceLock::new();

/// Fuel a Store of the metered engine gets for the guest's own start-up (`__kobako_init`,
/// the ABI probe), which runs no script code; budgets apply from preparing on.
pub const SETUP_FUEL: u64 = 4_000_000_000;

/// The guest at `path`, compiled for the plain engine or (`metered`) the fuel-metered one.
/// A module loaded (or found unchanged) less than RECHECK ago is returned without looking
/// at the file; after that a changed file (size or mtime) is loaded again.
pub fn load(path: &str, metered: bool) -> Result<Arc<GuestModule>, LoadError> {
    let loaded = LOADED.get_or_init(Default::default);
    let key = (path.to_owned(), metered);
    if let Some(hit) = loaded.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        if hit.checked.elapsed() < RECHECK {
            return Ok(hit.module.clone());
        }
    }
    let unreadable = |reason: String| LoadError::Unreadable { path: path.to_owned(), reason };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::NotBuilt(path.to_owned())),
        Err(e) => return Err(unreadable(e.to_string())),
    };
    if !meta.is_file() {
        return Err(unreadable("not a regular file".into()));
    }
    let modified = meta.modified().ok();
    let mut loaded = loaded.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(hit) = loaded.get_mut(&key) {
        if hit.len == meta.len() && hit.modified == modified {
            hit.checked = Instant::now();
            return Ok(hit.module.clone());
        }
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let module = Arc::new(prepare(path, &bytes, metered)?);
    loaded.insert(key, Cached { len: meta.len(), modified, module: module.clone(), checked: Instant::now() });
    Ok(module)
}

/// The compiled module for `bytes`: from the disk cache, or pre-initialised and compiled
/// (then stored in the cache, with the pre-initialised bytes beside it for the other engine).
fn compiled(path: &str, engine: &Engine, metered: bool, bytes: &[u8]) -> Result<Compiled, LoadError> {
    let entry = module_cache::directory()
        .map_err(CacheOutcome::Disabled)
        .and_then(|dir| module_cache::prepare(&dir).map(|()| dir).map_err(CacheOutcome::Failed))
        .map(|dir| dir.join(module_cache::entry_name(engine, metered, bytes)));
    let mut outcome = match &entry {
        Ok(file) => match module_cache::read(engine, file) {
            Ok(Some(module)) => {
                return Ok(Compiled { module, cache: CacheOutcome::Hit, cache_path: Some(file.clone()), not_preinitialized: None })
            }
            Ok(None) => CacheOutcome::Stored,
            Err(reason) => CacheOutcome::Failed(reason),
        },
        Err(outcome) => outcome.clone(),
    };
    let file = entry.ok();
    let rewrite = file.as_deref().and_then(Path::parent).map(|dir| dir.join(module_cache::rewrite_name(bytes)));
    // The other engine's load may have left the pre-initialised bytes: compiling them
    // skips the pre-initialisation (most of a cold load). If they do not compile, redo it.
    let reused = rewrite
        .as_deref()
        .and_then(|file| module_cache::read_bytes(file).ok().flatten())
        .and_then(|wasm| Module::new(engine, &wasm).ok());
    let (module, image) = match reused {
        Some(module) => (module, Ok(())),
        None => {
            let image = preinit::preinitialize(bytes);
            if let (Ok(wasm), Some(file)) = (&image, &rewrite) {
                let _ = module_cache::write(file, wasm); // only an optimisation for the other engine
            }
            let wasm = image.as_deref().unwrap_or(bytes);
            let module = Module::new(engine, wasm).map_err(|e| LoadError::Invalid { path: path.to_owned(), reason: describe(&e) })?;
            (module, image.map(drop))
        }
    };
    if let Some(file) = &file {
        let written = module
            .serialize()
            .map_err(|e| format!("cannot serialize the module: {}", describe(&e)))
            .and_then(|artifact| module_cache::write(file, &artifact));
        if let (Err(reason), CacheOutcome::Stored) = (written, &outcome) {
            outcome = CacheOutcome::Failed(reason);
        }
    }
    Ok(Compiled { module, cache: outcome, cache_path: file, not_preinitialized: image.err().map(|e| e.0) })
}

struct Compiled {
    module: Module,
    cache: CacheOutcome,
    cache_path: Option<PathBuf>,
    /// Why pre-initialisation was skipped, when it was tried and failed.
    not_preinitialized: Option<String>,
}

fn prepare(path: &str, bytes: &[u8], metered: bool) -> Result<GuestModule, LoadError> {
    let invalid = |reason: String| LoadError::Invalid { path: path.to_owned(), reason };
    let engine = engine(metered)?;
    let Compiled { module, cache, cache_path, not_preinitialized } = compiled(path, engine, metered, bytes)?;

    for name in REQUIRED_FUNCS {
        match module.get_export(name) {
            Some(ExternType::Func(_)) => {}
            _ => return Err(invalid(format!("it does not export the function {name}"))),
        }
    }
    if !matches!(module.get_export("memory"), Some(ExternType::Memory(_))) {
        return Err(invalid("it does not export its memory".into()));
    }
    let preinitialized = match module.get_export(preinit::RNG_EXPORT) {
        Some(ExternType::Global(_)) => Ok(()),
        _ => Err(not_preinitialized.unwrap_or_else(|| "the cached module was stored without pre-initialisation".into())),
    };

    let mut linker = Linker::new(engine);
    wasi::add_to_linker(&mut linker).map_err(|e| invalid(describe(&e)))?;
    crate::dispatch::add_to_linker(&mut linker).map_err(|e| invalid(describe(&e)))?;
    crate::compile_cache::add_to_linker(&mut linker).map_err(|e| invalid(describe(&e)))?;
    let pre = linker
        .instantiate_pre(&module)
        .map_err(|e| invalid(format!("it needs an import kobako does not provide: {}", describe(&e))))?;

    let rng_seed = probe(&pre, metered).map_err(invalid)?;
    Ok(GuestModule {
        pre,
        rng_seed,
        metered,
        info: ModuleInfo { preinitialized, cache, cache_path },
        compile_cache: Default::default(),
    })
}

/// Asks the guest which ABI it speaks and reads where its random source starts. Runs only
/// that constant export, no interpreter code.
fn probe(pre: &InstancePre<InstanceState>, metered: bool) -> Result<u64, String> {
    let mut store = Store::new(pre.module().engine(), InstanceState::probe());
    store.set_epoch_deadline(u64::MAX / 2);
    if metered {
        store.set_fuel(SETUP_FUEL).map_err(|e| describe(&e))?;
    }
    let instance = pre.instantiate(&mut store).map_err(|e| describe(&e))?;
    let version = instance
        .get_typed_func::<(), i32>(&mut store, "__kobako_abi_version")
        .and_then(|f| f.call(&mut store, ()))
        .map_err(|e| describe(&e))?;
    if version != ABI_VERSION {
        return Err(format!("it speaks guest ABI version {version}, this kobako speaks {ABI_VERSION}"));
    }
    Ok(match instance.get_global(&mut store, preinit::RNG_EXPORT).map(|g| g.get(&mut store)) {
        Some(Val::I64(state)) => state as u64,
        _ => crate::clock::RANDOM_SEED,
    })
}
