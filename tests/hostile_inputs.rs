//! The hostile-input catalogue: every file in `tests/hostile/files/` (made by
//! `tests/hostile/make_hostile.py`) and eleven generated at test time — a header of 10⁶ columns,
//! 1 GB without a newline, a case file whose first line does not end, a 1 GB panel, a case row of
//! 100 MB, an xlsx that unpacks to 270 MB, a UTF-16 panel, and study files with a 10 MB title, a
//! 5 000-character title, an outcome listed twice and too few predictor weights — are fed to `frikommune validate` as the use in
//! `tests/hostile/catalogue.toml` says. Each must give exit code 2, its expected message
//! naming the file, and no panic, within 1 GB of address space and 60 s.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct Catalogue {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    /// `panel`, `source`, `cases` or `study`.
    #[serde(rename = "use")]
    role: String,
    /// Extra lines for the source entry (e.g. a filter or a declared encoding).
    #[serde(default)]
    source_extra: String,
    expect: Vec<String>,
    /// Generated at test time instead of read from `files/`.
    #[serde(default)]
    generated: bool,
}

const STUDY: &str = r#"
[study]
name = "fjendtlig"
title = "Fjendtlige filer"

[data]
panel = "panel.csv"
#CASES#

#SOURCE#

[[outcomes]]
key = "share"
label = "Andel"
unit = "percent"
better = "higher"

#EXTRA#

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

#DURATIONS#
"#;

/// The address space each probe may use.
const MEMORY_LIMIT_KB: u64 = 1 << 20;
/// The time each probe may take (the slowest, a 1 GB line, takes about a second).
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A good long panel: 98 municipalities × 24 months of `share`.
fn good_panel() -> String {
    let mut csv = String::from("municipality,period,outcome,value,n\n");
    for (i, m) in frikommune::registry::Registry::embedded().all().iter().enumerate() {
        for year in [2019, 2020] {
            for month in 1..=12 {
                csv.push_str(&format!("{},{year}M{month:02},share,{},100\n", m.code, 50.0 + i as f64 * 0.1));
            }
        }
    }
    csv
}

fn generate(name: &str, path: &Path) {
    match name {
        // A header of a million columns.
        "source_million_columns.csv" => {
            let mut text = String::from("Område");
            for i in 0..1_000_000 {
                text.push_str(&format!(";c{i}"));
            }
            text.push('\n');
            std::fs::write(path, text).unwrap();
        }
        // 1 GB without a newline (sparse: nothing is written to disk).
        "source_one_gigabyte_line.csv" => {
            let f = std::fs::File::create(path).unwrap();
            f.set_len(1 << 30).unwrap();
        }
        // A panel of 1 GB (sparse), refused by its size before polars reads it.
        "panel_one_gigabyte.csv" => {
            let f = std::fs::File::create(path).unwrap();
            f.set_len(1 << 30).unwrap();
        }
        // A case file whose first line does not end within 8 MB.
        "cases_endless_first_line.csv" => {
            let mut text = b"municipality,start,end".to_vec();
            text.resize(8 << 20, b'x');
            std::fs::write(path, text).unwrap();
        }
        // A good case file with one row of 100 MB: reported and skipped, never held whole.
        "cases_long_row.csv" => {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
            f.write_all(b"municipality,start,end\n851,2020-02-01,2020-05-01\n851,").unwrap();
            let block = vec![b'9'; 1 << 20];
            for _ in 0..100 {
                f.write_all(&block).unwrap();
            }
            f.write_all(b",2020-06-01\n851,2020-03-01,\n").unwrap();
        }
        // A study whose title is 10 MB: typst would need gigabytes; refused by the file's size.
        "study_ten_megabyte_title.toml" => {
            let title = "x".repeat(10 << 20);
            std::fs::write(path, STUDY.replace("title = \"Fjendtlige filer\"", &format!("title = \"{title}\"")))
                .unwrap();
        }
        // A title of 5 000 characters in a small file: refused by the line's length.
        "study_long_title.toml" => {
            let title = "æ".repeat(5_000);
            std::fs::write(path, STUDY.replace("title = \"Fjendtlige filer\"", &format!("title = \"{title}\"")))
                .unwrap();
        }
        // One outcome listed twice in a component would count twice in Holm and BH.
        "study_outcome_twice.toml" => {
            std::fs::write(path, STUDY.replace("outcomes = [\"share\"]", "outcomes = [\"share\", \"share\"]")).unwrap();
        }
        // One predictor weight for the seven rows of the default predictors (blocks:6, last):
        // the synthetic control used to be dropped with a line among the problems.
        "study_v_too_short.toml" => {
            let with_v = STUDY.replace(
                "pre_months = 12\n",
                "pre_months = 12\n\n  [trials.comparison]\n  design = \"synth\"\n  v = [1.0]\n",
            );
            assert_ne!(with_v, STUDY);
            std::fs::write(path, with_v).unwrap();
        }
        // A workbook of a few hundred KB whose sheet unpacks to 270 MB (one huge cell): refused
        // from the sizes in its central directory, before anything is unpacked.
        "source_huge_cell.xlsx" => {
            use std::io::Write;
            let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
            zip.write_all(b"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>").unwrap();
            let block = vec![b'9'; 1 << 20];
            for _ in 0..270 {
                zip.write_all(&block).unwrap();
            }
            zip.write_all(b"</t></is></c></row></sheetData></worksheet>").unwrap();
            zip.finish().unwrap();
        }
        // The good panel as Excel's "Unicode text" saves it: UTF-16 with a byte-order mark.
        "panel_utf16.csv" => {
            let bytes: Vec<u8> =
                [0xFF, 0xFE].into_iter().chain(good_panel().encode_utf16().flat_map(u16::to_le_bytes)).collect();
            std::fs::write(path, bytes).unwrap();
        }
        other => panic!("no generator for {other}"),
    }
}

