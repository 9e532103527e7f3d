//! What a value says, and what a key's owner knows about it.
//!
//! A value is `key << 32 | version`: a read can tell whose value it got (another key's value is a
//! misplaced entry), and the owner, who alone changes the key, knows the exact version to expect.

/// The value of `key` at `version`.
#[inline]
pub fn value_of(key: u64, version: u32) -> u64 {
    key << 32 | u64::from(version)
}

/// The key a value belongs to.
#[inline]
pub fn key_in(value: u64) -> u64 {
    value >> 32
}

/// `value` with its version moved on by one: what update and upsert do to a present key.
#[inline]
pub fn bumped(value: u64) -> u64 {
    value & !0xffff_ffff | u64::from((value as u32).wrapping_add(1))
}

/// What the owner of a key knows: whether the map holds it, and at which version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OwnedKey {
    pub present: bool,
    /// The version of the value the map holds (or held last, if absent); a new value always
    /// takes the next version, so that a stale value is told apart from the current one.
    pub version: u32,
}

impl OwnedKey {
    /// What a get of `key` must return.
    #[inline]
    pub fn expected(self, key: u64) -> Option<u64> {
        self.present.then(|| value_of(key, self.version))
    }

    /// What the map shows for the key (`found`): where the owner was wrong about it, carrying on
    /// from what the map holds keeps one fault from failing every later check of the key.
    pub fn from_found(found: Option<u64>) -> Self {
        match found {
            Some(value) => Self { present: true, version: value as u32 },
            None => Self::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_name_their_key_and_count_versions() {
        let value = value_of(7, 41);
        assert_eq!((key_in(value), bumped(value)), (7, value_of(7, 42)));
        assert_eq!(bumped(value_of(7, u32::MAX)), value_of(7, 0), "wraps inside its key");
        assert_eq!(OwnedKey { present: true, version: 3 }.expected(5), Some(value_of(5, 3)));
        assert_eq!(OwnedKey::default().expected(5), None);
    }
}
