//! Random parameter values for `syncbench stress`, drawn across each parameter's declared range.
//!
//! Every draw is valid by construction, so none is refused and none falls back to the defaults:
//! a choice takes any of its words; a number takes its range's minimum or its drawing maximum
//! (the boundaries, such as a capacity of 1) now and then, otherwise a value spread
//! logarithmically between them, so that small values are drawn as often as large ones; the
//! shares of a group add up to their total where their switch selects them (a map's custom mix)
//! and are all 0 elsewhere.

use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::Rng;
use workloads::{ParamKind, ParamSpec, Params, Range, Shares, Workload};

/// Odds that a number is drawn at its range's minimum...
const AT_MIN: f64 = 0.2;
/// ...and at its drawing maximum.
const AT_MAX: f64 = 0.1;
/// Odds that a group's whole total goes to one share (all reads, all inserts).
const ONE_SHARE: f64 = 0.2;

/// A random parameter set of `workload`, valid by construction.
///
/// # Panics
/// If the draw is refused: a bug in this module or in a declaration, never chance.
pub fn random_params(workload: &dyn Workload, rng: &mut SmallRng) -> Params {
    let overrides = draw_overrides(workload.params(), rng);
    Params::resolve(workload.name(), workload.params(), &overrides)
        .unwrap_or_else(|e| panic!("a stress draw was refused: {e}"))
}

