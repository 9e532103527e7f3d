//! The environment guard: while each repeat runs, how much CPU time other processes took, how
//! much the hypervisor stole, and how often the run's own threads were switched out against
//! their will; and the rule that calls a repeat *disturbed*.
//!
//! Read from the kernel around each measurement: `/proc/stat` (per-CPU tick counters of the CPUs
//! the process was allowed at start), `/proc/self/stat` (the process's own user + system time)
//! and `getrusage(RUSAGE_SELF)` (involuntary context switches of all its threads). Other
//! processes' time is the allowed CPUs' busy time less the process's own. All three are in
//! clock ticks (`USER_HZ`, usually 100 per second), so a 100 ms repeat sees about 10 ticks per
//! CPU: the rule asks for a few ticks before it believes a share.

/// The figures of one repeat.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Reading {
    /// Other processes' CPU time over the elapsed time, in CPUs (0.6 = 60 % of one CPU).
    pub other_cpu_share: f64,
    /// Stolen time over the allowed CPUs' time (0.05 = 5 %).
    pub steal_share: f64,
    /// Other processes' busy ticks, and stolen ticks, behind the shares.
    pub other_ticks: u64,
    pub steal_ticks: u64,
    /// Involuntary context switches of the process's threads; `None` where getrusage is absent.
    pub involuntary_switches: Option<u64>,
}

/// When a repeat counts as measured on a disturbed machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisturbanceRule {
    /// Other processes took at least this many CPUs on average.
    pub other_cpu: f64,
    /// The hypervisor stole at least this share of the allowed CPUs' time.
    pub steal: f64,
    /// A share counts only when it rests on at least this many ticks.
    pub min_ticks: u64,
}

impl DisturbanceRule {
    /// A fifth of a CPU taken by others moves contended figures by more than the 5 % a
    /// comparison tries to see on a 2-CPU machine (one of two CPUs busy 20 % of the time is a
    /// tenth of the capacity); 5 % steal is the same order of loss on every CPU at once. The
    /// tick accounting of the kernel and of the process disagree by a tick or two per repeat,
    /// hence the floor of 3 ticks (30 ms at `USER_HZ` 100) before a share is believed.
    pub const STANDARD: Self = Self { other_cpu: 0.20, steal: 0.05, min_ticks: 3 };

    /// Why `reading` is disturbed (`other processes 60% of a CPU; steal 7%`), or `None` when the
    /// machine was quiet.
    pub fn judge(&self, reading: &Reading) -> Option<String> {
        let mut reasons = Vec::new();
        if reading.other_ticks >= self.min_ticks && reading.other_cpu_share >= self.other_cpu {
            reasons
                .push(format!("other processes {:.0}% of a CPU", 100.0 * reading.other_cpu_share));
        }
        if reading.steal_ticks >= self.min_ticks && reading.steal_share >= self.steal {
            reasons.push(format!("steal {:.0}%", 100.0 * reading.steal_share));
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// The rule in words, for `meta.json`.
    pub fn describe(&self) -> String {
        format!(
            "disturbed when other processes took >= {:.0}% of a CPU on average or steal was >= \
             {:.0}% of the allowed CPUs' time, each over at least {} clock ticks",
            100.0 * self.other_cpu,
            100.0 * self.steal,
            self.min_ticks
        )
    }
}

/// The tick counters of some CPUs, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTicks {
    /// user + nice + system + irq + softirq.
    pub busy: u64,
    pub steal: u64,
    /// Every state but guest time (already inside user): the CPUs' elapsed time.
    pub total: u64,
}

/// The `cpuN` lines of `/proc/stat` for `cpus`, summed; `None` when a line is missing or
/// malformed.
pub fn parse_proc_stat(text: &str, cpus: &[usize]) -> Option<CpuTicks> {
    let mut sum = CpuTicks::default();
    for &cpu in cpus {
        let name = format!("cpu{cpu}");
        let line = text.lines().find(|l| l.split_whitespace().next() == Some(name.as_str()))?;
        let fields: Vec<u64> =
            line.split_whitespace().skip(1).map(str::parse).collect::<Result<_, _>>().ok()?;
        // user nice system idle iowait irq softirq steal [guest guest_nice]
        let [user, nice, system, idle, iowait, irq, softirq, steal, ..] = fields[..] else {
            return None;
        };
        sum.busy += user + nice + system + irq + softirq;
        sum.steal += steal;
        sum.total += user + nice + system + idle + iowait + irq + softirq + steal;
    }
    Some(sum)
}

/// utime + stime + cutime + cstime of `/proc/self/stat`, in ticks: the process's own time and
/// that of the children it has waited for (the `spawn` workload's processes are the run's own
/// work, not a disturbance). The command name (field 2) may hold spaces and parentheses, so
/// fields are counted after its closing parenthesis.
pub fn parse_self_stat(text: &str) -> Option<u64> {
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let mut sum = 0;
    for index in 11..=14 {
        sum += fields.get(index)?.parse::<u64>().ok()?;
    }
    Some(sum)
}

/// What the kernel said at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub cpus: CpuTicks,
    /// The process's own user + system ticks.
    pub own: u64,
    pub involuntary: Option<u64>,
    /// How many CPUs `cpus` sums.
    pub cpu_count: usize,
}

