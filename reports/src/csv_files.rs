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
}
