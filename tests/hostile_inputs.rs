//! The hostile-input catalogue, in two parts.
//!
//! First, every file in `tests/hostile/files/` (made by `tests/hostile/make_hostile.py`) and
//! eleven generated at test time — a header of 10⁶ columns, 1 GB without a newline, a case file
//! whose first line does not end, a 1 GB panel, a case row of 100 MB, an xlsx that unpacks to
//! 270 MB, a UTF-16 panel, and study files with a 10 MB title, a 5 000-character title, an
//! outcome listed twice and too few predictor weights — are fed to `frikommune validate` as the
//! use in `tests/hostile/catalogue.toml` says. Each must give exit code 2, its expected message
//! naming the file, and no panic.
//!
//! Second, whole commands (`run`, `validate`, `report`, `estimate`, `survival`, `montecarlo`,
//! `dream`) on devices, pipes, values near 1,8e308, dates in year 9999, counts of u64::MAX, a
//! constant outcome, a newer results schema and out-of-range settings, each with its exit code,
//! its message, and no output left behind.
//!
//! Every probe runs within 1 GB of address space and 60 s.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct Catalogue {
    case: Vec<Case>,
    command: Vec<HostileCommand>,
}

/// A whole command run on a prepared folder (see the catalogue's second part).
#[derive(Deserialize)]
struct HostileCommand {
    name: String,
    /// `example`, `results` or `empty`.
    start: String,
    #[serde(default)]
    make: Vec<String>,
    #[serde(default)]
    edits: Vec<[String; 3]>,
    args: Vec<String>,
    #[serde(default = "bad_input")]
    exit: i32,
    expect: Vec<String>,
    #[serde(default = "out_folder")]
    absent: Vec<String>,
}

fn bad_input() -> i32 {
    2
}

fn out_folder() -> Vec<String> {
    vec!["out".into()]
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
    limited(dir, &[std::ffi::OsStr::new("validate"), study_path.as_os_str()])
}

/// Runs frikommune with `args` in `dir` under a 1 GB address-space limit — a reader that held a
/// 1 GB input whole would be killed by the allocator instead of answering with exit code 2 — and
/// within a time limit: a reader that looped is killed and reported.
fn limited(dir: &Path, args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KB} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_frikommune"))
        .args(args)
        .current_dir(dir)
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

