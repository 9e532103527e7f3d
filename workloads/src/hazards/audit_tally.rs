//! What every `bank` trial counts and checks, built-in lock orders and user protocols alike: the
//! audits made while running, those that saw a wrong total, and the total at the end.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::workload::Check;

#[derive(Default)]
pub struct AuditTally {
    audits: AtomicU64,
    bad_audits: AtomicU64,
}

impl AuditTally {
    /// A teller's audits, and how many of them saw a wrong total, published when it finishes.
    pub fn published(&self, audits: u64, bad: u64) {
        self.audits.fetch_add(audits, Ordering::Relaxed);
        self.bad_audits.fetch_add(bad, Ordering::Relaxed);
    }

    /// Held when the final `total` is the `opening` one and every audit agreed; `why` ends the
    /// message of a violation (what broke, where the trial knows).
    pub fn check(&self, total: i64, opening: i64, ops: u64, why: &str) -> Check {
        let (audits, bad) =
            (self.audits.load(Ordering::Relaxed), self.bad_audits.load(Ordering::Relaxed));
        let transfers = ops.saturating_sub(audits);
        if total == opening && bad == 0 {
            return Check::Held(format!(
                "total {total} unchanged over {transfers} transfers; {audits} audits all balanced"
            ));
        }
        let change = if total < opening {
            format!("{} lost", opening - total)
        } else {
            format!("{} created", total - opening)
        };
        Check::Violated(format!(
            "lost update: total {total}, opened with {opening} ({change} over {transfers} transfers); {bad} of {audits} audits saw a wrong total{why}"
        ))
    }
}
