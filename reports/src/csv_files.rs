//! `summary.csv` and `histograms.csv`: appended and flushed point by point, so a run killed midway
//! leaves every finished row readable.

use std::fs::{File, OpenOptions};
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde::{de::DeserializeOwned, Serialize};

use crate::record::{HistogramRow, SummaryRow};

/// Appends rows of one record type to a CSV file, writing the header once, flushing after each
/// call so that every finished row is on disk.
pub struct CsvAppender<R> {
    writer: csv::Writer<File>,
    _rows: std::marker::PhantomData<R>,
}

impl<R: Serialize> CsvAppender<R> {
    /// Creates (or truncates) the file and writes the header.
    pub fn create(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self { writer: csv::Writer::from_writer(file), _rows: std::marker::PhantomData })
    }

    /// Writes `rows` and flushes them to the file.
    pub fn append(&mut self, rows: &[R]) -> Result<()> {
        for row in rows {
            self.writer.serialize(row)?;
        }
        self.writer.flush()?;
        Ok(())
    }
}

pub type SummaryWriter = CsvAppender<SummaryRow>;
pub type HistogramWriter = CsvAppender<HistogramRow>;

/// Reads every row of a CSV file written by [`CsvAppender`], naming the file and the line of the
/// first malformed row.
pub fn read_rows<R: DeserializeOwned>(path: &Path) -> Result<Vec<R>> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    reader
        .deserialize()
        .map(|row| row.map_err(|e| anyhow!("malformed CSV in {}: {e}", path.display())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(threads: usize) -> HistogramRow {
        row_at(threads)
    }

    fn row_at(threads: usize) -> HistogramRow {
        HistogramRow {
            host: "h".into(),
            workload: "counter".into(),
            params: "depth=1".into(),
            implementation: "spin".into(),
            threads,
            metric: "op".into(),
            low_ns: 1,
            high_ns: 2,
            count: 3,
            cores: 0,
        }
    }

    #[test]
    fn appended_rows_are_readable_after_each_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        let mut writer = HistogramWriter::create(&path).unwrap();
        writer.append(&[row(1)]).unwrap();
        assert_eq!(read_rows::<HistogramRow>(&path).unwrap(), vec![row(1)]);
        writer.append(&[row(2), row(4)]).unwrap();
        assert_eq!(read_rows::<HistogramRow>(&path).unwrap(), vec![row(1), row(2), row(4)]);
    }

    #[test]
    fn malformed_csv_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, "host,workload\nx\n").unwrap();
        let error = read_rows::<HistogramRow>(&path).unwrap_err().to_string();
        assert!(error.contains("malformed CSV") && error.contains("bad.csv"), "{error}");
    }

    /// A `summary.csv` row as written before the placement and guard columns existed.
    const OLD_SUMMARY: &str = "run_id,timestamp,host,cpu_model,logical_cpus,rustc,git_commit,\
workload,impl,impl_kind,params,threads,repeat,duration_s,ops,throughput_ops_s,mean_ns,p50_ns,\
p90_ns,p99_ns,p999_ns,max_ns,fairness,min_share,max_share,timing,extras,invariant,\
latency_samples,stall_bounds\n\
r,2026-01-01T00:00:00Z,h,cpu,2,rustc,abc,counter,spin,hand-rolled,depth=1,2,1,0.1,100,1000,\
10,10,11,12,13,14,1,0.5,0.5,per-op,,ok: count 100 = 100 increments,100,0\n";

    #[test]
    fn files_without_the_placement_and_guard_columns_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, OLD_SUMMARY).unwrap();
        let rows = read_rows::<SummaryRow>(&path).unwrap();
        let row = &rows[0];
        assert_eq!((row.cores, row.cpu_list.as_str(), row.pin.as_str()), (0, "", ""));
        assert_eq!(
            (row.other_cpu_share, row.steal_share, row.involuntary_switches),
            (None, None, None)
        );
        assert!(!row.is_disturbed());

        let old_histograms = "host,workload,params,impl,threads,metric,low_ns,high_ns,count\n\
            h,counter,depth=1,spin,1,op,1,2,3\n";
        let path = dir.path().join("histograms.csv");
        std::fs::write(&path, old_histograms).unwrap();
        assert_eq!(read_rows::<HistogramRow>(&path).unwrap(), vec![row_at(1)]);
    }

    #[test]
    fn guard_columns_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, OLD_SUMMARY).unwrap();
        let mut row = read_rows::<SummaryRow>(&path).unwrap().remove(0);
        row.cores = 1;
        row.cpu_list = "0".into();
        row.other_cpu_share = Some(0.6);
        row.involuntary_switches = Some(7);
        row.disturbed = "other processes 60% of a CPU".into();
        let mut writer = SummaryWriter::create(&path).unwrap();
        writer.append(std::slice::from_ref(&row)).unwrap();
        let back = read_rows::<SummaryRow>(&path).unwrap();
        assert_eq!(back, vec![row.clone()]);
        assert_eq!(back[0].steal_share, None, "an empty cell is None, not 0");
    }
}
