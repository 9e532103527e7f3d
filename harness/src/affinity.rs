//! Where a run's threads may run: `--cores N` restricts the whole process to N CPUs of the ones
//! it was allowed at start, and `--pin compact|spread` pins each worker thread to one CPU.
//!
//! The orders follow the kernel's topology ([`crate::topology`]): `compact` fills the SMT
//! siblings of a core before the next core (threads share caches and compete for one core's
//! pipelines), `spread` takes one CPU of every core before any second sibling (threads get a
//! core each while there are cores). `--cores N` takes the first N CPUs of the pinning order, or
//! of the spread order when threads are not pinned, so `--cores 2` means two physical cores
//! where there are two.
//!
//! CPU affinity is a Linux system call here (`sched_getaffinity`/`sched_setaffinity`); elsewhere
//! [`SUPPORTED`] is false, nothing is restricted and the run says so in one line.

use std::collections::BTreeMap;

use reports::topology::CpuPlace;

/// Whether this platform lets the process choose its CPUs.
pub const SUPPORTED: bool = cfg!(target_os = "linux");

/// `--pin`: how worker threads are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pin {
    /// Not pinned: the scheduler places the threads (within `--cores`).
    #[default]
    None,
    /// SMT siblings of one core first, then the next core.
    Compact,
    /// One CPU per core first, then the second siblings.
    Spread,
}

impl Pin {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(Self::None),
            "compact" => Some(Self::Compact),
            "spread" => Some(Self::Spread),
            _ => None,
        }
    }

    /// As the `pin` column writes it: empty when not pinned.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Compact => "compact",
            Self::Spread => "spread",
        }
    }
}

/// The CPUs of `allowed` in the order `pin` fills them (spread for [`Pin::None`]). A CPU whose
/// topology is unknown counts as a core of its own in package 0.
pub fn order(places: &[CpuPlace], allowed: &[usize], pin: Pin) -> Vec<usize> {
    let place = |cpu: usize| {
        let known = places.iter().find(|p| p.cpu == cpu);
        let package = known.and_then(|p| p.package).unwrap_or(0);
        let core = known.and_then(|p| p.core_id).unwrap_or(cpu);
        (package, core)
    };
    // Each CPU's rank among its core's siblings: 0 for the lowest-numbered.
    let mut by_core: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for &cpu in allowed {
        by_core.entry(place(cpu)).or_default().push(cpu);
    }
    let mut keyed: Vec<((usize, usize, usize), usize)> = Vec::new();
    for ((package, core), mut cpus) in by_core {
        cpus.sort_unstable();
        for (rank, cpu) in cpus.into_iter().enumerate() {
            let key = match pin {
                Pin::Compact => (package, core, rank),
                Pin::Spread | Pin::None => (rank, package, core),
            };
            keyed.push((key, cpu));
        }
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, cpu)| cpu).collect()
}

/// Where one point's threads run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// `--cores`: 0 when the process is not restricted.
    pub cores: usize,
    /// The CPUs the process is restricted to (empty: not restricted).
    pub cpus: Vec<usize>,
    /// Worker `i` is pinned to `pins[i % pins.len()]` (empty: not pinned).
    pub pins: Vec<usize>,
    pub pin: Pin,
}

impl Placement {
    /// The placement of a point at `cores` (0 = unrestricted) among the `allowed` CPUs.
    pub fn new(places: &[CpuPlace], allowed: &[usize], cores: usize, pin: Pin) -> Self {
        let ordered = order(places, allowed, pin);
        let cpus: Vec<usize> =
            if cores == 0 { Vec::new() } else { ordered.iter().copied().take(cores).collect() };
        let pins = match pin {
            Pin::None => Vec::new(),
            _ if cores == 0 => ordered,
            _ => cpus.clone(),
        };
        Self { cores, cpus, pins, pin }
    }

    /// The `cpu_list` column for a point of `threads` workers: the CPUs they were pinned to, or
    /// the restricted set; empty when neither.
    pub fn cpu_list(&self, threads: usize) -> String {
        if self.pins.is_empty() {
            return crate::cpu_list::format(&self.cpus);
        }
        let used = threads.min(self.pins.len());
        crate::cpu_list::format(&self.pins[..used])
    }
}

/// The CPUs this process may run on (its affinity at the time of the call).
pub fn allowed_cpus() -> Vec<usize> {
    #[cfg(target_os = "linux")]
    if let Ok(cpus) = linux::thread_cpus() {
        return cpus;
    }
    (0..crate::environment::logical_cpus()).collect()
}

#[cfg(target_os = "linux")]
pub use linux::{current_cpu, pin_current_thread, restrict_process, thread_cpus};

