//! One seed, one answer: `run` and `estimate` give the same randomization-inference interval for
//! the same data, design and seed. The analysis's own sample (the 11 participants of one region
//! and the comparison municipalities, its pre-years and evaluation window) is written out as a
//! long CSV and handed to `estimate`; with 11 of 98 municipalities the test draws assignments
//! (not every one can be enumerated), so the two agree only if they draw the same ones.

use std::process::Command;

use frikommune::estimate::Method;
use frikommune::ingest::read_panel;
use frikommune::pipeline::{Silent, analyse};
use frikommune::study::Study;

const NORTH: [&str; 11] = [
    "Aalborg",
    "Brønderslev",
    "Frederikshavn",
    "Hjørring",
    "Jammerbugt",
    "Læsø",
    "Mariagerfjord",
    "Morsø",
    "Rebild",
    "Thisted",
    "Vesthimmerlands",
];

#[test]
fn run_and_estimate_draw_the_same_assignments() {
    agree("");
}

/// The same within size classes: the study's `strata = ["size"]` and `estimate --strata` on a
/// column holding each municipality's class.
#[test]
fn run_and_estimate_agree_within_strata() {
    agree(r#"strata = ["size"]"#);
}

fn agree(strata: &str) {
    let dir = tempfile::tempdir().unwrap();
    let registry = frikommune::registry::Registry::embedded();
    let mut csv = String::from("OMRÅDE;TID;INDHOLD\n");
    for (i, m) in registry.all().iter().enumerate() {
        for y in 2008..=2021 {
            let rise = if NORTH.contains(&m.name.as_str()) && y >= 2016 { 0.6 } else { 0.0 };
            let v = 72.0
                + 1.5 * ((i * 37 % 11) as f64 / 10.0)
                + 0.2 * (y - 2010) as f64
                + 0.4 * ((i * 13 + y as usize * 7) % 5) as f64
                // Not periodic in five years: each municipality's change over the windows differs
                // (with only the term above, every change was the same and every interval had
                // width 0).
                + 0.3 * ((i * 7 + y as usize * 3) % 11) as f64 / 10.0
                + rise;
            csv.push_str(&format!("{};{y};{}\n", m.name, format!("{v:.2}").replace('.', ",")));
        }
    }
    std::fs::write(dir.path().join("aar.csv"), csv).unwrap();
    let names: Vec<String> = NORTH.iter().map(|p| format!("{p:?}")).collect();
    let study_text = format!(
        r#"
[study]
name = "et-froe"
title = "Et frø, et svar"
synthetic = true

[[data.sources]]
file = "aar.csv"
outcome = "rate"

[inference]
reps = 999
seed = 7
{}

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
unit = "percent"
better = "higher"

[[trials]]
key = "t"
name = "Forsøget"
end = "2020-12-31"
pre_months = 60

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = [{}]
  outcomes = ["rate"]
"#,
        strata,
        names.join(", ")
    );
    let path = dir.path().join("study.toml");
    std::fs::write(&path, study_text).unwrap();
    let study = Study::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let panel = read_panel(&study).unwrap();
    let results = analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"));
    let a = &results.analyses[0];
    let ri = a.estimates.iter().find(|e| e.method == Method::Did2x2 && e.inference.name == "RI").unwrap_or_else(|| {
        panic!(
            "{:?} {:?}",
            a.problems,
            a.estimates.iter().map(|e| (&e.inference.name, e.interval.ci_low, e.interval.ci_high)).collect::<Vec<_>>()
        )
    });
    let how = &ri.inference.description;
    assert!(how.contains("Monte Carlo, seed 7") || how.contains("(exact)"), "{how}");
    assert_eq!(how.contains("within strata"), !strata.is_empty(), "{how}");

    // The analysis's units, every year of the data, as a long CSV: code, year, value, first
    // treated year; `run`'s window is given by `--pre-window` (years before the start) and
    // `--last` (the evaluation end).
    let d = &a.design;
    let (first, last) = (2008, 2021);
    let pre_years = (d.post.first.year() - d.pre.first.year()).to_string();
    let end = d.post.last.year().to_string();
    assert_eq!((pre_years.as_str(), end.as_str()), ("5", "2020"));
    let treated: Vec<u16> = d.treated.iter().map(|t| t.code).collect();
    let classes = study.strata_map();
    let mut long = String::from("municipality,year,rate,cohort,class\n");
    let units: Vec<u16> = treated.iter().copied().chain(d.comparison_units.iter().copied()).collect();
    for &code in &units {
        let u = panel.unit_index(code).unwrap();
        for y in first..=last {
            let m = frikommune::period::Month::new(y, 12).unwrap();
            if let Some(v) = panel.value("rate", u, m) {
                let cohort = if treated.contains(&code) { 2016 } else { 0 };
                long.push_str(&format!("{code},{y},{v},{cohort},c{}\n", classes[&code]));
            }
        }
    }
    let file = dir.path().join("long.csv");
    std::fs::write(&file, long).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["estimate", "--data", file.to_str().unwrap(), "--unit", "municipality", "--time", "year"])
        .args(["--outcome", "rate", "--cohort", "cohort", "--method", "did2x2", "--inference", "ri"])
        .args(["--reps", "999", "--seed", "7", "--format", "json", "--pre-window", &pre_years, "--last", &end])
        .args(if strata.is_empty() { vec![] } else { vec!["--strata", "class"] })
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = |k: &str| e[k].as_f64().unwrap_or_else(|| panic!("{k}: {e}"));
    let i = &ri.interval;
    for (name, want) in [("estimate", i.estimate), ("ci_low", i.ci_low), ("ci_high", i.ci_high), ("p_value", i.p_value)]
    {
        assert!((got(name) - want).abs() < 1e-12, "{name}: estimate {} vs run {want}", got(name));
    }
    assert_eq!(e["n_units"].as_u64().unwrap() as usize, units.len());
    let theirs = e["inference_description"].as_str().unwrap();
    assert_eq!(theirs.contains("within strata"), !strata.is_empty(), "{theirs}");
}
