//! The process-wide wasmtime Engine and its epoch ticker (contract C-1).
//!
//! One Engine serves every Sandbox without a fuel budget; Sandboxes with one (`fuel:`) share
//! a second Engine, built on first use, with the same settings plus fuel metering (metering
//! slows every guest, so the first Engine never has it). Timeouts use epoch interruption
//! on both: a background thread bumps each built engine's epoch every TICK while at least
//! one invocation is running, and each invocation's deadline callback compares the wall
//! clock against its own deadline. The ticker sleeps when nothing runs, and is restarted
//! after `fork` (threads do not survive it).

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
    // For profiling the guest with `perf` (docs/performance.md): wasmtime writes
    // /tmp/perf-<pid>.map so perf can name the guest's functions. Code is unchanged.
    if std::env::var_os("KOBAKO_PERF_MAP").is_some_and(|v| v == "1") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
}

/// The settings of the metered engine: the same, plus fuel (also part of its cache key).
fn fuel_config() -> Config {
    let mut config = config();
    config.consume_fuel(true);
    config
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

static PLAIN: OnceLock<Result<Engine, String>> = OnceLock::new();
static METERED: OnceLock<Result<Engine, String>> = OnceLock::new();
static TICKER: Ticker = Ticker {
    state: Mutex::new(TickerState { active: 0, parked: false, pid: None }),
    wake: Condvar::new(),
};

fn built(cell: &'static OnceLock<Result<Engine, String>>, config: fn() -> Config) -> Result<&'static Engine, LoadError> {
    cell.get_or_init(|| Engine::new(&config()).map_err(|e| describe(&e)))
        .as_ref()
        .map_err(|e| LoadError::Engine(e.clone()))
}

/// The engine for Sandboxes without (`fuel == false`) or with a fuel budget.
pub fn engine(fuel: bool) -> Result<&'static Engine, LoadError> {
    if fuel {
        built(&METERED, fuel_config)
    } else {
        built(&PLAIN, config)
    }
}

fn lock(ticker: &Ticker) -> MutexGuard<'_, TickerState> {
    ticker.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn tick_forever() {
    loop {
        {
            let mut state = lock(&TICKER);
            while state.active == 0 {
                state.parked = true;
                state = TICKER.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            state.parked = false;
        }
        std::thread::sleep(TICK);
        for cell in [&PLAIN, &METERED] {
            if let Some(Ok(engine)) = cell.get() {
                engine.increment_epoch();
            }
        }
    }
}

/// Marks an invocation as running for as long as it lives, so the epoch advances.
pub struct ActiveInvocation {
    _private: (),
}

impl ActiveInvocation {
    pub fn start() -> Result<Self, LoadError> {
        let mut state = lock(&TICKER);
        let pid = std::process::id();
        if state.pid != Some(pid) {
            std::thread::Builder::new()
                .name("kobako-epoch".into())
                .spawn(tick_forever)
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
            TICKER.wake.notify_one();
        }
        Ok(Self { _private: () })
    }
}

impl Drop for ActiveInvocation {
    fn drop(&mut self) {
        let mut state = lock(&TICKER);
        state.active = state.active.saturating_sub(1);
    }
}
