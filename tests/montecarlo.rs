//! `frikommune montecarlo`: a small run gives a well-formed table that does not depend on the
//! number of threads, and bad selections are usage errors.

use std::process::Command;

fn montecarlo(threads: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", threads)
        .arg("montecarlo")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn same_table_for_any_thread_count() {
    let args = ["--reps", "3", "--draws", "99", "--format", "json"];
    let one = montecarlo("1", &args);
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    let two = montecarlo("2", &args);
    assert_eq!(one.stdout, two.stdout, "1 and 2 threads give different tables");
    let report: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(report["n_treated"], 4);
    let rows = report["rows"].as_array().unwrap();
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["inference"].as_str().unwrap()))
        .collect();
    for expected in ["did2x2 CR1", "did2x2 RI", "twfe CR1", "twfe WCR Webb", "event CR1", "cs IF"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    for r in rows {
        let size = r["size"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&size));
        assert_eq!(r["size_reps"], 3);
        let estimates_truth = matches!(r["method"].as_str().unwrap(), "did2x2" | "twfe" | "bjs" | "sunab");
        assert_eq!(r["coverage"].is_number(), estimates_truth, "{r}");
    }
}

#[test]
fn unknown_trial_or_outcome_is_a_usage_error() {
    let o = montecarlo("1", &["--trial", "velfaerd2032", "--reps", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no trial `velfaerd2032`"));
    let o = montecarlo("1", &["--outcome", "jaf_duration", "--reps", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not measure `jaf_duration`"));
}

/// Placebo participants drawn from the smallest municipalities, with the within-strata row:
/// the report says where they came from, the stratified row is there, and no coverage is
/// re-measured (it does not depend on the pool). Bad pools and strata are usage errors.
#[test]
fn placebo_pools_and_strata() {
    let o = montecarlo(
        "2",
        &["--reps", "3", "--draws", "99", "--format", "json", "--pool", "smallest:20", "--strata", "size:5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["pool"], "smallest:20");
    assert_eq!(report["pool_size"], 20);
    assert_eq!(report["strata"], serde_json::json!(["size:5"]));
    let rows = report["rows"].as_array().unwrap();
    let within = rows.iter().find(|r| r["inference"] == "RI within strata (size:5)").expect("the stratified row");
    assert_eq!(within["size_reps"], 3);
    assert!(rows.iter().all(|r| r["coverage"].is_null()), "no coverage with a restricted pool");

    let o = montecarlo("1", &["--reps", "1", "--pool", "middle:3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--pool: expected `all`, `smallest:N` or `largest:N`"));
    for (flag, value) in
        [("--reps", "1000000000000"), ("--reps", "0"), ("--sdid-reps", "1"), ("--max-exact", "1000000000000")]
    {
        let args: Vec<&str> = if flag == "--reps" { vec![flag, value] } else { vec!["--reps", "1", flag, value] };
        let o = montecarlo("1", &args);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("{flag}: expected")), "{flag} {value}");
    }
    let o = montecarlo("1", &["--reps", "1", "--strata", "size:11"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--strata"));
    // Without strata (the example declares none) the stratified row is left out.
    let o = montecarlo("1", &["--reps", "2", "--draws", "99", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["rows"].as_array().unwrap().iter().all(|r| !r["inference"].as_str().unwrap().contains("strata")));
}

/// The durations analysis's deciding interval, measured on simulated case files: two rows
/// (CR1, and the randomization inference that decides), every replication both a placebo and
/// a simulated trial, the same table for any thread count; an unknown key is a usage error
/// naming the study's duration analyses.
#[test]
fn durations_on_simulated_case_files() {
    let args = ["--durations", "jaf", "--reps", "6", "--draws", "99", "--format", "json"];
    let (one, two) = (montecarlo("1", &args), montecarlo("2", &args));
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    assert_eq!(one.stdout, two.stdout, "the table depends on the thread count");
    let report: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(report["analysis"], "durations.jaf");
    assert_eq!(report["n_treated"], 10);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let ri = rows.iter().find(|r| r["inference"] == "RI").unwrap();
    assert_eq!(ri["decides"], true);
    assert_eq!((ri["size_reps"].as_u64(), ri["coverage_reps"].as_u64()), (Some(6), Some(6)));
    let coverage = ri["coverage"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&coverage) && ri["mean_width"].as_f64().unwrap() > 0.0);

    let o = montecarlo("1", &["--durations", "jaff", "--reps", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no duration analysis `jaff` in the study (durations: jaf)"));
}
