use super::environment::shell_word;
use super::format::{mops, nanos};
use super::*;

use crate::charts::render_all;
use crate::charts::tests::{sample, summary_row};

/// A run's meta data on `host`, for tests of anything that reads a results folder.
pub(crate) fn meta(host: &str) -> RunMeta {
    RunMeta {
        run_id: "run-1".into(),
        started: "2025-01-01T00:00:00Z".into(),
        finished: None,
        env: crate::Environment {
            host: host.into(),
            cpu_model: "Test CPU".into(),
            logical_cpus: 2,
            os: "linux".into(),
            arch: "x86_64".into(),
            kernel: "6.1".into(),
            rustc: "rustc 1.80.0".into(),
            git_commit: "abc123".into(),
        },
        syncbench_version: "0.1.0".into(),
        command: vec!["syncbench".into(), "run".into(), "--set".into(), "label=a b".into()],
        config: serde_json::json!({"threads": [1, 2, 4], "note": "<b>&"}),
        topology: None,
    }
}

/// The text of the `<section>` of `workload` in `page`.
fn section<'a>(page: &'a str, workload: &str) -> &'a str {
    let start = page.find(&format!("<section id=\"workload-{workload}\">")).expect("a section");
    let end = page[start..].find("</section>").expect("a closed section");
    &page[start..start + end]
}

#[test]
fn every_section_of_the_issue_is_on_the_page_and_every_link_resolves() {
    let (summary, histograms) = sample();
    let root = tempfile::tempdir().unwrap();
    let charts = render_all(&summary, &histograms, &root.path().join("charts")).unwrap();
    let mut meta = meta("testhost");
    meta.config = serde_json::json!({"workloads": [
        {"name": "counter", "invariant": "final count = increments made"}
    ]});
    let out = root.path().join("report.html");
    write_report(&[meta], &summary, &histograms, &charts, root.path(), &out).unwrap();
    let page = std::fs::read_to_string(&out).unwrap();

    let counter = section(&page, "counter");
    let headings = [
        "<h4>Throughput vs threads</h4>",
        "<h4>Latency histograms</h4>",
        "<h4>Percentile distribution</h4>",
        "<h4>Fairness</h4>",
        "<h4>Invariant and hazard findings</h4>",
        "<h4>Numbers</h4>",
    ];
    let mut at = 0;
    for heading in headings {
        let found = counter[at..].find(heading).unwrap_or_else(|| panic!("{heading} in order"));
        at += found + heading.len();
    }
    assert_eq!(
        counter.matches("<figure>").count(),
        1 + 3 + 3,
        "scaling, 3 histograms, 3 percentiles"
    );
    assert!(counter.contains("Invariant: final count = increments made"));
    // The racy demonstration broke it at 2 and 4 threads, in both repeats: four expected rows,
    // told apart from findings.
    assert_eq!(counter.matches(">expected (demonstration)</td>").count(), 4);
    assert!(counter.contains("0 unexpected violations (findings), 4 expected"));
    assert!(!counter.contains(">FINDING</td>"));
    // Fairness: a column per thread count above one, a row per implementation.
    assert!(
        counter.contains("2 threads<br>(fair share 50%)") && counter.contains("(fair share 25%)")
    );
    assert!(counter.contains("0.980<br><span class=\"range\">45% – 55%</span>"));
    // The ideal line is in the scaling chart.
    assert!(counter.contains("ideal linear"));
    // Every link points at a file that exists; every chart is inlined.
    for link in page.split("href=\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]) {
        if link.starts_with('#') {
            continue;
        }
        assert!(!link.contains("://"), "no network reference: {link}");
        assert!(root.path().join(link).is_file(), "{link} does not exist");
    }
    assert_eq!(page.matches("<svg").count(), charts.len());
}

#[test]
fn an_unexpected_violation_is_a_finding_in_its_section() {
    let mut broken = summary_row("counter", "spin-lock", "hand-rolled", 2, 1);
    broken.invariant = crate::Invariant::parse("violated: lost 3 of 10 updates").unwrap();
    let ok = summary_row("counter", "spin-lock", "hand-rolled", 2, 2);
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("report.html");
    write_report(&[meta("h")], &[broken, ok], &[], &[], root.path(), &out).unwrap();
    let page = std::fs::read_to_string(&out).unwrap();
    let counter = section(&page, "counter");
    assert!(counter.contains("1 unexpected violation (findings), 0 expected"));
    assert!(counter.contains(">FINDING</td><td>spin-lock</td>"));
    assert!(counter.contains("violated: lost 3 of 10 updates"));
}

