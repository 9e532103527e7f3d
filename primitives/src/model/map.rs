//! Models of a concurrent map: small histories whose every outcome a linearizable map allows is
//! listed, so any other outcome fails.

use super::check::check;
use crate::map::ConcurrentMap;
use crate::sync::{thread, Arc};

/// The models of [`map_racing_inserts`] and [`map_racing_upserts`].
pub fn map<M: ConcurrentMap<u64, u64> + 'static>() {
    map_racing_inserts::<M>();
    map_racing_upserts::<M>();
}

/// Two threads insert the same key with different values: exactly one insert wins, and the map
/// then holds the winner's value, once.
pub fn map_racing_inserts<M: ConcurrentMap<u64, u64> + 'static>() {
    check(|| {
        let map = Arc::new(M::with_capacity(4));
        let other = thread::spawn({
            let map = map.clone();
            move || map.insert(7, 2)
        });
        let mine = map.insert(7, 1);
        let theirs = other.join().unwrap();
        assert!(mine != theirs, "inserts of one key: mine {mine}, theirs {theirs}; one must win");
        let winner = if mine { 1 } else { 2 };
        assert_eq!(map.get(&7), Some(winner), "the map holds a loser's value");
        assert_eq!(map.len(), 1, "one key, counted once");
    });
}

/// Two threads upsert the same absent key (insert 1, or add 1): whatever the order, the value
/// ends at 2 and the key is there once.
pub fn map_racing_upserts<M: ConcurrentMap<u64, u64> + 'static>() {
    check(|| {
        let map = Arc::new(M::with_capacity(4));
        let upsert = |map: &M| map.upsert(3, 1, |value| *value += 1);
        let other = thread::spawn({
            let map = map.clone();
            move || upsert(&map)
        });
        let mine = upsert(&map);
        let theirs = other.join().unwrap();
        assert!(mine != theirs, "exactly one upsert inserts: mine {mine}, theirs {theirs}");
        assert_eq!(map.get(&3), Some(2), "an upsert lost");
        assert_eq!(map.len(), 1, "one key, counted once");
    });
}
