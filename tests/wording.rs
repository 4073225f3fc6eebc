//! The wording follows the study: a study with 90 % intervals on yearly data says "90 %" and
//! speaks of years in every document and chart, in both languages — never "95 %" and never of
//! months. The documents are read as a reader gets them: the Markdown and HTML files, the chart
//! SVGs and alt texts, and the PDF pages' text (typst's own layout, re-typeset from results.json,
//! so no poppler is needed).

mod common;

use frikommune::report::{PdfReport, PixiReport};
use frikommune::results::Results;
use frikommune::study::Lang;

/// Words that speak of months, in either language (case-insensitive), and the wrong level.
fn offences(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    for word in ["måned", "month", "95 %", "95%", "95 pct", "2,5 %", "2.5%"] {
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
    let out = common::run_yearly_study(dir.path());
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
