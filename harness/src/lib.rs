//! The `syncbench` binary's library: the runner that measures one trial under a deadlock/livelock
//! watchdog, the sweep that runs and records many, the stress test that runs every implementation
//! at random thread counts and parameters, and the command line on top.
//!
//! Use it to run the project's workloads on your own implementation without editing the project:
//! build a [`workloads::Registry`] holding a workload with your implementation added (see
//! `examples/custom_lock.rs`) and pass it to [`app::run_with_registry`].

pub mod affinity;
pub mod app;
pub mod bench;
pub mod child;
pub mod cli;
pub mod compare;
pub mod cpu_list;
pub mod deadline;
pub mod environment;
pub mod gate;
pub mod guard;
pub mod history;
pub mod list;
pub mod options;
pub mod progress;
pub mod random_params;
pub mod runner;
pub mod slowdown;
pub mod stress;
pub mod sweep;
pub mod table;
pub mod topology;
pub mod watchdog;

/// The README's Rust examples, compiled and run as doctests (`cargo test --workspace`), so that
/// what it shows a user builds against this API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
