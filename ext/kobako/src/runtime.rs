//! `Kobako::Runtime`: one per Sandbox. Holds the loaded guest module and the caps, and
//! runs invocations. No wasmtime type crosses into Ruby.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use magnus::{function, method, prelude::*, Error, RHash, RModule, RString, Ruby, Value};

use crate::clock::InvocationClock;
use crate::dispatch;
use crate::ruby_errors::{self, Kind as ErrorKind};
use crate::errors::LoadError;
use crate::guest_module::{self, GuestModule};
use crate::compile_cache::Plan;
use crate::invocation::{self, Entry};
use crate::store_state::Limits;
use crate::prepared_image::PreparedImage;
use crate::snapshot::Snapshot;

#[magnus::wrap(class = "Kobako::Runtime", free_immediately, size)]
pub struct Runtime {
    module: Arc<GuestModule>,
    limits: Limits,
    /// `gvl: :release`: guest code runs without Ruby's GVL (None: `:hold`), with what the
    /// last invocation taught about when releasing pays (driver.rs).
    release_gvl: Option<Arc<crate::driver::ReleaseHistory>>,
    /// Repeated eval sources run from the module's compile cache (compile_cache.rs).
    /// Off under a fuel budget, whose count must not depend on what was cached.
    compile_cache: bool,
    image: Mutex<ImageState>,
}

/// The per-Sandbox prepared image (prepared_image.rs). It is captured on the second
/// invocation that needs preparing: a Sandbox used once never pays for it.
enum ImageState {
    Untried { invocations: u32 },
    Ready(Arc<PreparedImage>),
    /// Preparing is not invisible (or failed): every invocation replays.
    Unavailable(String),
}

/// Invocations that prepare by replay before an image is captured.
const REPLAYS_BEFORE_IMAGE: u32 = 1;
/// An empty MessagePack list: no Services, no snippets.
const EMPTY_LIST: &[u8] = &[0x90];

/// Splits W-2 frames without copying; None if they are malformed (the guest reports that).
fn split_frames(input: &[u8]) -> Option<Vec<&[u8]>> {
    kobako_guest::frames::split(input).ok()
}

/// What the compile cache files a script under: its source, and the names of the locals
/// it is compiled with. A tag byte first keeps the two shapes from ever meeting.
fn cache_key(source: &[u8], local_names: Option<&[u8]>) -> Vec<u8> {
    let mut key = Vec::with_capacity(source.len() + 5 + local_names.map_or(0, <[u8]>::len));
    match local_names {
        None => key.push(0),
        Some(names) => {
            key.push(1);
            key.extend_from_slice(&(names.len() as u32).to_be_bytes());
            key.extend_from_slice(names);
        }
    }
    key.extend_from_slice(source);
    key
}

/// The eval input with its script frame (frame 1) replaced by `script`.
fn with_script_frame(input: &[u8], script: &[u8]) -> Vec<u8> {
    let frames = split_frames(input).unwrap_or_default();
    let mut out = Vec::with_capacity(input.len() + script.len());
    for (i, frame) in frames.iter().enumerate() {
        let frame = if i == 1 { script } else { frame };
        out.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        out.extend_from_slice(frame);
    }
    out
}

fn positive(ruby: &Ruby, name: &str, value: Option<u64>) -> Result<Option<usize>, Error> {
    match value {
        Some(0) => Err(ruby_errors::error(ruby, ErrorKind::Argument, format!("{name} must be positive"))),
        Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
        None => Ok(None),
    }
}

impl Runtime {
    /// Runtime.new(wasm_path, timeout, memory_limit, stdout_limit, stderr_limit, release_gvl, fuel,
    /// compile_cache)
    #[allow(clippy::too_many_arguments)]
    fn new(
        ruby: &Ruby,
        wasm_path: String,
        timeout: Option<f64>,
        memory_limit: Option<u64>,
        stdout_limit: Option<u64>,
        stderr_limit: Option<u64>,
        release_gvl: bool,
        fuel: Option<u64>,
        compile_cache: bool,
    ) -> Result<Self, Error> {
        let timeout = match timeout {
            Some(t) if t.is_finite() && t > 0.0 => Some(Duration::try_from_secs_f64(t).unwrap_or(Duration::MAX)),
            Some(t) => return Err(ruby_errors::error(ruby, ErrorKind::Argument, format!("timeout must be positive and finite, got {t}"))),
            None => None,
        };
        let limits = Limits {
            timeout,
            memory: positive(ruby, "memory_limit", memory_limit)?,
            stdout: positive(ruby, "stdout_limit", stdout_limit)?,
            stderr: positive(ruby, "stderr_limit", stderr_limit)?,
            fuel: match fuel {
                Some(0) => return Err(ruby_errors::error(ruby, ErrorKind::Argument, "fuel must be positive")),
                fuel => fuel,
            },
        };
        let module = guest_module::load(&wasm_path, fuel.is_some()).map_err(|e| {
            let kind = match e {
                LoadError::NotBuilt(_) => ErrorKind::ModuleNotBuilt,
                _ => ErrorKind::Setup,
            };
            ruby_errors::error(ruby, kind, e.to_string())
        })?;
        Ok(Self {
            module,
            compile_cache: compile_cache && limits.fuel.is_none(),
            limits,
            release_gvl: release_gvl.then(Arc::default),
            image: Mutex::new(ImageState::Untried { invocations: 0 }),
        })
    }

