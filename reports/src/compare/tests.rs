//! The comparison end to end on hand-made rows: verdicts, the gate, and both outputs.

use std::path::PathBuf;

use super::*;
use crate::SummaryRow;

/// A row of `summary.csv` for (workload, impl, params, threads) with the given samples.
fn row(
    host: &str,
    implementation: &str,
    params: &str,
    threads: usize,
    throughput: f64,
    p99: f64,
) -> SummaryRow {
    SummaryRow {
        run_id: "run".into(),
        timestamp: "2026-11-23T00:00:00Z".into(),
        host: host.into(),
        cpu_model: "cpu".into(),
        logical_cpus: 2,
        rustc: "rustc".into(),
        git_commit: "abc1234".into(),
        workload: "counter".into(),
        implementation: implementation.into(),
        impl_kind: "library".into(),
        params: params.into(),
        threads,
        repeat: 1,
        duration_s: 0.1,
        ops: 1000,
        throughput_ops_s: throughput,
        mean_ns: 10.0,
        p50_ns: 10.0,
        p90_ns: 20.0,
        p99_ns: p99,
        p999_ns: 40.0,
        max_ns: 50.0,
        fairness: 1.0,
        min_share: 1.0,
        max_share: 1.0,
        timing: "per-op".into(),
        extras: String::new(),
        invariant: crate::Invariant::parse("ok").unwrap(),
        latency_samples: 0,
        stall_bounds: 0,
        ..SummaryRow::default()
    }
}

/// `n` values evenly over `centre ± 2%`.
fn around(centre: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| centre * (0.98 + 0.04 * i as f64 / (n - 1) as f64)).collect()
}

/// One point (std-mutex, 2 threads) with the given throughput and p99 samples.
fn side(name: &str, host: &str, throughput: &[f64], p99: &[f64]) -> RunSide {
    let rows = throughput
        .iter()
        .zip(p99)
        .map(|(&t, &p)| row(host, "std-mutex", "depth=1", 2, t, p))
        .collect();
    RunSide::from_rows(PathBuf::from(name), rows).unwrap()
}

fn compare(baseline: RunSide, current: RunSide) -> Comparison {
    compare_sides(baseline, current, &CompareSettings::default()).unwrap()
}

#[test]
fn identical_runs_are_unchanged_and_pass() {
    let samples = around(100e6, 10);
    let latency = around(30.0, 10);
    let comparison =
        compare(side("a", "h", &samples, &latency), side("b", "h", &samples, &latency));
    let point = &comparison.points[0];
    assert_eq!(point.throughput.verdict, PointVerdict::Unchanged);
    assert_eq!(point.p99.verdict, PointVerdict::Unchanged);
    assert!(point.throughput.test.p_value > 0.9, "{point:?}");
    assert_eq!(point.throughput.change, Some(0.0));
    assert!(!comparison.fails_gate());
    assert_eq!(comparison.gate_failure(), None);
    let text = text::render(&comparison);
    assert!(text.contains("counter: throughput"), "{text}");
    assert!(text.contains("throughput: 0 slower, 0 faster, 1 unchanged, 0 noise"), "{text}");
    assert!(!text.contains("hosts differ"), "{text}");
}

#[test]
fn a_clear_throughput_drop_is_a_regression_that_fails_the_gate() {
    let latency = around(30.0, 10);
    let comparison = compare(
        side("a", "h", &around(100e6, 10), &latency),
        side("b", "h", &around(80e6, 10), &latency),
    );
    let throughput = &comparison.points[0].throughput;
    assert_eq!(throughput.verdict, PointVerdict::Slower);
    assert!(throughput.test.p_value < 0.01, "{throughput:?}");
    let change = throughput.change.unwrap();
    assert!((change + 0.2).abs() < 1e-9, "{throughput:?}");
    let (low, high) = throughput.change_interval.unwrap();
    assert!(low <= -0.2 && (-0.2..0.0).contains(&high), "{throughput:?}");
    assert!(comparison.fails_gate());
    assert_eq!(comparison.regressions().len(), 1);
    let text = text::render(&comparison);
    assert!(text.contains("-20.0%") && text.contains("slower"), "{text}");
}

#[test]
fn a_clear_improvement_is_faster_and_passes() {
    let latency = around(30.0, 10);
    let comparison = compare(
        side("a", "h", &around(80e6, 10), &latency),
        side("b", "h", &around(100e6, 10), &latency),
    );
    assert_eq!(comparison.points[0].throughput.verdict, PointVerdict::Faster);
    assert!(!comparison.fails_gate());
}

