//! A workload's parameters: each declared once with its kind, default and valid range (or set),
//! overridden by `--set key=value`, validated before anything runs, and recorded with every result
//! row.
//!
//! A value may be a comma-separated list (`--set capacity=1,16,1024`, or a declared default such
//! as a map's `mix=read-heavy,exchange`): the run then sweeps every combination, and each
//! combination is one [`Params`]. A [`Params`] exists only once every value passed its
//! declaration, so a workload reads it into its own typed struct without checking or clamping
//! anything again.

use std::collections::BTreeMap;
use std::fmt;

/// The values a number parameter accepts: `min..=max`, both ends included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range<T> {
    pub min: T,
    pub max: T,
    /// The largest value `syncbench stress` draws. It is below `max` where values near `max`
    /// are valid but make one trial outlast a stress trial (a second of busy work per
    /// operation); `min` and this are the boundary values a stress run tries on purpose.
    pub draw_max: T,
}

impl Range<u64> {
    /// `min..=max`, drawn across all of it.
    pub const fn new(min: u64, max: u64) -> Self {
        Self { min, max, draw_max: max }
    }

    /// The same range, drawn by `stress` only up to `draw_max`.
    pub const fn drawn_to(self, draw_max: u64) -> Self {
        Self { draw_max, ..self }
    }

    pub fn contains(&self, value: u64) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

impl Range<f64> {
    pub const fn decimal(min: f64, max: f64) -> Self {
        Self { min, max, draw_max: max }
    }

    pub const fn drawn_to(self, draw_max: f64) -> Self {
        Self { draw_max, ..self }
    }

    pub fn contains(&self, value: f64) -> bool {
        value.is_finite() && (self.min..=self.max).contains(&value)
    }
}

/// Parameters that split a whole between them, and only when another parameter selects them:
/// the map's `read`, `insert`, ... shares, which add up to 100 under `mix=custom` and must all be
/// 0 under a preset (where they would be silently ignored). Every share parameter of a group names
/// the same `Shares`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares {
    /// The choice parameter that selects the shares...
    pub switch: &'static str,
    /// ...when it has this value.
    pub when: &'static str,
    /// What the shares add up to then.
    pub total: u64,
}

/// What values a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// A whole number.
    Count(Range<u64>),
    /// A whole number of nanoseconds.
    Nanos(Range<u64>),
    /// A decimal number (a skew, a ratio).
    Decimal(Range<f64>),
    /// One of a fixed list of words.
    Choice(&'static [&'static str]),
    /// A whole-number share of a group (see [`Shares`]), from 0 to the group's total.
    Share(&'static Shares),
}

impl ParamKind {
    /// What the kind accepts, for `syncbench list` and error messages: `a whole number from 1 to
    /// 65536`.
    pub fn describe(&self) -> String {
        match self {
            ParamKind::Count(r) => format!("a whole number from {} to {}", r.min, r.max),
            ParamKind::Nanos(r) => {
                format!("a whole number of nanoseconds from {} to {}", r.min, r.max)
            }
            ParamKind::Decimal(r) => format!("a number from {} to {}", r.min, r.max),
            ParamKind::Choice(words) => format!("one of {}", words.join(", ")),
            ParamKind::Share(group) => format!(
                "a share from 0 to {total}; with {}={} the shares add up to {total}, otherwise \
                 all are 0",
                group.switch,
                group.when,
                total = group.total
            ),
        }
    }

    /// The same as [`ParamKind::describe`], shortened for a column of `syncbench list`, with
    /// the drawing maximum where `stress` stops short of the valid one.
    pub fn short(&self) -> String {
        fn range<T: PartialOrd + fmt::Display>(r: &Range<T>) -> String {
            if r.draw_max < r.max {
                format!("{}..={} (stress ..={})", r.min, r.max, r.draw_max)
            } else {
                format!("{}..={}", r.min, r.max)
            }
        }
        match self {
            ParamKind::Count(r) | ParamKind::Nanos(r) => range(r),
            ParamKind::Decimal(r) => range(r),
            ParamKind::Choice(words) => words.join("|"),
            ParamKind::Share(group) => {
                format!(
                    "0..={} (sum {} if {}={})",
                    group.total, group.total, group.switch, group.when
                )
            }
        }
    }

    fn check(&self, value: &str) -> bool {
        match self {
            ParamKind::Count(range) | ParamKind::Nanos(range) => {
                value.parse::<u64>().is_ok_and(|n| range.contains(n))
            }
            ParamKind::Decimal(range) => value.parse::<f64>().is_ok_and(|x| range.contains(x)),
            ParamKind::Choice(words) => words.contains(&value),
            ParamKind::Share(group) => value.parse::<u64>().is_ok_and(|n| n <= group.total),
        }
    }
}

