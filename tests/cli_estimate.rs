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
fn unavailable_methods_and_bad_columns_are_usage_errors() {
    let data = fixture("twfe_balanced.csv");
    let base = ["--data", data.as_str(), "--unit", "unit", "--time", "period", "--treat", "treat"];
    let o = estimate(&[&base[..], &["--outcome", "y", "--method", "cs"]].concat());
    assert_eq!(o.status.code(), Some(2));
    let o = estimate(&[&base[..], &["--outcome", "yy"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no column `yy`"));
}
