//! The page's own CSS: inlined, so the report needs no other file.

pub(crate) const STYLE: &str = r#"
:root { --fg: #1e1e1e; --muted: #5a5a5a; --line: #d7d7d7; --band: #f6f7f9; --accent: #1f77b4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.35em; margin: 40px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 1.05em; margin: 24px 0 8px; }
p.sub, .muted { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.first-of-threads td { border-top: 2px solid var(--line); }
td.best { font-weight: 700; }
.range { color: var(--muted); font-size: 0.88em; }
.env th { width: 11em; }
.env td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.95em; word-break: break-all; }
pre { background: var(--band); padding: 8px 10px; overflow-x: auto; font-size: 0.9em; margin: 6px 0 0; }
details summary { cursor: pointer; color: var(--accent); }
figure { margin: 12px 0 24px; }
figure svg { display: block; width: 100%; max-width: 1000px; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 0.88em; color: var(--muted); margin-top: 4px; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 6px; vertical-align: -0.05em; }
.inv-violated { background: #fde2e1; color: #8b1411; font-weight: 600; }
.inv-expected { background: #fff1d6; color: #7a4d00; }
.findings { border-left: 4px solid #d62728; background: #fdf0ef; padding: 8px 14px; margin: 16px 0; }
.findings.expected { border-left-color: #e0a100; background: #fff8e8; }
.findings ul { margin: 4px 0; padding-left: 20px; }
.missing { color: #8b1411; }
table.summary { font-size: 0.85em; }
table.summary td { white-space: nowrap; }
table.summary th, table.summary td { padding: 3px 6px; }
table.summary, table.fairness, table.findings-table { display: block; max-width: 100%; overflow-x: auto; }
h4 { font-size: 1em; margin: 22px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
h3.set { border-top: 1px dashed var(--line); padding-top: 12px; }
td.unfair { color: #8b1411; font-weight: 600; }
td.disturbed, p.disturbed { color: #8a5a00; font-weight: 600; }
p.invariant { font-style: italic; }
p.held { color: #1d6b1d; }
"#;