impl Sample {
    /// The figures between `before` and `self`.
    pub fn since(&self, before: &Sample) -> Reading {
        let busy = self.cpus.busy.saturating_sub(before.cpus.busy);
        let steal_ticks = self.cpus.steal.saturating_sub(before.cpus.steal);
        let total = self.cpus.total.saturating_sub(before.cpus.total);
        let own = self.own.saturating_sub(before.own);
        let other_ticks = busy.saturating_sub(own);
        // Elapsed ticks of one CPU: the allowed CPUs' total over their number.
        let per_cpu = total as f64 / self.cpu_count.max(1) as f64;
        let share = |ticks: u64, of: f64| if of > 0.0 { ticks as f64 / of } else { 0.0 };
        Reading {
            other_cpu_share: share(other_ticks, per_cpu),
            steal_share: share(steal_ticks, total as f64),
            other_ticks,
            steal_ticks,
            involuntary_switches: match (before.involuntary, self.involuntary) {
                (Some(b), Some(a)) => Some(a.saturating_sub(b)),
                _ => None,
            },
        }
    }
}

/// Takes samples of the CPUs the process was allowed at start.
#[derive(Debug, Clone)]
pub struct Guard {
    cpus: Vec<usize>,
}

impl Guard {
    pub fn new(allowed: &[usize]) -> Self {
        Self { cpus: allowed.to_vec() }
    }

    /// Now, as the kernel counts it; `None` where `/proc` does not say (not Linux, a sandbox).
    pub fn sample(&self) -> Option<Sample> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpus = parse_proc_stat(&stat, &self.cpus)?;
        let own = parse_self_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
        Some(Sample { cpus, own, involuntary: involuntary_switches(), cpu_count: self.cpus.len() })
    }
}

