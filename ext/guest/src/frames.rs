//! Length-prefixed input frames (contract W-2): each frame is a u32 big-endian length
//! followed by that many bytes. The host writes them to the guest's stdin.

use crate::msgpack::MAX_PAYLOAD;

#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    Truncated { frame: usize },
    TooLarge { frame: usize, len: usize },
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Truncated { frame } => write!(f, "input frame {frame} is truncated"),
            FrameError::TooLarge { frame, len } => write!(
                f,
                "input frame {frame} is {len} bytes, over the {MAX_PAYLOAD}-byte limit"
            ),
        }
    }
}

/// Splits `input` into frames; trailing garbage or a short frame is an error.
pub fn split(input: &[u8]) -> Result<Vec<&[u8]>, FrameError> {
    let mut frames = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let frame = frames.len();
        if rest.len() < 4 {
            return Err(FrameError::Truncated { frame });
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > MAX_PAYLOAD {
            return Err(FrameError::TooLarge { frame, len });
        }
        let body = &rest[4..];
        if body.len() < len {
            return Err(FrameError::Truncated { frame });
        }
        frames.push(&body[..len]);
        rest = &body[len..];
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(bytes: &[u8]) -> Vec<u8> {
        let mut out = (bytes.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn splits_consecutive_frames() {
        let mut input = frame(b"pre");
        input.extend(frame(b""));
        input.extend(frame(b"1 + 2"));
        assert_eq!(split(&input).unwrap(), vec![&b"pre"[..], b"", b"1 + 2"]);
    }

    #[test]
    fn empty_input_has_no_frames() {
        assert!(split(&[]).unwrap().is_empty());
    }

    #[test]
    fn rejects_a_short_length_prefix() {
        assert_eq!(split(&[0, 0]), Err(FrameError::Truncated { frame: 0 }));
    }

    #[test]
    fn rejects_a_body_shorter_than_its_length() {
        let mut input = frame(b"ok");
        input.extend_from_slice(&[0, 0, 0, 9, b'x']);
        assert_eq!(split(&input), Err(FrameError::Truncated { frame: 1 }));
    }

    #[test]
    fn rejects_frames_over_the_payload_cap() {
        let input = ((MAX_PAYLOAD + 1) as u32).to_be_bytes();
        assert_eq!(
            split(&input),
            Err(FrameError::TooLarge { frame: 0, len: MAX_PAYLOAD + 1 })
        );
    }
}
