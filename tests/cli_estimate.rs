//! `frikommune estimate`: the ad hoc command gives pyfixest's numbers on the reference fixture.

use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn estimate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune")).arg("estimate").args(args).output().unwrap()
}

/// Runs `estimate --format json` on a fixture and returns the parsed output.
fn estimate_json(data: &str, args: &[&str]) -> serde_json::Value {
    let path = fixture(data);
    let base = ["--data", path.as_str(), "--unit", "unit", "--time", "period", "--outcome", "y", "--format", "json"];
    let o = estimate(&[&base[..], args].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `estimate` on an mpdta file (CSV or Parquet): county, year, log employment and the cohort
/// column, with `method` and `extra` flags.
fn mpdta_estimate(data: &str, method: &str, extra: &[&str]) -> std::process::Output {
    let base = [
        "--data",
        data,
        "--unit",
        "countyreal",
        "--time",
        "year",
        "--outcome",
        "lemp",
        "--cohort",
        "first.treat",
        "--method",
        method,
    ];
    estimate(&[&base[..], extra].concat())
}

/// Callaway–Sant'Anna on an mpdta file (CSV or Parquet) with the given comparison units.
fn mpdta_cs(data: &str, control: &str) -> serde_json::Value {
    let o = mpdta_estimate(data, "cs", &["--control", control, "--reps", "999", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn twfe_json_matches_pyfixest() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("twfe_reference.json")).unwrap()).unwrap();
    let got = estimate_json("twfe_unbalanced.csv", &["--treat", "treat", "--method", "twfe"]);
    let r = &reference["cases"]["unbalanced"];
    for key in ["estimate", "se", "ci_low", "ci_high", "p_value"] {
        let (a, b) = (got[key].as_f64().unwrap(), r[key].as_f64().unwrap());
        assert!((a - b).abs() < 1e-6, "{key}: {a} vs pyfixest {b}");
    }
    assert_eq!(got["inference"], "CR1");
    assert_eq!(got["n_treated"], 7);
    assert_eq!(got["n_obs"], r["n_obs"]);
}

#[test]
fn treated_list_and_randomization_inference() {
    let got = estimate_json(
        "twfe_balanced.csv",
        &["--treated", "101, 102, 103", "--start", "13", "--method", "did2x2", "--inference", "ri"],
    );
    assert_eq!(got["inference"], "RI");
    assert_eq!(got["n_treated"], 3);
    assert!(got["se"].is_null());
    let (lo, hi, est) =
        (got["ci_low"].as_f64().unwrap(), got["ci_high"].as_f64().unwrap(), got["estimate"].as_f64().unwrap());
    assert!(lo < est && est < hi);
    assert!(got["inference_description"].as_str().unwrap().contains("9880 assignments (exact)"), "C(40, 3) = 9880");
}

#[test]
fn wild_bootstrap_from_the_command_line_matches_wildboottest() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("wild_reference.json")).unwrap()).unwrap();
    let got = estimate_json("wild_small.csv", &["--treat", "treat", "--method", "twfe", "--inference", "wild"]);
    assert_eq!(got["inference"], "WCR");
    let p = reference["cases"]["rademacher_null0"]["p_value"].as_f64().unwrap();
    assert!((got["p_value"].as_f64().unwrap() - p).abs() < 1e-12);
}

