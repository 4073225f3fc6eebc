//! A small study in the canonical long layout, written from scratch as a user would.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const STUDY: &str = r#"
[study]
name = "lille-studie"
title = "Lille studie"

[data]
panel = "panel.csv"      # long layout is the default

[[outcomes]]
key = "share"
label = "Andel"
unit = "percent"
better = "higher"

[[trials]]
key = "t"
name = "Forsøg"
end = "2020-12-31"
pre_months = 12

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2020-01-01"
  participants = ["Aalborg", "825"]
  outcomes = ["share"]
"#;

/// Every municipality gets 50 + its index; the two participants gain exactly 2 from 2020.
fn write_panel(dir: &Path, extra: &str) {
    let registry = frikommune::registry::Registry::embedded();
    let mut csv = String::from("municipality,period,outcome,value,n\n");
    for (i, m) in registry.all().iter().enumerate() {
        for year in [2019, 2020] {
            for month in 1..=12 {
                let treated = (m.code == 851 || m.code == 825) && year == 2020;
                let v = 50.0 + i as f64 * 0.1 + if treated { 2.0 } else { 0.0 } + 0.01 * month as f64;
                // The two participants have 2 persons each behind June 2019: 4 < 5, suppressed.
                let n = if (m.code == 851 || m.code == 825) && year == 2019 && month == 6 { 2 } else { 100 };
                writeln!(csv, "{},{year}M{month:02},share,{v},{n}", m.name).unwrap();
            }
        }
    }
    csv.push_str(extra);
    std::fs::write(dir.join("panel.csv"), csv).unwrap();
}

fn run(dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet"])
        .arg(dir.join("study.toml"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap()
}

#[test]
fn a_long_panel_with_names_and_statbank_months_recovers_a_known_shift() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("study.toml"), STUDY).unwrap();
    write_panel(dir.path(), "");
    let o = run(dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = std::fs::read_to_string(dir.path().join("out/lille-studie/results.json")).unwrap();
    let results: frikommune::results::Results = serde_json::from_str(&json).unwrap();
    assert!(!results.study.synthetic);
    let a = &results.analyses[0];
    assert_eq!(a.design.treated.len(), 2);
    assert_eq!(a.design.n_comparison, 96);
    let june = a.trend.iter().find(|p| p.period.to_string() == "2019-06").unwrap();
    assert!(june.treated.is_none() && june.treated_suppressed, "a mean behind 4 persons is shown");
    assert!(june.comparison.is_some() && !june.comparison_suppressed);
    // The rest of the pre-period goes with it: its average (the balance table's level, the DiD)
    // less the other months would give June back.
    let may = a.trend.iter().find(|p| p.period.to_string() == "2019-05").unwrap();
    assert!(may.treated.is_none() && may.treated_protected);
    let january = a.trend.iter().find(|p| p.period.to_string() == "2020-01").unwrap();
    assert!(january.treated.is_some() && !january.treated_protected);
    for e in &a.estimates {
        assert!((e.interval.estimate - 2.0).abs() < 1e-9, "{:?}: {}", e.method, e.interval.estimate);
    }
}

#[test]
fn a_duplicate_row_is_reported_with_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("study.toml"), STUDY).unwrap();
    write_panel(dir.path(), "Aalborg,2019M01,share,50,100\n");
    let o = run(dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("one value per municipality, period and outcome"), "{err}");
    assert!(err.contains("row 2354") && err.contains("on row 2306"), "{err}");
    assert!(!dir.path().join("out").exists());
}
