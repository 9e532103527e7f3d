//! `.hgrm` files: HdrHistogram's percentile-distribution text, as Java's
//! `outputPercentileDistribution` writes it, one file per point in `hgrm/`, so HdrHistogram's
//! own tools (the online plotter, HistogramLogAnalyzer) read our latencies.
//!
//! Values are in **microseconds** (the histograms record nanoseconds; the file divides by 1000
//! and keeps three decimals, so no nanosecond is lost), as HdrHistogram's
//! `outputValueUnitScalingRatio` of 1000 does.
//!
//! A run writes each point's file from its exact merged histogram. `syncbench report` writes the
//! files a folder lacks from `histograms.csv`, whose quarter-octave buckets give each percentile
//! to within a bucket (about 19 %).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use hdrhistogram::Histogram;

use crate::histogram::HistogramKey;
use crate::record::{HistogramRow, OP_METRIC};

/// HdrHistogram's default: rows at 5 ticks per halving of the distance to 100 %.
pub const TICKS_PER_HALF_DISTANCE: u32 = 5;

/// Nanoseconds per unit written: the files are in microseconds.
pub const VALUE_SCALE: f64 = 1000.0;

/// The file name of a point: `workload-impl-params-[cC-]tN[-metric].hgrm` (`cC` for a point
/// restricted to C CPUs), with the parameters'
/// `=` as `-` and `;` as `_`, and anything else unusual as `_`.
pub fn file_name(key: &HistogramKey<'_>) -> String {
    let params = key.params.replace('=', "-").replace(';', "_");
    let mut name = format!("{}-{}", key.workload, key.implementation);
    if !params.is_empty() {
        name = format!("{name}-{params}");
    }
    name = format!("{name}-{}", crate::record::threads_tag(key.cores, key.threads));
    if key.metric != OP_METRIC {
        name = format!("{name}-{}", key.metric);
    }
    format!("{}.hgrm", crate::charts::file_stem(&name))
}

/// The percentile distribution of `histogram` (recorded in ns), in HdrHistogram's text format.
pub fn render(histogram: &Histogram<u64>) -> String {
    let digits = usize::from(histogram.sigfig());
    let mut text = format!(
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    let mut total = 0u64;
    for step in histogram.iter_quantiles(TICKS_PER_HALF_DISTANCE) {
        total += step.count_since_last_iteration();
        let value = step.value_iterated_to() as f64 / VALUE_SCALE;
        let quantile = step.quantile_iterated_to();
        if quantile < 1.0 {
            let inverse = 1.0 / (1.0 - quantile);
            let _ =
                writeln!(text, "{value:>12.digits$} {quantile:>2.12} {total:>10} {inverse:>14.2}");
        } else {
            let _ = writeln!(text, "{value:>12.digits$} {quantile:>2.12} {total:>10}");
        }
    }
    let mean = histogram.mean() / VALUE_SCALE;
    let deviation = histogram.stdev() / VALUE_SCALE;
    let max = histogram.max() as f64 / VALUE_SCALE;
    let _ =
        writeln!(text, "#[Mean    = {mean:>12.digits$}, StdDeviation   = {deviation:>12.digits$}]");
    let _ =
        writeln!(text, "#[Max     = {max:>12.digits$}, Total count    = {:>12}]", histogram.len());
    let _ = writeln!(
        text,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        histogram.buckets(),
        sub_bucket_count(histogram.sigfig())
    );
    text
}

/// HdrHistogram's sub-bucket count for `sigfig` significant digits: the power of two that holds
/// 2 × 10^sigfig (2048 for 3 digits). The Rust crate keeps it private.
fn sub_bucket_count(sigfig: u8) -> u64 {
    let needed = 2.0 * 10f64.powi(i32::from(sigfig));
    1u64 << needed.log2().ceil() as u32
}

/// One row of an `.hgrm` file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentileRow {
    /// In the file's unit (µs).
    pub value: f64,
    /// 0..=1.
    pub quantile: f64,
    pub total_count: u64,
}

/// Reads the rows of an `.hgrm` text back (header and `#[` footer lines skipped).
pub fn parse(text: &str) -> Result<Vec<PercentileRow>> {
    let mut rows = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let row = match fields[..] {
            [value, quantile, total, ..] => Some(PercentileRow {
                value: value.parse().ok().unwrap_or(f64::NAN),
                quantile: quantile.parse().ok().unwrap_or(f64::NAN),
                total_count: total.parse().ok().unwrap_or(u64::MAX),
            }),
            _ => None,
        }
        .filter(|r| r.value.is_finite() && r.quantile.is_finite() && r.total_count != u64::MAX);
        rows.push(row.ok_or_else(|| anyhow!("line {}: not a percentile row: {line}", number + 1))?);
    }
    Ok(rows)
}

/// Writes `hgrm/<file_name(key)>` from an exact histogram (as a run measured it).
pub fn write_point(dir: &Path, key: &HistogramKey<'_>, histogram: &Histogram<u64>) -> Result<()> {
    if histogram.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    crate::write_atomically(&dir.join(file_name(key)), render(histogram).as_bytes())
}

/// An HDR histogram rebuilt from the `histograms.csv` buckets of one point: each bucket's count
/// recorded at its highest value, as HdrHistogram reports a percentile by the highest value of
/// its bucket.
pub fn from_buckets<'a>(buckets: impl Iterator<Item = &'a HistogramRow>) -> Result<Histogram<u64>> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, u64::MAX / 2, 3)?;
    for bucket in buckets {
        let value = bucket.high_ns.saturating_sub(1).max(bucket.low_ns).max(1);
        histogram.record_n(value, bucket.count)?;
    }
    Ok(histogram)
}

