//! Per-Sandbox images: the guest state right after a Sandbox's Services were installed and
//! its snippets replayed, kept as the pages that differ from the module's pre-initialised
//! image. An invocation that starts from it copies those pages in instead of replaying
//! every snippet again, so `run` costs the same with 0 or 64 snippets.
//!
//! An image is only kept when preparing is invisible: it must succeed without calling a
//! Service, without writing output and without reading past its input. Otherwise (a
//! snippet that raises, prints or calls a Service, a timeout) the Sandbox keeps replaying
//! per invocation, which reports exactly what it did before.
//!
//! Preparing always runs under the frozen clock and the default random stream. An
//! invocation with another clock or a seed uses the image only when preparing read no
//! clock (or the clock reads as frozen anyway) and drew nothing from `random_get`, so it
//! sees exactly what replaying under its own clock and seed would have given.

use std::time::Instant;

use wasmtime::{Instance, Memory, Store, UpdateDeadline, Val};

use crate::clock::InvocationClock;
use crate::engine::ActiveInvocation;
use crate::errors::describe;
use crate::guest_module::GuestModule;
use crate::store_state::{InstanceState, Limits};

/// Granularity of the comparison with the base image (the host page size).
const PAGE: usize = 4096;
/// The only outcome preparing may have: tag "value", then MessagePack nil.
pub const NIL_OUTCOME: [u8; 2] = [0x00, 0xc0];

/// The state of a prepared guest, relative to the module's image.
pub struct PreparedImage {
    /// The [preamble, snippets] frames it was prepared from.
    frames: Vec<u8>,
    /// Linear memory size after preparing.
    memory_size: usize,
    /// Runs of bytes that differ from the base image: (offset, bytes).
    runs: Vec<(usize, Vec<u8>)>,
    /// Exported globals whose value changed.
    globals: Vec<(String, Val)>,
    rng: u64,
    /// Preparing read a clock (snippets that called `Time.now`).
    read_clock: bool,
    /// Preparing drew from the WASI random stream.
    drew_random: bool,
}

impl PreparedImage {
    /// Whether this image was made from exactly these frames.
    pub fn matches(&self, preamble: &[u8], snippets: &[u8]) -> bool {
        let expected = frame_pair(preamble, snippets);
        self.frames == expected
    }

    /// Whether an invocation with `clock` may start from this image (see the module doc).
    pub fn fits(&self, clock: Option<&InvocationClock>) -> bool {
        match clock {
            None => true,
            Some(clock) => {
                (!self.read_clock || clock.is_frozen_default()) && (clock.seed.is_none() || !self.drew_random)
            }
        }
    }

    /// Bytes held for this image.
    pub fn footprint(&self) -> usize {
        self.frames.len() + self.runs.iter().map(|(_, bytes)| bytes.len()).sum::<usize>()
    }

    /// Moves a fresh instance (already armed for the invocation) to the prepared state. The
    /// memory grows through the invocation's limiter, so the growth counts exactly as the
    /// replay it stands for would have.
    pub fn apply(&self, store: &mut Store<InstanceState>, instance: &Instance, memory: Memory) -> wasmtime::Result<()> {
        let current = memory.data_size(&*store);
        if self.memory_size > current {
            let pages = (self.memory_size - current).div_ceil(65_536) as u64;
            memory.grow(&mut *store, pages)?;
        }
        let data = memory.data_mut(&mut *store);
        for (offset, bytes) in &self.runs {
            data[*offset..*offset + bytes.len()].copy_from_slice(bytes);
        }
        for (name, value) in &self.globals {
            let global = instance
                .get_global(&mut *store, name)
                .ok_or_else(|| wasmtime::Error::msg(format!("the guest lost its export {name}")))?;
            global.set(&mut *store, *value)?;
        }
        store.data_mut().set_rng_state(self.rng);
        Ok(())
    }

