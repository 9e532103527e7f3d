//! The `spawn` workload's process: this binary, re-executed in its hidden `__child` mode.
//!
//! A workload cannot know which executable runs it, so the binary hands the workload its own
//! path when it builds the registry ([`standard_registry`]): the process implementations exist
//! exactly where a child can be started. Any binary that runs [`crate::app::run_with_registry`]
//! parses `__child` too, so a user's binary can pass itself the same way.

use std::io::{self, Read, Write};

use workloads::spawn::{EchoChild, SpawnWorkload};
use workloads::Registry;

/// The hidden subcommand that makes this binary an echo child.
pub const CHILD_SUBCOMMAND: &str = "__child";

/// Copies stdin to stdout until end of input, flushing after every read so that a parent waiting
/// for its echo never waits on a buffer.
pub fn echo() -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let mut buffer = [0u8; 1 << 16];
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        output.write_all(&buffer[..read])?;
        output.flush()?;
    }
}

/// The echo child that `executable` becomes with [`CHILD_SUBCOMMAND`].
pub fn echo_child(executable: impl Into<std::path::PathBuf>) -> EchoChild {
    EchoChild::new(executable, &[CHILD_SUBCOMMAND])
}

/// `registry` with the spawn workload's process implementations, run by `executable` (which must
/// handle `__child`, as every binary built on this crate's `app` does).
pub fn with_processes(registry: Registry, executable: impl Into<std::path::PathBuf>) -> Registry {
    registry.with(SpawnWorkload::standard().with_child(echo_child(executable)))
}

/// Every workload the project ships, the spawn workload's processes included when this binary
/// can find its own executable.
pub fn standard_registry() -> Registry {
    match std::env::current_exe() {
        Ok(executable) => with_processes(Registry::standard(), executable),
        Err(_) => Registry::standard(),
    }
}
