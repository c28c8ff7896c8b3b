//! The one fixed hash debtgate uses for fingerprints, token hashes and content hashes:
//! FNV-1a, 64 bits (never `DefaultHasher`, whose output may change between Rust releases).

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
pub const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a of bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(OFFSET, bytes)
}

/// Continues an FNV-1a hash with more bytes.
pub fn fnv1a_from(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

/// FNV-1a over 64-bit words (token hashes), one step a word.
pub fn fnv1a_words(words: &[u64]) -> u64 {
    words.iter().fold(OFFSET, |h, &x| (h ^ x).wrapping_mul(PRIME))
}

/// A fingerprint of several strings, each ended by a NUL so `["ab", "c"]` and `["a", "bc"]`
/// differ; as 16 hex digits.
pub fn fingerprint(parts: &[&str]) -> String {
    let hash = parts
        .iter()
        .fold(OFFSET, |h, part| fnv1a_from(fnv1a_from(h, part.as_bytes()), &[0]));
    format!("{hash:016x}")
}

/// A hasher for map keys that are already hashes (window and token hashes): one rotate and
/// one multiply a word, where the standard SipHash was a fifth of a warm duplication run. Its
/// output is fixed, so the maps' order is the same from run to run (no output depends on it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Prehashed(u64);

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(MIX);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// A map keyed by hashes.
pub type HashKeyed<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<Prehashed>>;

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprint_is_fixed() {
        assert_eq!(super::fingerprint(&[]), "cbf29ce484222325");
        use std::hash::BuildHasher;
        let build = std::hash::BuildHasherDefault::<super::Prehashed>::default();
        assert_ne!(build.hash_one(1u64), build.hash_one(2u64));
        assert_eq!(build.hash_one(7u64), build.hash_one(7u64));
        assert_eq!(super::fingerprint(&["a"]), super::fingerprint(&["a"]));
        assert_ne!(super::fingerprint(&["ab", "c"]), super::fingerprint(&["a", "bc"]));
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
