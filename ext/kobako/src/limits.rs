//! The memory cap (contract C-2): how far linear memory may grow past its size when the
//! invocation was armed, plus the high-water mark reported as `usage.memory_peak`.

use wasmtime::ResourceLimiter;

/// Raised out of `memory.grow` so the guest traps instead of seeing a failed allocation.
#[derive(Debug, thiserror::Error)]
#[error("guest memory would grow by {requested} bytes past its entry size, over the {limit}-byte memory_limit")]
pub struct MemoryLimitExceeded {
    pub requested: usize,
    pub limit: usize,
}

/// Tables only grow if a guest does something unusual; keep them bounded all the same.
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

#[derive(Debug)]
pub struct MemoryCap {
    limit: Option<usize>,
    baseline: Option<usize>,
    peak: usize,
    exceeded: bool,
}

impl MemoryCap {
    pub fn new(limit: Option<usize>) -> Self {
        Self { limit, baseline: None, peak: 0, exceeded: false }
    }

    /// Starts counting growth from `size` bytes (the memory size at invocation entry).
    pub fn arm(&mut self, size: usize) {
        self.baseline = Some(size);
    }

    pub fn peak(&self) -> usize {
        self.peak
    }

    pub fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let Some(baseline) = self.baseline else {
            return Ok(true); // runtime start-up, before the invocation is armed
        };
        let growth = desired.saturating_sub(baseline);
        if let Some(limit) = self.limit {
            if growth > limit {
                self.exceeded = true;
                return Err(MemoryLimitExceeded { requested: growth, limit }.into());
            }
        }
        self.peak = self.peak.max(growth);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_before_arming_is_free() {
        let mut cap = MemoryCap::new(Some(10));
        assert!(cap.memory_growing(0, 1_000, None).unwrap());
        assert_eq!(cap.peak(), 0);
    }

    #[test]
    fn counts_growth_past_the_armed_size() {
        let mut cap = MemoryCap::new(Some(100));
        cap.arm(1_000);
        assert!(cap.memory_growing(1_000, 1_064, None).unwrap());
        assert!(cap.memory_growing(1_064, 1_100, None).unwrap());
        assert_eq!(cap.peak(), 100);
        assert!(!cap.exceeded());
    }

    #[test]
    fn growth_past_the_limit_traps_and_is_remembered() {
        let mut cap = MemoryCap::new(Some(100));
        cap.arm(1_000);
        let err = cap.memory_growing(1_000, 1_101, None).unwrap_err();
        assert!(err.to_string().contains("over the 100-byte memory_limit"));
        assert!(cap.exceeded());
        assert_eq!(cap.peak(), 0);
    }

    #[test]
    fn no_limit_still_tracks_the_peak() {
        let mut cap = MemoryCap::new(None);
        cap.arm(0);
        assert!(cap.memory_growing(0, 5_000_000, None).unwrap());
        assert_eq!(cap.peak(), 5_000_000);
    }

    #[test]
    fn respects_the_module_maximum() {
        let mut cap = MemoryCap::new(None);
        cap.arm(0);
        assert!(!cap.memory_growing(0, 200, Some(100)).unwrap());
    }
}
