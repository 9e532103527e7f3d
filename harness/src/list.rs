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
            let _ =
                writeln!(out, "    {:<12} default {:<6} {}", spec.name, spec.default, spec.help);
        }
        let _ = writeln!(out, "  implementations (--impls A,B):");
        for info in workload.implementations() {
            let _ = writeln!(out, "    {:<28} {:<13} {}", info.name, info.kind.label(), info.about);
        }
        out.push('\n');
    }
    out
}
