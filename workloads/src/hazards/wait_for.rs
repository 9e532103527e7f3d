//! A wait-for graph that workers keep up to date as they take and release locks, so that when
//! they stop making progress the watchdog can be told who waits for what, and the cycle.
//!
//! Kept with relaxed atomics, written only by the thread concerned: it is read while the workers
//! are stuck (nothing moves then), so a reader sees a settled picture; while they run it may be
//! momentarily stale, which is harmless.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Marks an unheld resource, or a thread that waits for nothing.
const NONE: usize = usize::MAX;

/// Who holds each resource, and which resource each thread waits for.
#[derive(Debug)]
pub struct WaitForGraph {
    /// Per resource: the thread holding it, or [`NONE`].
    holder: Vec<AtomicUsize>,
    /// Per thread: the resource it is blocked on, or [`NONE`].
    waits_for: Vec<AtomicUsize>,
}

impl WaitForGraph {
    pub fn new(threads: usize, resources: usize) -> Self {
        let none = |_| AtomicUsize::new(NONE);
        Self {
            holder: (0..resources).map(none).collect(),
            waits_for: (0..threads).map(none).collect(),
        }
    }

    /// `thread` is about to block on `resource`.
    #[inline]
    pub fn waiting(&self, thread: usize, resource: usize) {
        self.waits_for[thread].store(resource, Ordering::Relaxed);
    }

    /// `thread` now holds `resource` (and waits no longer).
    #[inline]
    pub fn acquired(&self, thread: usize, resource: usize) {
        self.waits_for[thread].store(NONE, Ordering::Relaxed);
        self.holder[resource].store(thread, Ordering::Relaxed);
    }

    /// `thread` gave up waiting (a try-lock that timed out).
    #[inline]
    pub fn gave_up(&self, thread: usize) {
        self.waits_for[thread].store(NONE, Ordering::Relaxed);
    }

    /// `resource` is free again; call before unlocking it.
    #[inline]
    pub fn released(&self, resource: usize) {
        self.holder[resource].store(NONE, Ordering::Relaxed);
    }

    fn edge(&self, thread: usize) -> Option<(usize, Option<usize>)> {
        let resource = self.waits_for[thread].load(Ordering::Relaxed);
        (resource != NONE).then(|| {
            let holder = self.holder[resource].load(Ordering::Relaxed);
            (resource, (holder != NONE).then_some(holder))
        })
    }

    /// A cycle of threads each waiting for a resource the next one holds, if there is one.
    pub fn cycle(&self) -> Option<Vec<usize>> {
        for start in 0..self.waits_for.len() {
            let mut path = vec![start];
            let mut at = start;
            while let Some((_, Some(next))) = self.edge(at) {
                if let Some(pos) = path.iter().position(|&t| t == next) {
                    return Some(path[pos..].to_vec());
                }
                path.push(next);
                at = next;
            }
        }
        None
    }

    /// The wait-for table ("philosopher 2 waits for fork 3, held by philosopher 3; ...") and the
    /// cycle, naming threads and resources with the given nouns. `None` if nobody waits.
    pub fn describe(&self, thread: &str, resource: &str) -> Option<String> {
        let waits: Vec<String> = (0..self.waits_for.len())
            .filter_map(|t| {
                let (r, holder) = self.edge(t)?;
                Some(match holder {
                    Some(h) => {
                        format!("{thread} {t} waits for {resource} {r}, held by {thread} {h}")
                    }
                    None => format!("{thread} {t} waits for {resource} {r}"),
                })
            })
            .collect();
        if waits.is_empty() {
            return None;
        }
        let cycle = self.cycle().map_or(String::new(), |cycle| {
            let mut names: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            names.push(cycle[0].to_string());
            format!("; wait-for cycle: {thread} {}", names.join(" → "))
        });
        Some(format!("{}{cycle}", waits.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cycle_and_names_it() {
        let graph = WaitForGraph::new(3, 3);
        for t in 0..3 {
            graph.acquired(t, t);
        }
        graph.waiting(0, 1);
        graph.waiting(1, 2);
        assert_eq!(graph.cycle(), None, "thread 2 waits for nothing");
        graph.waiting(2, 0);
        assert_eq!(graph.cycle(), Some(vec![0, 1, 2]));
        let text = graph.describe("philosopher", "fork").unwrap();
        assert!(
            text.starts_with("philosopher 0 waits for fork 1, held by philosopher 1; "),
            "{text}"
        );
        assert!(text.ends_with("wait-for cycle: philosopher 0 → 1 → 2 → 0"), "{text}");
    }

    #[test]
    fn nobody_waiting_says_nothing() {
        let graph = WaitForGraph::new(2, 2);
        graph.waiting(0, 1);
        graph.acquired(0, 1);
        graph.released(1);
        assert_eq!(graph.describe("thread", "account"), None);
    }
}
