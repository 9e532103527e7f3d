//! When a paired point is looked at: after a fixed schedule of pair counts, each look tested at
//! `alpha / K` for the schedule's `K` looks (Bonferroni), so stopping at the first look that
//! decides cannot raise the false-alarm rate above `alpha`. A point whose time runs out first
//! takes one last look instead of its next scheduled one, so it never looks more than `K` times.

/// The pair counts at which a point is looked at: about 1.4× apart, from the fewest pairs that
/// give an interval at `0.05 / 9` (`2^-n ≤ 0.0028`: 9 pairs) up to a point's most.
pub const SCHEDULE: [usize; 9] = [10, 14, 20, 28, 40, 56, 80, 112, 160];

/// Fewest pairs a point takes: its first look.
pub fn first() -> usize {
    SCHEDULE[0]
}

/// Most pairs a point takes: its last look.
pub fn last() -> usize {
    SCHEDULE[SCHEDULE.len() - 1]
}

/// How many looks the schedule can make: what each look's alpha is divided by.
pub fn count() -> usize {
    SCHEDULE.len()
}

/// Whether a point with `pairs` pairs is looked at: on the schedule, or (with at least the
/// first look's pairs) when its time has run out.
pub fn is_look(pairs: usize, out_of_time: bool) -> bool {
    SCHEDULE.contains(&pairs) || (out_of_time && pairs >= first())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_rises_and_its_first_look_can_give_an_interval() {
        assert!(SCHEDULE.windows(2).all(|w| w[0] < w[1]));
        let alpha_per_look = 0.05 / count() as f64;
        assert!(0.5f64.powi(first() as i32) <= alpha_per_look / 2.0);
        assert!(is_look(10, false) && !is_look(11, false) && is_look(11, true));
        assert!(!is_look(9, true), "too few pairs for an interval");
        assert_eq!(last(), 160);
    }
}
