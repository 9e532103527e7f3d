//! A workload may run with several parameter sets (`--set capacity=1,16`): which sets ran, and
//! which parameters tell them apart, so charts and tables name each set by what differs.

use std::collections::{BTreeMap, BTreeSet};

use crate::record::{HistogramRow, SummaryRow};

/// The parameter sets a workload ran with, and which parameters differ between them: those name
/// the charts of each set.
pub struct ParamVariants {
    /// `key=value;...` strings, in order of first appearance.
    pub sets: Vec<String>,
    /// Names of the parameters whose value is not the same in every set.
    pub varying: BTreeSet<String>,
}

impl ParamVariants {
    pub fn of(workload: &str, summary: &[SummaryRow], histograms: &[HistogramRow]) -> Self {
        let mut sets: Vec<String> = Vec::new();
        let all = summary
            .iter()
            .filter(|r| r.workload == workload)
            .map(|r| &r.params)
            .chain(histograms.iter().filter(|r| r.workload == workload).map(|r| &r.params));
        for params in all {
            if !sets.contains(params) {
                sets.push(params.clone());
            }
        }
        let mut values: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for set in &sets {
            for (key, value) in param_pairs(set) {
                values.entry(key).or_default().insert(value);
            }
        }
        let varying = values
            .into_iter()
            .filter(|(_, values)| values.len() > 1)
            .map(|(key, _)| key.to_owned())
            .collect();
        Self { sets, varying }
    }

    pub fn varying_pairs<'a>(&self, params: &'a str) -> Vec<(&'a str, &'a str)> {
        param_pairs(params).filter(|(key, _)| self.varying.contains(*key)).collect()
    }

    /// `-capacity-16-split-1xN` for the parameters that vary, empty when only one set ran.
    pub fn file_suffix(&self, params: &str) -> String {
        self.varying_pairs(params).iter().map(|(key, value)| format!("-{key}-{value}")).collect()
    }

    /// ` [capacity=16, split=1xN]` for the parameters that vary, empty when only one set ran.
    pub fn title_suffix(&self, params: &str) -> String {
        let pairs: Vec<String> = self
            .varying_pairs(params)
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        if pairs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", pairs.join(", "))
        }
    }
}

/// The `(key, value)` pairs of a `key=value;key=value` parameter string.
pub fn param_pairs(params: &str) -> impl Iterator<Item = (&str, &str)> {
    params.split(';').filter_map(|pair| pair.split_once('='))
}
