//! One chart on the page: its SVG inlined, links to its files.

use std::fmt::Write as _;
use std::path::Path;

use super::escape;
use crate::charts::Chart;

/// The chart's SVG inlined (its XML prolog and doctype stripped), with links to both files.
pub(super) fn write_chart(page: &mut String, chart: &Chart, root: &Path) {
    let href = |path: &Path| {
        escape(
            &path
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        )
    };
    page.push_str("<figure>\n");
    match std::fs::read_to_string(root.join(&chart.svg)) {
        Ok(svg) => match svg.find("<svg") {
            Some(start) => {
                page.push_str(svg[start..].trim_end());
                page.push('\n');
            }
            None => {
                let _ = writeln!(
                    page,
                    "<p class=\"missing\">{} holds no SVG drawing.</p>",
                    escape(&chart.svg.display().to_string())
                );
            }
        },
        Err(e) => {
            let _ = writeln!(
                page,
                "<p class=\"missing\">Chart not available: cannot read {}: {}</p>",
                escape(&chart.svg.display().to_string()),
                escape(&e.to_string())
            );
        }
    }
    let _ = writeln!(
        page,
        "<figcaption>{} — <a href=\"{}\">SVG</a> · <a href=\"{}\">PNG</a></figcaption>\n</figure>",
        escape(&chart.title),
        href(&chart.svg),
        href(&chart.png)
    );
}
