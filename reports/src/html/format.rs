//! Numbers and words as the page shows them.

/// ops/s as M ops/s with three significant digits.
pub(super) fn mops(ops_per_s: f64) -> String {
    let value = ops_per_s / 1e6;
    if !value.is_finite() {
        return "–".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let decimals = (2.0 - value.abs().log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{value:.decimals$}")
}

pub(super) fn nanos(ns: f64) -> String {
    if !ns.is_finite() {
        "–".to_owned()
    } else if ns >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

pub(super) fn fixed(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "–".to_owned()
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
