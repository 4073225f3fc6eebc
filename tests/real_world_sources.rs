//! Data as evaluators receive it: a Statbank download (Windows-1252, semicolons, decimal comma,
//! a KØN dimension, aggregates, `..`), a Jobindsats export (title lines, one column per month,
//! thousands points, RAR and whole-country rows, a combined Frederikshavn/Læsø area, a source
//! note) and a workbook sheet (`tests/fixtures/sources/varighed.xlsx`, made by `make_xlsx.py`
//! beside it) — read into one panel, and every kind of mistake reported with file, row and
//! column.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use frikommune::ingest::read_panel;
use frikommune::registry::Registry;
use frikommune::study::Study;

const STUDY: &str = r#"
[study]
name = "kilder"
title = "Data fra Statbank, Jobindsats og regneark"

[data]
areas = { "Frederikshavn/Læsø" = "Frederikshavn" }

[[data.sources]]
file = "aus08.csv"             # Statbank: OMRÅDE;KØN;TID;INDHOLD
outcome = "share"
filter = { "KØN" = "Køn i alt" }

[[data.sources]]
file = "jobindsats.csv"        # Jobindsats: title lines, one column per month
outcome = "count"

[[data.sources]]
file = "varighed.xlsx"
sheet = "Data"
outcome = "weeks"

[[outcomes]]
key = "share"
label = "Andel"
unit = "percent"
better = "higher"

[[outcomes]]
key = "count"
label = "Antal"
unit = "count"
better = "lower"

[[outcomes]]
key = "weeks"
label = "Varighed"
unit = "weeks"
better = "lower"

[[trials]]
key = "t"
name = "Forsøg"
end = "2020-12-31"
pre_months = 12

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2020-01-01"
  participants = ["Aalborg", "Brønderslev"]
  outcomes = ["share", "count", "weeks"]
"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn treated(code: u16, year: i32) -> bool {
    (code == 851 || code == 810) && year == 2020
}

/// Share = 60 + 0.1·i + 0.01·month, +1,5 in the participants during 2020; men and women
/// ±2 around it. Windows-1252 bytes, as older Statbank downloads and Excel "CSV" give.
fn statbank(dir: &Path) {
    let mut text = String::from("OMRÅDE;KØN;TID;INDHOLD\r\n");
    for area in ["Hele landet", "Region Nordjylland"] {
        writeln!(text, "{area};Køn i alt;2019M01;70,0\r").unwrap();
    }
    for (i, m) in Registry::embedded().all().iter().enumerate() {
        for year in [2019, 2020] {
            for month in 1..=12 {
                let v = 60.0 + 0.1 * i as f64 + 0.01 * month as f64 + if treated(m.code, year) { 1.5 } else { 0.0 };
                for (sex, d) in [("Mænd", 2.0), ("Kvinder", -2.0), ("Køn i alt", 0.0)] {
                    let cell = if m.code == 825 && year == 2019 && month == 2 && d == 0.0 {
                        "..".to_string()
                    } else {
                        format!("{:.2}", v + d).replace('.', ",")
                    };
                    write!(text, "{};{sex};{year}M{month:02};{cell}\r\n", m.name).unwrap();
                }
            }
        }
    }
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(c as u32).expect("Latin-1")).collect();
    std::fs::write(dir.join("aus08.csv"), bytes).unwrap();
}

