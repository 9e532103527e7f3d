//! `spawn`: threads against processes, per unit: what it costs to start one and get an item back,
//! and what it costs to pass an item to a running partner through shared memory or a pipe.
//!
//! | implementation | one op | goes through |
//! |---|---|---|
//! | `thread-spawn` | `std::thread::spawn` of a closure returning the item, then `join` | a new thread |
//! | `pool-task` | a task returning the item on the project's `ThreadPool`, then its `join` | a running pool worker |
//! | `process-spawn` | start the echo child, write the item, close its stdin, read the echo, wait for its exit | a new process and two pipes |
//! | `thread-channel` | one item sent to this thread's echo thread and received back | two `std::sync::mpsc` channels (shared memory) |
//! | `process-pipe` | one item written to this thread's echo child and read back | the child's stdin and stdout pipes |
//!
//! Every op is one unit (a spawn, a task, an item), so throughput and the latency columns are the
//! per-unit costs, side by side. The two partners of `thread-channel` and `process-pipe` carry
//! `batch` items at a time before the echoes are read back: 1 measures a round trip per item,
//! more measures streaming, as the pipe's buffering allows.
//!
//! The workload cannot know how to start a process that echoes: that is the binary's business.
//! [`SpawnWorkload::standard`] has the thread implementations; [`SpawnWorkload::with_child`] adds
//! the process ones, given an [`EchoChild`] (the `syncbench` binary passes itself, re-executed in
//! its hidden `__child` mode).
//!
//! Invariant, checked on every run: every item sent comes back exactly once, unchanged and in
//! order (count and fingerprint of what was sent against what came back), and every child exits
//! successfully.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use primitives::thread_pool::ThreadPool;

use crate::catalog::Catalog;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::tally::Tally;
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "batch",
    kind: ParamKind::Count(Range::new(1, MAX_BATCH as u64)),
    default: "1",
    help: "items in flight between the partners of thread-channel and process-pipe (1: a round \
           trip per item)",
}];

/// The most items in flight to a child: 8 KiB, well inside a pipe's buffer (64 KiB on Linux), so
/// that a child that reads everything before its echoes are read back can never block both ends.
const MAX_BATCH: usize = 1024;

/// A bound on one process start, write, echo and exit on a loaded machine (about 1 ms idle), so
/// that the watchdog does not call a slow start a stall.
const SLOWEST_PROCESS: Duration = Duration::from_millis(250);

/// How to start a child that copies its stdin to its stdout, unbuffered, until end of input, and
/// then exits successfully (`syncbench __child`, or `cat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EchoChild {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl EchoChild {
    pub fn new(program: impl Into<PathBuf>, args: &[&str]) -> Self {
        Self { program: program.into(), args: args.iter().map(OsString::from).collect() }
    }

    fn start(&self) -> std::io::Result<Child> {
        Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
    }
}

/// What one op goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    ThreadSpawn,
    PoolTask,
    ProcessSpawn,
    ThreadChannel,
    ProcessPipe,
}

/// What one trial is built from.
#[derive(Debug, Clone)]
struct SpawnSetup {
    threads: usize,
    batch: usize,
}

/// The spawn workload: thread implementations always, process ones once it knows its child.
pub struct SpawnWorkload {
    catalog: Catalog<SpawnSetup>,
}

impl SpawnWorkload {
    /// The thread, pool and channel implementations; add the process ones with
    /// [`SpawnWorkload::with_child`].
    pub fn standard() -> Self {
        let mut catalog = Catalog::new();
        let mut add = |name, kind, about, mode| {
            let info = ImplInfo::new(name, kind, about);
            let info = match mode {
                Mode::ThreadChannel | Mode::ProcessPipe => info,
                _ => info.ignoring(&["batch"]),
            };
            catalog.add_info(info, move |setup: &SpawnSetup| {
                Box::new(SpawnTrial::new(mode, setup, None)) as Box<dyn Trial>
            });
        };
        add(
            "thread-spawn",
            ImplKind::Library,
            "std::thread::spawn + join of a thread returning the item",
            Mode::ThreadSpawn,
        );
        add(
            "pool-task",
            ImplKind::HandRolled,
            "a task returning the item on the project's ThreadPool, joined",
            Mode::PoolTask,
        );
        add(
            "thread-channel",
            ImplKind::Library,
            "an item to an echo thread and back through std mpsc channels (shared memory)",
            Mode::ThreadChannel,
        );
        Self { catalog }
    }