fn probe(case: &Case, dir: &Path) -> (Option<i32>, String) {
    let source = dir.join("input").join(&case.file);
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    if case.generated {
        generate(&case.file, &source);
    } else {
        std::fs::copy(repo().join("tests/hostile/files").join(&case.file), &source).unwrap();
    }
    let relative = format!("input/{}", case.file);
    let mut study = STUDY.to_string();
    let mut panel = good_panel();
    match case.role.as_str() {
        "panel" => {
            study = study.replace("panel = \"panel.csv\"", &format!("panel = \"{relative}\""));
        }
        "source" => {
            study = study.replace(
                "#SOURCE#",
                &format!("[[data.sources]]\nfile = \"{relative}\"\noutcome = \"extra\"\n{}", case.source_extra),
            );
            study = study.replace(
                "#EXTRA#",
                "[[outcomes]]\nkey = \"extra\"\nlabel = \"Ekstra\"\nunit = \"percent\"\nbetter = \"higher\"",
            );
        }
        "cases" => {
            study = study.replace("#CASES#", &format!("cases = \"{relative}\""));
            study =
                study.replace("#DURATIONS#", "[[durations]]\nkey = \"d\"\nname = \"Varighed\"\ncomponent = \"t.c\"");
        }
        "study" => {}
        other => panic!("unknown use `{other}`"),
    }
    let study_path = if case.role == "study" { source.clone() } else { dir.join("study.toml") };
    if case.role != "study" {
        std::fs::write(&study_path, study).unwrap();
    }
    if case.role == "panel" {
        panel.clear();
    }
    if !panel.is_empty() {
        std::fs::write(dir.join("panel.csv"), panel).unwrap();
    }
    // Under a 1 GB address-space limit: a reader that held a 1 GB input whole would be killed
    // by the allocator instead of answering with exit code 2.
    // And within a time limit: a reader that looped would be killed and reported.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KB} && exec \"$0\" validate \"$1\""))
        .arg(env!("CARGO_BIN_EXE_frikommune"))
        .arg(&study_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return (None, format!("still running after {} s", TIME_LIMIT.as_secs()));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).to_string())
}

#[test]
fn every_hostile_file_gets_its_clear_error() {
    let text = std::fs::read_to_string(repo().join("tests/hostile/catalogue.toml")).unwrap();
    let catalogue: Catalogue = toml::from_str(&text).unwrap();
    assert!(catalogue.case.len() >= 40, "the catalogue has {} files", catalogue.case.len());
    // Every committed file is in the catalogue, and every catalogued file exists.
    let listed: std::collections::BTreeSet<&str> = catalogue.case.iter().map(|c| c.file.as_str()).collect();
    for entry in std::fs::read_dir(repo().join("tests/hostile/files")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(listed.contains(name.as_str()), "{name} is not in catalogue.toml");
    }
    let mut failures = Vec::new();
    for case in &catalogue.case {
        let dir = tempfile::tempdir().unwrap();
        let (code, err) = probe(case, dir.path());
        if std::env::var_os("HOSTILE_PRINT").is_some() {
            eprintln!("── {} ({}): exit {code:?}\n{err}", case.file, case.role);
        }
        let mut wrong = Vec::new();
        if code != Some(2) {
            wrong.push(format!("exit code {code:?}"));
        }
        if err.contains("panicked") {
            wrong.push("a panic".into());
        }
        if !err.contains(&case.file) {
            wrong.push("the message does not name the file".into());
        }
        if err.contains("column ``") || err.contains("= {  =") {
            wrong.push("the message names an empty column".into());
        }
        for e in &case.expect {
            if !err.contains(e.as_str()) {
                wrong.push(format!("no `{e}`"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{} ({}): {}\n{err}", case.file, case.role, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile files:\n{}",
        failures.len(),
        catalogue.case.len(),
        failures.join("\n")
    );
}
