//! The stored rows as time series: per point (workload, params, impl, threads, cores), one series per
//! host, each a list of runs in the order they started, each run with its repeats' samples.
//! Absolute numbers of two machines are not comparable, so the host is part of every series.

use std::collections::BTreeMap;

use crate::compare::PointKey;

use super::query::{StoredResult, StoredRun};

/// One run's samples of one point.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSamples<'a> {
    pub run: &'a StoredRun,
    pub throughput: Vec<f64>,
    pub p99: Vec<f64>,
    /// Some repeat broke the workload's invariant (a `violated` row, not a demonstration's
    /// expected violation): the trend page marks the run.
    pub violated: bool,
}

/// One host's runs of one point, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HostSeries<'a> {
    pub host: String,
    pub runs: Vec<RunSamples<'a>>,
}

/// The history of one point on every host.
#[derive(Debug, Clone, PartialEq)]
pub struct PointHistory<'a> {
    pub key: PointKey,
    pub impl_kind: String,
    /// Hosts in order of their first run.
    pub hosts: Vec<HostSeries<'a>>,
}

/// Groups `results` by point, host and run. Points come in the order of their first row
/// (workload, params, impl as the runs ran them; threads ascending within), runs by `runs`'
/// order (oldest first).
pub fn points<'a>(runs: &'a [StoredRun], results: &[StoredResult]) -> Vec<PointHistory<'a>> {
    let position: BTreeMap<i64, usize> = runs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut order: Vec<PointKey> = Vec::new();
    let mut kinds: BTreeMap<PointKey, String> = BTreeMap::new();
    // point -> run position -> samples
    let mut grouped: BTreeMap<PointKey, BTreeMap<usize, RunSamples<'a>>> = BTreeMap::new();
    for row in results {
        let Some(&at) = position.get(&row.run) else { continue };
        let key = PointKey {
            workload: row.workload.clone(),
            params: row.params.clone(),
            implementation: row.implementation.clone(),
            threads: row.threads,
            cores: row.cores,
        };
        if !kinds.contains_key(&key) {
            order.push(key.clone());
            kinds.insert(key.clone(), row.impl_kind.clone());
        }
        let samples = grouped.entry(key).or_default().entry(at).or_insert_with(|| RunSamples {
            run: &runs[at],
            throughput: Vec::new(),
            p99: Vec::new(),
            violated: false,
        });
        samples.throughput.push(row.throughput_ops_s);
        samples.p99.push(row.p99_ns);
        samples.violated |= row.invariant.outcome.is_finding();
    }
    // Threads ascending within a (workload, params, impl), the rest in order of appearance.
    let first_seen = |key: &PointKey| {
        order
            .iter()
            .position(|k| {
                k.workload == key.workload
                    && k.params == key.params
                    && k.implementation == key.implementation
            })
            .unwrap_or(0)
    };
    let mut sorted = order.clone();
    sorted.sort_by_key(|key| (first_seen(key), key.cores, key.threads));
    sorted
        .into_iter()
        .map(|key| {
            let by_run = grouped.remove(&key).unwrap_or_default();
            let mut hosts: Vec<HostSeries<'a>> = Vec::new();
            for (_, samples) in by_run {
                match hosts.iter_mut().find(|h| h.host == samples.run.host) {
                    Some(series) => series.runs.push(samples),
                    None => hosts
                        .push(HostSeries { host: samples.run.host.clone(), runs: vec![samples] }),
                }
            }
            let impl_kind = kinds.remove(&key).unwrap_or_default();
            PointHistory { key, impl_kind, hosts }
        })
        .collect()
}

impl RunSamples<'_> {
    /// The repeats' values of `metric`.
    pub fn samples(&self, metric: crate::compare::Metric) -> &[f64] {
        match metric {
            crate::compare::Metric::Throughput => &self.throughput,
            crate::compare::Metric::P99Latency => &self.p99,
        }
    }
}