    /// Adds `process-spawn` and `process-pipe`, which start `child`.
    pub fn with_child(mut self, child: EchoChild) -> Self {
        let spawn_child = child.clone();
        self.catalog.add_info(
            ImplInfo::new(
                "process-spawn",
                ImplKind::Library,
                "start the echo child, one item through its pipes, wait for its exit",
            )
            .ignoring(&["batch"]),
            move |setup: &SpawnSetup| {
                Box::new(SpawnTrial::new(Mode::ProcessSpawn, setup, Some(spawn_child.clone())))
            },
        );
        self.catalog.add(
            "process-pipe",
            ImplKind::Library,
            "an item to a running echo child and back through its stdin and stdout pipes",
            move |setup: &SpawnSetup| {
                Box::new(SpawnTrial::new(Mode::ProcessPipe, setup, Some(child.clone())))
            },
        );
        self
    }
}

impl Workload for SpawnWorkload {
    fn name(&self) -> &str {
        "spawn"
    }

    fn about(&self) -> &str {
        "threads against processes: start-up, round trip, shared memory against a pipe, per unit"
    }

    fn invariant(&self) -> &str {
        "every item sent comes back exactly once, unchanged, in order; every child exits with 0"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let spawn_setup =
            SpawnSetup { threads: setup.threads, batch: setup.params.number("batch") as usize };
        self.catalog.make(implementation, &spawn_setup)
    }
}

/// What came back, and what went wrong, over every thread of a trial.
#[derive(Debug, Default)]
struct Ledger {
    sent: Tally,
    received: Tally,
    /// Items that came back other than as the next one sent.
    misplaced: u64,
    /// The first few failures (a spawn refused, a pipe closed, a child's exit status).
    failures: Vec<String>,
}

/// The shared state of one spawn trial.
struct SpawnTrial {
    mode: Mode,
    batch: usize,
    child: Option<EchoChild>,
    /// Shared by every runner thread, one worker each.
    pool: Option<ThreadPool>,
    ledger: Mutex<Ledger>,
}

impl SpawnTrial {
    fn new(mode: Mode, setup: &SpawnSetup, child: Option<EchoChild>) -> Self {
        let pool = (mode == Mode::PoolTask).then(|| ThreadPool::new(setup.threads));
        Self { mode, batch: setup.batch, child, pool, ledger: Mutex::new(Ledger::default()) }
    }
}

impl Trial for SpawnTrial {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let mut worker = SpawnWorker {
            trial: self,
            source: (index as u64) << 48,
            next_seq: 0,
            partner: Partner::None,
            log: Ledger::default(),
        };
        worker.partner = match self.mode {
            Mode::ThreadChannel => Partner::echo_thread(),
            Mode::ProcessPipe => {
                match self.child.as_ref().expect("a process mode has a child").start() {
                    Ok(child) => Partner::echo_child(child),
                    Err(error) => {
                        worker.fail(format!("could not start the echo child: {error}"));
                        Partner::None
                    }
                }
            }
            _ => Partner::None,
        };
        Box::new(worker)
    }

    fn slowest_op(&self) -> Option<Duration> {
        match self.mode {
            Mode::ProcessSpawn | Mode::ProcessPipe => Some(SLOWEST_PROCESS),
            _ => None,
        }
    }

    fn check(&self, _ops: u64) -> Check {
        let ledger = self.ledger.lock().expect("a worker panicked");
        let Ledger { sent, received, misplaced, failures } = &*ledger;
        let mut problems = failures.clone();
        if received.count < sent.count {
            problems.push(format!(
                "{} of {} items never came back",
                sent.count - received.count,
                sent.count
            ));
        } else if received.count > sent.count {
            problems.push(format!(
                "{} items came back twice (of {})",
                received.count - sent.count,
                sent.count
            ));
        } else if received.fingerprint != sent.fingerprint {
            problems.push(format!("items lost and as many duplicated (of {})", sent.count));
        }
        if *misplaced > 0 {
            problems.push(format!("{misplaced} items came back changed or out of order"));
        }
        if problems.is_empty() {
            Check::Held(format!("{} items sent, each back once, in order", sent.count))
        } else {
            Check::Violated(problems.join("; "))
        }
    }
}

/// The running partner of a `thread-channel` or `process-pipe` worker.
enum Partner {
    None,
    Thread { to: Option<Sender<u64>>, from: Receiver<u64>, echo: Option<JoinHandle<()>> },
    Process { child: Child, to: Option<ChildStdin>, from: ChildStdout },
}

