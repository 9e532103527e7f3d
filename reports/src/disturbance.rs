//! What the environment guard's columns say about a whole run, in one sentence for the terminal
//! and the report: how many repeats ran on a disturbed machine, and how disturbed.

use crate::record::SummaryRow;

/// `4 of 20 repeats ran on a disturbed machine (other processes took up to 60% of a CPU)`, or
/// `the machine was quiet for all 20 repeats`; `None` when no row was watched (an older run, or
/// a platform without `/proc/stat`).
pub fn summary_line(rows: &[SummaryRow]) -> Option<String> {
    let watched = rows.iter().filter(|r| r.other_cpu_share.is_some()).count();
    if watched == 0 {
        return None;
    }
    let flagged: Vec<&SummaryRow> = rows.iter().filter(|r| r.is_disturbed()).collect();
    if flagged.is_empty() {
        return Some(format!("the machine was quiet for all {watched} watched repeats"));
    }
    let most = |share: fn(&SummaryRow) -> Option<f64>| {
        flagged.iter().filter_map(|r| share(r)).fold(0.0, f64::max)
    };
    let mut how = vec![format!(
        "other processes took up to {:.0}% of a CPU",
        100.0 * most(|r| r.other_cpu_share)
    )];
    let steal = most(|r| r.steal_share);
    if steal > 0.0 {
        how.push(format!("steal up to {:.0}%", 100.0 * steal));
    }
    Some(format!(
        "{} of {} repeats ran on a disturbed machine ({})",
        flagged.len(),
        rows.len(),
        how.join(", ")
    ))
}
