//! DREAM-style weekly benefit codes → spells.
//!
//! DREAM has one row per person and one column per week, `y_YYWW` (two-digit year, ISO week),
//! holding the benefit code the person received that week (empty: none). A spell is a run of
//! consecutive weeks whose code is in the chosen set; gaps of up to `gap_weeks` weeks without
//! such a code are bridged (short interruptions are usually registration noise). A spell starts
//! on the Monday of its first week and ends on the Sunday of its last week; one still running in
//! the last column is open (censored, empty `end`). A spell already running in the first column
//! started at an unknown date (left-censored) and is dropped unless asked for, because durations
//! measured from the first column would be too short.
//!
//! Rows are streamed one at a time; the person identifier is never read or written: spells get
//! new sequential case numbers.

use std::io::{Read, Write};

use chrono::{Duration, NaiveDate, Weekday};

use super::{CellProblem, IngestError, MAX_LISTED};
use crate::registry::{Code, Registry};

/// The longest line a DREAM file may have. A row is one person's weekly codes: thirty years of
/// weeks with codes of a few characters is about 8 KB, and the csv reader would otherwise hold a
/// line of any length (a file without newlines) whole.
pub const MAX_LINE: usize = 1 << 20;

/// Passes the bytes through and fails once a line grows beyond [`MAX_LINE`], naming the line.
struct LineBound<R> {
    inner: R,
    line: usize,
    run: usize,
}

impl<R: Read> Read for LineBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > MAX_LINE {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "line {} is longer than {} KB without ending; a row is one person's weekly codes, a few KB",
                            self.line,
                            MAX_LINE / 1024
                        ),
                    ));
                }
            }
        }
        Ok(n)
    }
}

pub struct DreamSpec<'a> {
    /// Benefit codes that make up a spell (e.g. the JAF codes).
    pub codes: &'a [String],
    /// Column with the person's municipality (code or name).
    pub municipality: &'a str,
    /// Weeks without a chosen code that do not end a spell.
    pub gap_weeks: usize,
    pub keep_left_censored: bool,
    pub separator: u8,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DreamSummary {
    pub persons: u64,
    pub spells: u64,
    pub open: u64,
    pub left_censored_dropped: u64,
    pub first_week: String,
    pub last_week: String,
}

/// The Monday of ISO week `ww` of year `yy` (two digits: 00–69 → 2000s, 70–99 → 1900s).
fn week_monday(column: &str) -> Option<NaiveDate> {
    let digits = column.strip_prefix("y_")?;
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i32 = digits[..2].parse().ok()?;
    let ww: u32 = digits[2..].parse().ok()?;
    let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
    NaiveDate::from_isoywd_opt(year, ww, Weekday::Mon)
}

