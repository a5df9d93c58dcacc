//! The compile cache: bytecode of scripts evaluated again and again (formulas, rules),
//! kept per guest module so a repeated source skips mruby's parser and code generator.
//!
//! - A source seen for the first time runs as usual; only its digest is remembered.
//! - The second time, the guest is asked to hand over the bytecode it compiles
//!   (`__kobako_keep_bytecode`, then the `__kobako_compiled` import), dumped before any of
//!   it runs. The host verifies it with the same RITE verifier the guest uses and keeps it
//!   beside a copy of the source.
//! - From then on the invocation sends the bytecode instead (`__kobako_eval_compiled`),
//!   which the guest verifies again and runs exactly as it ran the compiled source.
//!
//! Entries are found by digest and confirmed by comparing the whole source, so two
//! sources never share bytecode. The cache belongs to the loaded module: another guest
//! build gets another cache. Bounded by entries and bytes; the least recently used entry
//! goes first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wasmtime::{Caller, Linker};

use crate::guest_memory;
use crate::store_state::InstanceState;

/// Entries kept at most.
const MAX_ENTRIES: usize = 256;
/// Bytes of bytecode kept at most, over all entries.
const MAX_BYTES: usize = 64 << 20;
/// Sources longer than this are always compiled (their bytecode would crowd out the rest).
pub const MAX_SOURCE: usize = 1 << 20;
/// Bytecode the guest may hand over for one script.
const MAX_BYTECODE: usize = 16 << 20;
/// Digests of sources seen once, remembered at most (then forgotten all at once).
const MAX_SEEN: usize = 4096;

/// What an eval of a source should do.
pub enum Plan {
    /// Compile it, as always.
    Compile,
    /// Compile it and hand the bytecode over for the cache.
    CompileAndKeep,
    /// Run this bytecode instead.
    Run(Arc<[u8]>),
}

struct Entry {
    source: Box<[u8]>,
    bytecode: Arc<[u8]>,
    last_used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<u128, Entry>,
    seen: HashMap<u128, ()>,
    bytes: usize,
    clock: u64,
    hits: u64,
    stored: u64,
}

/// Counters for `Kobako::Runtime#compile_cache_stats`.
pub struct Stats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub stored: u64,
}

#[derive(Default)]
pub struct CompileCache {
    inner: Mutex<Inner>,
}

impl CompileCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides how to evaluate `source` and records that it was seen.
    pub fn plan(&self, source: &[u8]) -> Plan {
        if source.len() > MAX_SOURCE {
            return Plan::Compile;
        }
        let key = kobako_guest::digest::digest(source);
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        if let Some(entry) = inner.entries.get_mut(&key) {
            if *entry.source == *source {
                entry.last_used = now;
                let bytecode = entry.bytecode.clone();
                inner.hits += 1;
                return Plan::Run(bytecode);
            }
            return Plan::Compile; // a digest collision: the first source keeps the entry
        }
        if inner.seen.remove(&key).is_some() {
            return Plan::CompileAndKeep;
        }
        if inner.seen.len() >= MAX_SEEN {
            inner.seen.clear();
        }
        inner.seen.insert(key, ());
        Plan::Compile
    }

    /// Keeps the bytecode the guest compiled for `source`, if it verifies.
    pub fn store(&self, source: &[u8], bytecode: Vec<u8>) {
        if source.len() > MAX_SOURCE || bytecode.len() > MAX_BYTES / 4 || kobako_guest::rite::verify(&bytecode).is_err() {
            return;
        }
        let key = kobako_guest::digest::digest(source);
        let mut inner = self.lock();
        if inner.entries.contains_key(&key) {
            return;
        }
        while !inner.entries.is_empty() && (inner.entries.len() >= MAX_ENTRIES || inner.bytes + bytecode.len() > MAX_BYTES) {
            inner.evict_oldest();
        }
        inner.clock += 1;
        inner.bytes += bytecode.len();
        inner.stored += 1;
        let entry = Entry { source: source.into(), bytecode: bytecode.into(), last_used: inner.clock };
        inner.entries.insert(key, entry);
    }

    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        Stats { entries: inner.entries.len(), bytes: inner.bytes, hits: inner.hits, stored: inner.stored }
    }
}