/// The points of `histograms`, each with its buckets, keyed by `(workload, impl, params,
/// threads, metric, host, cores)` in file order.
fn points(histograms: &[HistogramRow]) -> BTreeMap<PointKey, Vec<&HistogramRow>> {
    let mut points: BTreeMap<PointKey, Vec<&HistogramRow>> = BTreeMap::new();
    for row in histograms {
        let key = (
            row.workload.clone(),
            row.implementation.clone(),
            row.params.clone(),
            row.threads,
            row.metric.clone(),
            row.host.clone(),
            row.cores,
        );
        points.entry(key).or_default().push(row);
    }
    points
}

/// `(workload, impl, params, threads, metric, host, cores)`.
type PointKey = (String, String, String, usize, String, String, usize);

/// Writes into `dir` the `.hgrm` file of every point of `histograms` that `dir` lacks, rebuilt
/// from the buckets. Files a run wrote from its exact histograms are kept.
pub fn write_missing(dir: &Path, histograms: &[HistogramRow]) -> Result<usize> {
    let mut written = 0;
    for ((workload, implementation, params, threads, metric, host, cores), rows) in
        points(histograms)
    {
        let key = HistogramKey {
            host: &host,
            workload: &workload,
            params: &params,
            implementation: &implementation,
            threads,
            metric: &metric,
            cores,
        };
        if dir.join(file_name(&key)).exists() {
            continue;
        }
        write_point(dir, &key, &from_buckets(rows.into_iter())?)?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(metric: &'a str, params: &'a str) -> HistogramKey<'a> {
        HistogramKey {
            host: "h",
            workload: "counter",
            params,
            implementation: "std-mutex",
            threads: 4,
            metric,
            cores: 0,
        }
    }

    fn latencies() -> Histogram<u64> {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        // A skewed distribution: most ops fast, a long tail.
        for i in 0..10_000u64 {
            histogram.record(20 + i % 50).unwrap();
        }
        for i in 0..100u64 {
            histogram.record(5_000 + i * 1_000).unwrap();
        }
        histogram.record(2_500_000).unwrap();
        histogram
    }

    #[test]
    fn written_percentiles_parse_back_to_the_histograms_own() {
        let histogram = latencies();
        let dir = tempfile::tempdir().unwrap();
        let key = key(OP_METRIC, "depth=1;inside_ns=0");
        write_point(dir.path(), &key, &histogram).unwrap();
        let path = dir.path().join("counter-std-mutex-depth-1_inside_ns-0-t4.hgrm");
        let text = std::fs::read_to_string(path).unwrap();

        assert!(text.starts_with("       Value     Percentile TotalCount 1/(1-Percentile)\n\n"));
        let rows = parse(&text).unwrap();
        assert!(rows.len() > 20, "rows at halving ticks: {}", rows.len());
        for row in &rows {
            let expected = histogram.value_at_quantile(row.quantile) as f64 / VALUE_SCALE;
            assert!((row.value - expected).abs() < 0.0005, "{row:?} vs {expected}");
        }
        assert!(rows.windows(2).all(|w| w[0].quantile <= w[1].quantile));
        let last = rows.last().unwrap();
        assert_eq!((last.quantile, last.total_count), (1.0, histogram.len()));
        assert_eq!(last.value, histogram.max() as f64 / VALUE_SCALE);
        for quantile in [0.5, 0.75, 0.9] {
            let row = rows.iter().find(|r| (r.quantile - quantile).abs() < 1e-9).unwrap();
            assert_eq!(row.value * VALUE_SCALE, histogram.value_at_quantile(quantile) as f64);
        }
        let footer: Vec<&str> = text.lines().filter(|l| l.starts_with("#[")).collect();
        assert_eq!(footer.len(), 3);
        assert!(footer[0].starts_with("#[Mean    = ") && footer[0].contains("StdDeviation   = "));
        assert!(footer[1].contains(&format!("Total count    = {:>12}]", histogram.len())));
        assert!(footer[2].ends_with("SubBuckets     =         2048]"), "{}", footer[2]);
    }

    #[test]
    fn names_are_readable_and_safe() {
        assert_eq!(file_name(&key(OP_METRIC, "")), "counter-std-mutex-t4.hgrm");
        assert_eq!(
            file_name(&key("push-to-pop", "a=1")),
            "counter-std-mutex-a-1-t4-push-to-pop.hgrm"
        );
        assert_eq!(file_name(&key(OP_METRIC, "x=../y z")), "counter-std-mutex-x-.._y_z-t4.hgrm");
    }

    #[test]
    fn rebuilt_from_buckets_each_percentile_lands_in_its_bucket() {
        let histogram = latencies();
        let rows = crate::histogram::histogram_rows(&key(OP_METRIC, ""), &histogram);
        let rebuilt = from_buckets(rows.iter()).unwrap();
        assert_eq!(rebuilt.len(), histogram.len());
        for quantile in [0.5, 0.9, 0.99, 0.999, 1.0] {
            let exact = histogram.value_at_quantile(quantile) as f64;
            let approx = rebuilt.value_at_quantile(quantile) as f64;
            assert!(
                approx >= exact * 0.99 && approx <= exact * 1.2,
                "{quantile}: {approx} vs {exact}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(write_missing(dir.path(), &rows).unwrap(), 1);
        assert_eq!(write_missing(dir.path(), &rows).unwrap(), 0, "existing files are kept");
    }

    #[test]
    fn garbage_is_refused_with_the_line() {
        let error = parse("header\n\n  1.0 0.5 x\n").unwrap_err().to_string();
        assert!(error.contains("line 3"), "{error}");
    }
}