#[test]
fn bad_flags_and_columns_are_usage_errors() {
    let data = fixture("twfe_balanced.csv");
    let base = ["--data", data.as_str(), "--unit", "unit", "--time", "period", "--treat", "treat", "--outcome"];
    let fails = |args: &[&str], message: &str| {
        let o = estimate(&[&base[..], args].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    };
    fails(&["yy"], "no column `yy`");
    fails(&["y", "--method", "cs", "--inference", "wild"], "leave out --inference");
    fails(&["y", "--method", "twfe", "--control", "notyet"], "--control goes with --method cs");
    fails(&["y", "--method", "twfe", "--leads", "3"], "--leads and --lags go with --method event");
    fails(&["y", "--method", "sunab", "--lags", "3"], "--leads and --lags go with --method event");
    fails(&["y", "--method", "cs", "--event-base", "pre_mean"], "--event-base goes with --method event or sunab");
    fails(&["y", "--method", "event", "--inference", "ri"], "--inference ri goes with --method did2x2");
    // `period` changes within a unit, so it cannot be a cluster.
    fails(&["y", "--cluster", "period"], "a cluster must be constant within a unit");
    // Settings out of range are refused at the door, in the study file's words.
    fails(&["y", "--conf-level", "1.5"], "expected a level between 0.5 and 1, found 1.5");
    fails(&["y", "--conf-level", "ninety"], "expected a number, found `ninety`");
    fails(&["y", "--reps", "0"], "expected between 99 and 10,000,000 draws, found 0");
}

/// mpdta through the command line: column names with dots, the cohort column, both comparison
/// groups, and the numbers csdid gives (fixture from tests/reference/make_cs_fixtures.py).
#[test]
fn callaway_santanna_json_matches_csdid() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("cs_reference.json")).unwrap()).unwrap();
    let path = fixture("mpdta.csv");
    for (control, key) in [("never", "never"), ("notyet", "notyet")] {
        let got = mpdta_cs(&path, control);
        let r = &reference[key];
        let close =
            |a: &serde_json::Value, b: &serde_json::Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9;
        assert_eq!(got["method"], "cs");
        assert_eq!(got["inference"], "IF");
        assert_eq!(got["n_units"], 500);
        assert_eq!(got["n_treated"], 191);
        assert!(close(&got["estimate"], &r["aggregations"]["simple"]["estimate"]));
        for (o, t) in got["att_gt"].as_array().unwrap().iter().zip(r["att_gt"].as_array().unwrap()) {
            assert_eq!((&o["group"], &o["time"]), (&t["group"], &t["time"]), "periods keep their labels");
            assert!(close(&o["estimate"], &t["estimate"]) && close(&o["se"], &t["se"]));
        }
        for kind in ["group", "dynamic", "calendar"] {
            let a = &got["aggregations"][kind];
            assert!(close(&a["estimate"], &r["aggregations"][kind]["estimate"]), "{kind}");
            assert!(close(&a["se"], &r["aggregations"][kind]["se"]), "{kind} se");
            for row in a["rows"].as_array().unwrap() {
                assert!(row["band_low"].as_f64().unwrap() < row["ci_low"].as_f64().unwrap(), "uniform band is wider");
            }
        }
        assert!(close(&got["pretrend"]["stat"], &r["pretrend"]["stat"]));
    }
}

