//! `syncbench export DIR`: a run as one JSON document, for tools that do not read CSV.
//!
//! ```json
//! {
//!   "format": "syncbench-run",
//!   "format_version": 1,
//!   "meta": { ...meta.json, as written by the run... },
//!   "rows": [ { ...one summary.csv row, a field per column... }, ... ]
//! }
//! ```
//!
//! `rows` holds every column of `summary.csv` under its CSV name (`impl`, not `implementation`),
//! numbers as JSON numbers, in file order. A consumer should ignore fields it does not know:
//! `summary.csv` gains columns at its end, and so do the rows here. `format_version` changes only
//! when a field is renamed or removed.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};

use crate::{ResultsFolder, RunMeta, SummaryRow};

/// The value of the document's `format` field.
pub const FORMAT: &str = "syncbench-run";
/// The document's `format_version`.
pub const FORMAT_VERSION: u32 = 1;

/// One run: its `meta.json` and every `summary.csv` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDocument {
    pub format: String,
    pub format_version: u32,
    pub meta: RunMeta,
    pub rows: Vec<SummaryRow>,
}

impl RunDocument {
    /// Reads a results folder's `meta.json` and `summary.csv`; both must be there.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!("no results folder at {}", dir.display());
        }
        let folder = ResultsFolder::new(dir);
        for file in [folder.summary_csv(), folder.meta_json()] {
            if !file.is_file() {
                bail!("{} is not a results folder: it has no {}", dir.display(), file_name(&file));
            }
        }
        Ok(Self {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            meta: RunMeta::read(&folder.meta_json())?,
            rows: crate::csv_files::read_rows(&folder.summary_csv())?,
        })
    }

    /// The document as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// Parses a document, refusing another format or a newer version.
    pub fn from_json(text: &str) -> Result<Self> {
        let document: Self =
            serde_json::from_str(text).map_err(|e| anyhow!("not a syncbench run document: {e}"))?;
        if document.format != FORMAT || document.format_version > FORMAT_VERSION {
            bail!(
                "not a syncbench run document of version {FORMAT_VERSION} or older (format {:?}, version {})",
                document.format,
                document.format_version
            );
        }
        Ok(document)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_round_trips_through_json() {
        let dir = tempfile::tempdir().unwrap();
        let (summary, _) = crate::charts::tests::sample();
        crate::csv_files::SummaryWriter::create(&dir.path().join("summary.csv"))
            .unwrap()
            .append(&summary)
            .unwrap();
        crate::html::tests::meta("hostA").write(&dir.path().join("meta.json")).unwrap();

        let document = RunDocument::read(dir.path()).unwrap();
        assert_eq!(document.rows, summary);
        let json = document.to_json().unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["rows"][0]["impl"], summary[0].implementation.as_str());
        assert_eq!(value["meta"]["host"], "hostA");
        let back = RunDocument::from_json(&json).unwrap();
        assert_eq!(back, document);
    }

    #[test]
    fn other_documents_are_refused() {
        let error = RunDocument::from_json("{\"format\": \"x\"}").unwrap_err().to_string();
        assert!(error.contains("not a syncbench run document"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let error = RunDocument::read(dir.path()).unwrap_err().to_string();
        assert!(error.contains("no summary.csv"), "{error}");
    }
}