/// One value for each declared parameter.
fn draw_overrides(specs: &[ParamSpec], rng: &mut SmallRng) -> Vec<(String, String)> {
    let mut drawn: Vec<(String, String)> = specs
        .iter()
        .filter(|spec| !matches!(spec.kind, ParamKind::Share(_)))
        .map(|spec| (spec.name.to_owned(), draw(spec, rng)))
        .collect();
    let mut groups: Vec<&Shares> = Vec::new();
    for spec in specs {
        if let ParamKind::Share(group) = spec.kind {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    for group in groups {
        let members: Vec<&str> = specs
            .iter()
            .filter(|spec| spec.kind == ParamKind::Share(group))
            .map(|spec| spec.name)
            .collect();
        let selected =
            drawn.iter().any(|(name, value)| name == group.switch && value == group.when);
        let shares =
            if selected { split(group.total, members.len(), rng) } else { vec![0; members.len()] };
        drawn.extend(
            members.iter().zip(shares).map(|(name, n)| ((*name).to_owned(), n.to_string())),
        );
    }
    drawn
}

/// `total` split into `parts` whole shares: at random cut points, or now and then all to one.
fn split(total: u64, parts: usize, rng: &mut SmallRng) -> Vec<u64> {
    if rng.random_bool(ONE_SHARE) {
        let mut shares = vec![0; parts];
        shares[rng.random_range(0..parts)] = total;
        return shares;
    }
    let mut cuts: Vec<u64> = (1..parts).map(|_| rng.random_range(0..=total)).collect();
    cuts.push(0);
    cuts.push(total);
    cuts.sort_unstable();
    cuts.windows(2).map(|pair| pair[1] - pair[0]).collect()
}

fn draw(spec: &ParamSpec, rng: &mut SmallRng) -> String {
    match spec.kind {
        ParamKind::Choice(words) => (*words.choose(rng).expect("a choice has words")).to_owned(),
        ParamKind::Count(range) | ParamKind::Nanos(range) => draw_whole(range, rng).to_string(),
        ParamKind::Decimal(range) => draw_decimal(range, rng).to_string(),
        ParamKind::Share(group) => rng.random_range(0..=group.total).to_string(),
    }
}

fn draw_whole(range: Range<u64>, rng: &mut SmallRng) -> u64 {
    let (low, high) = (range.min, range.draw_max.max(range.min));
    let at = rng.random::<f64>();
    if at < AT_MIN || low == high {
        return low;
    }
    if at < AT_MIN + AT_MAX {
        return high;
    }
    // Log-uniform over low + 1 ..= high + 1, shifted back, so that 0 needs no special case.
    let (a, b) = (((low + 1) as f64).ln(), ((high + 1) as f64).ln());
    let value = rng.random_range(a..=b).exp().round() as u64 - 1;
    value.clamp(low, high)
}

fn draw_decimal(range: Range<f64>, rng: &mut SmallRng) -> f64 {
    let (low, high) = (range.min, range.draw_max.max(range.min));
    let at = rng.random::<f64>();
    if at < AT_MIN || low == high {
        return low;
    }
    if at < AT_MIN + AT_MAX {
        return high;
    }
    // Three decimals keep the `params` column readable.
    let value = (rng.random_range(low..=high) * 1000.0).floor() / 1000.0;
    value.clamp(low, high)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use rand::SeedableRng;
    use workloads::Registry;

    const DRAWS: usize = 300;

    /// Every value each parameter of `workload` took over [`DRAWS`] draws.
    fn values_drawn(
        workload: &dyn Workload,
        rng: &mut SmallRng,
    ) -> BTreeMap<String, BTreeSet<String>> {
        let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for _ in 0..DRAWS {
            let overrides = draw_overrides(workload.params(), rng);
            let resolved = Params::resolve(workload.name(), workload.params(), &overrides);
            let params = resolved.unwrap_or_else(|e| panic!("{}: {e}", workload.name()));
            for spec in workload.params() {
                let value = params.value(spec.name).unwrap().to_owned();
                seen.entry(spec.name.to_owned()).or_default().insert(value);
            }
        }
        seen
    }

    #[test]
    fn every_draw_is_valid_and_every_parameter_varies_for_every_workload() {
        let mut rng = SmallRng::seed_from_u64(3);
        for workload in Registry::standard().iter() {
            let seen = values_drawn(workload, &mut rng);
            for spec in workload.params() {
                let values = &seen[spec.name];
                assert!(values.len() > 1, "{} {}: only {values:?}", workload.name(), spec.name);
                if let ParamKind::Count(range) | ParamKind::Nanos(range) = spec.kind {
                    let min = range.min.to_string();
                    let max = range.draw_max.to_string();
                    assert!(
                        values.contains(&min),
                        "{} {} never drew {min}",
                        workload.name(),
                        spec.name
                    );
                    assert!(
                        values.contains(&max),
                        "{} {} never drew {max}",
                        workload.name(),
                        spec.name
                    );
                }
            }
        }
    }

    #[test]
    fn a_buffer_draws_capacity_one_and_a_map_draws_custom_mixes() {
        let registry = Registry::standard();
        let mut rng = SmallRng::seed_from_u64(5);
        let buffer = values_drawn(registry.get("buffer").unwrap(), &mut rng);
        assert!(buffer["capacity"].contains("1"), "{:?}", buffer["capacity"]);
        let map = registry.get("map").unwrap();
        let mut custom = BTreeSet::new();
        for _ in 0..DRAWS {
            let params = random_params(map, &mut rng);
            if params.choice("mix") == "custom" {
                let shares =
                    ["read", "insert", "remove", "update", "upsert"].map(|s| params.number(s));
                assert_eq!(shares.iter().sum::<u64>(), 100, "{params}");
                custom.insert(shares);
            }
        }
        assert!(custom.len() > 10, "custom mixes drawn: {custom:?}");
    }

    #[test]
    fn a_declaration_that_cannot_be_drawn_validly_is_caught() {
        // A range whose drawing maximum lies beyond its maximum yields refused draws: the test
        // above would fail on such a declaration rather than let it fall back to defaults.
        let spec = ParamSpec {
            name: "n",
            kind: ParamKind::Count(Range { min: 1, max: 10, draw_max: 20 }),
            default: "1",
            help: "",
        };
        let mut rng = SmallRng::seed_from_u64(1);
        let refused = (0..DRAWS)
            .any(|_| Params::resolve("w", &[spec], &draw_overrides(&[spec], &mut rng)).is_err());
        assert!(refused);
    }

    #[test]
    fn numbers_stay_within_their_drawing_range() {
        let range = Range::new(3, 1_000_000).drawn_to(500);
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..1000 {
            let n = draw_whole(range, &mut rng);
            assert!((3..=500).contains(&n), "{n}");
        }
        let split = split(100, 5, &mut rng);
        assert_eq!(split.iter().sum::<u64>(), 100);
    }
}
