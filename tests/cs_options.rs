//! A study's Callaway–Sant'Anna options end to end: `cs_covariates` makes each ATT(g,t) doubly
//! robust and `cs_unbalanced = "keep"` keeps municipalities with gaps, both named in
//! results.json, the estimate's wording and the methods; covariates that separate the
//! participants from the comparison municipalities (all four in one region) are reported as a
//! problem rather than estimated; an unknown covariate is bad input.

#[allow(dead_code)] // this file uses the study, not the shared run
mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The yearly study with `settings` added to its `[inference]`, run; its results and output
/// folder.
fn run_with(dir: &Path, settings: &str) -> (Value, std::path::PathBuf) {
    common::write_study(dir);
    let path = dir.join("study.toml");
    let study = std::fs::read_to_string(&path).unwrap().replace("[inference]\n", &format!("[inference]\n{settings}\n"));
    std::fs::write(&path, study).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet"])
        .arg(&path)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("out/aarlig");
    (serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap(), out)
}

/// The analysis of the trial whose participants are four municipalities of Nordjylland.
fn nordjylland(results: &Value) -> &Value {
    results["analyses"].as_array().unwrap().iter().find(|a| a["trial"] == "alle").expect("trial `alle`")
}

fn cs_estimate(analysis: &Value) -> Option<&Value> {
    analysis["estimates"].as_array().unwrap().iter().find(|e| e["method"] == "cs")
}

#[test]
fn doubly_robust_and_kept_gaps_are_named_wherever_the_estimate_shows() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _) = run_with(dir.path(), "");
    let plain_cs = cs_estimate(nordjylland(&plain)).expect("plain estimate")["estimate"].as_f64().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (r, out) = run_with(dir.path(), "cs_covariates = [\"level\", \"population\"]\ncs_unbalanced = \"keep\"");
    let a = nordjylland(&r);
    assert_eq!(a["cs"]["covariates"], serde_json::json!(["level", "log_population"]));
    assert_eq!(a["cs"]["unbalanced"], "keep");
    let e = cs_estimate(a).expect("doubly robust estimate");
    assert!(e["estimand"].as_str().unwrap().contains("doubly robust in level, log_population"));
    assert!(e["inference"]["description"].as_str().unwrap().contains("drdid_panel"));
    // Adjusting for the pre-period level and population moves the estimate.
    assert!((e["estimate"].as_f64().unwrap() - plain_cs).abs() > 1e-6);
    assert!(e["ci_low"].as_f64().unwrap() < e["ci_high"].as_f64().unwrap());

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("dobbelt robust i førperiodens niveau og indbyggertal"), "Danish methods");
    assert!(html.contains("Kommuner med huller i data indgår"));
    assert!(!html.contains("Kommuner, der mangler data i et år, indgår ikke"));
    let en = std::fs::read_to_string(out.join("en/report.html")).unwrap();
    assert!(en.contains("doubly robust in the pre-period level and population"), "English methods");
}

#[test]
fn a_region_covariate_with_every_participant_in_one_region_is_a_problem_not_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = run_with(dir.path(), "cs_covariates = [\"region\"]");
    let a = nordjylland(&r);
    assert!(cs_estimate(a).is_none(), "no doubly robust estimate without overlap");
    let problems: Vec<&str> = a["problems"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
    assert!(problems.iter().any(|p| p.starts_with("callaway-sant'anna") && p.contains("no overlap")), "{problems:?}");
    // The other estimators are still there.
    assert!(a["estimates"].as_array().unwrap().iter().any(|e| e["method"] == "did2x2"));
}

#[test]
fn an_unknown_covariate_is_bad_input_with_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    common::write_study(dir.path());
    let path = dir.path().join("study.toml");
    let study = std::fs::read_to_string(&path)
        .unwrap()
        .replace("[inference]\n", "[inference]\ncs_covariates = [\"levl\"]\ncs_unbalanced = \"some\"\n");
    std::fs::write(&path, study).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune")).args(["validate", "--quiet"]).arg(&path).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("inference.cs_covariates[0]") && err.contains("level, trend, population, region"), "{err}");
    assert!(err.contains("inference.cs_unbalanced") && err.contains("keep"), "{err}");
}
