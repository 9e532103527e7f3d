//! `syncbench compare BASELINE CURRENT`: the command-line side of [`reports::compare`] — typed
//! settings from the arguments, the table on stdout, and the exit code.

use reports::compare::{self, CompareSettings, Comparison};

use crate::cli::{CompareArgs, CompareFormat};
use crate::options::OptionsError;

/// Validated `compare` arguments.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub settings: CompareSettings,
    pub format: CompareFormat,
}

impl CompareOptions {
    pub fn from_cli(args: &CompareArgs) -> Result<Self, OptionsError> {
        let defaults = CompareSettings::default();
        let threshold = match &args.threshold {
            Some(text) => parse_threshold(text)?,
            None => defaults.threshold,
        };
        let alpha = match &args.alpha {
            Some(text) => parse_alpha(text)?,
            None => defaults.alpha,
        };
        let looks = match &args.looks {
            Some(text) => match text.trim().parse::<usize>() {
                Ok(looks) if looks > 0 => looks,
                _ => return Err(invalid("--looks", text, "expected a whole number of looks ≥ 1")),
            },
            None => defaults.looks,
        };
        let format = if args.markdown { CompareFormat::Markdown } else { args.format };
        Ok(Self {
            settings: CompareSettings {
                threshold,
                alpha,
                gate_latency: args.latency,
                skip_disturbed: args.skip_disturbed,
                looks,
                ..defaults
            },
            format,
        })
    }
}

/// `5`, `5%` or `2.5` (percent) -> a fraction.
pub(crate) fn parse_threshold(text: &str) -> Result<f64, OptionsError> {
    let number = text.trim().trim_end_matches('%');
    match number.parse::<f64>() {
        Ok(pct) if pct.is_finite() && (0.0..100.0).contains(&pct) => Ok(pct / 100.0),
        _ => Err(invalid("--threshold", text, "expected a percentage from 0 to below 100, e.g. 5")),
    }
}

pub(crate) fn parse_alpha(text: &str) -> Result<f64, OptionsError> {
    match text.trim().parse::<f64>() {
        Ok(alpha) if alpha > 0.0 && alpha < 1.0 => Ok(alpha),
        _ => Err(invalid("--alpha", text, "expected a probability between 0 and 1, e.g. 0.05")),
    }
}

fn invalid(what: &'static str, value: &str, why: &str) -> OptionsError {
    OptionsError::Invalid { what, value: value.to_owned(), why: why.to_owned() }
}

/// Compares, prints the table, and returns the comparison for the exit code.
pub fn run(args: &CompareArgs) -> anyhow::Result<Comparison> {
    let options = CompareOptions::from_cli(args)?;
    let comparison = compare::compare_folders(&args.baseline, &args.current, &options.settings)?;
    let output = match options.format {
        CompareFormat::Text => compare::text::render(&comparison),
        CompareFormat::Markdown => compare::markdown::render(&comparison),
    };
    print!("{output}");
    Ok(comparison)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_a_percentage() {
        assert_eq!(parse_threshold("5").unwrap(), 0.05);
        assert_eq!(parse_threshold("2.5%").unwrap(), 0.025);
        assert_eq!(parse_threshold("0").unwrap(), 0.0);
        for bad in ["-1", "100", "x", "nan", ""] {
            let error = parse_threshold(bad).unwrap_err().to_string();
            assert!(error.starts_with(&format!("invalid --threshold '{bad}'")), "{error}");
        }
    }

    #[test]
    fn alpha_is_a_probability() {
        assert_eq!(parse_alpha("0.01").unwrap(), 0.01);
        for bad in ["0", "1", "1.5", "-0.1", "five"] {
            assert!(parse_alpha(bad).unwrap_err().to_string().contains("--alpha"));
        }
    }
}
