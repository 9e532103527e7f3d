//! Turning an HDR histogram into the rows of `histograms.csv`.

use hdrhistogram::Histogram;

use crate::record::HistogramRow;

/// Each bucket is this factor wider than the one before: a quarter of an octave, fine enough to
/// redraw a latency histogram on a log axis, coarse enough to keep the file small.
pub const BUCKET_GROWTH: f64 = 1.189_207_115; // 2^(1/4)

/// The non-empty log-spaced buckets of `histogram`, as `(low_ns, high_ns, count)`.
pub fn log_buckets(histogram: &Histogram<u64>) -> Vec<(u64, u64, u64)> {
    if histogram.is_empty() {
        return Vec::new();
    }
    let mut buckets = Vec::new();
    let mut low = 0;
    for step in histogram.iter_log(1, BUCKET_GROWTH) {
        let high = step.value_iterated_to() + 1;
        let count = step.count_since_last_iteration();
        if count > 0 {
            buckets.push((low, high, count));
        }
        low = high;
    }
    buckets
}

/// What a histogram belongs to: the identifying columns of its `histograms.csv` rows.
#[derive(Debug, Clone, Copy)]
pub struct HistogramKey<'a> {
    pub host: &'a str,
    pub workload: &'a str,
    pub params: &'a str,
    pub implementation: &'a str,
    pub threads: usize,
    pub metric: &'a str,
    /// `--cores` of the point; 0 = not restricted.
    pub cores: usize,
}

/// The rows of `histograms.csv` for one histogram.
pub fn histogram_rows(key: &HistogramKey<'_>, histogram: &Histogram<u64>) -> Vec<HistogramRow> {
    log_buckets(histogram)
        .into_iter()
        .map(|(low_ns, high_ns, count)| HistogramRow {
            host: key.host.to_owned(),
            workload: key.workload.to_owned(),
            params: key.params.to_owned(),
            implementation: key.implementation.to_owned(),
            threads: key.threads,
            metric: key.metric.to_owned(),
            low_ns,
            high_ns,
            count,
            cores: key.cores,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_every_count_and_cover_the_values() {
        let mut histogram = Histogram::<u64>::new(3).unwrap();
        for value in [5, 5, 40, 1_000, 123_456] {
            histogram.record(value).unwrap();
        }
        let buckets = log_buckets(&histogram);
        assert_eq!(buckets.iter().map(|b| b.2).sum::<u64>(), 5);
        for value in [5, 40, 1_000, 123_456] {
            assert!(buckets.iter().any(|&(low, high, _)| low <= value && value < high), "{value}");
        }
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].0), "buckets must not overlap");
    }
}