/// Reshapes `input` (a wide DREAM file) into a case file on `output`
/// (`case_id,municipality,start,end,code`; `code` is the spell's first week's code).
pub fn reshape(
    input: impl Read,
    output: impl Write,
    path: &std::path::Path,
    spec: &DreamSpec,
    registry: &Registry,
) -> Result<DreamSummary, IngestError> {
    let read_err = |m: String| IngestError::Read { path: path.to_path_buf(), message: m };
    let invalid =
        |problems: Vec<CellProblem>, total| IngestError::Invalid { path: path.to_path_buf(), problems, total };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(spec.separator)
        .buffer_capacity(1 << 20)
        .from_reader(LineBound { inner: std::io::BufReader::with_capacity(1 << 20, input), line: 1, run: 0 });
    let header = reader.byte_headers().map_err(|e| read_err(e.to_string()))?.clone();
    let names: Vec<String> =
        header.iter().map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string()).collect();
    let Some(mcol) = names.iter().position(|n| n == spec.municipality) else {
        return Err(invalid(
            vec![CellProblem {
                row: 1,
                column: spec.municipality.to_string(),
                value: String::new(),
                expected: format!(
                    "a municipality column `{}` (the header has: {})",
                    spec.municipality,
                    preview(&names)
                ),
            }],
            1,
        ));
    };
    // Week columns in file order; they must be consecutive weeks.
    let weeks: Vec<(usize, NaiveDate)> =
        names.iter().enumerate().filter_map(|(i, n)| week_monday(n).map(|d| (i, d))).collect();
    let mut problems = Vec::new();
    for w in weeks.windows(2) {
        if w[1].1 - w[0].1 != Duration::days(7) {
            problems.push(CellProblem {
                row: 1,
                column: names[w[1].0].clone(),
                value: names[w[1].0].clone(),
                expected: format!("the week after `{}` (week columns must be consecutive)", names[w[0].0]),
            });
        }
    }
    if weeks.is_empty() {
        problems.push(CellProblem {
            row: 1,
            column: String::new(),
            value: preview(&names),
            expected: "weekly columns named y_YYWW (two-digit year, ISO week)".into(),
        });
    }
    if !problems.is_empty() {
        let total = problems.len();
        problems.truncate(MAX_LISTED);
        return Err(invalid(problems, total));
    }
    let codes: Vec<&[u8]> = spec.codes.iter().map(|c| c.as_bytes()).collect();
    let mut out = std::io::BufWriter::new(output);
    let write_err = |e: std::io::Error| read_err(format!("could not write the spells: {e}"));
    out.write_all(b"case_id,municipality,start,end,code\n").map_err(write_err)?;
    let mut summary = DreamSummary {
        first_week: names[weeks[0].0].clone(),
        last_week: names[weeks[weeks.len() - 1].0].clone(),
        ..DreamSummary::default()
    };
    let mut lookup: std::collections::HashMap<Vec<u8>, Option<Code>> = std::collections::HashMap::new();
    let mut total = 0usize;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => return Err(read_err(e.to_string())),
            Err(e) => {
                total += 1;
                problems.push(CellProblem {
                    row: e.position().map(|p| p.line() as usize).unwrap_or(0),
                    column: String::new(),
                    value: String::new(),
                    expected: format!("a well-formed CSV row ({e})"),
                });
                break;
            }
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        summary.persons += 1;
        let m = &record[mcol];
        let code = *lookup
            .entry(m.to_vec())
            .or_insert_with(|| std::str::from_utf8(m).ok().and_then(|t| registry.resolve(t.trim()).ok()));
        let Some(code) = code else {
            total += 1;
            if problems.len() < MAX_LISTED {
                problems.push(CellProblem {
                    row: line,
                    column: spec.municipality.to_string(),
                    value: String::from_utf8_lossy(m).chars().take(40).collect(),
                    expected: "a municipality code or name from the registry".into(),
                });
            }
            continue;
        };
        // Walk the weeks: (first week index, last week index with a chosen code, code).
        let mut current: Option<(usize, usize, usize)> = None;
        let mut emit =
            |spell: (usize, usize, usize), open: bool, out: &mut std::io::BufWriter<_>| -> Result<(), IngestError> {
                let (first, last, code_index) = spell;
                if first == 0 && !spec.keep_left_censored {
                    summary.left_censored_dropped += 1;
                    return Ok(());
                }
                summary.spells += 1;
                let start = weeks[first].1;
                let end = if open {
                    summary.open += 1;
                    String::new()
                } else {
                    (weeks[last].1 + Duration::days(6)).to_string()
                };
                writeln!(out, "{},{code},{start},{end},{}", summary.spells, spec.codes[code_index]).map_err(write_err)
            };
        for (k, (col, _)) in weeks.iter().enumerate() {
            let v = record[*col].trim_ascii();
            let hit = codes.iter().position(|c| *c == v);
            match (hit, current) {
                (Some(_), Some((first, _, c))) => current = Some((first, k, c)),
                (Some(c), None) => current = Some((k, k, c)),
                (None, Some(spell)) if k - spell.1 > spec.gap_weeks => {
                    emit(spell, false, &mut out)?;
                    current = None;
                }
                _ => {}
            }
        }
        if let Some(spell) = current {
            // Still running in the last column, or inside a bridgeable gap at the end: open.
            let open = weeks.len() - 1 - spell.1 <= spec.gap_weeks;
            emit(spell, open, &mut out)?;
        }
    }
    if total > 0 {
        return Err(invalid(problems, total));
    }
    out.flush().map_err(write_err)?;
    Ok(summary)
}

fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > 8 { format!("{}, … ({} columns)", shown.join(", "), names.len()) } else { shown.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, gap: usize, keep: bool) -> Result<(String, DreamSummary), IngestError> {
        let codes = vec!["774".to_string(), "775".to_string()];
        let spec =
            DreamSpec { codes: &codes, municipality: "kom", gap_weeks: gap, keep_left_censored: keep, separator: b',' };
        let mut out = Vec::new();
        let s = reshape(text.as_bytes(), &mut out, std::path::Path::new("dream.csv"), &spec, &Registry::embedded())?;
        Ok((String::from_utf8(out).unwrap(), s))
    }

    const FILE: &str = "pnr,kom,y_1801,y_1802,y_1803,y_1804,y_1805,y_1806\n\
                        0103851234,101,,774,774,,775,\n\
                        1507901111,Aalborg,774,774,,,890,775\n";

    #[test]
    fn weeks_become_spells_with_open_and_left_censored_ends() {
        let (text, s) = run(FILE, 0, false).unwrap();
        // Person 1: weeks 2–3 (Mon 8 Jan – Sun 21 Jan 2018) and week 5; person 2: weeks 1–2 are
        // left-censored (dropped), week 6 runs to the last column (open).
        assert_eq!(
            text,
            "case_id,municipality,start,end,code\n1,101,2018-01-08,2018-01-21,774\n2,101,2018-01-29,2018-02-04,775\n3,851,2018-02-05,,775\n"
        );
        assert_eq!((s.persons, s.spells, s.open, s.left_censored_dropped), (2, 3, 1, 1));
        // The person numbers are not in the output.
        assert!(!text.contains("0103851234") && !text.contains("1507901111"));
    }

    #[test]
    fn gaps_are_bridged_and_left_censored_spells_kept_on_request() {
        let (text, s) = run(FILE, 1, true).unwrap();
        assert_eq!(
            text,
            "case_id,municipality,start,end,code\n1,101,2018-01-08,,774\n2,851,2018-01-01,2018-01-14,774\n3,851,2018-02-05,,775\n"
        );
        assert_eq!(s.left_censored_dropped, 0);
    }

    #[test]
    fn bad_headers_and_rows_are_named() {
        let e = run("pnr,kom,y_1801,y_1803\n1,101,774,\n", 0, false).unwrap_err().to_string();
        assert!(e.contains("y_1803") && e.contains("consecutive"), "{e}");
        let e = run("pnr,kommune,y_1801\n1,101,774\n", 0, false).unwrap_err().to_string();
        assert!(e.contains("`kom`") && e.contains("kommune"), "{e}");
        let e = run("pnr,kom,y_1801\n1,Atlantis,774\n", 0, false).unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("Atlantis"), "{e}");
    }

    #[test]
    fn a_line_without_end_is_refused_not_held() {
        let mut text = String::from("pnr,kom,y_1801\n1,101,774\n2,101,");
        text.push_str(&"7".repeat(MAX_LINE + 10));
        let e = run(&text, 0, false).unwrap_err().to_string();
        assert!(e.contains("line 3 is longer than 1024 KB"), "{e}");
        let e = run(&"y".repeat(MAX_LINE + 1), 0, false).unwrap_err().to_string();
        assert!(e.contains("line 1 is longer"), "{e}");
    }
}