/// Count = 1.000 + 10·i, −100 in the participants during 2020; Frederikshavn and Læsø as one
/// combined area; aggregate rows and a source note.
fn jobindsats(dir: &Path) {
    let months: Vec<String> = [2019, 2020].iter().flat_map(|y| (1..=12).map(move |m| format!("{y}M{m:02}"))).collect();
    let mut text = String::from("\"Jobafklaringsforløb: antal forløb\"\n\"Udtrukket fra Jobindsats.dk\"\n\n");
    writeln!(text, "\"Område\";{}", months.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(";")).unwrap();
    writeln!(text, "\"Hele landet\";{}", vec!["\"123.456\""; 24].join(";")).unwrap();
    writeln!(text, "\"RAR Nordjylland\";{}", vec!["\"9.876\""; 24].join(";")).unwrap();
    for (i, m) in Registry::embedded().all().iter().enumerate() {
        if m.code == 825 {
            continue;
        }
        let name = if m.code == 813 { "Frederikshavn/Læsø" } else { m.name.as_str() };
        let cells: Vec<String> = [2019, 2020]
            .iter()
            .flat_map(|&y| {
                (1..=12).map(move |_| {
                    let v = 1000 + 10 * i as i64 - if treated(m.code, y) { 100 } else { 0 };
                    let s = v.to_string();
                    let (a, b) = s.split_at(s.len() - 3);
                    format!("\"{a}.{b}\"")
                })
            })
            .collect();
        writeln!(text, "\"{name}\";{}", cells.join(";")).unwrap();
    }
    text.push_str("\n\"Kilde: STAR, Jobindsats.dk\"\n");
    std::fs::write(dir.join("jobindsats.csv"), text).unwrap();
}

fn study_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("study.toml"), STUDY).unwrap();
    statbank(dir.path());
    jobindsats(dir.path());
    std::fs::copy(repo().join("tests/fixtures/sources/varighed.xlsx"), dir.path().join("varighed.xlsx")).unwrap();
    dir
}

/// A municipality's position in the registry, which the simulated values grow with.
fn index_of(code: u16) -> f64 {
    Registry::embedded().all().iter().position(|m| m.code == code).unwrap() as f64
}

fn month(y: i32, mo: u32) -> frikommune::period::Month {
    frikommune::period::Month::new(y, mo).unwrap()
}

