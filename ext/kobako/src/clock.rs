//! The guest's clock and random seed for one invocation (`Sandbox.new(clock:, seed:)`).
//! The Ruby layer passes them per invocation, so a recorded invocation can be replayed
//! with the same start time and seed. nil means the hermetic default (contract R-2): the
//! frozen clock and the fixed random source, with nothing extra to do.

use std::time::Instant;

use magnus::{prelude::*, Error, RArray, Ruby, Value};

use crate::ruby_errors::{self, Kind as ErrorKind};

/// Frozen wall clock: 2000-01-01T00:00:00Z, in nanoseconds since the epoch.
pub const FROZEN_REALTIME_NS: u64 = 946_684_800 * 1_000_000_000;

/// What the Ruby layer asked for one invocation: `[start_ns, advances, seed]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvocationClock {
    /// Wall-clock time the invocation starts at, in nanoseconds since the epoch.
    pub start_ns: u64,
    /// Whether the clocks move with the invocation's elapsed wall time (`clock: :host`).
    pub advances: bool,
    /// Seeds the guest's randomness; None keeps the fixed default sequence.
    pub seed: Option<u64>,
}

impl InvocationClock {
    /// Parses the last argument of `Runtime#eval`/`#run`: nil or `[start_ns, advances, seed]`.
    pub fn from_ruby(ruby: &Ruby, value: Value) -> Result<Option<Self>, Error> {
        if value.is_nil() {
            return Ok(None);
        }
        let bad = |what: String| ruby_errors::error(ruby, ErrorKind::Argument, what);
        let Some(array) = RArray::from_value(value) else {
            return Err(bad(format!("clock must be nil or [start_ns, advances, seed], got {}", inspect(value))));
        };
        if array.len() != 3 {
            return Err(bad(format!("clock must have 3 elements [start_ns, advances, seed], got {}", array.len())));
        }
        let start: Value = array.entry(0)?;
        let advances: Value = array.entry(1)?;
        let seed: Value = array.entry(2)?;
        let start_ns = u64_of(start).ok_or_else(|| {
            bad(format!("clock start must be an Integer of nanoseconds in 0...2**64, got {}", inspect(start)))
        })?;
        let advances = if advances.is_kind_of(ruby.class_true_class()) {
            true
        } else if advances.is_kind_of(ruby.class_false_class()) {
            false
        } else {
            return Err(bad(format!("clock advances must be true or false, got {}", inspect(advances))));
        };
        let seed = if seed.is_nil() {
            None
        } else {
            Some(u64_of(seed).ok_or_else(|| bad(format!("seed must be nil or an Integer in 0...2**64, got {}", inspect(seed))))?)
        };
        Ok(Some(Self { start_ns, advances, seed }))
    }

    /// True when the clocks read exactly as the frozen default.
    pub fn is_frozen_default(&self) -> bool {
        self.start_ns == FROZEN_REALTIME_NS && !self.advances
    }
}

fn u64_of(value: Value) -> Option<u64> {
    magnus::Integer::from_value(value).and_then(|i| i.to_u64().ok())
}

fn inspect(value: Value) -> String {
    value.inspect()
}

/// The clocks an invocation's guest reads.
#[derive(Clone, Copy, Debug, Default)]
pub enum GuestClock {
    /// 2000-01-01T00:00:00Z; monotonic clocks read 0.
    #[default]
    Frozen,
    /// A fixed instant; monotonic clocks read 0.
    Fixed(u64),
    /// `start_ns` at `origin`, moving with the host's monotonic clock from there;
    /// monotonic clocks read the time elapsed since `origin`.
    Advancing { start_ns: u64, origin: Instant },
}

impl GuestClock {
    pub fn new(clock: &InvocationClock, origin: Instant) -> Self {
        if clock.advances {
            GuestClock::Advancing { start_ns: clock.start_ns, origin }
        } else if clock.start_ns == FROZEN_REALTIME_NS {
            GuestClock::Frozen
        } else {
            GuestClock::Fixed(clock.start_ns)
        }
    }

    /// Nanoseconds since the epoch.
    pub fn realtime(&self) -> u64 {
        match *self {
            GuestClock::Frozen => FROZEN_REALTIME_NS,
            GuestClock::Fixed(ns) => ns,
            GuestClock::Advancing { start_ns, origin } => start_ns.saturating_add(elapsed_ns(origin)),
        }
    }

    /// Monotonic, process and thread CPU clocks: the invocation's elapsed time, or 0.
    pub fn monotonic(&self) -> u64 {
        match *self {
            GuestClock::Frozen | GuestClock::Fixed(_) => 0,
            GuestClock::Advancing { origin, .. } => elapsed_ns(origin),
        }
    }
}

fn elapsed_ns(origin: Instant) -> u64 {
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Fixed seed for the guest's `random_get` (contract R-2: hermetic by default).
pub const RANDOM_SEED: u64 = 0x6b6f_6261_6b6f_2021;

/// One step of SplitMix64: spreads a seed (however regular) over all 64 bits.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Where the WASI `random_get` stream starts for `seed` (never 0: xorshift would stay 0).
pub fn random_state_for(seed: u64) -> u64 {
    // A different stream from the one the guest derives its Random states from.
    let mut state = seed ^ 0x7261_6e64_6f6d_5f67;
    match splitmix64(&mut state) {
        0 => RANDOM_SEED,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_and_fixed_clocks_stand_still() {
        assert_eq!(GuestClock::Frozen.realtime(), FROZEN_REALTIME_NS);
        assert_eq!(GuestClock::Frozen.monotonic(), 0);
        let fixed = GuestClock::new(&InvocationClock { start_ns: 5, advances: false, seed: None }, Instant::now());
        assert_eq!((fixed.realtime(), fixed.monotonic()), (5, 0));
        let frozen = InvocationClock { start_ns: FROZEN_REALTIME_NS, advances: false, seed: Some(1) };
        assert!(frozen.is_frozen_default());
        assert!(matches!(GuestClock::new(&frozen, Instant::now()), GuestClock::Frozen));
    }

    #[test]
    fn an_advancing_clock_moves_from_its_start() {
        let origin = Instant::now() - std::time::Duration::from_millis(5);
        let clock = GuestClock::new(&InvocationClock { start_ns: 1_000, advances: true, seed: None }, origin);
        let (a, m) = (clock.realtime(), clock.monotonic());
        assert!(m >= 5_000_000 && a >= 1_000 + 5_000_000, "{a} {m}");
        assert!(clock.monotonic() >= m && clock.realtime() >= a);
        let near_end = GuestClock::Advancing { start_ns: u64::MAX - 1, origin };
        assert_eq!(near_end.realtime(), u64::MAX);
    }

    #[test]
    fn seeds_give_distinct_nonzero_streams() {
        let states: Vec<u64> = (0..1000).map(random_state_for).collect();
        assert!(states.iter().all(|&s| s != 0));
        let mut sorted = states.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), states.len());
        assert_eq!(random_state_for(42), random_state_for(42));
    }
}
