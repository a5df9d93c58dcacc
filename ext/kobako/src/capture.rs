//! A per-channel output capture that keeps at most `limit` bytes (contract C-3).
//! Writes past the cap are accepted and dropped, so the guest never sees an error.

#[derive(Debug, Default)]
pub struct Capture {
    bytes: Vec<u8>,
    limit: Option<usize>,
    truncated: bool,
}

impl Capture {
    pub fn new(limit: Option<usize>) -> Self {
        Self { bytes: Vec::new(), limit, truncated: false }
    }

    pub fn write(&mut self, data: &[u8]) {
        let room = match self.limit {
            Some(limit) => limit.saturating_sub(self.bytes.len()),
            None => data.len(),
        };
        if data.len() > room {
            self.truncated = true;
        }
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty() && !self.truncated
    }

    pub fn truncated(&self) -> bool {
        self.truncated
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_without_a_limit() {
        let mut c = Capture::new(None);
        c.write(b"abc");
        c.write(b"def");
        assert!(!c.truncated());
        assert_eq!(c.into_bytes(), b"abcdef");
    }

    #[test]
    fn exactly_the_limit_is_not_truncation() {
        let mut c = Capture::new(Some(4));
        c.write(b"ab");
        c.write(b"cd");
        assert!(!c.truncated());
        assert_eq!(c.into_bytes(), b"abcd");
    }

    #[test]
    fn one_byte_past_the_limit_is_dropped_and_flagged() {
        let mut c = Capture::new(Some(4));
        c.write(b"abc");
        c.write(b"de");
        assert!(c.truncated());
        c.write(b"");
        assert_eq!(c.into_bytes(), b"abcd");
    }

    #[test]
    fn empty_writes_after_the_limit_do_not_flag() {
        let mut c = Capture::new(Some(2));
        c.write(b"ab");
        c.write(b"");
        assert!(!c.truncated());
    }
}
