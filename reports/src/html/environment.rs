//! The environment block: one column per run (`meta.json`).

use std::fmt::Write as _;

use super::escape;
use crate::meta::RunMeta;
use crate::record::SummaryRow;

/// The environment of every run, one column per run, and under it what the environment guard
/// saw during the repeats of `summary`.
pub(super) fn write_environment(page: &mut String, metas: &[RunMeta], summary: &[SummaryRow]) {
    page.push_str("<section id=\"environment\">\n<h2>Environment</h2>\n");
    if let Some(line) = crate::disturbance::summary_line(summary) {
        let class =
            if summary.iter().any(SummaryRow::is_disturbed) { "disturbed" } else { "muted" };
        let _ = writeln!(
            page,
            "<p class=\"{class}\" id=\"environment-guard\">Environment guard: {}.</p>",
            escape(&line)
        );
    }
    if metas.is_empty() {
        page.push_str("<p class=\"muted\">No meta.json was given.</p>\n</section>\n");
        return;
    }
    page.push_str("<table class=\"env\">\n");
    type Field = fn(&RunMeta) -> String;
    let fields: [(&str, Field); 14] = [
        ("run id", |m| m.run_id.clone()),
        ("started", |m| m.started.clone()),
        ("finished", |m| {
            m.finished.clone().unwrap_or_else(|| "— (unfinished or killed)".to_owned())
        }),
        ("host", |m| m.env.host.clone()),
        ("CPU model", |m| m.env.cpu_model.clone()),
        ("logical CPUs", |m| m.env.logical_cpus.to_string()),
        ("topology", |m| {
            m.topology.as_ref().map_or_else(|| "— (not recorded)".to_owned(), |t| t.summary())
        }),
        ("OS / arch", |m| format!("{} / {}", m.env.os, m.env.arch)),
        ("kernel", |m| m.env.kernel.clone()),
        ("rustc", |m| m.env.rustc.clone()),
        ("git commit", |m| m.env.git_commit.clone()),
        ("syncbench", |m| m.syncbench_version.clone()),
        ("command", |m| m.command.iter().map(|a| shell_word(a)).collect::<Vec<_>>().join(" ")),
        ("latency timing", latency_summary),
    ];
    for (name, field) in &fields {
        let _ = write!(page, "<tr><th>{}</th>", escape(name));
        for meta in metas {
            let _ = write!(page, "<td>{}</td>", escape(&field(meta)));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("<tr><th>configuration</th>");
    for meta in metas {
        let json = serde_json::to_string_pretty(&meta.config)
            .unwrap_or_else(|e| format!("(cannot show: {e})"));
        let _ = write!(
            page,
            "<td><details><summary>config JSON</summary><pre>{}</pre></details></td>",
            escape(&json)
        );
    }
    page.push_str("</tr>\n</table>\n</section>\n");
}

/// The run's latency method and clock in one line, from `config.latency` (absent in older runs).
fn latency_summary(meta: &RunMeta) -> String {
    let latency = &meta.config["latency"];
    let Some(method) = latency["method"].as_str() else {
        return "— (not recorded)".to_owned();
    };
    let clock = &latency["clock"];
    let number =
        |value: &serde_json::Value| value.as_f64().map_or("?".to_owned(), |v| format!("{v:.0}"));
    let budget = latency["sampling"]["budget"]
        .as_f64()
        .map_or("?".to_owned(), |b| format!("{:.0} %", b * 100.0));
    format!(
        "{method}; clock {} (step {} ns, overhead {} ns subtracted); sampling budget {budget} of each thread's time",
        clock["source"].as_str().unwrap_or("?"),
        number(&clock["resolution_ns"]),
        number(&clock["overhead_ns"]),
    )
}

/// An argument as a shell would need it typed: quoted if it holds anything unusual.
pub(super) fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}
