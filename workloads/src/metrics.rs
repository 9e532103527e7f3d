//! Figures a worker records beyond its op count: latency histograms of its own (end-to-end
//! latency carried in a queue item, read and write latency kept apart, time waited for a permit)
//! and event counters (cache hits and misses, items produced).
//!
//! Each worker owns its `Metrics`, so recording writes nothing shared. The runner takes them from
//! every thread after warm-up (and throws those away) and again at the end, and merges them.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

/// Highest latency the histograms track, in ns (an hour); longer samples are clamped to it.
pub const MAX_TRACKED_NS: u64 = 3_600_000_000_000;

/// A new latency histogram in ns: 1 ns to an hour, 3 significant digits.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_TRACKED_NS, 3).expect("valid histogram bounds")
}

/// Named latency histograms (ns) and named counters.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    histograms: BTreeMap<&'static str, Histogram<u64>>,
    counters: BTreeMap<&'static str, u64>,
}

impl Metrics {
    /// Records one latency sample of `ns` nanoseconds in histogram `name`.
    #[inline]
    pub fn record(&mut self, name: &'static str, ns: u64) {
        self.histograms.entry(name).or_insert_with(latency_histogram).saturating_record(ns);
    }

    /// Records `n` samples of `ns` nanoseconds each (a batch of `n` operations timed together).
    #[inline]
    pub fn record_n(&mut self, name: &'static str, ns: u64, n: u64) {
        self.histograms.entry(name).or_insert_with(latency_histogram).saturating_record_n(ns, n);
    }

    /// Adds `n` to counter `name`.
    #[inline]
    pub fn count(&mut self, name: &'static str, n: u64) {
        *self.counters.entry(name).or_default() += n;
    }

    /// Adds everything `other` holds to this.
    pub fn merge(&mut self, other: &Metrics) {
        for (name, histogram) in &other.histograms {
            self.histograms
                .entry(name)
                .or_insert_with(latency_histogram)
                .add(histogram)
                .expect("histograms share their bounds");
        }
        for (name, n) in &other.counters {
            *self.counters.entry(name).or_default() += n;
        }
    }

    /// The histograms, by name.
    pub fn histograms(&self) -> &BTreeMap<&'static str, Histogram<u64>> {
        &self.histograms
    }

    /// The counters, by name.
    pub fn counters(&self) -> &BTreeMap<&'static str, u64> {
        &self.counters
    }

    /// Counter `name`, 0 if never counted.
    pub fn counter(&self, name: &str) -> u64 {
        self.counters.get(name).copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.histograms.is_empty() && self.counters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_histograms_and_counters_by_name() {
        let mut a = Metrics::default();
        a.record("e2e", 100);
        a.count("hits", 2);
        let mut b = Metrics::default();
        b.record("e2e", 300);
        b.record("wait", 5);
        b.count("hits", 3);
        b.count("misses", 1);
        a.merge(&b);
        assert_eq!(a.histograms()["e2e"].len(), 2);
        assert_eq!(a.histograms()["wait"].len(), 1);
        assert_eq!((a.counter("hits"), a.counter("misses"), a.counter("none")), (5, 1, 0));
    }
}