/// Involuntary context switches of every thread of the process so far.
fn involuntary_switches() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: rusage is plain data; all zeroes is a valid value for getrusage to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, writable rusage.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
            return u64::try_from(usage.ru_nivcsw).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT_BEFORE: &str = "cpu  900 0 300 5000 10 0 5 40 0 0\n\
        cpu0 400 0 100 2500 5 0 2 20 0 0\n\
        cpu1 500 0 200 2500 5 0 3 20 0 0\n\
        intr 12345\n";

    #[test]
    fn proc_stat_sums_the_allowed_cpus_only() {
        let both = parse_proc_stat(STAT_BEFORE, &[0, 1]).unwrap();
        assert_eq!(both, CpuTicks { busy: 1205, steal: 40, total: 6255 });
        let one = parse_proc_stat(STAT_BEFORE, &[1]).unwrap();
        assert_eq!((one.busy, one.steal), (703, 20));
        assert_eq!(parse_proc_stat(STAT_BEFORE, &[2]), None, "a CPU without a line");
        assert_eq!(parse_proc_stat("cpu0 1 2 x\n", &[0]), None);
    }

    #[test]
    fn self_stat_survives_a_name_with_spaces_and_parentheses() {
        let line = "4242 (sync bench) (x)) R 1 4242 4242 0 -1 4194304 100 0 0 0 37 5 7 1 20 0 3 0";
        assert_eq!(parse_self_stat(line), Some(50), "utime 37 + stime 5 + children 7 + 1");
        assert_eq!(parse_self_stat("garbage"), None);
    }

    fn sample(busy: u64, steal: u64, total: u64, own: u64) -> Sample {
        Sample { cpus: CpuTicks { busy, steal, total }, own, involuntary: Some(own), cpu_count: 2 }
    }

    #[test]
    fn other_processes_are_the_busy_time_the_process_did_not_take() {
        // 1 s on 2 CPUs (200 ticks): busy 130 of which the process took 70.
        let reading = sample(130, 0, 200, 70).since(&sample(0, 0, 0, 0));
        assert_eq!(reading.other_ticks, 60);
        assert!((reading.other_cpu_share - 0.6).abs() < 1e-9, "{reading:?}");
        assert_eq!(reading.involuntary_switches, Some(70));
        let quiet = sample(70, 0, 200, 72).since(&sample(0, 0, 0, 0));
        assert_eq!((quiet.other_ticks, quiet.other_cpu_share), (0, 0.0), "no negative share");
    }

    /// Steal alone (10 %), others quiet; and others alone (60 % of a CPU), no steal.
    fn cases() -> [(Reading, Option<&'static str>); 4] {
        let steal = sample(100, 20, 200, 100).since(&sample(0, 0, 0, 0));
        let others = sample(130, 0, 200, 70).since(&sample(0, 0, 0, 0));
        let quiet = sample(100, 1, 200, 99).since(&sample(0, 0, 0, 0));
        // 2 ticks of others over a 10-tick repeat: 40 %, but within the accounting's jitter.
        let short = sample(12, 0, 10, 10).since(&sample(0, 0, 0, 0));
        [
            (steal, Some("steal 10%")),
            (others, Some("other processes 60% of a CPU")),
            (quiet, None),
            (short, None),
        ]
    }

    fn check(rule: &DisturbanceRule) -> Result<(), String> {
        for (reading, expected) in cases() {
            let verdict = rule.judge(&reading);
            if verdict.as_deref() != expected {
                return Err(format!("{reading:?}: {verdict:?}, expected {expected:?}"));
            }
        }
        Ok(())
    }

    #[test]
    fn the_rule_flags_steal_and_other_processes_and_not_a_quiet_or_too_short_repeat() {
        check(&DisturbanceRule::STANDARD).unwrap();
    }

    #[test]
    fn broken_twins_of_the_rule_fail_the_same_cases() {
        let standard = DisturbanceRule::STANDARD;
        let ignores_steal = DisturbanceRule { steal: f64::INFINITY, ..standard };
        let ignores_others = DisturbanceRule { other_cpu: f64::INFINITY, ..standard };
        let believes_any_tick = DisturbanceRule { min_ticks: 0, ..standard };
        for twin in [ignores_steal, ignores_others, believes_any_tick] {
            assert!(check(&twin).is_err(), "{twin:?} passed");
        }
    }

    #[test]
    fn this_machine_can_be_sampled() {
        let guard = Guard::new(&crate::affinity::allowed_cpus());
        if cfg!(target_os = "linux") {
            let (a, b) = (guard.sample().unwrap(), guard.sample().unwrap());
            let reading = b.since(&a);
            assert!(reading.other_cpu_share >= 0.0 && reading.steal_share >= 0.0);
        } else {
            assert!(guard.sample().is_none());
        }
    }
}