/// The problems with one answer: its exit code, a panic, and each expected text missing.
fn judge(code: Option<i32>, exit: i32, err: &str, expect: &[String]) -> Vec<String> {
    let mut wrong = Vec::new();
    if code != Some(exit) {
        wrong.push(format!("exit code {code:?}"));
    }
    if err.contains("panicked") {
        wrong.push("a panic".into());
    }
    for e in expect {
        if !err.contains(e.as_str()) {
            wrong.push(format!("no `{e}`"));
        }
    }
    wrong
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
        let mut wrong = judge(code, 2, &err, &case.expect);
        if !err.contains(&case.file) {
            wrong.push("the message does not name the file".into());
        }
        if err.contains("column ``") || err.contains("= {  =") {
            wrong.push("the message names an empty column".into());
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

/// Prepares `name` in `dir`: `fifo:PATH` (a named pipe in place of a file; `false` when the
/// machine cannot make one), `header_only:PATH` (the file cut to its header),
/// `one_gigabyte_line:PATH` (sparse, nothing written to disk), `cut_in_half:PATH`,
/// `copy:PATH` (the repository's file, into the folder under its name), or a generated data file.
fn make(name: &str, dir: &Path) -> bool {
    if let Some((kind, path)) = name.split_once(':') {
        let path = dir.join(path);
        match kind {
            "fifo" => {
                let _ = std::fs::remove_file(&path);
                return Command::new("mkfifo").arg(&path).status().is_ok_and(|s| s.success());
            }
            "header_only" => {
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, format!("{}\n", text.lines().next().unwrap())).unwrap();
            }
            "one_gigabyte_line" => std::fs::File::create(&path).unwrap().set_len(1 << 30).unwrap(),
            "cut_in_half" => {
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
            }
            // A file of the repository, under its own name.
            "copy" => {
                let to = dir.join(Path::new(path.file_name().unwrap()));
                std::fs::copy(repo().join(path.strip_prefix(dir).unwrap()), to).unwrap();
            }
            other => panic!("no way to make `{other}`"),
        }
        return true;
    }
    let text = match name {
        // Twelve units over eight periods, four treated from period 5; the outcome never moves.
        "flat.csv" | "huge.csv" => {
            let mut body = String::from("unit,period,y,treat\n");
            for unit in 1..=12 {
                for period in 1..=8 {
                    let y = if name == "huge.csv" && (unit, period) == (3, 2) {
                        "1.79e308".to_string()
                    } else {
                        format!("{}", 5.0 + f64::from(u8::from(name == "huge.csv")) * ((unit * period) % 7) as f64)
                    };
                    body.push_str(&format!("{unit},{period},{y},{}\n", u8::from(unit <= 4 && period > 4)));
                }
            }
            body
        }
        // 5 000 spells, each with its own person id.
        "spells_ids.csv" => {
            let mut body = String::from("d,e,id\n");
            for i in 0..5_000 {
                body.push_str(&format!("{},1,person{i}\n", 1 + i % 50));
            }
            body
        }
        "spells_huge.csv" => "d,e\n3,1\n1.79e308,1\n5,0\n4,1\n6,1\n7,1\n".into(),
        // A Danish Excel export: `;` between cells, `,` as the decimal mark, or no decimals at all.
        "semicolon_decimal_comma.csv" => "unit;period;y;treat\n1;1;1,5;0\n1;2;2,5;1\n".into(),
        "semicolon.csv" => "unit;period;y;treat\n1;1;1;0\n1;2;2;1\n".into(),
        other => panic!("no generator for {other}"),
    };
    std::fs::write(dir.join(name), text).unwrap();
    true
}

/// A fresh folder as `start` says.
fn start(kind: &str, dir: &Path) {
    match kind {
        "example" => {
            std::fs::create_dir_all(dir.join("example")).unwrap();
            std::fs::copy(repo().join("data/study.toml"), dir.join("study.toml")).unwrap();
            for f in ["panel.csv", "cases.csv"] {
                std::fs::copy(repo().join("data/example").join(f), dir.join("example").join(f)).unwrap();
            }
        }
        "results" => {
            std::fs::copy(repo().join("tests/snapshots/results.json"), dir.join("results.json")).unwrap();
        }
        "empty" => {}
        other => panic!("unknown start `{other}`"),
    }
}

#[test]
fn every_hostile_command_gets_its_clear_answer() {
    let text = std::fs::read_to_string(repo().join("tests/hostile/catalogue.toml")).unwrap();
    let catalogue: Catalogue = toml::from_str(&text).unwrap();
    assert!(catalogue.command.len() >= 20, "the catalogue has {} commands", catalogue.command.len());
    let schema = frikommune::results::SCHEMA_VERSION.to_string();
    let mut failures = Vec::new();
    for case in &catalogue.command {
        let dir = tempfile::tempdir().unwrap();
        start(&case.start, dir.path());
        if !case.make.iter().all(|m| make(m, dir.path())) {
            eprintln!("skipped `{}`: mkfifo is not available", case.name);
            continue;
        }
        for [file, from, to] in &case.edits {
            let path = dir.path().join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let from = from.replace("{schema}", &schema);
            assert!(text.contains(&from), "{}: `{from}` is not in {file}", case.name);
            std::fs::write(&path, text.replacen(&from, to, 1)).unwrap();
        }
        let args: Vec<&std::ffi::OsStr> = case.args.iter().map(std::ffi::OsStr::new).collect();
        let (code, err) = limited(dir.path(), &args);
        if std::env::var_os("HOSTILE_PRINT").is_some() {
            eprintln!("── {}: exit {code:?}\n{err}", case.name);
        }
        let mut wrong = judge(code, case.exit, &err, &case.expect);
        for a in &case.absent {
            if dir.path().join(a).exists() {
                wrong.push(format!("`{a}` was left behind"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n{err}", case.name, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile commands:\n{}",
        failures.len(),
        catalogue.command.len(),
        failures.join("\n")
    );
}
