//! A Statbank CSV export as downloaded (Windows-1252, `;`, decimal comma, a title and a unit
//! line, blank dimension headers with the measure written once, whole country, regions and
//! Christiansø rows, a source footnote) read with only `file` and `outcome`; and a study whose
//! second trial starts after the data end: it is reported as not yet evaluable in results.json
//! and every document, in Danish and English, while the first trial is evaluated. `--strict`
//! makes it an error.

use std::path::Path;
use std::process::{Command, Output};

const STUDY: &str = r#"
[study]
name = "endnu-ikke"
title = "Et forsøg der kan evalueres og et der ikke kan"
title_en = "One trial that can be evaluated and one that cannot"
synthetic = true
language = ["da", "en"]

[[data.sources]]
file = "statbank.csv"
outcome = "rate"

[inference]
reps = 199
band_reps = 99

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
label_en = "Employment rate"
unit = "percent"
better = "higher"

[[trials]]
key = "nord"
name = "Frikommuneforsøg i Nordjylland"
name_en = "Free-municipality trial in North Jutland"
end = "2020-12-31"
pre_months = 72

  [[trials.components]]
  key = "c"
  name = "Hele netværket"
  name_en = "The whole network"
  start = "2016-01-01"
  participants = ["Aalborg", "Brønderslev", "Hjørring", "Thisted"]
  outcomes = ["rate"]

[[trials]]
key = "velfaerd"
name = "Velfærdsaftale 2023"
name_en = "Welfare agreement 2023"
end = "2026-12-31"
pre_months = 36

  [[trials.components]]
  key = "c"
  name = "Beskæftigelse"
  name_en = "Employment"
  start = "2023-07-01"
  participants = ["Hillerød", "Greve", "Silkeborg", "Aabenraa"]
  outcomes = ["rate"]
"#;

/// Windows-1252 bytes of `text` (every character here is in Latin-1).
fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).expect("Latin-1")).collect()
}

/// The export: years as columns, the measure written once in column A, areas in column B.
fn write_export(dir: &Path) {
    let registry = frikommune::registry::Registry::embedded();
    let years: Vec<i32> = (2010..=2021).collect();
    let mut t = String::from("Beskæftigelsesfrekvens (ultimo november) efter område og tid\nEnhed: Pct.\n");
    t.push_str(&format!(";;{}\n", years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(";")));
    let row = |first: &str, area: &str, level: f64, rise: f64| {
        let cells: Vec<String> = years
            .iter()
            .map(|&y| {
                let v = level + 0.2 * (y - 2010) as f64 + if y >= 2016 { rise } else { 0.0 };
                format!("{v:.1}").replace('.', ",")
            })
            .collect();
        format!("{first};{area};{}\n", cells.join(";"))
    };
    t.push_str(&row("Beskæftigelsesfrekvens", "Hele landet", 74.0, 0.0));
    t.push_str(&row("", "Region Nordjylland", 73.0, 0.0));
    for (i, m) in registry.all().iter().enumerate() {
        let treated = ["Aalborg", "Brønderslev", "Hjørring", "Thisted"].contains(&m.name.as_str());
        let wiggle = 0.3 * ((i * 7) as f64).sin();
        t.push_str(&row("", &m.name, 70.0 + 0.05 * i as f64 + wiggle, if treated { 1.2 } else { 0.0 }));
    }
    t.push_str(&format!(";Christiansø;{}\n", years.iter().map(|_| "..").collect::<Vec<_>>().join(";")));
    t.push_str("\nKilde: Danmarks Statistik\n");
    std::fs::write(dir.join("statbank.csv"), latin1(&t)).unwrap();
    std::fs::write(dir.join("study.toml"), STUDY).unwrap();
}

fn frikommune(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune")).args(args).current_dir(dir).output().unwrap()
}

#[test]
fn a_trial_after_the_data_is_reported_and_the_rest_runs() {
    let dir = tempfile::tempdir().unwrap();
    write_export(dir.path());

    let o = frikommune(dir.path(), &["validate", "study.toml"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stdout}{stderr}");
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("data 98 municipalities"), "{said}");
    assert!(
        said.contains("trial `velfaerd`, component `c`, outcome `rate` cannot be evaluated yet: the data end in 2021, and the trial starts on 2023-07-01"),
        "{said}"
    );
    assert!(said.contains("statbank.csv: left out the whole country (Hele landet)"), "{said}");
    assert!(said.contains("statbank.csv: left out Christiansø"), "{said}");

    let o = frikommune(dir.path(), &["run", "--quiet", "study.toml", "--out", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out/endnu-ikke");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["analyses"].as_array().unwrap().len(), 1, "the first trial is evaluated");
    assert_eq!(results["analyses"][0]["trial"], "nord");
    let pending = results["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["trial"], "velfaerd");
    assert_eq!(pending[0]["data_end"], "2021-12");
    assert_eq!(pending[0]["start"], "2023-07-01");
    let kinds: Vec<&str> =
        results["study"]["left_out"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["country", "region", "christianso"]);

    let da = "Velfærdsaftale 2023 · Beskæftigelse: Beskæftigelsesfrekvens kan endnu ikke evalueres: data slutter 2021, forsøget starter 1. juli 2023.";
    let en = "Welfare agreement 2023 · Employment: Employment rate cannot be evaluated yet: the data end 2021, and the trial starts 1 July 2023.";
    for (file, sentence) in [("report.md", da), ("report.html", da), ("en/report.md", en), ("en/report.html", en)] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(text.contains(sentence), "{file} lacks `{sentence}`:\n{text}");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("statbank.csv: Christiansø er udeladt; øen er ikke en kommune."), "{md}");
    assert!(md.contains("statbank.csv: rækker for hele landet er udeladt (Hele landet)."), "{md}");
    // The PDFs carry the sentence too, where pdftotext can read them back.
    if let Ok(o) = Command::new("pdftotext").args(["-layout"]).arg(out.join("pixi.pdf")).arg("-").output()
        && o.status.success()
    {
        let text = String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("kan endnu ikke evalueres"), "pixi.pdf: {text}");
        let o = Command::new("pdftotext").args(["-layout"]).arg(out.join("en/report.pdf")).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("cannot be evaluated yet"), "en/report.pdf: {text}");
    } else {
        assert!(std::env::var_os("FRIKOMMUNE_REQUIRE_TOOLS").is_none(), "pdftotext is required here");
        eprintln!("skipped: the PDF read-back (pdftotext not installed)");
    }

    // --strict: the same study is an error, and nothing is written.
    let o = frikommune(dir.path(), &["run", "--quiet", "--strict", "study.toml", "--out", "strict"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be evaluated yet"));
    assert!(!dir.path().join("strict/endnu-ikke").exists());
    let o = frikommune(dir.path(), &["validate", "--strict", "study.toml"]);
    assert_eq!(o.status.code(), Some(2));
}