impl Partner {
    fn echo_thread() -> Self {
        let (to, their_in) = channel::<u64>();
        let (their_out, from) = channel();
        let echo = std::thread::spawn(move || {
            for item in their_in {
                if their_out.send(item).is_err() {
                    break;
                }
            }
        });
        Partner::Thread { to: Some(to), from, echo: Some(echo) }
    }

    fn echo_child(mut child: Child) -> Self {
        let to = child.stdin.take();
        let from = child.stdout.take().expect("stdout is piped");
        Partner::Process { child, to, from }
    }

    /// Sends `items` and receives their echoes into `back`.
    fn round_trip(&mut self, items: &[u64], back: &mut Vec<u64>) -> Result<(), String> {
        match self {
            Partner::None => Err("no partner to send to".to_owned()),
            Partner::Thread { to, from, .. } => {
                let to = to.as_ref().expect("open until finish");
                for &item in items {
                    to.send(item).map_err(|_| "the echo thread hung up".to_owned())?;
                }
                for _ in items {
                    back.push(from.recv().map_err(|_| "the echo thread hung up".to_owned())?);
                }
                Ok(())
            }
            Partner::Process { to, from, .. } => {
                let bytes: Vec<u8> = items.iter().flat_map(|item| item.to_le_bytes()).collect();
                let to = to.as_mut().expect("open until finish");
                to.write_all(&bytes).map_err(|e| format!("writing to the echo child: {e}"))?;
                let mut echoed = vec![0; bytes.len()];
                from.read_exact(&mut echoed).map_err(|e| format!("reading the echo child: {e}"))?;
                back.extend(
                    echoed
                        .chunks_exact(8)
                        .map(|word| u64::from_le_bytes(word.try_into().expect("eight bytes"))),
                );
                Ok(())
            }
        }
    }

    /// Ends the partner: closes its input and waits for it to leave.
    fn close(&mut self) -> Result<(), String> {
        match self {
            Partner::None => Ok(()),
            Partner::Thread { to, echo, .. } => {
                drop(to.take());
                match echo.take().map(JoinHandle::join) {
                    Some(Err(_)) => Err("the echo thread panicked".to_owned()),
                    _ => Ok(()),
                }
            }
            Partner::Process { child, to, .. } => {
                drop(to.take());
                let status =
                    child.wait().map_err(|e| format!("waiting for the echo child: {e}"))?;
                if status.success() {
                    Ok(())
                } else {
                    Err(format!("the echo child exited with {status}"))
                }
            }
        }
    }
}

impl Drop for Partner {
    fn drop(&mut self) {
        // A worker dropped without `finish` (a stalled run) still leaves no child behind.
        if let Partner::Process { child, .. } = self {
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let _ = self.close();
    }
}

/// One unit, start to finish: `item` through a new thread, a pool task, or a new process.
fn one_unit(trial: &SpawnTrial, item: u64) -> Result<u64, String> {
    match trial.mode {
        Mode::ThreadSpawn => std::thread::spawn(move || item)
            .join()
            .map_err(|_| "the spawned thread panicked".to_owned()),
        Mode::PoolTask => trial
            .pool
            .as_ref()
            .expect("a pool mode has a pool")
            .spawn(move || item)
            .join()
            .map_err(|e| format!("the pool task failed: {e:?}")),
        Mode::ProcessSpawn => {
            let child = trial.child.as_ref().expect("a process mode has a child");
            let started =
                child.start().map_err(|e| format!("could not start the echo child: {e}"))?;
            let mut partner = Partner::echo_child(started);
            let mut back = Vec::with_capacity(1);
            partner.round_trip(&[item], &mut back)?;
            partner.close()?;
            back.pop().ok_or_else(|| "the echo child sent nothing back".to_owned())
        }
        Mode::ThreadChannel | Mode::ProcessPipe => unreachable!("a partner mode has no units"),
    }
}

struct SpawnWorker<'a> {
    trial: &'a SpawnTrial,
    /// This thread's index in the ids' top bits.
    source: u64,
    next_seq: u64,
    partner: Partner,
    log: Ledger,
}

