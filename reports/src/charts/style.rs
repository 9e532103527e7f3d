//! Series identity and style: one colour per implementation across every chart of a run, line
//! style and marker by kind.

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::record::{HistogramRow, SummaryRow};

/// Kind of an implementation, from `SummaryRow::impl_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    HandRolled,
    Library,
    Demonstration,
    Other,
}

impl Kind {
    pub(crate) fn parse(kind: &str) -> Self {
        match kind {
            "hand-rolled" => Self::HandRolled,
            "library" => Self::Library,
            "demonstration" => Self::Demonstration,
            _ => Self::Other,
        }
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Self::HandRolled => "hand-rolled",
            Self::Library => "library",
            Self::Demonstration => "demonstration",
            Self::Other => "other",
        }
    }
}

/// Fifteen distinct colours: Tableau 10, then five darker or stronger hues that none of them
/// resembles, so a workload of 12 implementations needs no colour twice.
pub(crate) const PALETTE: [RGBColor; 15] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(20, 20, 20),
    RGBColor(0, 0, 140),
    RGBColor(0, 110, 100),
    RGBColor(150, 0, 90),
    RGBColor(220, 170, 0),
];

/// The colour of the `host_index`-th host's (or core count's) series of an implementation: the implementation's
/// hue, then alternately darker and lighter shades of it (a dark hue only lighter, as black
/// cannot get darker), so that one implementation's series read as one family.
pub(super) fn shade(colour: RGBColor, host_index: usize) -> RGBColor {
    let RGBColor(r, g, b) = colour;
    let toward = |target: f64, amount: f64| {
        let mix = |c: u8| (f64::from(c) + (target - f64::from(c)) * amount).round() as u8;
        RGBColor(mix(r), mix(g), mix(b))
    };
    let dark = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b) < 90.0;
    match host_index {
        0 => colour,
        i if dark => toward(255.0, (0.25 * i as f64).min(0.75)),
        i if i % 2 == 1 => toward(0.0, (0.45 + 0.1 * (i / 2) as f64).min(0.75)),
        i => toward(255.0, (0.4 + 0.1 * (i / 2 - 1) as f64).min(0.7)),
    }
}

/// One line on a chart: an implementation, on one host when the rows span several, at one core
/// count when the rows ran at several (`--cores 1,2`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SeriesKey {
    pub(super) implementation: String,
    /// Empty when all rows come from one host.
    pub(super) host: String,
    /// 0 unless the rows ran at several core counts.
    pub(super) cores: usize,
}

impl SeriesKey {
    pub(super) fn label(&self) -> String {
        let mut label = self.implementation.clone();
        label.push_str(&crate::record::cores_phrase(self.cores));
        if !self.host.is_empty() {
            label = format!("{label} @ {}", self.host);
        }
        label
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct SeriesStyle {
    pub(super) colour: RGBColor,
    pub(super) kind: Kind,
}

/// The colour and kind of every series of a run, so that all its charts agree.
pub(crate) struct SeriesStyles {
    pub(super) multi_host: bool,
    /// Whether the rows ran at several core counts, each then a series of its own.
    pub(super) multi_cores: bool,
    pub(super) colours: BTreeMap<SeriesKey, RGBColor>,
    pub(super) kinds: BTreeMap<String, Kind>,
}

impl SeriesStyles {
    /// The styles of one workload's series. Colours follow each implementation's position in the
    /// workload's implementation list (first appearance in `summary`, the order the run ran them
    /// in, then any only `histograms` has), so every chart of the workload agrees and a workload
    /// of up to 15 implementations repeats no colour. With several hosts or core counts, an
    /// implementation keeps its hue and each (host, core count) gets a shade of it.
    pub(crate) fn new(summary: &[SummaryRow], histograms: &[HistogramRow]) -> Self {
        let mut hosts: Vec<&str> = Vec::new();
        let mut core_counts: Vec<usize> = Vec::new();
        let mut implementations: Vec<&str> = Vec::new();
        let all =
            summary.iter().map(|r| (r.implementation.as_str(), r.host.as_str(), r.cores)).chain(
                histograms.iter().map(|r| (r.implementation.as_str(), r.host.as_str(), r.cores)),
            );
        let mut series: Vec<(&str, &str, usize)> = Vec::new();
        for (implementation, host, cores) in all {
            if !implementations.contains(&implementation) {
                implementations.push(implementation);
            }
            if !hosts.contains(&host) {
                hosts.push(host);
            }
            if !core_counts.contains(&cores) {
                core_counts.push(cores);
            }
            if !series.contains(&(implementation, host, cores)) {
                series.push((implementation, host, cores));
            }
        }
        core_counts.sort_unstable();
        let multi_host = hosts.len() > 1;
        let multi_cores = core_counts.len() > 1;
        let colours = series
            .into_iter()
            .map(|(implementation, host, cores)| {
                let hue = implementations.iter().position(|i| *i == implementation).unwrap_or(0);
                let host_index = hosts.iter().position(|h| *h == host).unwrap_or(0);
                let cores_index = core_counts.iter().position(|c| *c == cores).unwrap_or(0);
                let key = SeriesKey {
                    implementation: implementation.to_owned(),
                    host: if multi_host { host.to_owned() } else { String::new() },
                    cores: if multi_cores { cores } else { 0 },
                };
                let shade_index = host_index * core_counts.len() + cores_index;
                (key, shade(PALETTE[hue % PALETTE.len()], shade_index))
            })
            .collect();
        let kinds =
            summary.iter().map(|r| (r.implementation.clone(), Kind::parse(&r.impl_kind))).collect();
        Self { multi_host, multi_cores, colours, kinds }
    }

    /// The colour of a series as CSS `#rrggbb`, for the report's tables.
    pub(crate) fn css_colour(&self, implementation: &str, host: &str, cores: usize) -> String {
        let RGBColor(r, g, b) = self.style(&self.key(implementation, host, cores)).colour;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    pub(super) fn key(&self, implementation: &str, host: &str, cores: usize) -> SeriesKey {
        SeriesKey {
            implementation: implementation.to_owned(),
            host: if self.multi_host { host.to_owned() } else { String::new() },
            cores: if self.multi_cores { cores } else { 0 },
        }
    }

    pub(super) fn style(&self, key: &SeriesKey) -> SeriesStyle {
        SeriesStyle {
            colour: self.colours.get(key).copied().unwrap_or(BLACK),
            kind: self.kinds.get(&key.implementation).copied().unwrap_or(Kind::Other),
        }
    }
}
