//! One side of a paired run: a long-lived `syncbench __serve` process of the base or the head
//! binary, asked for one repeat at a time.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use reports::SummaryRow;

use super::protocol::{Answer, Request, PROTOCOL, SERVE_SUBCOMMAND};
use crate::sweep::PointSpec;

/// Why a side cannot serve or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum SideError {
    #[error("cannot start {binary}: {why}")]
    Start { binary: String, why: String },
    #[error(
        "{binary} cannot take part in a paired run ({why}); it predates `syncbench gate`, so \
         compare it unpaired (scripts/ci-gate.sh does so by itself)"
    )]
    NotServing { binary: String, why: String },
    #[error("the {side} side ended while measuring {point}; its last words are in {log}")]
    Ended { side: &'static str, point: String, log: String },
    #[error("the {side} side answered something unreadable: {why}")]
    Garbled { side: &'static str, why: String },
}

/// What a side answered to a measure request.
pub enum Measured {
    Row(Box<SummaryRow>),
    Missing(String),
    Refused(String),
}

pub struct Side {
    pub name: &'static str,
    pub binary: PathBuf,
    /// The commit the side's binary was built from, as it says.
    pub commit: String,
    log: PathBuf,
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Side {
    /// Starts `binary __serve`, its standard error going to `log`, and greets it.
    pub fn start(name: &'static str, binary: &Path, log: &Path) -> Result<Self, SideError> {
        let shown = binary.display().to_string();
        let stderr = std::fs::File::create(log).map_err(|e| SideError::Start {
            binary: shown.clone(),
            why: format!("{}: {e}", log.display()),
        })?;
        let mut child = Command::new(binary)
            .arg(SERVE_SUBCOMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| SideError::Start { binary: shown.clone(), why: e.to_string() })?;
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut side = Self {
            name,
            binary: binary.to_owned(),
            commit: String::new(),
            log: log.to_owned(),
            child,
            input,
            output,
        };
        let not_serving = |why: String| SideError::NotServing { binary: shown.clone(), why };
        match side.ask(&Request::Hello) {
            Ok(Some(Answer::Ready { protocol, commit, .. })) if protocol == PROTOCOL => {
                side.commit = commit;
                Ok(side)
            }
            Ok(Some(Answer::Ready { protocol, .. })) => {
                Err(not_serving(format!("it speaks protocol {protocol}, this gate {PROTOCOL}")))
            }
            Ok(Some(_)) => Err(not_serving("it did not answer the greeting".into())),
            Ok(None) => Err(not_serving(format!("it exited at once; see {}", log.display()))),
            Err(error) => Err(not_serving(error.to_string())),
        }
    }

    /// One repeat of `point`.
    pub fn measure(
        &mut self,
        args: &[String],
        point: &PointSpec,
        repeat: usize,
        pair: u64,
    ) -> Result<Measured, SideError> {
        let request = Request::Measure { args: args.to_vec(), point: point.clone(), repeat, pair };
        match self.ask(&request)? {
            None => Err(SideError::Ended {
                side: self.name,
                point: point.to_string(),
                log: self.log.display().to_string(),
            }),
            Some(Answer::Row(row)) => Ok(Measured::Row(row)),
            Some(Answer::Missing { why }) => Ok(Measured::Missing(why)),
            Some(Answer::Error { message }) => Ok(Measured::Refused(message)),
            Some(Answer::Ready { .. }) => Err(SideError::Garbled {
                side: self.name,
                why: "a greeting for a measurement".into(),
            }),
        }
    }

    /// The last line the side wrote to its log (its standard error), e.g. why it stopped.
    pub fn last_words(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(nothing)").to_owned()
    }

    /// Sends `request` and reads the answer; `None` when the side has exited.
    fn ask(&mut self, request: &Request) -> Result<Option<Answer>, SideError> {
        let garbled = |why: String| SideError::Garbled { side: self.name, why };
        let line = serde_json::to_string(request).map_err(|e| garbled(e.to_string()))?;
        let Some(input) = self.input.as_mut() else { return Ok(None) };
        if writeln!(input, "{line}").and_then(|()| input.flush()).is_err() {
            return Ok(None);
        }
        let mut answer = String::new();
        match self.output.read_line(&mut answer) {
            Ok(0) | Err(_) => Ok(None),
            Ok(_) => serde_json::from_str(&answer).map(Some).map_err(|e| garbled(e.to_string())),
        }
    }
}

impl Drop for Side {
    /// Closing its input ends the side's loop; it exits on its own.
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.wait();
    }
}
