use super::canvas::*;
use super::latency::*;
use super::percentiles::*;
use super::style::*;
use super::throughput_axis::*;
use super::*;

pub(crate) fn summary_row(
    workload: &str,
    implementation: &str,
    kind: &str,
    threads: usize,
    repeat: usize,
) -> SummaryRow {
    let base = match implementation {
        "spin-lock" => 40e6,
        "parking-lot" => 30e6,
        _ => 80e6,
    };
    let throughput = base / (threads as f64).sqrt() * (1.0 + 0.05 * repeat as f64);
    SummaryRow {
        run_id: "run-1".into(),
        timestamp: "2025-01-01T00:00:00Z".into(),
        host: "testhost".into(),
        cpu_model: "Test CPU @ 3 GHz".into(),
        logical_cpus: 2,
        rustc: "rustc 1.80.0".into(),
        git_commit: "abc123".into(),
        workload: workload.into(),
        implementation: implementation.into(),
        impl_kind: kind.into(),
        params: "busy_work=0;ops=1000".into(),
        threads,
        repeat,
        duration_s: 1.0,
        ops: throughput as u64,
        throughput_ops_s: throughput,
        mean_ns: 30.0 * threads as f64,
        p50_ns: 25.0 * threads as f64,
        p90_ns: 40.0 * threads as f64,
        p99_ns: 90.0 * threads as f64,
        p999_ns: 300.0 * threads as f64,
        max_ns: 9000.0,
        fairness: 0.98,
        min_share: 0.45,
        max_share: 0.55,
        timing: if threads == 1 {
            "batch-mean(64)".into()
        } else {
            "sampled(1/600, clock tsc, overhead 30 ns)".into()
        },
        extras: String::new(),
        invariant: if kind == "demonstration" && threads > 1 {
            crate::Invariant::parse("expected-violation: lost 12 updates").unwrap()
        } else {
            crate::Invariant::parse("ok").unwrap()
        },
        latency_samples: 0,
        stall_bounds: 0,
        ..SummaryRow::default()
    }
}

pub(crate) const IMPLS: [(&str, &str); 3] =
    [("spin-lock", "hand-rolled"), ("parking-lot", "library"), ("racy-counter", "demonstration")];

pub(crate) fn sample() -> (Vec<SummaryRow>, Vec<HistogramRow>) {
    let mut summary = Vec::new();
    let mut histograms = Vec::new();
    for threads in [1, 2, 4] {
        for repeat in 1..=2 {
            for (implementation, kind) in IMPLS {
                summary.push(summary_row("counter", implementation, kind, threads, repeat));
            }
        }
        for (i, (implementation, _)) in IMPLS.iter().enumerate() {
            // Log-spaced buckets around a peak that moves with the implementation and threads.
            let mut low = 1u64;
            let peak = 12.0 * (i + 1) as f64 * threads as f64;
            while low < 200_000 {
                let high = ((low as f64) * 1.189_207_115).ceil().max(low as f64 + 1.0) as u64;
                let distance = ((low as f64).ln() - peak.ln()).abs();
                let count = (10_000.0 * (-distance * distance * 2.0).exp()) as u64;
                if count > 0 {
                    histograms.push(HistogramRow {
                        host: "testhost".into(),
                        workload: "counter".into(),
                        params: "busy_work=0;ops=1000".into(),
                        implementation: (*implementation).into(),
                        threads,
                        metric: OP_METRIC.into(),
                        low_ns: low,
                        high_ns: high,
                        count,
                        cores: 0,
                    });
                }
                low = high;
            }
        }
    }
    (summary, histograms)
}

fn svg_body(text: &str) -> &str {
    let start = text.find("<svg").expect("an <svg element");
    assert!(text[..start].trim().is_empty() || text[..start].trim_start().starts_with("<?xml"));
    &text[start..]
}

