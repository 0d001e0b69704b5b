//! The small hashing helpers several modules share: FNV-1a for stable, non-cryptographic
//! fingerprints (input shards, the catalogue version) and lowercase hex for digests.
//!
//! FNV-1a rather than the standard library's hasher because these values must be the same
//! across runs, machines and releases: the standard hasher is seeded per process and its
//! algorithm may change.

/// The 64-bit FNV-1a offset basis: the hash of no bytes, where every hash starts.
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// 64-bit FNV-1a of `bytes`, continuing from `h` ([`FNV1A_START`] for a fresh hash), so a
/// fingerprint can be extended file by file. Not security-relevant.
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `bytes` as lowercase hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}

/// A file read whole before the scan (a `--directory` file) and the SHA-256
/// of its bytes as read: the evidence manifest ties the report to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashedFile {
    /// As given on the command line.
    pub path: String,
    /// Lowercase hex.
    pub sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors_and_continues() {
        // From the FNV reference test suite (64-bit FNV-1a).
        assert_eq!(fnv1a(FNV1A_START, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV1A_START, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV1A_START, b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            fnv1a(fnv1a(FNV1A_START, b"foo"), b"bar"),
            fnv1a(FNV1A_START, b"foobar")
        );
    }

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let all: Vec<u8> = (0..=255).collect();
        let want: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), want);
    }
}