#[test]
fn a_p99_regression_is_reported_but_gates_only_when_asked() {
    let throughput = around(100e6, 10);
    let baseline = side("a", "h", &throughput, &around(30.0, 10));
    let current = side("b", "h", &throughput, &around(45.0, 10));
    let comparison = compare(baseline.clone(), current.clone());
    assert_eq!(comparison.points[0].p99.verdict, PointVerdict::Slower);
    assert!(!comparison.fails_gate());
    assert!(text::render(&comparison)
        .contains("p99: 1 slower, 0 faster, 0 unchanged, 0 noise (not gated)"));
    let settings = CompareSettings { gate_latency: true, ..CompareSettings::default() };
    let gated = compare_sides(baseline, current, &settings).unwrap();
    assert!(gated.fails_gate());
    assert_eq!(
        gated.gate_failure().unwrap(),
        "1 significant regression(s) beyond 5%: counter/std-mutex/2 threads p99"
    );
}

#[test]
fn too_few_repeats_are_noise_even_when_far_apart() {
    let latency = around(30.0, 3);
    let comparison = compare(
        side("a", "h", &around(100e6, 3), &latency),
        side("b", "h", &around(50e6, 3), &latency),
    );
    assert_eq!(
        comparison.points[0].throughput.verdict,
        PointVerdict::Noise(NoiseReason::TooFewRepeats)
    );
    assert!(!comparison.fails_gate());
}

#[test]
fn overlapping_wide_samples_are_noise() {
    // Two regimes, as on these machines: the same spread of values on both sides.
    let baseline = [100e6, 60e6, 98e6, 62e6, 101e6, 59e6, 97e6, 64e6, 99e6, 61e6];
    let current = [61e6, 99e6, 63e6, 100e6, 58e6, 97e6, 62e6, 96e6, 60e6, 102e6];
    let latency = around(30.0, 10);
    let comparison =
        compare(side("a", "h", &baseline, &latency), side("b", "h", &current, &latency));
    let throughput = &comparison.points[0].throughput;
    assert!(throughput.test.p_value > 0.05, "{throughput:?}");
    assert_eq!(throughput.verdict, PointVerdict::Noise(NoiseReason::WideInterval));
    assert!(!comparison.fails_gate());
}

#[test]
fn points_are_matched_without_the_host_and_the_header_says_when_hosts_differ() {
    let samples = around(100e6, 5);
    let latency = around(30.0, 5);
    let comparison =
        compare(side("a", "host-1", &samples, &latency), side("b", "host-2", &samples, &latency));
    assert_eq!(comparison.points.len(), 1);
    let text = text::render(&comparison);
    assert!(text.contains("note: the hosts differ (host-1 vs host-2)"), "{text}");
}

#[test]
fn points_in_one_run_only_are_listed_not_compared() {
    let mut baseline = side("a", "h", &around(100e6, 5), &around(30.0, 5));
    let current = baseline.clone();
    baseline.rows.push(row("h", "spin-lock", "depth=1", 2, 1e6, 30.0));
    baseline.rows.push(row("h", "std-mutex", "depth=1", 8, 1e6, 30.0));
    let comparison = compare(baseline, current);
    assert_eq!(comparison.points.len(), 1);
    assert_eq!(comparison.only_in_baseline.len(), 2);
    assert!(comparison.only_in_current.is_empty());
    assert!(text::render(&comparison)
        .contains("not compared: 2 points only in baseline, 0 only in current"));
}

#[test]
fn no_common_point_is_an_error() {
    let baseline = side("a", "h", &around(100e6, 5), &around(30.0, 5));
    let mut current = baseline.clone();
    for row in &mut current.rows {
        row.threads = 4;
    }
    let error = compare_sides(baseline, current, &CompareSettings::default()).unwrap_err();
    assert!(matches!(error, CompareError::NoCommonPoints { .. }), "{error}");
    assert!(error.to_string().contains("no (workload, impl, params, threads) point"), "{error}");
}

