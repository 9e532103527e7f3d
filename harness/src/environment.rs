//! The machine and build a run happens on, recorded with every result.

pub use reports::Environment;

/// Reads this machine; anything unreadable is "unknown" rather than an error.
pub fn detect() -> Environment {
    Environment {
        host: first_line("/proc/sys/kernel/hostname")
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(unknown),
        cpu_model: cpu_model().unwrap_or_else(unknown),
        logical_cpus: logical_cpus(),
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        kernel: first_line("/proc/sys/kernel/osrelease").unwrap_or_else(unknown),
        rustc: env!("SYNCBENCH_RUSTC").to_owned(),
        git_commit: env!("SYNCBENCH_GIT_COMMIT").to_owned(),
    }
}

/// Logical CPUs this process may run on.
pub fn logical_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn unknown() -> String {
    "unknown".to_owned()
}

fn first_line(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}