#[test]
fn report_has_a_section_per_workload_and_inlines_every_chart() {
    let (mut summary, histograms) = sample();
    summary.push(summary_row("second", "spin-lock", "hand-rolled", 1, 1));
    let root = tempfile::tempdir().unwrap();
    let charts = render_all(&summary, &histograms, &root.path().join("charts")).unwrap();
    let out = root.path().join("report.html");
    write_report(&[meta("testhost")], &summary, &histograms, &charts, root.path(), &out).unwrap();
    let page = std::fs::read_to_string(&out).unwrap();

    assert!(page.starts_with("<!doctype html>"));
    for workload in ["counter", "second"] {
        assert!(page.contains(&format!("<section id=\"workload-{workload}\">")), "{workload}");
    }
    assert_eq!(page.matches("<svg").count(), charts.len());
    for chart in &charts {
        let svg = std::fs::read_to_string(root.path().join(&chart.svg)).unwrap();
        let body = &svg[svg.find("<svg").unwrap()..];
        assert!(page.contains(body.trim_end()), "{} is not inlined", chart.svg.display());
        assert!(page.contains(&format!("href=\"{}\"", chart.png.display())));
    }
    assert!(!page.contains("<?xml"));
    // Self-contained: nothing is fetched.
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("src=\"http"));
    // Aggregated table: one row per (threads, implementation) with the repeats counted, the
    // demonstration's expected violation highlighted amber.
    let rows = page.matches("<tr><td class=\"num\">").count()
        + page.matches("<tr class=\"first-of-threads\"><td class=\"num\">").count();
    assert_eq!(rows, 3 * 3 + 1);
    assert!(page.contains("<td class=\"num\">2</td><td>"), "repeats per point");
    assert!(page.contains(
        "class=\"inv-expected\" title=\"expected-violation: lost 12 updates\">expected-violation"
    ));
    assert!(page.contains("batch-mean(64)"));
    // The racy demonstration is fastest in the sample, but the best is the fastest real one.
    assert!(page.contains("<td class=\"num best\">43.0</td><td class=\"num range\">42.0 – 44.0"));
    assert_eq!(
        page.matches("num best").count(),
        3,
        "one per thread count; none in a one-row table"
    );
    assert!(page.contains("Expected violations"));
    assert!(!page.contains("Invariant violations"));
}

#[test]
fn text_is_escaped_and_violations_are_highlighted() {
    let mut row = summary_row("w<1>", "impl&\"x\"", "hand-rolled", 2, 1);
    row.invariant = crate::Invariant::parse("violated: total <5> != 6").unwrap();
    let mut ok = row.clone();
    ok.repeat = 2;
    ok.invariant = crate::Invariant::parse("ok").unwrap();
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("report.html");
    let missing = Chart {
        workload: "w<1>".into(),
        params: String::new(),
        title: "t<i>".into(),
        kind: ChartKind::Scaling,
        svg: "charts/none.svg".into(),
        png: "charts/none.png".into(),
    };
    write_report(
        &[meta("<script>alert(1)</script>")],
        &[row, ok],
        &[],
        &[missing],
        root.path(),
        &out,
    )
    .unwrap();
    let page = std::fs::read_to_string(&out).unwrap();

    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("id=\"workload-w&lt;1&gt;\""));
    assert!(page.contains("impl&amp;&quot;x&quot;"));
    assert!(page.contains("&quot;&lt;b&gt;&amp;&quot;"), "config JSON is escaped");
    assert!(page.contains("!= 6\">violated (1 of 2 repeats)</td>"));
    assert!(page.contains("class=\"inv-violated\" title=\"violated: total &lt;5&gt; != 6\">"));
    assert!(page.contains("Invariant violations"));
    assert!(page.contains("Chart not available"));
    assert!(page.contains("t&lt;i&gt;"));
    assert!(page.contains("syncbench run --set &#39;label=a b&#39;"));
    assert_eq!(escape("a<b>&\"c\"'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;");
}