#[test]
fn varying_params_get_their_own_column() {
    let mut rows = Vec::new();
    for capacity in [1, 16] {
        for value in around(100e6, 5) {
            rows.push(row(
                "h",
                "std-mutex",
                &format!("capacity={capacity};depth=1"),
                2,
                value,
                30.0,
            ));
        }
    }
    let baseline = RunSide::from_rows("a".into(), rows.clone()).unwrap();
    let current = RunSide::from_rows("b".into(), rows).unwrap();
    let comparison = compare(baseline, current);
    assert_eq!(comparison.points.len(), 2);
    let text = text::render(&comparison);
    assert!(text.contains("params") && text.contains("capacity=16"), "{text}");
    assert!(!text.contains("depth=1"), "only what varies is shown: {text}");
}

#[test]
fn markdown_is_a_table_with_regressions_in_bold() {
    let latency = around(30.0, 10);
    let comparison = compare(
        side("a", "h", &around(100e6, 10), &latency),
        side("b", "h", &around(80e6, 10), &latency),
    );
    let markdown = markdown::render(&comparison);
    assert!(markdown.contains("| impl | threads | baseline |"), "{markdown}");
    assert!(markdown.contains("|---|--:|--:|"), "{markdown}");
    assert!(markdown.contains("| **slower** |"), "{markdown}");
    assert!(markdown.contains("| \\~ |"), "unchanged p99 escaped: {markdown}");
}

#[test]
fn settings_and_samples_are_validated() {
    let bad_threshold = CompareSettings { threshold: -1.0, ..CompareSettings::default() };
    assert!(bad_threshold.validate().unwrap_err().to_string().contains("--threshold"));
    for alpha in [0.0, 1.0, f64::NAN] {
        let bad_alpha = CompareSettings { alpha, ..CompareSettings::default() };
        assert!(bad_alpha.validate().unwrap_err().to_string().contains("--alpha"));
    }
    let error = RunSide::from_rows("x".into(), vec![row("h", "a", "", 1, f64::NAN, 1.0)])
        .unwrap_err()
        .to_string();
    assert!(error.contains("x row 2: throughput_ops_s is NaN"), "{error}");
    assert!(matches!(RunSide::from_rows("x".into(), vec![]), Err(CompareError::Empty { .. })));
}

#[test]
fn folders_and_files_are_read_and_missing_ones_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("run");
    std::fs::create_dir(&folder).unwrap();
    let csv = folder.join("summary.csv");
    let mut writer = crate::csv_files::SummaryWriter::create(&csv).unwrap();
    writer.append(&side("a", "h", &around(100e6, 5), &around(30.0, 5)).rows).unwrap();
    let settings = CompareSettings::default();
    let by_folder = compare_folders(&folder, &csv, &settings).unwrap();
    assert_eq!(by_folder.points.len(), 1);
    assert_eq!(by_folder.points[0].throughput.verdict, PointVerdict::Unchanged);

    let missing = dir.path().join("nope");
    let error = compare_folders(&missing, &csv, &settings).unwrap_err();
    assert!(matches!(error, CompareError::Missing { .. }), "{error}");
    let error = compare_folders(dir.path(), &csv, &settings).unwrap_err();
    assert!(matches!(error, CompareError::NoSummary { .. }), "{error}");

    std::fs::write(&csv, "run_id,workload\nx\n").unwrap();
    let error = compare_folders(&folder, &folder, &settings).unwrap_err().to_string();
    assert!(error.contains("malformed CSV") && error.contains("summary.csv"), "{error}");
}

#[test]
fn skip_disturbed_leaves_flagged_repeats_out_and_says_so() {
    let flag = |mut side: RunSide, count: usize| {
        for row in side.rows.iter_mut().take(count) {
            row.disturbed = "other processes 60% of a CPU".into();
            row.throughput_ops_s *= 0.5;
        }
        side
    };
    let samples = around(100e6, 20);
    let latency = around(30.0, 20);
    let baseline = side("base", "h", &samples, &latency);
    // A busy machine halved 12 of the 20 current repeats.
    let current = flag(side("head", "h", &samples, &latency), 12);

    let kept = compare_sides(baseline.clone(), current.clone(), &CompareSettings::default());
    let kept = kept.unwrap();
    let change = kept.points[0].throughput.change.unwrap();
    assert!(change < -0.2, "most repeats halved count when kept: {change}");
    assert_eq!(kept.points[0].throughput.current.n, 20);
    let header = super::table::header_lines(&kept).join("\n");
    assert!(
        header.contains("note: 0 baseline and 12 current repeats ran on a disturbed"),
        "{header}"
    );

    let settings = CompareSettings { skip_disturbed: true, ..CompareSettings::default() };
    let skipped = compare_sides(baseline, current, &settings).unwrap();
    assert_eq!(skipped.skipped_disturbed, [0, 12]);
    assert_eq!(skipped.points[0].throughput.current.n, 8);
    assert_eq!(skipped.points[0].throughput.verdict, PointVerdict::Unchanged);
    let text = text::render(&skipped);
    assert!(
        text.contains("--skip-disturbed: left out 0 baseline and 12 current repeats"),
        "{text}"
    );
}