impl SpawnWorker<'_> {
    fn fail(&mut self, why: String) {
        if self.log.failures.len() < 3 {
            self.log.failures.push(why);
        }
    }

    /// Tallies the echo of the items numbered from `first_seq`.
    fn received(&mut self, first_seq: u64, back: &[u64]) {
        for (offset, &item) in back.iter().enumerate() {
            self.log.received.add(item);
            if item != self.source | (first_seq + offset as u64) {
                self.log.misplaced += 1;
            }
        }
    }

    fn next_item(&mut self) -> u64 {
        let item = self.source | self.next_seq;
        self.next_seq += 1;
        self.log.sent.add(item);
        item
    }
}

impl Worker for SpawnWorker<'_> {
    fn run(&mut self, n: u64) -> u64 {
        if matches!(self.trial.mode, Mode::ThreadChannel | Mode::ProcessPipe) {
            if matches!(self.partner, Partner::None) {
                return 0;
            }
            let mut done = 0;
            let mut items = Vec::with_capacity(self.trial.batch);
            let mut back = Vec::with_capacity(self.trial.batch);
            while done < n {
                let first_seq = self.next_seq;
                items.clear();
                back.clear();
                let size = (n - done).min(self.trial.batch as u64);
                items.extend((0..size).map(|_| self.next_item()));
                if let Err(why) = self.partner.round_trip(&items, &mut back) {
                    self.fail(why);
                    self.received(first_seq, &back);
                    return done;
                }
                self.received(first_seq, &back);
                done += size;
            }
            return n;
        }
        for done in 0..n {
            let seq = self.next_seq;
            let item = self.next_item();
            match one_unit(self.trial, item) {
                Ok(back) => self.received(seq, &[back]),
                Err(why) => {
                    self.fail(why);
                    return done;
                }
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        if let Err(why) = self.partner.close() {
            self.fail(why);
        }
        let mut ledger = self.trial.ledger.lock().expect("a worker panicked");
        ledger.sent.merge(self.log.sent);
        ledger.received.merge(self.log.received);
        ledger.misplaced += self.log.misplaced;
        let room = 3usize.saturating_sub(ledger.failures.len());
        ledger.failures.extend(self.log.failures.drain(..).take(room));
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    /// `cat` copies its input to its output unbuffered: a stand-in for `syncbench __child`, which
    /// the harness's tests run for real.
    fn workload() -> SpawnWorkload {
        SpawnWorkload::standard().with_child(EchoChild::new("cat", &[]))
    }

    fn run(workload: &SpawnWorkload, name: &str, threads: usize, batch: &str, ops: u64) -> Check {
        run_trial(workload, name, threads, 0, &[("batch", batch)], |_, worker| worker.run(ops))
    }

    #[test]
    fn every_implementation_brings_every_item_back_at_one_two_and_four_threads() {
        let workload = workload();
        for info in workload.implementations() {
            let ops = if info.name == "process-spawn" { 20 } else { 500 };
            for threads in [1, 2, 4] {
                for batch in ["1", "64"] {
                    let check = run(&workload, &info.name, threads, batch, ops);
                    let Check::Held(summary) = check else {
                        panic!("{} t{threads} batch {batch}: {check:?}", info.name)
                    };
                    let sent = ops * threads as u64;
                    assert!(summary.starts_with(&format!("{sent} items sent")), "{summary}");
                }
            }
        }
    }

    #[test]
    fn the_processes_come_only_with_a_child() {
        let names = |w: SpawnWorkload| -> Vec<String> {
            w.implementations().into_iter().map(|i| i.name).collect()
        };
        assert_eq!(
            names(SpawnWorkload::standard()),
            ["thread-spawn", "pool-task", "thread-channel"]
        );
        assert_eq!(names(workload()).len(), 5);
    }

    #[test]
    fn a_child_that_cannot_start_or_echoes_wrongly_is_caught() {
        let missing = SpawnWorkload::standard()
            .with_child(EchoChild::new("/nonexistent/syncbench-child", &[]));
        for name in ["process-spawn", "process-pipe"] {
            let Check::Violated(why) = run(&missing, name, 1, "1", 5) else { panic!("{name}") };
            assert!(why.contains("could not start"), "{why}");
        }
        // `true` reads nothing and exits at once: nothing comes back.
        let silent = SpawnWorkload::standard().with_child(EchoChild::new("true", &[]));
        let Check::Violated(why) = run(&silent, "process-spawn", 1, "1", 5) else { panic!("held") };
        assert!(why.contains("never came back") || why.contains("echo child"), "{why}");
    }
}