fn load(dir: &Path) -> Study {
    Study::load(&dir.join("study.toml")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn statbank_jobindsats_and_a_workbook_make_one_panel() {
    let dir = study_dir();
    let study = load(dir.path());
    let panel = read_panel(&study).unwrap_or_else(|e| panel_failed(e));
    let (index, m) = (index_of, month);
    let aalborg = panel.unit_index(851).unwrap();
    // Statbank: the KØN filter picked "Køn i alt"; the decimal comma read as such.
    let want = 60.0 + 0.1 * index(851) + 0.03 + 1.5;
    assert!((panel.value("share", aalborg, m(2020, 3)).unwrap() - want).abs() < 1e-9);
    // `..` stayed missing and is marked suppressed, not zero; an absent value is not suppressed.
    let laeso = panel.unit_index(825).unwrap();
    assert_eq!(panel.value("share", laeso, m(2019, 2)), None);
    assert!(panel.suppressed("share", laeso, m(2019, 2)));
    assert!(!panel.suppressed("share", laeso, m(2019, 3)) && !panel.suppressed("count", laeso, m(2019, 2)));
    // Jobindsats: thousands points, the combined area as Frederikshavn, Læsø without counts.
    assert_eq!(panel.value("count", aalborg, m(2020, 1)), Some(1000.0 + 10.0 * index(851) - 100.0));
    let frederikshavn = panel.unit_index(813).unwrap();
    assert_eq!(panel.value("count", frederikshavn, m(2019, 1)), Some(1000.0 + 10.0 * index(813)));
    assert_eq!(panel.value("count", panel.unit_index(825).unwrap(), m(2019, 1)), None);
    // The workbook's "Data" sheet below its title row.
    let weeks = panel.value("weeks", aalborg, m(2019, 12)).unwrap();
    assert!((weeks - (30.0 + 0.1 * index(851) + 0.12)).abs() < 1e-9, "{weeks}");
    // Aggregates (whole country, region, RAR) are not units.
    assert_eq!(panel.units.len(), 98);
    assert_eq!((panel.months.first, panel.months.last), (m(2019, 1), m(2020, 12)));
}

#[test]
fn the_whole_run_recovers_the_shifts_from_the_three_sources() {
    let dir = study_dir();
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["run", "--quiet", "--lang", "da"])
        .arg(dir.path().join("study.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = std::fs::read_to_string(dir.path().join("out/kilder/results.json")).unwrap();
    let results: frikommune::results::Results = serde_json::from_str(&json).unwrap();
    assert!(results.study.panel_file.contains("aus08.csv") && results.study.panel_file.contains("varighed.xlsx"));
    // Læsø's one suppressed share is named in the share findings' caveats, and in nobody else's.
    for f in &results.findings {
        let cells = f.caveats.iter().find_map(|c| match c {
            frikommune::findings::Caveat::SourceSuppressed { cells } => Some(*cells),
            _ => None,
        });
        assert_eq!(cells, (f.outcome == "share").then_some(1), "{}", f.analysis);
    }
    // Læsø's one suppressed share shifts the comparison means a little, and the DiD finds the
    // shift. The counts and the weeks are exactly additive (unit + month + shift, nothing else):
    // the fit leaves no residual, so no estimator may publish an interval there (it would have
    // width 0), and each says why.
    let share = results.analyses.iter().find(|a| a.outcome == "share").unwrap();
    let did = share.estimates.iter().find(|e| e.method.key() == "did2x2").expect("a DiD on the share");
    assert!((did.interval.estimate - 1.5).abs() < 1.5e-3, "share: {}", did.interval.estimate);
    for outcome in ["count", "weeks"] {
        let a = results.analyses.iter().find(|a| a.outcome == outcome).unwrap();
        assert!(a.estimates.iter().all(|e| e.interval.has_width()), "{outcome}: {:?}", a.estimates);
        assert!(
            a.problems.iter().any(|p| p.starts_with("did2x2: the outcome has no variation left")),
            "{outcome}: {:?}",
            a.problems
        );
    }
}

fn panel_failed(e: frikommune::ingest::IngestError) -> ! {
    panic!("{e}")
}

/// Runs `validate` after `edit` and returns stderr, asserting exit code 2.
fn bad(edit: impl FnOnce(&Path)) -> String {
    let dir = study_dir();
    edit(dir.path());
    let o = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .arg("run")
        .arg(dir.path().join("study.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("out/kilder").exists(), "a failed run wrote outputs");
    err
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn mistakes_in_the_sources_are_named_with_file_row_and_column_all_at_once() {
    // No filter on a dimension with several values; an unmapped combined area in the other file.
    let err = bad(|d| {
        replace(&d.join("study.toml"), "filter = { \"KØN\" = \"Køn i alt\" }", "");
        replace(&d.join("study.toml"), "areas = { \"Frederikshavn/Læsø\" = \"Frederikshavn\" }", "");
    });
    assert!(
        err.contains("aus08.csv")
            && err.contains("column `KØN`")
            && err.contains("filter = { \"KØN\" = \"Køn i alt\" }"),
        "{err}"
    );
    assert!(
        err.contains("jobindsats.csv") && err.contains("`Frederikshavn/Læsø` combines Frederikshavn and Læsø"),
        "{err}"
    );

    // A filter value that is not there lists the values that are.
    let err = bad(|d| replace(&d.join("study.toml"), "\"Køn i alt\"", "\"I alt\""));
    assert!(err.contains("one of the column's values: Kvinder, Køn i alt, Mænd"), "{err}");

    // A misspelt municipality, a bad number and an impossible period, each with row and column.
    let line = std::cell::Cell::new(0);
    let err = bad(|d| {
        replace(&d.join("jobindsats.csv"), "\"Aalborg\"", "\"Aalborgg\"");
        let text = std::fs::read_to_string(d.join("jobindsats.csv")).unwrap();
        line.set(1 + text.lines().position(|l| l.starts_with("\"Aalborgg\"")).unwrap());
        replace(&d.join("jobindsats.csv"), "\"Brønderslev\";\"1.", "\"Brønderslev\";\"1,x");
        replace(&d.join("jobindsats.csv"), "\"2020M12\"", "\"2020M13\"");
    });
    let want = format!(
        "row {}, column `Område`: expected a municipality name or code (did you mean `Aalborg`?), found `Aalborgg`",
        line.get()
    );
    assert!(err.contains(&want), "{err}");
    assert!(err.contains("row 4, column `2020M13`"), "the header's line: {err}");
    assert!(
        err.contains("column `2019M01`: expected a number (decimal mark `,`, thousands mark `.`)")
            && err.contains("found `1,x"),
        "{err}"
    );
    assert!(err.contains("column `2020M13`: expected a period such as"), "{err}");

    // A quarterly file where the panel is monthly.
    let err = bad(|d| {
        // Windows-1252 bytes: replace in the bytes, not through UTF-8.
        let text: String = std::fs::read(d.join("aus08.csv")).unwrap().iter().map(|&b| b as char).collect();
        let text: Vec<u8> = text.replace("2019M01", "2019K1").chars().map(|c| c as u32 as u8).collect();
        std::fs::write(d.join("aus08.csv"), text).unwrap();
    });
    assert!(err.contains("one frequency in a file; it mixes quarterly (`2019K1`, line 6), monthly"), "{err}");

    // The same municipality and month twice.
    let err = bad(|d| {
        let mut text = std::fs::read_to_string(d.join("jobindsats.csv")).unwrap();
        let line = text.lines().find(|l| l.starts_with("\"Aalborg\"")).unwrap().to_string();
        text = text.replacen(&line, &format!("{line}\n{line}"), 1);
        std::fs::write(d.join("jobindsats.csv"), text).unwrap();
    });
    assert!(err.contains("one value per municipality, period and outcome") && err.contains("jobindsats.csv"), "{err}");

    // A filter on a column that is not there lists the columns a filter could pin, with values.
    let err = bad(|d| replace(&d.join("study.toml"), "filter = { \"KØN\"", "filter = { \"Sex\""));
    assert!(
        err.contains("column `Sex`: expected a column `Sex` to filter on, by header or column letter; columns with more than one value: KØN (Kvinder, Køn i alt, Mænd)"),
        "{err}"
    );
    // `measure` names a value column: one that is not there is named with the nearest, and a
    // table with its periods as headers has none to name.
    let err = bad(|d| {
        replace(&d.join("study.toml"), "outcome = \"share\"", "outcome = \"share\"\nmeasure = \"INDHLD\"");
        replace(&d.join("study.toml"), "outcome = \"count\"", "outcome = \"count\"\nmeasure = \"antal\"");
    });
    assert!(err.contains("a column named `INDHLD` (set by `measure`) (did you mean `INDHOLD`?)"), "{err}");
    assert!(
        err.contains("jobindsats.csv") && err.contains("expected no `measure` in this [[data.sources]] entry: its periods are the column headers (2019M01, 2019M02, 2019M03, …)"),
        "{err}"
    );

    // A missing sheet names the sheets there are.
    let err = bad(|d| replace(&d.join("study.toml"), "sheet = \"Data\"", "sheet = \"Ark1\""));
    assert!(err.contains("no sheet `Ark1` (the workbook has: Forside, Data)"), "{err}");
}

/// The Jobindsats API's JSON (`Variables` with labels, `Data` as arrays of cells, the table
/// wrapped in an array) for the same counts as the export: numbers as JSON numbers or Danish
/// strings, `null` for a missing value, one starred (provisional) value in November 2020.
fn jobindsats_json(dir: &Path) {
    let mut data = Vec::new();
    for (i, m) in Registry::embedded().all().iter().enumerate() {
        for y in [2019, 2020] {
            for mo in 1..=12 {
                let v = 1000 + 10 * i as i64 - if treated(m.code, y) { 100 } else { 0 };
                let cell = match (m.code, y, mo) {
                    (851, 2020, 11) => serde_json::json!(format!("{}.{:03}*", v / 1000, v % 1000)),
                    // A fractional JSON number with three decimals is 1,875, not 1.875 thousands.
                    (825, 2019, 1) => serde_json::json!(1.875),
                    (825, _, _) => serde_json::Value::Null,
                    (_, _, mo) if mo % 2 == 0 => serde_json::json!(format!("{}.{:03}", v / 1000, v % 1000)),
                    _ => serde_json::json!(v),
                };
                data.push(serde_json::json!([m.name, format!("{y}M{mo:02}"), cell]));
            }
        }
    }
    data.push(serde_json::json!(["Hele landet", "2019M01", 123456]));
    let doc = serde_json::json!([{
        "TableID": "y12a02",
        "Variables": [{"Name": "area", "Label": "Område"}, {"Name": "period", "Label": "Periode"}, {"Label": "Antal forløb"}],
        "Data": data,
    }]);
    std::fs::write(dir.join("jobindsats.json"), serde_json::to_string(&doc).unwrap()).unwrap();
}

#[test]
fn jobindsats_api_json_reads_like_its_export_and_marks_provisional_months() {
    let dir = study_dir();
    jobindsats_json(dir.path());
    replace(&dir.path().join("study.toml"), "file = \"jobindsats.csv\"", "file = \"jobindsats.json\"");
    let study = load(dir.path());
    let panel = read_panel(&study).unwrap_or_else(|e| panel_failed(e));
    let (index, m) = (index_of, month);
    let aalborg = panel.unit_index(851).unwrap();
    // JSON numbers and Danish strings alike; the starred value read without its star.
    assert_eq!(panel.value("count", aalborg, m(2020, 1)), Some(1000.0 + 10.0 * index(851) - 100.0));
    assert_eq!(panel.value("count", aalborg, m(2020, 2)), Some(1000.0 + 10.0 * index(851) - 100.0));
    assert_eq!(panel.value("count", aalborg, m(2020, 11)), Some(1000.0 + 10.0 * index(851) - 100.0));
    assert_eq!(panel.value("count", panel.unit_index(825).unwrap(), m(2019, 1)), Some(1.875));
    assert_eq!(panel.value("count", panel.unit_index(825).unwrap(), m(2019, 2)), None);
    // Provisional: the star in November 2020 comes before the default (the latest month).
    assert_eq!(panel.provisional.get("count"), Some(&m(2020, 11)));
    assert_eq!(panel.provisional.get("share"), Some(&m(2020, 12)), "the Statbank table's own latest month");

    // Without stars and with `provisional = 3`: the last three months of the tables.
    let text = std::fs::read_to_string(dir.path().join("jobindsats.json")).unwrap().replace('*', "");
    std::fs::write(dir.path().join("jobindsats.json"), text).unwrap();
    replace(&dir.path().join("study.toml"), "outcome = \"count\"", "outcome = \"count\"\nprovisional = 3");
    let panel = read_panel(&load(dir.path())).unwrap_or_else(|e| panel_failed(e));
    assert_eq!(panel.provisional.get("count"), Some(&m(2020, 10)));

    // A broken response is named with its line and column; a JSON without a table says what
    // a table looks like.
    std::fs::write(dir.path().join("jobindsats.json"), "[{\"Variables\": [\"Område\"],\n \"Data\": [[1, 2],, [3]]}]")
        .unwrap();
    let err = format!("{}", read_panel(&load(dir.path())).unwrap_err());
    assert!(
        err.contains("jobindsats.json") && err.contains("not valid JSON") && err.contains("line 2 column 18"),
        "{err}"
    );
    std::fs::write(dir.path().join("jobindsats.json"), "{\"error\": \"Unauthorized\"}").unwrap();
    let err = format!("{}", read_panel(&load(dir.path())).unwrap_err());
    assert!(err.contains("without `Variables` and `Data`"), "{err}");
}
