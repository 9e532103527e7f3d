//! The model of a counting semaphore: the only permit excludes, and comes back.

use super::cell::ModelCell;
use super::check::check;
use super::occupancy::Occupancy;
use crate::semaphore::Semaphore;
use crate::sync::{thread, Arc};

/// Two threads each add 1 to plain data while holding the only permit (one through the timed
/// acquire; the first acquire may park); afterwards the permit is there to take again.
pub fn semaphore<S: Semaphore + 'static>() {
    check(|| {
        let shared = Arc::new((S::new(1), ModelCell::new(0), Occupancy::new()));
        let increment = |shared: &(S, ModelCell, Occupancy), timed: bool| {
            let permit = if timed {
                // Checkers never time out, so this is a plain acquire through the timed path.
                shared.0.acquire_timeout(std::time::Duration::from_secs(60)).unwrap()
            } else {
                shared.0.acquire()
            };
            shared.2.exclusive(|| shared.1.add_one());
            drop(permit);
        };
        let other = thread::spawn({
            let shared = shared.clone();
            move || increment(&shared, true)
        });
        increment(&shared, false);
        other.join().unwrap();
        assert_eq!(shared.1.read(), 2, "an increment lost");
        assert!(shared.0.try_acquire().is_some(), "the permit was lost");
    });
}
