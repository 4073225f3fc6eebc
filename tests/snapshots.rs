//! Snapshots of every writer on one small fixed study (the yearly study of `common`): Markdown,
//! HTML (chart data URIs elided: the charts have their own SVG files), the data typst typesets
//! for the report and the pixi, results.csv and results.json, in Danish and English. A change
//! in any output shows up here, line by line, in review. Long decimals in the JSON and CSV are
//! compared to 8 significant digits; the documents show rounded numbers already.
//!
//! After an intended change, `FRIKOMMUNE_UPDATE_SNAPSHOTS=1 cargo test --test snapshots` rewrites
//! the files in `tests/snapshots/`; the diff is then part of the change.

mod common;

use std::path::{Path, PathBuf};

use frikommune::report::{PdfReport, PixiReport};
use frikommune::results::Results;
use frikommune::study::Lang;

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Data URIs of embedded charts replaced by their length.
fn elide_data_uris(html: &str) -> String {
    let marker = "data:image&#x2f;svg+xml;base64,";
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(marker) {
        out.push_str(&rest[..i + marker.len()]);
        let tail = &rest[i + marker.len()..];
        let end = tail.find('"').unwrap_or(tail.len());
        out.push_str(&format!("…{end} bytes…"));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Every decimal number rounded to 8 significant digits, so the last bits of floating-point
/// arithmetic (which may differ between CPUs' vector units) do not count as a change.
fn round_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let starts =
            bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if !starts {
            out.push(text[i..].chars().next().unwrap());
            i += text[i..].chars().next().unwrap().len_utf8();
            continue;
        }
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
            j += 1;
        }
        if j < bytes.len() && (bytes[j] == b'e' || bytes[j] == b'E') {
            let mut k = j + 1;
            if k < bytes.len() && (bytes[k] == b'-' || bytes[k] == b'+') {
                k += 1;
            }
            if k < bytes.len() && bytes[k].is_ascii_digit() {
                j = k;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
            }
        }
        let token = &text[i..j];
        match token.parse::<f64>() {
            Ok(x) if token.contains('.') && token.len() > 10 => out.push_str(&format!("{x:.7e}")),
            _ => out.push_str(token),
        }
        i = j;
    }
    out
}

/// Compares `actual` with the snapshot `name`, or writes it when updating. Returns a problem.
fn compare(name: &str, actual: &str) -> Option<String> {
    let path = snapshot_dir().join(name);
    if std::env::var_os("FRIKOMMUNE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        return Some(format!("{name}: no snapshot (run with FRIKOMMUNE_UPDATE_SNAPSHOTS=1 to write it)"));
    };
    if expected == actual {
        return None;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    Some(format!(
        "{name} differs from line {}:\n  snapshot: {}\n  now:      {}",
        line + 1,
        e.get(line).unwrap_or(&"(end)"),
        a.get(line).unwrap_or(&"(end)")
    ))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_writer_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run_yearly_study(dir.path());
    let results: Results = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    let mut problems = Vec::new();
    let mut check = |name: &str, text: &str| problems.extend(compare(name, text));
    check("results.json", &round_numbers(&read(&out.join("results.json"))));
    check("results.csv", &round_numbers(&read(&out.join("results.csv"))));
    for (lang, prefix) in [(Lang::Da, ""), (Lang::En, "en/")] {
        let folder = out.join(prefix);
        let code = lang.code();
        check(&format!("report.{code}.md"), &read(&folder.join("report.md")));
        check(&format!("report.{code}.html"), &elide_data_uris(&read(&folder.join("report.html"))));
        let charts = frikommune::charts::draw(&results, lang, &|| ()).unwrap();
        check(&format!("report.{code}.typst.json"), &round_numbers(&PdfReport { lang }.source(&results, &charts)));
        check(&format!("pixi.{code}.typst.json"), &round_numbers(&PixiReport { lang }.source(&results, &charts)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