/// A declared parameter of a workload: the one place its rules live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    /// One value, or a comma-separated list to sweep by default.
    pub default: &'static str,
    pub help: &'static str,
}

/// A rejected parameter value, with a message written for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("workload '{workload}' has no parameter '{name}' (it has: {known})")]
    Unknown { workload: String, name: String, known: String },
    #[error("parameter '{name}' must be {expected}, not '{value}'")]
    Invalid { name: String, value: String, expected: String },
    #[error("invalid parameters for {workload} ({params}): {why}")]
    Combination { workload: String, params: String, why: String },
}

/// The resolved parameters of one workload: every declared parameter, with a value that passed
/// its declaration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    values: BTreeMap<&'static str, String>,
}

impl Params {
    /// Every combination of the declared defaults with `overrides` applied, in declaration order
    /// (the last parameter varies fastest). Every value is checked against its declaration, and
    /// every combination against its share groups.
    pub fn sweep(
        workload: &str,
        specs: &[ParamSpec],
        overrides: &[(String, String)],
    ) -> Result<Vec<Self>, ParamError> {
        let mut values: BTreeMap<&'static str, String> =
            specs.iter().map(|spec| (spec.name, spec.default.to_owned())).collect();
        for (name, value) in overrides {
            let spec =
                specs.iter().find(|spec| spec.name == name).ok_or_else(|| ParamError::Unknown {
                    workload: workload.to_owned(),
                    name: name.clone(),
                    known: specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
                })?;
            values.insert(spec.name, value.clone());
        }
        let mut sweep = vec![Self::default()];
        for spec in specs {
            let choices: Vec<&str> = values[spec.name].split(',').map(str::trim).collect();
            for choice in &choices {
                if !spec.kind.check(choice) {
                    return Err(ParamError::Invalid {
                        name: spec.name.to_owned(),
                        value: (*choice).to_owned(),
                        expected: spec.kind.describe(),
                    });
                }
            }
            sweep = sweep
                .into_iter()
                .flat_map(|params| {
                    choices.iter().map(move |choice| {
                        let mut next = params.clone();
                        next.values.insert(spec.name, (*choice).to_owned());
                        next
                    })
                })
                .collect();
        }
        for params in &sweep {
            params.check_shares(specs).map_err(|why| ParamError::Combination {
                workload: workload.to_owned(),
                params: params.to_string(),
                why,
            })?;
        }
        Ok(sweep)
    }

    /// The first combination of [`Params::sweep`]: the defaults (their first values where a
    /// default is a list) with `overrides` applied.
    pub fn resolve(
        workload: &str,
        specs: &[ParamSpec],
        overrides: &[(String, String)],
    ) -> Result<Self, ParamError> {
        Ok(Self::sweep(workload, specs, overrides)?.swap_remove(0))
    }

