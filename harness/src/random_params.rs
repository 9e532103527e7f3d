//! Random parameter values for `syncbench stress`, drawn from each workload's declared parameters.
//!
//! A parameter declares a kind and a default, not a range, so the space explored is around the
//! defaults: a choice takes any of its words; a number takes one of its default values, scaled by
//! a random factor between ½ and 2 (0 becomes a small number, or stays 0). A draw the workload
//! rejects ([`Workload::check_params`]: shares that must add up, minimums) is drawn again, and
//! after a few rejections the defaults are used.

use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::Rng;
use workloads::{ParamKind, ParamSpec, Params, Workload};

/// Draws before falling back to the defaults.
const ATTEMPTS: usize = 20;

/// A random, valid parameter set of `workload`.
pub fn random_params(workload: &dyn Workload, rng: &mut SmallRng) -> Params {
    for _ in 0..ATTEMPTS {
        let overrides: Vec<(String, String)> =
            workload.params().iter().map(|spec| (spec.name.to_owned(), draw(spec, rng))).collect();
        if let Ok(params) = Params::resolve(workload.name(), workload.params(), &overrides) {
            if workload.check_params(&params).is_ok() {
                return params;
            }
        }
    }
    Params::resolve(workload.name(), workload.params(), &[]).expect("the defaults are valid")
}

fn draw(spec: &ParamSpec, rng: &mut SmallRng) -> String {
    let defaults: Vec<&str> = spec.default.split(',').map(str::trim).collect();
    let base = *defaults.choose(rng).expect("split yields at least one value");
    let factor = rng.random_range(0.5..=2.0);
    match spec.kind {
        ParamKind::Choice(words) => (*words.choose(rng).unwrap_or(&base)).to_owned(),
        ParamKind::Count | ParamKind::Nanos => match base.parse::<u64>() {
            Ok(0) if spec.kind == ParamKind::Nanos => {
                if rng.random_bool(0.5) { 0 } else { rng.random_range(1..=1_000) }.to_string()
            }
            Ok(0) => rng.random_range(0..=4u64).to_string(),
            Ok(n) => ((n as f64 * factor).round() as u64).max(1).to_string(),
            Err(_) => base.to_owned(),
        },
        ParamKind::Decimal => match base.parse::<f64>() {
            Ok(0.0) => format!("{:.2}", rng.random_range(0.0..1.0)),
            Ok(x) => format!("{:.3}", x * factor),
            Err(_) => base.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use workloads::Registry;

    #[test]
    fn every_draw_is_valid_for_every_workload() {
        let mut rng = SmallRng::seed_from_u64(3);
        for workload in Registry::standard().iter() {
            for _ in 0..50 {
                let params = random_params(workload, &mut rng);
                assert!(workload.check_params(&params).is_ok(), "{}: {params}", workload.name());
            }
        }
    }

    #[test]
    fn numbers_stay_within_half_and_twice_their_default() {
        let spec = ParamSpec { name: "n", kind: ParamKind::Count, default: "100", help: "" };
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..200 {
            let n: u64 = draw(&spec, &mut rng).parse().unwrap();
            assert!((50..=200).contains(&n), "{n}");
        }
    }
}