    /// The prepared image for an invocation with these frames and this clock, capturing
    /// it when due.
    fn image_for(&self, preamble: &[u8], snippets: &[u8], clock: Option<&InvocationClock>) -> Option<Arc<PreparedImage>> {
        self.image_for_frames(preamble, snippets).filter(|image| image.fits(clock))
    }

    fn image_for_frames(&self, preamble: &[u8], snippets: &[u8]) -> Option<Arc<PreparedImage>> {
        if preamble == EMPTY_LIST && snippets == EMPTY_LIST {
            return None; // the module's own image is already prepared for nothing
        }
        let mut state = self.image.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *state {
            ImageState::Ready(image) => image.matches(preamble, snippets).then(|| image.clone()),
            ImageState::Unavailable(_) => None,
            ImageState::Untried { invocations } if *invocations < REPLAYS_BEFORE_IMAGE => {
                *invocations += 1;
                None
            }
            ImageState::Untried { .. } => {
                match PreparedImage::capture(&self.module, &self.limits, preamble, snippets) {
                    Ok(image) => {
                        let image = Arc::new(image);
                        *state = ImageState::Ready(image.clone());
                        Some(image)
                    }
                    Err(reason) => {
                        *state = ImageState::Unavailable(reason);
                        None
                    }
                }
            }
        }
    }

    /// The module's compile cache: `{enabled:, entries:, bytes:, hits:, stored:}` (counts
    /// for every Sandbox of this guest module in the process).
    fn compile_cache_stats(ruby: &Ruby, rb_self: &Self) -> Result<RHash, Error> {
        let stats = rb_self.module.compile_cache.stats();
        let hash = ruby.hash_new();
        hash.aset(ruby.to_symbol("enabled"), rb_self.compile_cache)?;
        hash.aset(ruby.to_symbol("entries"), stats.entries)?;
        hash.aset(ruby.to_symbol("bytes"), stats.bytes)?;
        hash.aset(ruby.to_symbol("hits"), stats.hits)?;
        hash.aset(ruby.to_symbol("stored"), stats.stored)?;
        Ok(hash)
    }

    fn image_status(&self) -> (String, Option<String>, usize) {
        match &*self.image.lock().unwrap_or_else(|p| p.into_inner()) {
            ImageState::Untried { .. } => ("untried".into(), None, 0),
            ImageState::Ready(image) => ("ready".into(), None, image.footprint()),
            ImageState::Unavailable(reason) => ("unavailable".into(), Some(reason.clone()), 0),
        }
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
        let (image, image_error, image_bytes) = rb_self.image_status();
        hash.aset(ruby.to_symbol("sandbox_image"), ruby.to_symbol(image))?;
        hash.aset(ruby.to_symbol("sandbox_image_error"), image_error)?;
        hash.aset(ruby.to_symbol("sandbox_image_bytes"), image_bytes)?;
        Ok(hash)
    }

