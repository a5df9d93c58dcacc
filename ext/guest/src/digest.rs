//! A fast 128-bit digest shared by the guest (which image frames it was prepared with) and
//! the host (module cache keys).

/// A 128-bit digest. Not cryptographic: it tells apart inputs nobody is trying to collide
/// (guest builds in a private cache directory, the frames a prepared image was made from).
pub fn digest(bytes: &[u8]) -> u128 {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;
    let mut a = 0x243f_6a88_85a3_08d3 ^ bytes.len() as u64;
    let mut b = 0x1319_8a2e_0370_7344 ^ (bytes.len() as u64).rotate_left(32);
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(chunk[8..].try_into().expect("8 bytes"));
        a = (a ^ x).wrapping_mul(K1).rotate_left(29) ^ b;
        b = (b ^ y).wrapping_mul(K2).rotate_left(31).wrapping_add(a);
    }
    for (i, &byte) in chunks.remainder().iter().enumerate() {
        a = (a ^ u64::from(byte) << (i % 8 * 8)).wrapping_mul(K1);
    }
    let finish = |mut h: u64| {
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    };
    (u128::from(finish(a ^ b.rotate_left(17))) << 64) | u128::from(finish(b ^ a.rotate_left(41)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_tells_inputs_apart() {
        let a = digest(b"kobako guest bytes, version one");
        assert_eq!(a, digest(b"kobako guest bytes, version one"));
        assert_ne!(a, digest(b"kobako guest bytes, version two"));
        assert_ne!(digest(&[0u8; 64]), digest(&[0u8; 65]));
        assert_ne!(digest(b""), digest(b"\0"));
        let mut flipped = vec![7u8; 4096];
        let base = digest(&flipped);
        for i in (0..4096).step_by(97) {
            flipped[i] ^= 1;
            assert_ne!(digest(&flipped), base, "flip at {i}");
            flipped[i] ^= 1;
        }
    }
}