#[test]
fn render_all_writes_every_chart_as_svg_and_png() {
    let (summary, histograms) = sample();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("charts");
    let charts = render_all(&summary, &histograms, &dir).unwrap();

    let files: Vec<String> = charts.iter().map(|c| c.svg.display().to_string()).collect();
    assert_eq!(
        files,
        [
            "charts/counter-throughput.svg",
            "charts/counter-latency-t1.svg",
            "charts/counter-latency-t2.svg",
            "charts/counter-latency-t4.svg",
            "charts/counter-percentiles-t1.svg",
            "charts/counter-percentiles-t2.svg",
            "charts/counter-percentiles-t4.svg"
        ]
    );
    for chart in &charts {
        assert_eq!(chart.workload, "counter");
        assert_eq!(chart.png, chart.svg.with_extension("png"));
        let svg = std::fs::read_to_string(root.path().join(&chart.svg)).unwrap();
        assert!(svg_body(&svg).trim_end().ends_with("</svg>"), "{}", chart.svg.display());
        let png = std::fs::read(root.path().join(&chart.png)).unwrap();
        assert!(png.len() > 1000, "{}", chart.png.display());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
    // Titles and legends are in the SVG text; no temporary file is left.
    let throughput = std::fs::read_to_string(dir.join("counter-throughput.svg")).unwrap();
    assert!(throughput
        .contains("counter: throughput vs threads (median of 2 repeats, bars = min..max)"));
    for (implementation, _) in IMPLS {
        assert!(throughput.contains(implementation), "{implementation}");
    }
    assert!(throughput.contains("2 cores"));
    assert!(throughput.contains("M ops/s"));
    let latency1 = std::fs::read_to_string(dir.join("counter-latency-t1.svg")).unwrap();
    assert!(latency1.contains("counter, 1 thread: latency per operation (log scale)"));
    assert!(
        latency1.contains("batch means: each sample is a batch&apos;s time / its size")
            || latency1.contains("batch means: each sample is a batch's time / its size")
    );
    let latency2 = std::fs::read_to_string(dir.join("counter-latency-t2.svg")).unwrap();
    assert!(!latency2.contains("batch means"));
    assert!(latency2.contains("sampled single operations, timed alone at random"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.') || name.contains(".part") || name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn colours_follow_the_workloads_implementation_order_and_hosts_shade_them() {
    let (summary, histograms) = sample();
    let styles = SeriesStyles::new(&summary, &histograms);
    let colour = |name: &str| styles.style(&styles.key(name, "testhost", 0)).colour;
    // The order the run ran them in: spin-lock, parking-lot, racy-counter.
    assert_eq!(colour("spin-lock"), PALETTE[0]);
    assert_eq!(colour("parking-lot"), PALETTE[1]);
    assert_eq!(colour("racy-counter"), PALETTE[2]);
    assert_eq!(styles.style(&styles.key("parking-lot", "x", 0)).kind, Kind::Library);
    assert_eq!(styles.css_colour("spin-lock", "testhost", 0), "#1f77b4");

    // Twelve implementations: twelve different colours.
    let many: Vec<SummaryRow> =
        (0..12).map(|i| summary_row("w", &format!("impl-{i}"), "library", 1, 1)).collect();
    let styles = SeriesStyles::new(&many, &[]);
    let colours: std::collections::BTreeSet<String> =
        (0..12).map(|i| styles.css_colour(&format!("impl-{i}"), "testhost", 0)).collect();
    assert_eq!(colours.len(), 12);

    // A second host: the same implementation keeps its hue, in another shade.
    let mut two_hosts = summary.clone();
    two_hosts.extend(summary.iter().cloned().map(|mut r| {
        r.host = "other".into();
        r
    }));
    let styles = SeriesStyles::new(&two_hosts, &[]);
    let first = styles.style(&styles.key("spin-lock", "testhost", 0)).colour;
    let second = styles.style(&styles.key("spin-lock", "other", 0)).colour;
    assert_eq!(first, PALETTE[0]);
    assert_ne!(first, second);
    assert_eq!(styles.style(&styles.key("parking-lot", "other", 0)).colour, shade(PALETTE[1], 1));
    // Every colour of the palette keeps three distinguishable shades.
    for colour in PALETTE {
        let shades: std::collections::BTreeSet<(u8, u8, u8)> = (0..3)
            .map(|i| {
                let RGBColor(r, g, b) = shade(colour, i);
                (r / 16, g / 16, b / 16)
            })
            .collect();
        assert_eq!(shades.len(), 3, "{colour:?}");
    }
}

#[test]
fn degenerate_inputs_draw_or_skip_without_error() {
    let root = tempfile::tempdir().unwrap();
    assert!(render_all(&[], &[], &root.path().join("empty")).unwrap().is_empty());
    assert!(root.path().join("empty").is_dir());

    // One point, one repeat, zero throughput, two hosts, a strange workload name.
    let mut row = summary_row("odd name/x", "solo", "mystery", 3, 1);
    row.throughput_ops_s = 0.0;
    let mut other = row.clone();
    other.host = "second".into();
    let histogram = HistogramRow {
        host: "testhost".into(),
        workload: "odd name/x".into(),
        params: "busy_work=0;ops=1000".into(),
        implementation: "solo".into(),
        threads: 3,
        metric: OP_METRIC.into(),
        low_ns: 0,
        high_ns: 1,
        count: 5,
        cores: 0,
    };
    let charts = render_all(&[row, other], &[histogram], &root.path().join("charts")).unwrap();
    let names: Vec<String> = charts.iter().map(|c| c.svg.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "charts/odd_name_x-throughput.svg",
            "charts/odd_name_x-latency-t3.svg",
            "charts/odd_name_x-percentiles-t3.svg"
        ]
    );
    let svg = std::fs::read_to_string(root.path().join(&charts[0].svg)).unwrap();
    assert!(svg.contains("solo @ second") && svg.contains("1 repeat per point"));
}

#[test]
fn percentile_axis_is_labelled_as_hdrhistogram_does() {
    let labels: Vec<String> =
        [0.0, 2f64.log10(), 1.0, 2.0, 3.0, 4.0, 5.0].into_iter().map(percentile_label).collect();
    assert_eq!(labels, ["0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
    assert!((percentile_coordinate(0.99, 6.0) - 2.0).abs() < 1e-9);
    assert_eq!(percentile_coordinate(1.0, 4.0), 4.0);
    assert_eq!(percentile_coordinate(0.999_999_9, 4.0), 4.0);
}

#[test]
fn step_outline_drops_to_zero_across_gaps() {
    let outline = step_outline(&[(1.0, 10.0, 50.0), (10.0, 100.0, 25.0), (1000.0, 10000.0, 25.0)]);
    assert_eq!(
        outline,
        [
            (0.0, 0.0),
            (0.0, 50.0),
            (1.0, 50.0),
            (1.0, 25.0),
            (2.0, 25.0),
            (2.0, 0.0),
            (3.0, 0.0),
            (3.0, 25.0),
            (4.0, 25.0),
            (4.0, 0.0)
        ]
    );
}

#[test]
fn labels_and_numbers() {
    assert_eq!(latency_label(500.0), "500 ns");
    assert_eq!(latency_label(2000.0), "2 µs");
    assert_eq!(latency_label(1_500_000.0), "1.5 ms");
    let axis = ValueAxis::new(12.0, 10);
    assert_eq!(axis.ticks, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
    assert_eq!(axis.label(2.0), "2");
    let axis = ValueAxis::new(0.33, 10);
    assert_eq!(axis.ticks.len(), 8);
    assert_eq!(axis.label(0.05), "0.05");
    assert_eq!(ValueAxis::new(0.0, 10).top, 1.1);
    assert_eq!(significant(2000.0), "2000");
    assert_eq!(significant(0.2), "0.2");
    assert_eq!(significant(0.005), "0.005");
    assert_eq!(significant(50.0), "50");
    let linear = ThroughputAxis::new([10.0, 200.0].into_iter());
    assert!(linear.log.is_none() && linear.coordinate(10.0) == 10.0);
    let log = ThroughputAxis::new([10.0, 2000.0, 0.0].into_iter());
    assert!(log.log.is_some() && (log.coordinate(100.0) - 2.0).abs() < 1e-12);
    assert!(!log.shows(0.0) && log.bold.contains(&2.0));
    assert_eq!(file_stem("a b/c"), "a_b_c");
    assert_eq!(file_stem(".."), "_..");
}

/// Draws the sample data set for a look by eye:
/// `cargo test -p reports -- --ignored write_sample_charts` writes to `$REPORTS_SAMPLE_DIR`
/// (default `/tmp/charts-sample`).
#[test]
#[ignore = "writes outside the temporary directory; run by hand to look at the charts"]
fn write_sample_charts() {
    let dir = std::env::var_os("REPORTS_SAMPLE_DIR")
        .map_or_else(|| PathBuf::from("/tmp/charts-sample"), PathBuf::from);
    let (mut summary, mut histograms) = sample();
    // A crowded second workload: ten implementations, 1..32 threads on 8 CPUs, wide latencies.
    let kinds = ["hand-rolled", "library", "hand-rolled", "demonstration", "library"];
    for threads in [1, 2, 4, 8, 16, 32] {
        for i in 0..10 {
            let implementation =
                format!("mutex-variant-{i}{}", if i == 7 { "-with-a-long-name" } else { "" });
            for repeat in 1..=5 {
                let mut row =
                    summary_row("mutex-contention", &implementation, kinds[i % 5], threads, repeat);
                row.logical_cpus = 8;
                let scale =
                    (threads.min(8) as f64).sqrt() / (1.0 + (threads as f64 / 8.0 - 1.0).max(0.0));
                row.throughput_ops_s =
                    2e6 * (1.0 + i as f64 * 0.3) * scale * (1.0 + 0.03 * repeat as f64);
                row.timing = "per-op".into();
                summary.push(row);
            }
            let mut low = 20u64;
            let peak = 60.0 * (1.0 + i as f64) * threads as f64;
            while low < 50_000_000 {
                let high = ((low as f64) * 1.189_207_115).ceil() as u64;
                let distance = ((low as f64).ln() - peak.ln()).abs();
                let count = (10_000.0 * (-distance * distance / 3.0).exp()) as u64
                    + u64::from(low % 7 == 1);
                histograms.push(HistogramRow {
                    host: "testhost".into(),
                    workload: "mutex-contention".into(),
                    params: "busy_work=0;ops=1000".into(),
                    implementation: implementation.clone(),
                    threads,
                    metric: OP_METRIC.into(),
                    low_ns: low,
                    high_ns: high,
                    count,
                    cores: 0,
                });
                low = high;
            }
        }
    }
    let charts = render_all(&summary, &histograms, &dir.join("charts")).unwrap();
    assert!(!charts.is_empty());
    let meta = crate::RunMeta {
        run_id: "run-1".into(),
        started: "2025-01-01T00:00:00Z".into(),
        finished: Some("2025-01-01T00:05:00Z".into()),
        env: crate::Environment {
            host: "testhost".into(),
            cpu_model: "Test CPU @ 3 GHz".into(),
            logical_cpus: 8,
            os: "linux".into(),
            arch: "x86_64".into(),
            kernel: "6.1.0".into(),
            rustc: "rustc 1.80.0".into(),
            git_commit: "abc123".into(),
        },
        syncbench_version: "0.1.0".into(),
        command: vec!["syncbench".into(), "run".into(), "--quick".into()],
        config: serde_json::json!({"threads": [1, 2, 4], "duration": "1s", "seed": 42}),
        topology: None,
    };
    crate::html::write_report(
        &[meta],
        &summary,
        &histograms,
        &charts,
        &dir,
        &dir.join("report.html"),
    )
    .unwrap();
}

#[test]
fn a_numeric_sweep_gets_a_chart_against_the_parameter_per_thread_count_and_other_setting() {
    let mut summary = Vec::new();
    for stripes in ["1", "4", "16"] {
        for mix in ["read-heavy", "exchange"] {
            for threads in [1, 2] {
                for (implementation, kind) in [("striped", "hand-rolled"), ("dashmap", "library")] {
                    let mut row = summary_row("map", implementation, kind, threads, 1);
                    row.params = format!("keys=100;mix={mix};stripes={stripes}");
                    summary.push(row);
                }
            }
        }
    }
    // A non-numeric varying parameter (`mix`) gets no chart of its own.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("charts");
    let charts = render_all(&summary, &[], &dir).unwrap();
    let sweeps: Vec<(String, String)> = charts
        .iter()
        .filter(|c| c.svg.display().to_string().contains("-vs-"))
        .map(|c| (c.svg.display().to_string(), c.params.clone()))
        .collect();
    let expected = [
        ("charts/map-throughput-vs-stripes-t1-mix-read-heavy.svg", "mix=read-heavy"),
        ("charts/map-throughput-vs-stripes-t2-mix-read-heavy.svg", "mix=read-heavy"),
        ("charts/map-throughput-vs-stripes-t1-mix-exchange.svg", "mix=exchange"),
        ("charts/map-throughput-vs-stripes-t2-mix-exchange.svg", "mix=exchange"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(f, p)| (f.to_string(), p.to_string())).collect();
    assert_eq!(sweeps, expected);
    let svg =
        std::fs::read_to_string(dir.join("map-throughput-vs-stripes-t2-mix-exchange.svg")).unwrap();
    assert!(svg.contains("map: throughput vs stripes, 2 threads"), "title");
    assert!(svg.contains("stripes (log scale)"), "x axis");
    assert!(svg.contains("other parameters: keys=100;mix=exchange"), "caption");
    let lines: Vec<&str> = svg.lines().map(str::trim).collect();
    for label in ["striped", "dashmap", "1", "4", "16"] {
        assert!(lines.contains(&label), "{label}");
    }
}

#[test]
fn the_ideal_line_extrapolates_the_best_real_one_thread_point_up_to_the_top() {
    use super::ideal_line::IdealLine;
    use super::scaling::{ThroughputPoint, ThroughputSeries};
    let series = |name: &str, kind: Kind, one_thread: f64| ThroughputSeries {
        key: SeriesKey { implementation: name.into(), host: String::new(), cores: 0 },
        style: SeriesStyle { colour: PALETTE[0], kind },
        points: vec![ThroughputPoint { x: 1.0, median: one_thread, min: 0.0, max: 0.0 }],
    };
    let all = [
        series("spin", Kind::HandRolled, 40.0),
        series("std", Kind::Library, 30.0),
        series("racy", Kind::Demonstration, 90.0),
    ];
    let ideal = IdealLine::of(&all).unwrap();
    assert_eq!((ideal.label.as_str(), ideal.one_thread), ("spin", 40.0));
    assert_eq!(ideal.points(8.0, 1000.0), [(1.0, 40.0), (2.0, 80.0), (4.0, 160.0), (8.0, 320.0)]);
    // Cut where it leaves the chart: 100 M ops/s is reached at 2.5 threads.
    assert_eq!(ideal.points(8.0, 100.0), [(1.0, 40.0), (2.0, 80.0), (2.5, 100.0)]);
    assert!(IdealLine::of(&all[2..]).is_none(), "a demonstration is no ideal");
}

/// The sample run as if made with `--cores 1,2`: every row and bucket once per core count.
fn at_two_core_counts() -> (Vec<SummaryRow>, Vec<HistogramRow>) {
    let (summary, histograms) = sample();
    let cores = |c: usize| {
        let rows = summary.iter().cloned().map(move |r| SummaryRow { cores: c, ..r });
        let buckets = histograms.iter().cloned().map(move |h| HistogramRow { cores: c, ..h });
        (rows, buckets)
    };
    let ((rows1, buckets1), (rows2, buckets2)) = (cores(1), cores(2));
    (rows1.chain(rows2).collect(), buckets1.chain(buckets2).collect())
}

#[test]
fn several_core_counts_get_a_latency_chart_each_and_a_line_each_per_implementation() {
    let (summary, histograms) = at_two_core_counts();
    let root = tempfile::tempdir().unwrap();
    let charts = render_all(&summary, &histograms, &root.path().join("charts")).unwrap();
    let files: Vec<String> = charts.iter().map(|c| c.svg.display().to_string()).collect();
    for cores in [1, 2] {
        for threads in [1, 2, 4] {
            let latency = format!("charts/counter-latency-c{cores}-t{threads}.svg");
            assert!(files.contains(&latency), "{latency} missing: {files:?}");
        }
    }
    assert!(!files.iter().any(|f| f.contains("latency-t")), "{files:?}");
    let title = &charts.iter().find(|c| c.svg.ends_with("counter-latency-c2-t4.svg")).unwrap();
    assert!(
        title.title.contains("4 threads") && title.title.contains("2 cores"),
        "{}",
        title.title
    );

    let styles = SeriesStyles::new(&summary, &histograms);
    let one = styles.style(&styles.key("spin-lock", "testhost", 1)).colour;
    let two = styles.style(&styles.key("spin-lock", "testhost", 2)).colour;
    assert_ne!(one, two, "each core count is a series of its own");
    assert_eq!(one, PALETTE[0], "the first core count keeps the implementation's hue");
    assert_eq!(styles.key("spin-lock", "testhost", 2).label(), "spin-lock, 2 cores");
    let throughput = std::fs::read_to_string(root.path().join("charts/counter-throughput.svg"));
    let throughput = throughput.unwrap();
    assert!(throughput.contains("spin-lock, 1 core") && throughput.contains("spin-lock, 2 cores"));
}

#[test]
fn one_core_count_keeps_the_plain_series() {
    let (summary, histograms) = sample();
    let restricted: Vec<SummaryRow> =
        summary.into_iter().map(|r| SummaryRow { cores: 1, ..r }).collect();
    let buckets: Vec<HistogramRow> =
        histograms.into_iter().map(|h| HistogramRow { cores: 1, ..h }).collect();
    let styles = SeriesStyles::new(&restricted, &buckets);
    assert_eq!(styles.key("spin-lock", "testhost", 1).label(), "spin-lock");
}