#[test]
fn event_study_json_has_rows_and_pretrend() {
    let got = estimate_json(
        "event_panel.csv",
        &["--cohort", "first_treat", "--method", "event", "--leads", "3", "--lags", "2"],
    );
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("event_reference.json")).unwrap()).unwrap();
    let case = &reference["cases"][1];
    let rows = got["event_study"].as_array().unwrap();
    let times: Vec<i64> = rows.iter().map(|r| r["rel_time"].as_i64().unwrap()).collect();
    assert_eq!(times, vec![-3, -2, -1, 0, 1, 2]);
    let reference_row = &rows[2];
    assert_eq!(reference_row["reference"], true);
    assert!(reference_row["se"].is_null());
    let p = got["pretrend"]["p_value"].as_f64().unwrap();
    assert!((p - case["pretrend"]["p_value"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(got["pretrend"]["df"], 2);
    assert!((got["estimate"].as_f64().unwrap() - case["average_post"]["estimate"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(got["event_base"], "period_before");
    assert!(got["estimand"].as_str().unwrap().contains("reference: the period before the start"));

    // From the mean of the pre-period coefficients: every row has an interval, the period
    // before the start included, and the base is named.
    let got = estimate_json(
        "event_panel.csv",
        &["--cohort", "first_treat", "--method", "event", "--leads", "3", "--lags", "2", "--event-base", "pre_mean"],
    );
    let case = &reference["cases"][3];
    assert_eq!(case["base"], "pre_mean");
    let rows = got["event_study"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["reference"] == false && r["se"].is_number()));
    for (o, t) in rows.iter().zip(case["rows"].as_array().unwrap()) {
        assert_eq!(o["rel_time"], t["rel_time"]);
        assert!((o["estimate"].as_f64().unwrap() - t["estimate"].as_f64().unwrap()).abs() < 1e-9);
        assert!((o["se"].as_f64().unwrap() - t["se"].as_f64().unwrap()).abs() < 1e-9);
    }
    assert!((got["estimate"].as_f64().unwrap() - case["average_post"]["estimate"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(got["event_base"], "pre_mean");
    assert!(got["estimand"].as_str().unwrap().contains("the mean of the pre-period coefficients -3 to -1"));
}

/// The event study's sensitivity to parallel trends in `estimate`'s JSON, unbinned, as
/// diff-diff's HonestDiD gives it (tests/reference/make_honest_fixtures.py).
#[test]
fn event_study_json_has_its_sensitivity() {
    let got = estimate_json("event_panel.csv", &["--cohort", "first_treat", "--method", "event"]);
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("honest_reference.json")).unwrap()).unwrap();
    let s = &got["sensitivity"];
    assert_eq!(s["restriction"], "relative_magnitude");
    let ours = s["mean"]["breakdown"].as_f64().unwrap();
    let theirs = reference["mean"]["breakdown"].as_f64().unwrap();
    assert!((ours - theirs).abs() < 1e-6 * (1.0 + theirs), "{ours} vs {theirs}");
    let at_one = &s["grid"].as_array().unwrap()[4];
    assert_eq!(at_one["mbar"], 1.0);
    let want = reference["mean"]["grid"][4]["ci_low"].as_f64().unwrap();
    assert!((at_one["ci_low"].as_f64().unwrap() - want).abs() < 1e-9 * (1.0 + want.abs()));
    // Smoothness: with a linear trend difference allowed (M = 0) the interval is diff-diff's
    // (exact there, folded t with G − 1 df); the grid's intervals hold 0 from the breakdown M on.
    let sd = &s["smoothness"];
    assert_eq!(sd["df"].as_f64(), reference["df"].as_f64());
    let (z, theirs) = (&sd["mean"]["at_zero"], &reference["smoothness"]["t"]["mean"][0]);
    for end in ["ci_low", "ci_high"] {
        let (a, b) = (z[end].as_f64().unwrap(), theirs[end].as_f64().unwrap());
        assert!((a - b).abs() < 1e-7, "{end} at M = 0: {a} vs diff-diff {b}");
    }
    let breakdown = sd["mean"]["breakdown"].as_f64().unwrap();
    assert!(breakdown > 0.0, "the mean excludes 0 at M = 0 here");
    let grid = sd["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 9);
    assert!(grid.last().unwrap()["m"].as_f64().unwrap() >= 2.0 * breakdown);
    for g in grid {
        let (m, lo, hi) = (g["m"].as_f64().unwrap(), g["ci_low"].as_f64().unwrap(), g["ci_high"].as_f64().unwrap());
        assert_eq!(lo <= 0.0 && hi >= 0.0, m >= breakdown, "M {m}: [{lo}, {hi}], breakdown {breakdown}");
    }
    // diff-diff's breakdown (0,0166 here) comes from its grid-zoom optimiser, whose intervals
    // are longer than the optimum near it (1,381 against 1,299 half-length at M = 0,0172), so it
    // breaks down too early. R's FLCI through moderndid (normal) brackets ours: it excludes 0 at
    // the last grid M below and holds it at the first above.
    let normal = reference["smoothness"]["normal"]["mean"].as_array().unwrap();
    let holds = |g: &serde_json::Value| g["ci_low"].as_f64().unwrap() <= 0.0 && g["ci_high"].as_f64().unwrap() >= 0.0;
    let below = normal.iter().filter(|g| !holds(g)).map(|g| g["m"].as_f64().unwrap()).fold(0.0, f64::max);
    let above = normal.iter().filter(|g| holds(g)).map(|g| g["m"].as_f64().unwrap()).fold(f64::INFINITY, f64::min);
    assert!(below < breakdown && breakdown < above, "breakdown M {breakdown} outside R's ({below}, {above})");
    assert_eq!(sd["periods"].as_array().unwrap().len(), s["periods"].as_array().unwrap().len());
}

/// Clustering by a coarser column than the unit: fewer clusters, the same point estimate.
#[test]
fn cluster_column_changes_the_clusters_not_the_estimate() {
    let by_unit = estimate_json("event_panel.csv", &["--cohort", "first_treat", "--method", "twfe"]);
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("event_panel.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{},region\n", lines.next().unwrap());
    for l in lines {
        let unit: u32 = l.split(',').next().unwrap().parse().unwrap();
        out.push_str(&format!("{l},r{}\n", unit % 8));
    }
    let path = dir.path().join("with_region.csv");
    std::fs::write(&path, out).unwrap();
    let o = estimate(&[
        "--data",
        path.to_str().unwrap(),
        "--unit",
        "unit",
        "--time",
        "period",
        "--outcome",
        "y",
        "--cohort",
        "first_treat",
        "--method",
        "twfe",
        "--cluster",
        "region",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let by_region: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(by_unit["clusters"], 40);
    assert_eq!(by_region["clusters"], 8);
    assert_eq!(by_unit["estimate"], by_region["estimate"]);
    assert_ne!(by_unit["se"], by_region["se"]);
}

/// The small-sample corrections: CR0 and G/(G−1) only scale the CR1 variance by known factors.
#[test]
fn small_sample_corrections_are_selectable() {
    let run = |ssc: &str| estimate_json("twfe_unbalanced.csv", &["--treat", "treat", "--method", "twfe", "--ssc", ssc]);
    let (cr1, g_only, cr0) = (run("fixest"), run("cluster"), run("none"));
    assert_eq!(
        (cr1["inference"].as_str(), g_only["inference"].as_str(), cr0["inference"].as_str()),
        (Some("CR1"), Some("CR1-G"), Some("CR0"))
    );
    let se = |v: &serde_json::Value| v["se"].as_f64().unwrap();
    let factor = cr1["adjustment"].as_f64().unwrap();
    let g = cr1["clusters"].as_f64().unwrap();
    assert!((se(&cr1).powi(2) / se(&cr0).powi(2) - factor).abs() < 1e-9);
    assert!((se(&g_only).powi(2) / se(&cr0).powi(2) - g / (g - 1.0)).abs() < 1e-9);
    assert_eq!(cr1["estimate"], cr0["estimate"]);
}

/// A Parquet panel (typed columns: integers, floats) gives the same numbers as the CSV it came from.
/// `--covariates lpop` gives csdid's doubly robust numbers and `--unbalanced keep` on a file
/// with 15 % of its rows gone gives csdid's `allow_unbalanced_panel` numbers; a covariate that
/// changes within a county, or one that is not a number, is bad input naming row and column.
#[test]
fn callaway_santanna_covariates_and_unbalanced_panels_from_the_command_line() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("cs_reference.json")).unwrap()).unwrap();
    let close = |a: &serde_json::Value, b: &serde_json::Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9;
    let json = |o: std::process::Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let data = fixture("mpdta.csv");
    let got = json(mpdta_estimate(&data, "cs", &["--covariates", "lpop", "--reps", "99", "--format", "json"]));
    let r = &reference["covariates"]["never"];
    assert!(close(&got["estimate"], &r["aggregations"]["simple"]["estimate"]));
    assert!(close(&got["se"], &r["aggregations"]["simple"]["se"]));
    assert_eq!(got["covariates"], serde_json::json!(["lpop"]));
    assert!(got["estimand"].as_str().unwrap().contains("doubly robust in lpop"));

    // The county-years the reference dropped, left out of a copy of the file.
    let text = std::fs::read_to_string(&data).unwrap();
    let dropped: Vec<String> =
        reference["unbalanced"]["dropped"].as_array().unwrap().iter().map(|p| format!("{},{},", p[0], p[1])).collect();
    let dir = tempfile::tempdir().unwrap();
    let gaps = dir.path().join("gaps.csv");
    let kept: Vec<&str> = text.lines().filter(|l| !dropped.iter().any(|d| l.starts_with(d.as_str()))).collect();
    assert_eq!(kept.len(), 2501 - dropped.len());
    std::fs::write(&gaps, kept.join("\n")).unwrap();
    let gaps = gaps.to_str().unwrap();
    let got = json(mpdta_estimate(gaps, "cs", &["--unbalanced", "keep", "--reps", "99", "--format", "json"]));
    let r = &reference["unbalanced"]["never"];
    assert!(close(&got["estimate"], &r["aggregations"]["simple"]["estimate"]));
    assert!(close(&got["se"], &r["aggregations"]["simple"]["se"]));
    assert_eq!((got["n_units"].as_u64(), got["unbalanced"].as_str()), (Some(500), Some("keep")));
    let default = json(mpdta_estimate(gaps, "cs", &["--reps", "99", "--format", "json"]));
    assert!(default["n_units"].as_u64().unwrap() < 400, "the default drops counties with gaps");

    // Both: R's drdid_rc on each cell's pooled observations.
    let got = json(mpdta_estimate(gaps, "cs", &["--unbalanced", "keep", "--covariates", "lpop", "--format", "json"]));
    let r = &reference["unbalanced_covariates"]["never"];
    assert!(close(&got["estimate"], &r["aggregations"]["simple"]["estimate"]));
    assert!(close(&got["se"], &r["aggregations"]["simple"]["se"]));

    // A covariate that varies within a county, and one that is not a number.
    let bad = dir.path().join("bad.csv");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].rsplit_once(',').map(|(a, _)| format!("{a},6.5")).unwrap();
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = mpdta_estimate(bad.to_str().unwrap(), "cs", &["--covariates", "lpop"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("row 3") && err.contains("`lpop`") && err.contains("constant within a unit"), "{err}");
    lines = text.lines().map(String::from).collect();
    lines[1] = lines[1].rsplit_once(',').map(|(a, _)| format!("{a},many")).unwrap();
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = mpdta_estimate(bad.to_str().unwrap(), "cs", &["--covariates", "lpop"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("row 2") && err.contains("expected a number"), "{err}");
    let o = mpdta_estimate(&data, "twfe", &["--covariates", "lpop"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn parquet_input_matches_csv() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("mpdta.csv");
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.clone().into()))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(df.column("lemp").unwrap().dtype(), &DataType::Float64, "typed columns in the Parquet file");
    let path = dir.path().join("mpdta.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
    let (a, b) = (mpdta_cs(&csv, "never"), mpdta_cs(path.to_str().unwrap(), "never"));
    assert_eq!(a["estimate"], b["estimate"]);
    assert_eq!(a["se"], b["se"]);
    assert_eq!(a["att_gt"][0]["group"], b["att_gt"][0]["group"]);
}

/// Ad hoc panels are not limited to municipalities: 70,000 units (more than a 16-bit id holds).
#[test]
fn many_units() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = String::from("id,t,y,d\n");
    for i in 0..70_000u32 {
        for t in 1..=2u32 {
            let d = u32::from(i < 500 && t == 2);
            let y = (i % 97) as f64 * 0.01 + t as f64 + 2.0 * d as f64 + ((i * 7 + t) % 13) as f64 * 0.001;
            out.push_str(&format!("{i},{t},{y},{d}\n"));
        }
    }
    let path = dir.path().join("many.csv");
    std::fs::write(&path, out).unwrap();
    let o = estimate(&[
        "--data",
        path.to_str().unwrap(),
        "--unit",
        "id",
        "--time",
        "t",
        "--outcome",
        "y",
        "--treat",
        "d",
        "--method",
        "twfe",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["n_units"], 70_000);
    assert!((got["estimate"].as_f64().unwrap() - 2.0).abs() < 0.01, "{}", got["estimate"]);
}

fn prop99(args: &[&str]) -> serde_json::Value {
    let path = fixture("prop99.csv");
    let base =
        ["--data", path.as_str(), "--unit", "state", "--time", "year", "--outcome", "packs", "--treat", "treated"];
    let o = estimate(&[&base[..], args, &["--format", "json"]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `estimate --method synth --conformal` prints a conformal interval per post year (fixture from
/// tests/reference/make_conformal_fixtures.py): each holds diff-diff's grid interval and
/// reaches less than a grid step beyond it (its ends are narrowed by bisection).
#[test]
fn synth_json_has_per_period_conformal_intervals() {
    let j = prop99(&["--method", "synth", "--conf-level", "0.9", "--conformal"]);
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("conformal_reference.json")).unwrap()).unwrap();
    let ours = j["conformal"].as_array().unwrap();
    let theirs = reference["all_pre"]["0.1"].as_array().unwrap();
    assert_eq!(ours.len(), 12);
    for (o, t) in ours.iter().zip(theirs) {
        assert_eq!(o["period"], t["year"]);
        assert_eq!(o["status"], "bounded");
        let f = |v: &serde_json::Value| v.as_f64().unwrap();
        let (lo, hi, tlo, thi) = (f(&o["ci_low"]), f(&o["ci_high"]), f(&t["lower"]), f(&t["upper"]));
        let step = (thi - tlo) / 5.0;
        assert!(lo <= tlo + 1e-9 && hi >= thi - 1e-9 && tlo - lo < step && hi - thi < step, "{o} vs {t}");
    }
}

/// `estimate --method synth` always prints the constant effect's conformal interval: at 90 % it
/// holds every θ diff-diff's joint test keeps on Prop 99 and no rejected one beyond them (the
/// kept set has a hole near −17, which the interval, a hull, covers), from the 31 cyclic shifts.
#[test]
fn synth_json_has_the_constant_effect_conformal_interval() {
    let j = prop99(&["--method", "synth", "--conf-level", "0.9"]);
    let c = &j["conformal_constant"];
    assert_eq!(
        (c["status"].as_str(), c["permutations"].as_u64(), c["post_periods"].as_u64()),
        (Some("bounded"), Some(31), Some(12))
    );
    let (lo, hi) = (c["ci_low"].as_f64().unwrap(), c["ci_high"].as_f64().unwrap());
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("conformal_reference.json")).unwrap()).unwrap();
    let grid: Vec<(f64, bool)> = reference["joint"]["constant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["theta"].as_f64().unwrap(), r["p_value"].as_f64().unwrap() > 0.1))
        .collect();
    let kept: Vec<f64> = grid.iter().filter(|g| g.1).map(|g| g.0).collect();
    let (first, last) = (kept[0], kept[kept.len() - 1]);
    assert!(grid.iter().any(|&(theta, k)| !k && first < theta && theta < last), "the kept set has a hole");
    for (theta, k) in grid {
        let inside = lo <= theta && theta <= hi;
        assert!(inside == (first <= theta && theta <= last) && (!k || inside), "θ = {theta} ({k}), [{lo}, {hi}]");
    }
    assert!(j.get("conformal").is_none(), "per-period intervals only with --conformal");
}

#[test]
fn synth_json_has_weights_fit_and_placebo_p_value() {
    let j = prop99(&["--method", "synth", "--predictors", "blocks:4,last"]);
    assert_eq!(j["method"], "synth");
    let weights = j["weights"].as_array().unwrap();
    let total: f64 = weights.iter().map(|w| w["weight"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-6 && weights.iter().all(|w| w["unit"].is_string()));
    let (pre, post, ratio) =
        (j["pre_rmspe"].as_f64().unwrap(), j["post_rmspe"].as_f64().unwrap(), j["post_pre_ratio"].as_f64().unwrap());
    assert!(pre > 0.0 && (ratio - post / pre).abs() < 1e-9);
    assert_eq!(j["n_placebos"], 38);
    // Rank p-value among 38 placebos.
    let k = j["p_value"].as_f64().unwrap() * 39.0 - 1.0;
    assert!((k - k.round()).abs() < 1e-9);
    // The estimate is the mean gap from 1989 on.
    let post_gaps: Vec<f64> = j["gap"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["period"].as_i64().unwrap() >= 1989)
        .map(|g| g["gap"].as_f64().unwrap())
        .collect();
    assert_eq!(post_gaps.len(), 12);
    let mean = post_gaps.iter().sum::<f64>() / 12.0;
    assert!((j["estimate"].as_f64().unwrap() - mean).abs() < 1e-9);
    assert!(j["ci_low"].as_f64().unwrap() < mean && mean < j["ci_high"].as_f64().unwrap());
    // --pre-window keeps only the last 10 pre-periods: a different fit.
    let short = prop99(&["--method", "synth", "--pre-window", "10"]);
    assert_ne!(short["pre_rmspe"], j["pre_rmspe"]);
}

#[test]
fn sdid_json_matches_synthdid_weights() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("sdid_reference.json")).unwrap()).unwrap();
    let j = prop99(&["--method", "sdid", "--reps", "100"]);
    let theirs = reference["sdid"]["estimate"].as_f64().unwrap();
    assert!((j["estimate"].as_f64().unwrap() - theirs).abs() < 1e-6, "{} vs {theirs}", j["estimate"]);
    // Time weights: 1986–1988 carry synthdid's λ (the last pre-periods of 1970–1988).
    let lambda: Vec<f64> =
        reference["sdid"]["lambda"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for w in j["time_weights"].as_array().unwrap() {
        let year = w["period"].as_u64().unwrap() as usize;
        assert!((w["weight"].as_f64().unwrap() - lambda[year - 1970]).abs() < 1e-6);
    }
    let total: f64 = j["weights"].as_array().unwrap().iter().map(|w| w["weight"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-5);
    assert!(j["se"].as_f64().unwrap() > 0.0 && j["placebo_reps"] == 100);
}

#[test]
fn synthetic_methods_refuse_flags_that_do_not_apply() {
    let path = fixture("prop99.csv");
    let base =
        ["--data", path.as_str(), "--unit", "state", "--time", "year", "--outcome", "packs", "--treat", "treated"];
    for extra in [
        &["--method", "twfe", "--predictors", "last"][..],
        &["--method", "synth", "--inference", "ri"][..],
        &["--method", "twfe", "--pre-window", "5"][..],
        &["--method", "twfe", "--last", "1995"][..],
        &["--method", "did2x2", "--last", "2051"][..],
        &["--method", "twfe", "--strata", "state"][..],
        &["--method", "did2x2", "--inference", "ri", "--strata", "packs"][..],
        &["--method", "did2x2", "--inference", "ri", "--strata", "no_such_column"][..],
        &["--method", "synth", "--predictors", "blocks:x"][..],
        &["--method", "synth", "--predictors", "income"][..],
    ] {
        let o = estimate(&[&base[..], extra].concat());
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(!o.stderr.is_empty());
    }
}

/// `estimate --method bjs|sunab` on mpdta prints what diff-diff 3.13 gives
/// (tests/reference/make_staggered_fixtures.py), with the convention of each interval named.
#[test]
fn staggered_estimators_from_the_command_line_match_diff_diff() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("staggered_reference.json")).unwrap()).unwrap();
    let data = fixture("mpdta.csv");
    let run = |method: &str| -> serde_json::Value {
        let o = mpdta_estimate(&data, method, &["--format", "json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let near = |what: &str, ours: &serde_json::Value, theirs: &serde_json::Value| {
        let (a, b) = (ours.as_f64().unwrap(), theirs.as_f64().unwrap());
        assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}");
    };
    let bjs = run("bjs");
    let r = &reference["balanced"];
    assert_eq!(bjs["method"], "bjs");
    assert_eq!(bjs["inference"], "IF-LOO");
    near("bjs estimate", &bjs["estimate"], &r["bjs"]["estimate"]);
    near("bjs se (leave-one-out)", &bjs["se"], &r["bjs_loo"]["se"]);
    near("bjs reference se", &bjs["reference"]["se"], &r["bjs"]["se"]);
    let horizons = bjs["horizons"].as_array().unwrap();
    assert_eq!(horizons.len(), 4);
    for (ours, theirs) in horizons.iter().zip(r["bjs"]["horizons"].as_array().unwrap()) {
        assert_eq!(ours["rel_time"], theirs["rel_time"]);
        near("bjs horizon", &ours["estimate"], &theirs["estimate"]);
        near("bjs horizon reference se", &ours["reference"]["se"], &theirs["se"]);
    }
    // The few-cluster interval is wider than the reference one: t(190) and leave-one-out.
    assert!(
        bjs["ci_high"].as_f64().unwrap() - bjs["ci_low"].as_f64().unwrap()
            > bjs["reference"]["ci_high"].as_f64().unwrap() - bjs["reference"]["ci_low"].as_f64().unwrap()
    );
    let sunab = run("sunab");
    assert_eq!(sunab["method"], "sunab");
    for k in ["estimate", "se", "ci_low", "ci_high"] {
        near(&format!("sunab {k}"), &sunab[k], &r["sunab"][k]);
    }
    let rows = sunab["event_study"].as_array().unwrap();
    assert_eq!(rows.len(), r["sunab"]["rows"].as_array().unwrap().len());
    assert_eq!(rows.iter().map(|x| x["cohorts"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 2, 3, 2, 1, 1]);
    assert!(sunab["pretrend"]["p_value"].as_f64().is_some());
    assert_eq!(sunab["event_base"], "period_before");
    let cells = sunab["cohort_effects"].as_array().unwrap();
    assert_eq!(cells.len(), r["sunab"]["cohort_effects"].as_array().unwrap().len());
    assert_eq!(cells[0]["cohort"], 2004, "cohorts in the input's labels");
    // From the pre-period mean: another headline, the same pre-trend test.
    let o = mpdta_estimate(&data, "sunab", &["--event-base", "pre_mean", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pre_mean: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(pre_mean["event_base"], "pre_mean");
    assert!((pre_mean["estimate"].as_f64().unwrap() - sunab["estimate"].as_f64().unwrap()).abs() > 1e-4);
    assert_eq!(pre_mean["pretrend"], sunab["pretrend"]);
    // Their own inference: bjs takes no --inference, sunab no randomization inference.
    for (method, inference) in [("bjs", "cr1"), ("sunab", "ri")] {
        let o = mpdta_estimate(&data, method, &["--inference", inference]);
        assert_eq!(o.status.code(), Some(2), "{method} --inference {inference}");
    }
}