impl Inner {
    fn evict_oldest(&mut self) {
        let oldest = self.entries.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| *k);
        if let Some(entry) = oldest.and_then(|k| self.entries.remove(&k)) {
            self.bytes -= entry.bytecode.len();
        }
    }
}

pub fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    linker.func_wrap("env", "__kobako_compiled", compiled)?;
    Ok(())
}

/// `env.__kobako_compiled(ptr, len)`: copies the bytecode the guest compiled for this
/// invocation's script. Ignored unless the host asked for it, and after the first time.
fn compiled(mut caller: Caller<'_, InstanceState>, ptr: i32, len: i32) {
    let inv = caller.data();
    if !inv.keep_bytecode || inv.compiled.is_some() || len as u32 as usize > MAX_BYTECODE {
        return;
    }
    let Some(memory) = inv.memory else { return };
    let copy = guest_memory::slice(memory.data(&caller), ptr as u32, len as u32).map(<[u8]>::to_vec);
    if let Ok(bytes) = copy {
        caller.data_mut().compiled = Some(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYTECODE: &[u8] = include_bytes!("../../guest/src/testdata/tiny.mrb");
    const OTHER: &[u8] = include_bytes!("../../guest/src/testdata/blocks.mrb");

    fn run_of(plan: Plan) -> Option<Arc<[u8]>> {
        match plan {
            Plan::Run(bytecode) => Some(bytecode),
            _ => None,
        }
    }

    #[test]
    fn compiles_then_keeps_then_runs() {
        let cache = CompileCache::default();
        assert!(matches!(cache.plan(b"1 + 1"), Plan::Compile));
        assert!(matches!(cache.plan(b"1 + 1"), Plan::CompileAndKeep));
        cache.store(b"1 + 1", BYTECODE.to_vec());
        assert_eq!(run_of(cache.plan(b"1 + 1")).as_deref(), Some(BYTECODE));
        assert!(matches!(cache.plan(b"1 + 2"), Plan::Compile), "another source has no entry");
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes, stats.hits, stats.stored), (1, BYTECODE.len(), 1, 1));
    }

    #[test]
    fn refuses_bytecode_that_does_not_verify() {
        let cache = CompileCache::default();
        cache.store(b"x", b"RITE0300 not really".to_vec());
        cache.store(b"y", Vec::new());
        let mut truncated = BYTECODE.to_vec();
        truncated.truncate(BYTECODE.len() - 3);
        cache.store(b"z", truncated);
        assert_eq!(cache.stats().entries, 0);
        assert!(!matches!(cache.plan(b"x"), Plan::Run(_)));
    }

    #[test]
    fn drops_the_least_recently_used_entry_first() {
        let cache = CompileCache::default();
        for i in 0..MAX_ENTRIES {
            cache.store(format!("source {i}").as_bytes(), BYTECODE.to_vec());
        }
        assert!(run_of(cache.plan(b"source 0")).is_some()); // used: now the newest
        cache.store(b"one more", OTHER.to_vec());
        assert_eq!(cache.stats().entries, MAX_ENTRIES);
        assert!(run_of(cache.plan(b"source 0")).is_some());
        assert!(run_of(cache.plan(b"source 1")).is_none(), "the oldest unused entry went");
        assert_eq!(run_of(cache.plan(b"one more")).as_deref(), Some(OTHER));
    }

    #[test]
    fn never_caches_very_long_sources() {
        let cache = CompileCache::default();
        let long = vec![b'1'; MAX_SOURCE + 1];
        for _ in 0..3 {
            assert!(matches!(cache.plan(&long), Plan::Compile));
        }
        cache.store(&long, BYTECODE.to_vec());
        assert_eq!(cache.stats().entries, 0);
    }
}