#[test]
fn numbers_are_formatted_for_reading() {
    assert_eq!(mops(12_345_678.0), "12.3");
    assert_eq!(mops(123_456_789.0), "123");
    assert_eq!(mops(1_234.0), "0.00123");
    assert_eq!(nanos(25.25), "25.2");
    assert_eq!(nanos(1234.4), "1234");
    assert_eq!(shell_word("--threads"), "--threads");
    assert_eq!(shell_word("it's"), r"'it'\''s'");
}

#[test]
fn the_environment_says_how_latencies_were_timed() {
    let mut timed = meta("h");
    timed.config = serde_json::json!({"latency": {
        "method": "sampled",
        "clock": {"source": "tsc", "resolution_ns": 10.0, "overhead_ns": 31.2},
        "sampling": {"budget": 0.01},
    }});
    let mut page = String::new();
    super::environment::write_environment(&mut page, &[timed, meta("older")], &[]);
    assert!(page.contains(
        "sampled; clock tsc (step 10 ns, overhead 31 ns subtracted); sampling budget 1 % of each thread&#39;s time"
    ) || page.contains(
        "sampled; clock tsc (step 10 ns, overhead 31 ns subtracted); sampling budget 1 % of each thread's time"
    ), "{page}");
    assert!(page.contains("— (not recorded)"), "a run without the record says so");
}

#[test]
fn disturbed_repeats_are_flagged_in_the_environment_and_the_numbers() {
    let (mut summary, histograms) = crate::charts::tests::sample();
    for row in &mut summary {
        row.other_cpu_share = Some(0.05);
        row.steal_share = Some(0.0);
    }
    let quiet = render_page(&[meta("testhost")], &summary, &histograms, &[], Path::new("."));
    assert!(quiet.contains("Environment guard: the machine was quiet for all 18 watched repeats"));
    assert!(!quiet.contains("<th>machine</th>"), "no column while nothing was disturbed");

    for row in summary.iter_mut().filter(|r| r.threads == 4).take(4) {
        row.other_cpu_share = Some(0.6);
        row.disturbed = "other processes 60% of a CPU".into();
    }
    let page = render_page(&[meta("testhost")], &summary, &histograms, &[], Path::new("."));
    assert!(
        page.contains(
            "4 of 18 repeats ran on a disturbed machine (other processes took up to 60% of a CPU)"
        ),
        "{page}"
    );
    assert!(page.contains("<th>machine</th>"));
    assert!(
        page.contains("disturbed (1 of 2 repeats)") || page.contains("disturbed (2 of 2 repeats)")
    );
    assert!(page.contains("title=\"other processes 60% of a CPU"));
}

#[test]
fn the_environment_shows_the_topology() {
    let mut recorded = meta("h");
    recorded.topology = Some(crate::topology::Topology {
        cpus_allowed: "0-1".into(),
        cpus_allowed_count: 2,
        cores: Some(2),
        smt_siblings: vec!["0".into(), "1".into()],
        clocksource: Some("tsc".into()),
        ..Default::default()
    });
    let mut page = String::new();
    super::environment::write_environment(&mut page, &[recorded, meta("older")], &[]);
    assert!(page.contains("CPUs 0-1 (2 cores, no SMT); clock tsc; governor —"), "{page}");
}

/// The page opens with the key results, before the environment: the fastest ranked
/// implementation at each thread count, the others as ratios, the demonstration not ranked.
#[test]
fn the_page_opens_with_who_wins_where() {
    let (summary, _) = sample();
    let page = render_page(&[meta("testhost")], &summary, &[], &[], Path::new("."));
    let key = page.find("<section id=\"key-results\">").expect("a key results section");
    let environment = page.find("id=\"environment\"").expect("an environment section");
    assert!(key < environment, "key results come first");
    let end = page[key..].find("</section>").unwrap();
    let section = &page[key..key + end];
    // The sample's spin-lock (40e6 / sqrt(threads)) beats parking-lot (30e6 / sqrt(threads)).
    assert!(section.contains("<b>spin-lock</b>"), "{section}");
    assert!(section.contains("parking-lot 0.75×"), "{section}");
    assert!(!section.contains("<b>racy-counter</b>"), "a demonstration is not ranked: {section}");
    assert!(section.contains("not ranked (broken): racy-counter"), "{section}");
}