    /// Prepares a fresh instance with `preamble` and `snippets` under `limits` and keeps
    /// the result, or says why it cannot be kept.
    pub fn capture(module: &GuestModule, limits: &Limits, preamble: &[u8], snippets: &[u8]) -> Result<Self, String> {
        if module.info.preinitialized.is_err() {
            return Err("the module is not pre-initialised".into());
        }
        if module.pre.module().get_export("__kobako_prepare").is_none() {
            return Err("the guest does not export __kobako_prepare".into());
        }
        let frames = frame_pair(preamble, snippets);
        let (mut store, instance, memory) = fresh(module, limits, frames.clone())?;
        let _active = ActiveInvocation::start().map_err(|e| e.to_string())?;
        if let Some(budget) = limits.fuel {
            // Preparing gets the budget an invocation gives it; running out keeps the replay path.
            store.set_fuel(budget).map_err(|e| describe(&e))?;
        }
        let prepare = instance
            .get_typed_func::<(), ()>(&mut store, "__kobako_prepare")
            .map_err(|e| describe(&e))?;
        // Snippets are scripts too: they run on a guest stack (guest_fiber.rs).
        crate::guest_fiber::on_guest_stack(|| prepare.call(&mut store, ()))
            .map_err(|e| format!("could not map a stack for the guest: {e}"))?
            .map_err(|e| format!("preparing trapped: {}", describe(&e)))?;
        let take = instance
            .get_typed_func::<(), i64>(&mut store, "__kobako_take_outcome")
            .map_err(|e| describe(&e))?;
        let packed = take.call(&mut store, ()).map_err(|e| describe(&e))?;
        let outcome = crate::guest_memory::unpack_payload(memory.data(&store), packed).map_err(|e| e.to_string())?;
        if outcome != NIL_OUTCOME {
            return Err("preparing did not succeed".into());
        }
        let state = store.data();
        if !state.stdout.is_empty() || !state.stderr.is_empty() {
            return Err("preparing wrote output".into());
        }
        if state.stdin_pos != state.stdin.len() || state.abort.is_some() || state.dispatches != 0 {
            return Err("preparing called a Service or misread its input".into());
        }
        let rng = state.rng_state();
        let read_clock = state.read_clock;
        let drew_random = rng != module.rng_seed;

        let (mut base, base_instance, base_memory) = fresh(module, &Limits::default(), Vec::new())?;
        let memory_size = memory.data_size(&store);
        let runs = differing_runs(base_memory.data(&base), memory.data(&store));
        let mut globals = Vec::new();
        for export in module.pre.module().exports() {
            let name = export.name();
            if !name.starts_with(crate::preinit::GLOBAL_EXPORT_PREFIX) {
                continue;
            }
            let now = instance.get_global(&mut store, name).map(|g| g.get(&mut store));
            let then = base_instance.get_global(&mut base, name).map(|g| g.get(&mut base));
            match (now, then) {
                (Some(now), Some(then)) if !same(&now, &then) => globals.push((name.to_owned(), now)),
                _ => {}
            }
        }
        Ok(Self { frames, memory_size, runs, globals, rng, read_clock, drew_random })
    }
}

fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::I32(x), Val::I32(y)) => x == y,
        (Val::I64(x), Val::I64(y)) => x == y,
        (Val::F32(x), Val::F32(y)) => x == y,
        (Val::F64(x), Val::F64(y)) => x == y,
        _ => false,
    }
}

/// The stdin frames [preamble, snippets] (contract W-2 framing).
pub fn frame_pair(preamble: &[u8], snippets: &[u8]) -> Vec<u8> {
    let mut frames = Vec::with_capacity(8 + preamble.len() + snippets.len());
    for part in [preamble, snippets] {
        frames.extend_from_slice(&(part.len() as u32).to_be_bytes());
        frames.extend_from_slice(part);
    }
    frames
}

/// A new instance of the module with `stdin`, initialised and armed like an invocation.
fn fresh(module: &GuestModule, limits: &Limits, stdin: Vec<u8>) -> Result<(Store<InstanceState>, Instance, Memory), String> {
    let engine = module.pre.module().engine();
    let mut store = Store::new(engine, InstanceState::for_module(stdin, limits, module.rng_seed));
    store.limiter(|inv| &mut inv.memory_cap);
    let deadline = limits.timeout.and_then(|t| Instant::now().checked_add(t));
    store.epoch_deadline_callback(move |_| match deadline {
        Some(deadline) if Instant::now() >= deadline => Ok(UpdateDeadline::Interrupt),
        _ => Ok(UpdateDeadline::Continue(1)),
    });
    store.set_epoch_deadline(1);
    let (instance, memory) = crate::instance::start_instance(module, &mut store).map_err(|e| describe(&e))?;
    Ok((store, instance, memory))
}

/// Page-granular runs where `now` differs from `before` (bytes past `before` count as
/// different when they are not zero), merged when adjacent.
fn differing_runs(before: &[u8], now: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut runs: Vec<(usize, Vec<u8>)> = Vec::new();
    for start in (0..now.len()).step_by(PAGE) {
        let end = (start + PAGE).min(now.len());
        let page = &now[start..end];
        let differs = if end <= before.len() { page != &before[start..end] } else { page.iter().any(|&b| b != 0) };
        if !differs {
            continue;
        }
        match runs.last_mut() {
            Some((offset, bytes)) if *offset + bytes.len() == start => bytes.extend_from_slice(page),
            _ => runs.push((start, page.to_vec())),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_changed_pages_and_merges_neighbours() {
        let before = vec![0u8; PAGE * 4];
        let mut now = before.clone();
        now[10] = 1;
        now[PAGE + 5] = 2;
        now[3 * PAGE] = 3;
        now.extend(vec![0u8; PAGE]); // grown, but zero: nothing to copy
        now.extend(vec![7u8; PAGE]);
        let runs = differing_runs(&before, &now);
        assert_eq!(runs.iter().map(|(o, b)| (*o, b.len())).collect::<Vec<_>>(), vec![(0, 2 * PAGE), (3 * PAGE, PAGE), (5 * PAGE, PAGE)]);
        assert_eq!(runs[0].1[PAGE + 5], 2);
    }

    #[test]
    fn frames_are_length_prefixed() {
        assert_eq!(frame_pair(b"ab", b""), vec![0, 0, 0, 2, b'a', b'b', 0, 0, 0, 0]);
    }
}
