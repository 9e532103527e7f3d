//! Series identity and style: one colour per implementation across every chart of a run, line
//! style and marker by kind.

use std::collections::{BTreeMap, BTreeSet};

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

/// A colour-blind-friendlier ten-colour palette (Tableau 10).
pub(crate) const PALETTE: [RGBColor; 10] = [
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
];

/// One line on a chart: an implementation, on one host when the rows span several.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SeriesKey {
    pub(super) implementation: String,
    /// Empty when all rows come from one host.
    pub(super) host: String,
}

impl SeriesKey {
    pub(super) fn label(&self) -> String {
        if self.host.is_empty() {
            self.implementation.clone()
        } else {
            format!("{} @ {}", self.implementation, self.host)
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct SeriesStyle {
    pub(super) colour: RGBColor,
    pub(super) kind: Kind,
}

/// The colour and kind of every series of a run, so that all its charts agree.
pub(super) struct SeriesStyles {
    pub(super) multi_host: bool,
    pub(super) colours: BTreeMap<SeriesKey, RGBColor>,
    pub(super) kinds: BTreeMap<String, Kind>,
}

impl SeriesStyles {
    pub(super) fn new(summary: &[SummaryRow], histograms: &[HistogramRow]) -> Self {
        let hosts: BTreeSet<&str> = summary
            .iter()
            .map(|r| r.host.as_str())
            .chain(histograms.iter().map(|r| r.host.as_str()))
            .collect();
        let multi_host = hosts.len() > 1;
        let key = |implementation: &str, host: &str| SeriesKey {
            implementation: implementation.to_owned(),
            host: if multi_host { host.to_owned() } else { String::new() },
        };
        // Summary's implementations first, sorted; implementations only the histograms know come
        // after them, so they never shift the colours of the others.
        let mut order: Vec<SeriesKey> = summary
            .iter()
            .map(|r| key(&r.implementation, &r.host))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let extra: BTreeSet<SeriesKey> = histograms
            .iter()
            .map(|r| key(&r.implementation, &r.host))
            .filter(|k| !order.contains(k))
            .collect();
        order.extend(extra);
        let colours =
            order.into_iter().enumerate().map(|(i, k)| (k, PALETTE[i % PALETTE.len()])).collect();
        let kinds =
            summary.iter().map(|r| (r.implementation.clone(), Kind::parse(&r.impl_kind))).collect();
        Self { multi_host, colours, kinds }
    }

    pub(super) fn key(&self, implementation: &str, host: &str) -> SeriesKey {
        SeriesKey {
            implementation: implementation.to_owned(),
            host: if self.multi_host { host.to_owned() } else { String::new() },
        }
    }

    pub(super) fn style(&self, key: &SeriesKey) -> SeriesStyle {
        SeriesStyle {
            colour: self.colours.get(key).copied().unwrap_or(BLACK),
            kind: self.kinds.get(&key.implementation).copied().unwrap_or(Kind::Other),
        }
    }
}

/// The colour of each implementation in the charts, as CSS `#rrggbb`, for the HTML report's
/// tables (single-host runs; by implementation name).
pub(crate) fn implementation_colours(summary: &[SummaryRow]) -> BTreeMap<String, String> {
    let names: BTreeSet<&str> = summary.iter().map(|r| r.implementation.as_str()).collect();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
            (name.to_owned(), format!("#{r:02x}{g:02x}{b:02x}"))
        })
        .collect()
}