#[test]
fn points_at_different_core_counts_are_apart() {
    let samples = around(100e6, 5);
    let latency = around(30.0, 5);
    let one_core = |name: &str| {
        let mut side = side(name, "h", &samples, &latency);
        side.rows.iter_mut().for_each(|r| r.cores = 1);
        side
    };
    let settings = CompareSettings::default();
    let apart = compare_sides(one_core("base"), side("head", "h", &samples, &latency), &settings);
    assert!(matches!(apart, Err(CompareError::NoCommonPoints { .. })), "{apart:?}");
    let together = compare(one_core("base"), one_core("head"));
    assert_eq!(together.points[0].key.threads_label(), "2 threads on 1 core");
}

/// Paired sides of one point (std-mutex, 1 and 2 threads): in pair `i` both sides meet the same
/// machine regime (full speed or half speed, switching every few pairs), and the current side
/// runs at `ratio` of the baseline with ±0.5% of its own noise.
fn paired_sides(ratio: f64, numbered: bool) -> (RunSide, RunSide) {
    let mut base = Vec::new();
    let mut current = Vec::new();
    for threads in [1, 2] {
        for i in 0..20u64 {
            let regime = if (i / 3) % 2 == 0 { 100e6 } else { 50e6 };
            let wobble = 1.0 + 0.005 * ((i * 7 % 5) as f64 - 2.0) / 2.0;
            let pair = numbered.then_some(i + 1);
            let mut b = row("h", "std-mutex", "depth=1", threads, regime, 30.0);
            let mut c = row("h", "std-mutex", "depth=1", threads, regime * ratio * wobble, 30.0);
            (b.pair, c.pair) = (pair, pair);
            base.push(b);
            current.push(c);
        }
    }
    (
        RunSide::from_rows(PathBuf::from("base"), base).unwrap(),
        RunSide::from_rows(PathBuf::from("head"), current).unwrap(),
    )
}

#[test]
fn pairs_see_through_a_shared_regime_that_hides_the_change_from_independent_samples() {
    // 8% slower: beyond the default threshold of 5% by more than the pairs' noise.
    let (base, head) = paired_sides(0.92, true);
    let paired = compare(base, head);
    assert!(paired.is_paired());
    for point in &paired.points {
        assert_eq!(point.throughput.verdict, PointVerdict::Slower, "{point:?}");
        let (low, high) = point.throughput.change_interval.unwrap();
        assert!(low < -0.08 && -0.08 < high, "[{low}, {high}]");
    }
    assert_eq!(paired.curves.len(), 1);
    assert_eq!(paired.curves[0].verdict, PointVerdict::Slower);
    assert!(paired.fails_gate());
    let text = text::render(&paired);
    assert!(text.contains("20 pairs") && text.contains("Wilcoxon"), "{text}");
    assert!(text.contains("whole curves"), "{text}");

    // The broken twin: the same samples without their pair numbers are two bimodal clouds.
    let (base, head) = paired_sides(0.92, false);
    let unpaired = compare(base, head);
    assert!(!unpaired.is_paired() && unpaired.curves.is_empty());
    for point in &unpaired.points {
        assert_eq!(point.throughput.verdict, PointVerdict::Noise(NoiseReason::WideInterval));
    }
    assert!(!unpaired.fails_gate());
}

#[test]
fn identical_pairs_pass_and_a_pair_cut_short_is_left_out() {
    let (base, mut head) = paired_sides(1.0, true);
    // A killed run: the head's last pair never happened.
    head.rows.pop();
    let comparison = compare(base, head);
    for point in &comparison.points {
        assert_eq!(point.throughput.verdict, PointVerdict::Unchanged, "{point:?}");
    }
    let pairs: Vec<usize> =
        comparison.points.iter().map(|p| p.throughput.paired.as_ref().unwrap().pairs()).collect();
    assert_eq!(pairs, [20, 19]);
    assert!(!comparison.fails_gate());
}
