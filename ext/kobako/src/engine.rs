//! The process-wide wasmtime Engine and its epoch ticker (contract C-1).
//!
//! One Engine serves every Sandbox. Timeouts use epoch interruption: a background thread
//! bumps the engine's epoch every TICK while at least one invocation is running, and each
//! invocation's deadline callback compares the wall clock against its own deadline. The
//! ticker sleeps when nothing runs, and is restarted after `fork` (threads do not survive it).

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use wasmtime::{Config, Engine, Enabled, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use crate::errors::{describe, LoadError};

/// Epoch granularity: a timeout fires at most one tick after its deadline.
pub const TICK: Duration = Duration::from_millis(2);

/// Native stack the guest may use; well inside a Ruby thread's machine stack.
pub const MAX_WASM_STACK: usize = 512 << 10;

/// Instances that may be alive at once (one per running invocation, across all threads).
const POOL_SLOTS: u32 = 1_000;
/// Where the kernel can report which pages an instance dirtied (PAGEMAP_SCAN, Linux 6.7+),
/// up to this much of them is restored in place when a slot is reused, so the next
/// invocation takes no page faults on them. Without it every dirty page is given back
/// with madvise (keeping memory resident would then mean memsetting all of it).
const KEEP_RESIDENT: usize = 16 << 20;
/// The same for the function table (a few thousand entries in the kobako guest).
const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// The engine settings; they are also part of the module cache key.
fn config() -> Config {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(POOL_SLOTS)
        .total_memories(POOL_SLOTS)
        .total_tables(POOL_SLOTS)
        .total_gc_heaps(POOL_SLOTS)
        .max_memory_size(4 << 30)
        .table_elements(crate::limits::MAX_TABLE_ELEMENTS);
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT);
    }
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .wasm_exceptions(true)
        .cranelift_opt_level(OptLevel::Speed)
        .max_wasm_stack(MAX_WASM_STACK)
        .memory_init_cow(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

struct Shared {
    engine: Engine,
    ticker: Ticker,
}

struct Ticker {
    state: Mutex<TickerState>,
    wake: Condvar,
}

struct TickerState {
    active: usize,
    /// The ticker is parked on the condvar (nothing was running when it last looked).
    parked: bool,
    /// Process that owns the running ticker thread; differs in a forked child.
    pid: Option<u32>,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();

fn shared() -> Result<&'static Shared, LoadError> {
    SHARED
        .get_or_init(|| {
            let engine = Engine::new(&config()).map_err(|e| describe(&e))?;
            Ok(Shared {
                engine,
                ticker: Ticker {
                    state: Mutex::new(TickerState { active: 0, parked: false, pid: None }),
                    wake: Condvar::new(),
                },
            })
        })
        .as_ref()
        .map_err(|e| LoadError::Engine(e.clone()))
}

pub fn engine() -> Result<&'static Engine, LoadError> {
    shared().map(|s| &s.engine)
}

fn lock(ticker: &Ticker) -> MutexGuard<'_, TickerState> {
    ticker.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn tick_forever(shared: &'static Shared) {
    loop {
        {
            let mut state = lock(&shared.ticker);
            while state.active == 0 {
                state.parked = true;
                state = shared.ticker.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            state.parked = false;
        }
        std::thread::sleep(TICK);
        shared.engine.increment_epoch();
    }
}

/// Marks an invocation as running for as long as it lives, so the epoch advances.
pub struct ActiveInvocation {
    shared: &'static Shared,
}

impl ActiveInvocation {
    pub fn start() -> Result<Self, LoadError> {
        let shared = shared()?;
        let mut state = lock(&shared.ticker);
        let pid = std::process::id();
        if state.pid != Some(pid) {
            std::thread::Builder::new()
                .name("kobako-epoch".into())
                .spawn(move || tick_forever(shared))
                .map_err(|e| LoadError::Engine(format!("could not start the epoch ticker thread: {e}")))?;
            state.pid = Some(pid);
            state.active = 0; // counts inherited from a parent process are stale
            state.parked = false;
        }
        state.active += 1;
        // Waking the ticker costs a syscall; it only needs one when it is parked.
        let wake = state.parked;
        drop(state);
        if wake {
            shared.ticker.wake.notify_one();
        }
        Ok(Self { shared })
    }
}

impl Drop for ActiveInvocation {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.ticker);
        state.active = state.active.saturating_sub(1);
    }
}
