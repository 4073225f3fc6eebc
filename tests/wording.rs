//! The wording follows the study: a study with 90 % intervals on yearly data says "90 %" and
//! speaks of years in every document and chart, in both languages — never "95 %" and never of
//! months. The documents are read as a reader gets them: the Markdown and HTML files, the chart
//! SVGs and alt texts, and the PDF pages' text (typst's own layout, re-typeset from results.json,
//! so no poppler is needed).

use std::path::Path;
use std::process::Command;

use frikommune::report::{PdfReport, PixiReport};
use frikommune::results::Results;
use frikommune::study::Lang;

const STUDY: &str = r#"
[study]
name = "aarlig"
title = "Årlige tal med 90 %-intervaller"
title_en = "Yearly figures with 90% intervals"
synthetic = true
language = ["da", "en"]

[data]
provisional_months = 12

[[data.sources]]
file = "aar.csv"
outcome = "rate"

[inference]
conf_level = 0.90
reps = 199
sdid_reps = 50
band_reps = 99

[covid]
handling = "exclude"
windows = [{ start = "2020-03-12", end = "2020-05-26", label = "COVID-19" }]

[[events]]
date = "2017-01-01"
label = "Ny lov"
label_en = "New act"

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
label_en = "Employment rate"
unit = "percent"
better = "higher"
margin = 0.5

[[trials]]
key = "alle"
name = "Forsøg mod alle"
end = "2021-12-31"
pre_months = 72

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-03-01"
  participants = ["Aalborg", "Brønderslev", "Hjørring", "Thisted"]
  outcomes = ["rate"]

[[trials]]
key = "syntetisk"
name = "Forsøg med syntetisk kontrol"
end = "2021-12-31"
pre_months = 72

  [trials.comparison]
  design = "synth"

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = ["Greve", "Silkeborg"]
  outcomes = ["rate"]

[[trials]]
key = "sdid"
name = "Forsøg med syntetisk DiD"
end = "2021-12-31"
pre_months = 72

  [trials.comparison]
  design = "sdid"

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = ["Hillerød", "Aabenraa"]
  outcomes = ["rate"]
"#;

/// A Statbank-style yearly table (`OMRÅDE;TID;INDHOLD`, decimal commas), 2008–2021, with a
/// rise of 1,5 points in the participants from their start year.
fn write_study(dir: &Path) {
    let registry = frikommune::registry::Registry::embedded();
    let mut years = String::from("OMRÅDE;TID;INDHOLD\n");
    let treated = ["Aalborg", "Brønderslev", "Hjørring", "Thisted", "Greve", "Silkeborg", "Hillerød", "Aabenraa"];
    for (i, m) in registry.all().iter().enumerate() {
        for y in 2008..=2021 {
            let rise = if treated.contains(&m.name.as_str()) && y >= 2016 { 1.5 } else { 0.0 };
            let v = 70.0 + 0.05 * i as f64 + 0.3 * (y - 2008) as f64 + 0.4 * ((i * 3 + y as usize) as f64).cos() + rise;
            years.push_str(&format!("{};{y};{}\n", m.name, format!("{v:.2}").replace('.', ",")));
        }
    }
    std::fs::write(dir.join("aar.csv"), years).unwrap();
    std::fs::write(dir.join("study.toml"), STUDY).unwrap();
}

/// Words that speak of months, in either language (case-insensitive), and the wrong level.
fn offences(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    for word in ["måned", "month", "95 %", "95%", "95 pct"] {
        if let Some(i) = lower.find(word) {
            let from = lower[..i].char_indices().rev().nth(60).map_or(0, |(j, _)| j);
            let to = lower[i..].char_indices().nth(60).map_or(lower.len(), |(j, _)| i + j);
            found.push(format!("`{word}` in …{}…", &text[from..to]));
        }
    }
    found
}

#[test]
fn a_yearly_study_at_90_percent_speaks_of_years_and_90_percent_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    write_study(dir.path());
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet"])
        .arg(dir.path().join("study.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out/aarlig");
    let results: Results = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();

    let mut problems = Vec::new();
    let mut check = |what: String, text: &str| {
        for p in offences(text) {
            problems.push(format!("{what}: {p}"));
        }
    };
    for (lang, prefix) in [(Lang::Da, ""), (Lang::En, "en/")] {
        let folder = out.join(prefix);
        for doc in ["report.md", "report.html"] {
            let text = std::fs::read_to_string(folder.join(doc)).unwrap();
            // The interval level is written where intervals are named.
            let ninety = if lang == Lang::Da { "90 %" } else { "90%" };
            assert!(text.contains(ninety), "{prefix}{doc} never names the 90 % level");
            check(format!("{prefix}{doc}"), &text);
        }
        // The documents are typeset again from results.json with the charts redrawn in this
        // language, as `frikommune report` does.
        let charts = frikommune::charts::draw(&results, lang, &|| ()).unwrap();
        let mut files = 0;
        for entry in std::fs::read_dir(folder.join("charts")).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("charts/{}", path.file_name().unwrap().to_string_lossy());
            let bytes = std::fs::read(&path).unwrap();
            if name.ends_with(".svg") {
                check(format!("{prefix}{name}"), &String::from_utf8_lossy(&bytes));
            }
            files += 1;
        }
        assert!(files >= 10, "{prefix}charts: {files}");
        for (_, c) in &charts.refs {
            check(format!("{prefix}alt text of {}", c.svg), &c.alt);
        }
        let pages = PdfReport { lang }.typeset(&results, &charts).unwrap().pages;
        check(format!("{prefix}report.pdf"), &pages.join("\n"));
        let pages = PixiReport { lang }.typeset(&results, &charts).unwrap().pages;
        check(format!("{prefix}pixi.pdf"), &pages.join("\n"));
    }
    // results.json carries the main language's alt texts.
    for a in &results.analyses {
        for c in [&a.chart, &a.event_chart, &a.synth_chart, &a.gap_chart, &a.weights_chart].into_iter().flatten() {
            check(format!("alt text of {}", c.svg), &c.alt);
        }
    }
    assert!(problems.is_empty(), "{} places speak of months or of 95 %:\n{}", problems.len(), problems.join("\n"));
}
