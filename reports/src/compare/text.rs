//! The comparison as a plain-text table for a terminal, in the style of benchstat: a block per
//! workload and metric, columns aligned, unchanged points marked "~".

use std::fmt::Write;

use super::table::{blocks, curve_block, header_lines, summary_line, undecided_lines, Block};
use super::Comparison;

pub fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    for line in header_lines(comparison) {
        let _ = writeln!(out, "{line}");
    }
    for block in blocks(comparison).into_iter().chain(curve_block(comparison)) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", block.title);
        write_block(&mut out, &block);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", summary_line(comparison));
    for line in undecided_lines(comparison) {
        let _ = writeln!(out, "{line}");
    }
    out
}

fn write_block(out: &mut String, block: &Block) {
    let header: Vec<String> = block.columns.iter().map(|c| c.name.clone()).collect();
    let lines: Vec<&Vec<String>> = std::iter::once(&header).chain(&block.rows).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| lines.iter().map(|line| line[c].chars().count()).max().unwrap_or(0))
        .collect();
    for line in lines {
        let mut text = String::new();
        for ((cell, column), width) in line.iter().zip(&block.columns).zip(&widths) {
            let _ = if column.numeric {
                write!(text, "{cell:>width$}  ")
            } else {
                write!(text, "{cell:<width$}  ")
            };
        }
        let _ = writeln!(out, "{}", text.trim_end());
    }
}