/// Without affinity: nothing is restricted or pinned.
#[cfg(not(target_os = "linux"))]
pub fn restrict_process(_cpus: &[usize]) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn pin_current_thread(_cpus: &[usize]) -> std::io::Result<()> {
    Ok(())
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;

    /// A `cpu_set_t` holding `cpus`.
    fn cpu_set(cpus: &[usize]) -> io::Result<libc::cpu_set_t> {
        // SAFETY: cpu_set_t is a plain bit array, for which all zeroes is the empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &cpu in cpus {
            if cpu >= libc::CPU_SETSIZE as usize {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "CPU number too large"));
            }
            // SAFETY: `cpu` is below CPU_SETSIZE, the number of bits of `set`.
            unsafe { libc::CPU_SET(cpu, &mut set) };
        }
        Ok(set)
    }

    /// Sets the affinity of thread `tid` (0: the calling thread).
    fn set_affinity(tid: libc::pid_t, cpus: &[usize]) -> io::Result<()> {
        let set = cpu_set(cpus)?;
        // SAFETY: `set` is a valid cpu_set_t of the size passed, only read by the call.
        let result =
            unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) };
        if result == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// The CPUs the calling thread may run on, as the kernel holds them.
    pub fn thread_cpus() -> io::Result<Vec<usize>> {
        let mut set = cpu_set(&[])?;
        // SAFETY: `set` is a valid, writable cpu_set_t of the size passed.
        let result =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        // CPU_SETSIZE is a small positive constant (1024).
        let size = libc::CPU_SETSIZE as usize;
        // SAFETY: `set` is an initialised cpu_set_t and every index is below CPU_SETSIZE.
        Ok((0..size).filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) }).collect())
    }

    /// Pins the calling thread to `cpus`.
    pub fn pin_current_thread(cpus: &[usize]) -> io::Result<()> {
        set_affinity(0, cpus)
    }

    /// Restricts every thread of the process to `cpus`; threads started later inherit it from
    /// whoever starts them. A thread that exits meanwhile is skipped.
    pub fn restrict_process(cpus: &[usize]) -> io::Result<()> {
        for entry in std::fs::read_dir("/proc/self/task")? {
            let Some(tid) = entry?.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            match set_affinity(tid, cpus) {
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// The CPU the calling thread runs on right now, as the kernel says.
    pub fn current_cpu() -> Option<usize> {
        // SAFETY: sched_getcpu takes no arguments and only returns a number.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::tests::smt_fixture;

    #[test]
    fn compact_fills_siblings_first_and_spread_one_per_core_first() {
        let dir = smt_fixture();
        let places = crate::topology::read(dir.path(), &[0, 1, 2, 3]).cpus;
        let all = [0, 1, 2, 3];
        assert_eq!(order(&places, &all, Pin::Compact), [0, 2, 1, 3]);
        assert_eq!(order(&places, &all, Pin::Spread), [0, 1, 2, 3]);
        // Within a narrower cpuset only its CPUs are used.
        assert_eq!(order(&places, &[1, 2, 3], Pin::Compact), [2, 1, 3]);
        assert_eq!(order(&places, &[1, 2, 3], Pin::Spread), [2, 1, 3], "core 0 first");
    }

    #[test]
    fn cores_take_whole_cores_and_pins_stay_inside_them() {
        let dir = smt_fixture();
        let places = crate::topology::read(dir.path(), &[0, 1, 2, 3]).cpus;
        let all = [0, 1, 2, 3];
        let two = Placement::new(&places, &all, 2, Pin::None);
        assert_eq!((two.cpus.as_slice(), two.pins.len()), (&[0, 1][..], 0));
        assert_eq!(two.cpu_list(8), "0,1");
        let compact = Placement::new(&places, &all, 2, Pin::Compact);
        assert_eq!(compact.cpus, [0, 2], "compact restricts to one core's siblings");
        assert_eq!(compact.cpu_list(1), "0");
        let pinned = Placement::new(&places, &all, 0, Pin::Spread);
        assert!(pinned.cpus.is_empty());
        assert_eq!((pinned.cpu_list(2).as_str(), pinned.cpu_list(9).as_str()), ("0,1", "0-3"));
        assert_eq!(Placement::new(&places, &all, 0, Pin::None).cpu_list(4), "");
    }

    #[test]
    fn unknown_topology_counts_each_cpu_as_a_core() {
        assert_eq!(order(&[], &[3, 1, 2], Pin::Compact), [1, 2, 3]);
        assert_eq!(order(&[], &[3, 1, 2], Pin::Spread), [1, 2, 3]);
    }
}
