//! The comparison as GitHub-flavoured markdown, for a pull-request comment: the same blocks as
//! the text output, as tables; regressions in bold.

use std::fmt::Write;

use super::table::{blocks, curve_block, header_lines, summary_line, undecided_lines};
use super::Comparison;

pub fn render(comparison: &Comparison) -> String {
    let mut out = String::from("### syncbench compare\n\n");
    for line in header_lines(comparison) {
        let _ = writeln!(out, "{}  ", escape(&line));
    }
    for block in blocks(comparison).into_iter().chain(curve_block(comparison)) {
        let _ = writeln!(out, "\n#### {}\n", escape(&block.title));
        let names: Vec<String> = block.columns.iter().map(|c| escape(&c.name)).collect();
        let _ = writeln!(out, "| {} |", names.join(" | "));
        let aligns: Vec<&str> =
            block.columns.iter().map(|c| if c.numeric { "--:" } else { "---" }).collect();
        let _ = writeln!(out, "|{}|", aligns.join("|"));
        for row in &block.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| match cell.as_str() {
                    "slower" => "**slower**".to_owned(),
                    other => escape(other),
                })
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(out, "\n**{}**", escape(&summary_line(comparison)));
    for line in undecided_lines(comparison) {
        let _ = writeln!(out, "\n{}", escape(&line));
    }
    out
}

/// Keeps table cells intact and stops `~` and `*` from being read as markup.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '|' | '~' | '*' | '_' | '`' | '<') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}