    /// Refuses shares that do not add up to their total where their switch selects them, and
    /// shares set where it does not (they would be silently ignored).
    fn check_shares(&self, specs: &[ParamSpec]) -> Result<(), String> {
        let mut groups: Vec<&Shares> = Vec::new();
        for spec in specs {
            if let ParamKind::Share(group) = spec.kind {
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
        }
        for group in groups {
            let members: Vec<(&str, u64)> = specs
                .iter()
                .filter(|spec| spec.kind == ParamKind::Share(group))
                .map(|spec| (spec.name, self.number(spec.name)))
                .collect();
            let listed = || {
                members.iter().map(|(name, n)| format!("{name}={n}")).collect::<Vec<_>>().join(", ")
            };
            let total: u64 = members.iter().map(|(_, n)| n).sum();
            let switch = self.choice(group.switch);
            if switch == group.when {
                if total != group.total {
                    return Err(format!(
                        "the shares must add up to {}, not {total} ({})",
                        group.total,
                        listed()
                    ));
                }
            } else if total > 0 {
                return Err(format!(
                    "the shares ({}) apply only with {}={}, not {}={switch}",
                    listed(),
                    group.switch,
                    group.when,
                    group.switch
                ));
            }
        }
        Ok(())
    }

    /// The value of `name` as written, whatever its kind; `None` if it is not declared.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of a declared whole-number parameter ([`ParamKind::Count`], [`ParamKind::Nanos`],
    /// [`ParamKind::Share`]), within its declared range.
    ///
    /// # Panics
    /// If `name` was not declared as a whole number: a bug in the workload (a typo in a name),
    /// which its tests at the defaults catch; never bad input, since [`Params::sweep`] validated
    /// every value.
    pub fn number(&self, name: &str) -> u64 {
        self.values
            .get(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("parameter '{name}' is not a declared whole number"))
    }

    /// The value of a declared [`ParamKind::Decimal`] (or whole-number) parameter.
    ///
    /// # Panics
    /// If `name` was not declared as a number.
    pub fn decimal(&self, name: &str) -> f64 {
        self.values
            .get(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("parameter '{name}' is not a declared number"))
    }

    /// The value of a declared [`ParamKind::Choice`] parameter: one of its declared words.
    ///
    /// # Panics
    /// If `name` was not declared.
    pub fn choice(&self, name: &str) -> &str {
        self.values.get(name).unwrap_or_else(|| panic!("parameter '{name}' is not declared"))
    }
}

impl fmt::Display for Params {
    /// `key=value;key=value`, sorted by key: the `params` column of `summary.csv`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, value) in &self.values {
            if !first {
                f.write_str(";")?;
            }
            first = false;
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTS: Shares = Shares { switch: "mode", when: "b", total: 10 };
    const SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: "depth",
            kind: ParamKind::Count(Range::new(1, 8)),
            default: "1",
            help: "",
        },
        ParamSpec { name: "mode", kind: ParamKind::Choice(&["a", "b"]), default: "a", help: "" },
        ParamSpec { name: "x", kind: ParamKind::Share(&PARTS), default: "0", help: "" },
        ParamSpec { name: "y", kind: ParamKind::Share(&PARTS), default: "0", help: "" },
    ];

    fn set(name: &str, value: &str) -> Vec<(String, String)> {
        vec![(name.to_owned(), value.to_owned())]
    }

    fn sets(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_then_overrides() {
        let params = Params::resolve("w", SPECS, &set("depth", "4")).unwrap();
        assert_eq!(params.number("depth"), 4);
        assert_eq!(params.choice("mode"), "a");
        assert_eq!(params.to_string(), "depth=4;mode=a;x=0;y=0");
    }

    #[test]
    fn rejects_unknown_names_and_bad_values() {
        let unknown = Params::resolve("w", SPECS, &set("nope", "1")).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "workload 'w' has no parameter 'nope' (it has: depth, mode, x, y)"
        );
        assert!(Params::resolve("w", SPECS, &set("depth", "-1")).is_err());
        assert!(Params::resolve("w", SPECS, &set("mode", "c")).is_err());
        assert!(
            Params::resolve("w", SPECS, &set("mode", "a,c")).is_err(),
            "every listed value is checked"
        );
    }

    #[test]
    fn values_outside_the_declared_range_are_refused_naming_the_range() {
        for bad in ["0", "9"] {
            let error = Params::resolve("w", SPECS, &set("depth", bad)).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("parameter 'depth' must be a whole number from 1 to 8, not '{bad}'")
            );
        }
        assert!(Params::resolve("w", SPECS, &set("depth", "8")).is_ok(), "both ends are valid");
        let decimal = ParamSpec {
            name: "p",
            kind: ParamKind::Decimal(Range::decimal(0.0, 1.0)),
            default: "0.5",
            help: "",
        };
        assert!(Params::resolve("w", &[decimal], &set("p", "1.5")).is_err());
        assert!(Params::resolve("w", &[decimal], &set("p", "NaN")).is_err());
        assert!(Params::resolve("w", &[decimal], &set("p", "1")).is_ok());
    }

    #[test]
    fn shares_add_up_where_selected_and_are_zero_elsewhere() {
        let ok = Params::resolve("w", SPECS, &sets(&[("mode", "b"), ("x", "3"), ("y", "7")]));
        assert_eq!(ok.unwrap().number("y"), 7);
        let short = Params::resolve("w", SPECS, &sets(&[("mode", "b"), ("x", "3")])).unwrap_err();
        assert_eq!(
            short.to_string(),
            "invalid parameters for w (depth=1;mode=b;x=3;y=0): the shares must add up to 10, \
             not 3 (x=3, y=0)"
        );
        let ignored = Params::resolve("w", SPECS, &set("x", "3")).unwrap_err();
        assert!(ignored.to_string().contains("apply only with mode=b, not mode=a"), "{ignored}");
        assert!(Params::resolve("w", SPECS, &sets(&[("mode", "b"), ("x", "11")])).is_err());
    }

    #[test]
    fn lists_sweep_every_combination() {
        let overrides =
            vec![("depth".to_owned(), "1,2".to_owned()), ("mode".to_owned(), "a, b".to_owned())];
        let sweep = Params::sweep("w", &SPECS[..2], &overrides).unwrap();
        let shown: Vec<String> = sweep.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["depth=1;mode=a", "depth=1;mode=b", "depth=2;mode=a", "depth=2;mode=b"]);
    }
}
