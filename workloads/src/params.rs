//! A workload's parameters: declared with defaults and a type, overridden by `--set key=value`,
//! validated before anything runs, and recorded with every result row.
//!
//! A value may be a comma-separated list (`--set capacity=1,16,1024`, or a declared default such
//! as a map's `preset=read-heavy,exchange`): the run then sweeps every combination, and each
//! combination is one [`Params`].

use std::collections::BTreeMap;
use std::fmt;

/// What values a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A non-negative integer.
    Count,
    /// A non-negative integer of nanoseconds.
    Nanos,
    /// A non-negative decimal number (a skew, a ratio).
    Decimal,
    /// One of a fixed list of words.
    Choice(&'static [&'static str]),
}

/// A declared parameter of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// The resolved parameters of one workload: every declared parameter, with its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    values: BTreeMap<&'static str, String>,
}

impl Params {
    /// Every combination of the declared defaults with `overrides` applied, in declaration order
    /// (the last parameter varies fastest). Every value is checked against its kind.
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
                check_value(spec, choice)?;
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

    /// The value of `name` as written, whatever its kind; `None` if it is not declared.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of a declared [`ParamKind::Count`] or [`ParamKind::Nanos`] parameter.
    ///
    /// # Panics
    /// If `name` was not declared as a number: a bug in the workload, not bad input, since
    /// [`Params::resolve`] validated every value.
    pub fn number(&self, name: &str) -> u64 {
        self.values
            .get(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("parameter '{name}' is not a declared number"))
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

    /// The value of a declared [`ParamKind::Choice`] parameter.
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

fn check_value(spec: &ParamSpec, value: &str) -> Result<(), ParamError> {
    let invalid = |expected: String| ParamError::Invalid {
        name: spec.name.to_owned(),
        value: value.to_owned(),
        expected,
    };
    match spec.kind {
        ParamKind::Count | ParamKind::Nanos => value
            .parse::<u64>()
            .map(drop)
            .map_err(|_| invalid("a non-negative whole number".to_owned())),
        ParamKind::Decimal => match value.parse::<f64>() {
            Ok(number) if number.is_finite() && number >= 0.0 => Ok(()),
            _ => Err(invalid("a non-negative number".to_owned())),
        },
        ParamKind::Choice(options) if options.contains(&value) => Ok(()),
        ParamKind::Choice(options) => Err(invalid(format!("one of {}", options.join(", ")))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec { name: "depth", kind: ParamKind::Count, default: "1", help: "" },
        ParamSpec { name: "mode", kind: ParamKind::Choice(&["a", "b"]), default: "a", help: "" },
    ];

    fn set(name: &str, value: &str) -> Vec<(String, String)> {
        vec![(name.to_owned(), value.to_owned())]
    }

    #[test]
    fn defaults_then_overrides() {
        let params = Params::resolve("w", SPECS, &set("depth", "4")).unwrap();
        assert_eq!(params.number("depth"), 4);
        assert_eq!(params.choice("mode"), "a");
        assert_eq!(params.to_string(), "depth=4;mode=a");
    }

    #[test]
    fn rejects_unknown_names_and_bad_values() {
        let unknown = Params::resolve("w", SPECS, &set("nope", "1")).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "workload 'w' has no parameter 'nope' (it has: depth, mode)"
        );
        assert!(Params::resolve("w", SPECS, &set("depth", "-1")).is_err());
        assert!(Params::resolve("w", SPECS, &set("mode", "c")).is_err());
        assert!(
            Params::resolve("w", SPECS, &set("mode", "a,c")).is_err(),
            "every listed value is checked"
        );
    }

    #[test]
    fn lists_sweep_every_combination() {
        let overrides =
            vec![("depth".to_owned(), "1,2".to_owned()), ("mode".to_owned(), "a, b".to_owned())];
        let sweep = Params::sweep("w", SPECS, &overrides).unwrap();
        let shown: Vec<String> = sweep.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["depth=1;mode=a", "depth=1;mode=b", "depth=2;mode=a", "depth=2;mode=b"]);
    }
}
