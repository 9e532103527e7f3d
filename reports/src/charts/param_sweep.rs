//! Which "throughput against a parameter" charts a run calls for: one per numeric parameter that
//! took several values (`--set stripes=1,4,16`), per setting of the other varying parameters, per
//! thread count.

use std::collections::BTreeSet;

use crate::record::SummaryRow;
use crate::variants::{param_pairs, ParamVariants};

/// The rows of one such chart.
pub(super) struct ParamSweep<'a> {
    /// The swept parameter: the x axis.
    pub(super) param: String,
    pub(super) threads: usize,
    /// The other varying parameters, as `(key, value)`, the same for every row.
    pub(super) others: Vec<(String, String)>,
    pub(super) rows: Vec<&'a SummaryRow>,
}

impl<'a> ParamSweep<'a> {
    /// Every sweep of `workload` in `summary`, in order: by parameter name, then the other
    /// parameters' first appearance, then threads.
    pub(super) fn all(
        workload: &str,
        variants: &ParamVariants,
        summary: &'a [SummaryRow],
    ) -> Vec<Self> {
        let mut sweeps = Vec::new();
        for param in variants.varying.iter().filter(|p| is_numeric(p, &variants.sets)) {
            let others_of = |set: &str| -> Vec<(String, String)> {
                variants
                    .varying_pairs(set)
                    .into_iter()
                    .filter(|(key, _)| key != param)
                    .map(|(key, value)| (key.to_owned(), value.to_owned()))
                    .collect()
            };
            let mut groups: Vec<Vec<(String, String)>> = Vec::new();
            for set in &variants.sets {
                let others = others_of(set);
                if !groups.contains(&others) {
                    groups.push(others);
                }
            }
            for others in groups {
                let rows: Vec<&SummaryRow> = summary
                    .iter()
                    .filter(|r| r.workload == workload && others_of(&r.params) == others)
                    .collect();
                let threads: BTreeSet<usize> = rows.iter().map(|r| r.threads).collect();
                for threads in threads {
                    let rows = rows.iter().copied().filter(|r| r.threads == threads).collect();
                    sweeps.push(Self {
                        param: param.clone(),
                        threads,
                        others: others.clone(),
                        rows,
                    });
                }
            }
        }
        sweeps
    }

    /// `-mix-exchange` for the other varying parameters.
    pub(super) fn file_suffix(&self) -> String {
        self.others.iter().map(|(key, value)| format!("-{key}-{value}")).collect()
    }

    /// ` [mix=exchange]` for the other varying parameters, empty when there are none.
    pub(super) fn title_suffix(&self) -> String {
        if self.others.is_empty() {
            String::new()
        } else {
            format!(" [{}]", self.label().replace(';', ", "))
        }
    }

    /// `mix=exchange;split=balanced`: the other varying parameters, the chart's `params` (it
    /// matches no single parameter set, so the report shows it above the sets).
    pub(super) fn label(&self) -> String {
        let others: Vec<String> = self.others.iter().map(|(k, v)| format!("{k}={v}")).collect();
        others.join(";")
    }
}

/// Whether every value `param` takes in `sets` is a number.
fn is_numeric(param: &str, sets: &[String]) -> bool {
    sets.iter().all(|set| {
        param_pairs(set)
            .filter(|(key, _)| *key == param)
            .all(|(_, value)| value.parse::<f64>().is_ok())
    })
}