    /// Runs `__kobako_eval` with `stdin` (the framed input) and returns a Snapshot.
    /// `dispatcher.call(request, token)` answers the script's Service calls. When a Ruby
    /// exception from a Service aborted the invocation, the Snapshot's trap kind is :host
    /// and `Runtime.raise_host_error` re-raises that exception. `clock` is nil (the frozen
    /// clock and the fixed random sequence) or `[start_ns, advances, seed]` (clock.rs);
    /// anything else raises ArgumentError before the guest runs.
    fn eval(ruby: &Ruby, rb_self: &Self, stdin: RString, dispatcher: Value, clock: Value) -> Result<Snapshot, Error> {
        let clock = InvocationClock::from_ruby(ruby, clock)?;
        // SAFETY: the bytes are copied before any Ruby code can run.
        let input = unsafe { stdin.as_slice() }.to_vec();
        let (image, source, plan) = match split_frames(&input).as_deref() {
            Some([preamble, source, snippets, rest @ ..]) => {
                // Local names (frame 4) change the bytecode; their values (frame 5) do not.
                let key = cache_key(source, rest.get(1).copied());
                let plan = if rb_self.compile_cache { rb_self.module.compile_cache.plan(&key) } else { Plan::Compile };
                // The key is kept only when the bytecode is to be stored under it.
                let kept = matches!(plan, Plan::CompileAndKeep).then_some(key);
                (rb_self.image_for(preamble, snippets, clock.as_ref()), kept, plan)
            }
            _ => (None, None, Plan::Compile),
        };
        let (input, entry) = match plan {
            Plan::Compile => (input, Entry::Eval { keep: false }),
            Plan::CompileAndKeep => (input, Entry::Eval { keep: true }),
            Plan::Run(bytecode) => (with_script_frame(&input, &bytecode), Entry::EvalCompiled),
        };
        let mut report = invocation::invoke(
            &rb_self.module,
            image.as_deref(),
            &rb_self.limits,
            rb_self.release_gvl.clone(),
            input,
            entry,
            dispatcher,
            clock,
        );
        if let (Some(bytecode), Some(source), Ok(_)) = (report.compiled.take(), source, &report.outcome) {
            rb_self.module.compile_cache.store(&source, bytecode);
        }
        Ok(Snapshot::new(report))
    }

    /// A new session of this Sandbox's module and caps (`Kobako::GuestSession`); its
    /// instance starts with its first eval.
    fn session(&self) -> crate::session::GuestSession {
        crate::session::GuestSession::new(self.module.clone(), self.limits, self.release_gvl.clone())
    }

    /// Runs `__kobako_run` with `stdin` (frames [preamble, snippets]) and the run envelope
    /// `[name, args, kwargs]`, which is written into guest memory; see #eval for the rest.
    fn run(ruby: &Ruby, rb_self: &Self, stdin: RString, envelope: RString, dispatcher: Value, clock: Value) -> Result<Snapshot, Error> {
        let clock = InvocationClock::from_ruby(ruby, clock)?;
        // SAFETY: the bytes are copied before any Ruby code can run.
        let input = unsafe { stdin.as_slice() }.to_vec();
        let envelope = unsafe { envelope.as_slice() }.to_vec();
        let image = match split_frames(&input).as_deref() {
            Some([preamble, snippets, ..]) => rb_self.image_for(preamble, snippets, clock.as_ref()),
            _ => None,
        };
        let report = invocation::invoke(
            &rb_self.module,
            image.as_deref(),
            &rb_self.limits,
            rb_self.release_gvl.clone(),
            input,
            Entry::Run(envelope),
            dispatcher,
            clock,
        );
        Ok(Snapshot::new(report))
    }
}

pub fn define(ruby: &Ruby, kobako: RModule) -> Result<(), Error> {
    let class = kobako.define_class("Runtime", ruby.class_object())?;
    class.undef_default_alloc_func();
    class.define_singleton_method("new", function!(Runtime::new, 8))?;
    class.define_method("compile_cache_stats", method!(Runtime::compile_cache_stats, 0))?;
    class.define_method("eval", method!(Runtime::eval, 3))?;
    class.define_method("run", method!(Runtime::run, 4))?;
    class.define_method("module_info", method!(Runtime::module_info, 0))?;
    class.define_method("session", method!(Runtime::session, 0))?;
    class.define_singleton_method(
        "yield_to_active_invocation",
        function!(crate::driver::yield_to_active_invocation, 2),
    )?;
    class.define_singleton_method(
        "guest_busy_on_another_fiber?",
        function!(crate::driver::guest_busy_on_another_fiber, 0),
    )?;
    class.define_singleton_method("raise_host_error", function!(dispatch::raise_host_error, 0))?;
    class.const_set("ABI_VERSION", guest_module::ABI_VERSION)?;
    class.define_singleton_method("pack", function!(crate::ruby_codec::pack, 1))?;
    class.define_singleton_method("pack_with", function!(crate::ruby_codec::pack_with, 2))?;
    class.define_singleton_method("unpack", function!(crate::ruby_codec::unpack, 2))?;
    class.define_singleton_method("unpack_host_written", function!(crate::ruby_codec::unpack_host_written, 2))?;
    Ok(())
}
