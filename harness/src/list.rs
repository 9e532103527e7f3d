//! `syncbench list`: every workload with its invariant, parameters and implementations.

use std::fmt::Write;

use workloads::Registry;

pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    for workload in registry.iter() {
        let _ = writeln!(out, "{} — {}", workload.name(), workload.about());
        let _ = writeln!(out, "  invariant: {}", workload.invariant());
        let _ = writeln!(out, "  parameters (--set KEY=VALUE):");
        for spec in workload.params() {
            let _ = writeln!(
                out,
                "    {:<15} default {:<21} valid {:<36} {}",
                spec.name,
                spec.default,
                spec.kind.short(),
                spec.help
            );
        }
        let _ = writeln!(out, "  implementations (--impls A,B):");
        for info in workload.implementations() {
            let _ = writeln!(out, "    {:<28} {:<13} {}", info.name, info.kind.label(), info.about);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_listed_with_their_ranges() {
        let listed = render(&Registry::standard());
        let capacity = listed.lines().find(|l| l.trim_start().starts_with("capacity")).unwrap();
        assert!(capacity.contains("valid 1..=1048576 (stress ..=65536)"), "{capacity}");
        let read = listed.lines().find(|l| l.trim_start().starts_with("read ")).unwrap();
        assert!(read.contains("0..=100 (sum 100 if mix=custom)"), "{read}");
    }
}
