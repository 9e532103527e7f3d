//! The implementation table every hazard workload keeps: its implementations are variants of one
//! trial (a lock order, a back-off policy), so a table of (name, kind, one line, variant) is all
//! `implementations` and `prepare` need.

use crate::workload::{ImplInfo, ImplKind};

/// One row: the implementation's name, kind and one-line description, and the variant it selects.
pub type Variant<V> = (&'static str, ImplKind, &'static str, V);

/// Every row as an [`ImplInfo`], in order.
pub fn infos<V>(table: &[Variant<V>]) -> Vec<ImplInfo> {
    table.iter().map(|(name, kind, about, _)| ImplInfo::new(name, *kind, about)).collect()
}

/// The variant of the implementation called `name`, if there is one.
pub fn variant<V: Copy>(table: &[Variant<V>], name: &str) -> Option<V> {
    table.iter().find(|row| row.0 == name).map(|row| row.3)
}
