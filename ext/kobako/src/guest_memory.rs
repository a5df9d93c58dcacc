//! Bounds-checked access to guest linear memory. Every pointer and length the guest hands
//! us is hostile until checked here.

use crate::errors::WireError;

/// Every payload crossing the boundary is capped at 16 MiB (contract W-3).
pub const MAX_PAYLOAD: usize = 16 << 20;
/// Deepest container nesting a value may have (contract A-4).
pub const MAX_DEPTH: usize = 128;

/// The `len` bytes at `ptr`, or an error naming what was out of bounds.
pub fn slice(mem: &[u8], ptr: u32, len: u32) -> Result<&[u8], WireError> {
    let start = ptr as usize;
    let end = start
        .checked_add(len as usize)
        .filter(|&end| end <= mem.len())
        .ok_or(WireError::OutOfBounds { ptr, len, size: mem.len() })?;
    Ok(&mem[start..end])
}

pub fn slice_mut(mem: &mut [u8], ptr: u32, len: u32) -> Result<&mut [u8], WireError> {
    let size = mem.len();
    let start = ptr as usize;
    let end = start
        .checked_add(len as usize)
        .filter(|&end| end <= size)
        .ok_or(WireError::OutOfBounds { ptr, len, size })?;
    Ok(&mut mem[start..end])
}

pub fn read_u32(mem: &[u8], ptr: u32) -> Result<u32, WireError> {
    let b = slice(mem, ptr, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub fn write_u32(mem: &mut [u8], ptr: u32, value: u32) -> Result<(), WireError> {
    slice_mut(mem, ptr, 4)?.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

pub fn write_u64(mem: &mut [u8], ptr: u32, value: u64) -> Result<(), WireError> {
    slice_mut(mem, ptr, 8)?.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// Splits a packed `(ptr << 32) | len` result (contract W-1) and checks it against the
/// payload cap and the memory bounds.
pub fn unpack_payload(mem: &[u8], packed: i64) -> Result<&[u8], WireError> {
    let packed = packed as u64;
    let ptr = (packed >> 32) as u32;
    let len = packed as u32;
    if len as usize > MAX_PAYLOAD {
        return Err(WireError::TooLarge { len: len as usize });
    }
    slice(mem, ptr, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_inside_memory() {
        let mem = [1u8, 2, 3, 4, 5];
        assert_eq!(slice(&mem, 1, 3).unwrap(), &[2, 3, 4]);
        assert_eq!(slice(&mem, 5, 0).unwrap(), &[] as &[u8]);
    }

    #[test]
    fn refuses_ranges_past_the_end_or_overflowing() {
        let mem = [0u8; 8];
        assert!(matches!(slice(&mem, 6, 3), Err(WireError::OutOfBounds { ptr: 6, len: 3, size: 8 })));
        assert!(slice(&mem, u32::MAX, 2).is_err());
        assert!(slice(&mem, 9, 0).is_err());
    }

    #[test]
    fn reads_and_writes_little_endian_words() {
        let mut mem = [0u8; 12];
        write_u32(&mut mem, 0, 0x0102_0304).unwrap();
        write_u64(&mut mem, 4, u64::MAX - 1).unwrap();
        assert_eq!(read_u32(&mem, 0).unwrap(), 0x0102_0304);
        assert_eq!(mem[4], 0xfe);
        assert!(write_u32(&mut mem, 10, 1).is_err());
    }

    #[test]
    fn unpacks_packed_payloads_with_the_cap() {
        let mem = vec![7u8; 64];
        let packed = (8i64 << 32) | 4;
        assert_eq!(unpack_payload(&mem, packed).unwrap(), &[7, 7, 7, 7]);
        let huge = (0i64 << 32) | (MAX_PAYLOAD as i64 + 1);
        assert!(matches!(unpack_payload(&mem, huge), Err(WireError::TooLarge { .. })));
        let outside = (60i64 << 32) | 8;
        assert!(unpack_payload(&mem, outside).is_err());
    }
}
