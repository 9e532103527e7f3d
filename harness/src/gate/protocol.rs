//! What the gate and its two `syncbench __serve` processes say to each other: one JSON object
//! per line each way, a request from the gate and the answer to it.

use reports::SummaryRow;
use serde::{Deserialize, Serialize};

use crate::sweep::PointSpec;

/// Bumped whenever a request or an answer changes shape: a side that answers `hello` with
/// another version is not paired with.
pub const PROTOCOL: u32 = 1;

/// The hidden subcommand that makes a binary a side of a paired run.
pub const SERVE_SUBCOMMAND: &str = "__serve";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Which protocol, version and commit answer.
    Hello,
    /// One repeat of `point`, set up by the `syncbench run` arguments `args` (timing, seed,
    /// parameters), its row numbered `repeat` and `pair`.
    Measure { args: Vec<String>, point: PointSpec, repeat: usize, pair: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Ready {
        protocol: u32,
        version: String,
        commit: String,
    },
    Row(Box<SummaryRow>),
    /// This binary has no such point (an implementation the other side added, say).
    Missing {
        why: String,
    },
    /// The request could not be carried out (bad arguments: the gate's input).
    Error {
        message: String,
    },
}
