//! Case-level data: one row per case or spell (`municipality`, `start`, `end`; empty `end` =
//! still open), streamed from CSV into compact columns.
//!
//! Rows are read one at a time with a reused buffer, so memory holds only the columns kept:
//! 10 bytes per spell (a municipality code and two day numbers), 1 GB for 10⁸ spells. Case
//! identifiers and any other column are never kept, so no output can reveal them.
//!
//! Every bad row is reported with its line, column, value and what was expected (the first
//! [`super::MAX_LISTED`], with the total count): an unknown municipality, a date that is not
//! `YYYY-MM-DD`, an end before the start.

use std::path::Path;

use chrono::{Datelike, NaiveDate};

use super::{CellProblem, IngestError, MAX_LISTED};
use crate::registry::{Code, Registry};

/// `end` of a spell that is still open.
pub const OPEN: i32 = i32::MAX;

/// Spells in columns. Days are counted from 1 January of year 1 (`NaiveDate::num_days_from_ce`).
#[derive(Clone, Debug, Default)]
pub struct Cases {
    pub municipality: Vec<Code>,
    pub start: Vec<i32>,
    /// [`OPEN`] when the spell had not ended by the end of the data.
    pub end: Vec<i32>,
    /// The latest date seen in `start` or `end`: the end of observation, where open spells are
    /// censored.
    pub observed_until: i32,
}

impl Cases {
    pub fn len(&self) -> usize {
        self.start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }
}

pub fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

pub fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN)
}

/// `YYYY-MM-DD` from bytes without allocating.
fn parse_day(b: &[u8]) -> Option<i32> {
    let b = b.trim_ascii();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
    };
    let d = NaiveDate::from_ymd_opt(digits(&b[0..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)?;
    Some(day_number(d))
}

/// Reads a case file (CSV with a header; `separator` between fields).
pub fn read_cases(path: &Path, separator: u8, registry: &Registry) -> Result<Cases, IngestError> {
    let read_err = |m: String| IngestError::Read { path: path.to_path_buf(), message: m };
    let file = std::fs::File::open(path).map_err(|e| read_err(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let header = reader.byte_headers().map_err(|e| read_err(e.to_string()))?.clone();
    let names: Vec<String> =
        header.iter().map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string()).collect();
    let find = |name: &str| names.iter().position(|n| n == name);
    let mut missing = Vec::new();
    let mut col = |name: &str| {
        let i = find(name);
        if i.is_none() {
            missing.push(name.to_string());
        }
        i.unwrap_or(0)
    };
    let (cm, cs, ce) = (col("municipality"), col("start"), col("end"));
    if !missing.is_empty() {
        return Err(IngestError::Invalid {
            path: path.to_path_buf(),
            problems: missing
                .iter()
                .map(|m| CellProblem {
                    row: 1,
                    column: m.clone(),
                    value: String::new(),
                    expected: format!("a column `{m}` (the header has: {})", names.join(", ")),
                })
                .collect(),
            total: missing.len(),
        });
    }
    // Municipality codes are looked up once per distinct text.
    let mut lookup: std::collections::HashMap<Vec<u8>, Option<Code>> = std::collections::HashMap::new();
    let mut cases = Cases::default();
    let mut problems = Vec::new();
    let mut total = 0usize;
    let mut problem = |row: usize, column: &str, value: &[u8], expected: &str| {
        total += 1;
        if problems.len() < MAX_LISTED {
            problems.push(CellProblem {
                row,
                column: column.to_string(),
                value: String::from_utf8_lossy(value).chars().take(60).collect(),
                expected: expected.to_string(),
            });
        }
    };
    let mut record = csv::ByteRecord::new();
    let mut line = 1usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let row = e.position().map(|p| p.line() as usize).unwrap_or(line + 1);
                problem(row, "", b"", &format!("a well-formed CSV row ({e})"));
                break;
            }
        }
        line = record.position().map(|p| p.line() as usize).unwrap_or(line + 1);
        let m = &record[cm];
        let code = *lookup
            .entry(m.to_vec())
            .or_insert_with(|| std::str::from_utf8(m).ok().and_then(|t| registry.resolve(t.trim()).ok()));
        let start = parse_day(&record[cs]);
        let end_text = record[ce].trim_ascii();
        let end = if end_text.is_empty() { Some(OPEN) } else { parse_day(end_text) };
        match (code, start, end) {
            (Some(code), Some(s), Some(e)) if e == OPEN || e >= s => {
                cases.municipality.push(code);
                cases.start.push(s);
                cases.end.push(e);
                cases.observed_until = cases.observed_until.max(s).max(if e == OPEN { s } else { e });
            }
            (code, start, end) => {
                if code.is_none() {
                    problem(line, "municipality", m, "a municipality code or name from the registry");
                }
                if start.is_none() {
                    problem(line, "start", &record[cs], "a date YYYY-MM-DD");
                }
                match (start, end) {
                    (_, None) => problem(line, "end", &record[ce], "a date YYYY-MM-DD, or empty for an open spell"),
                    (Some(_), Some(_)) if code.is_some() => {
                        problem(line, "end", &record[ce], "a date on or after the start")
                    }
                    _ => {}
                }
            }
        }
    }
    if total > 0 {
        return Err(IngestError::Invalid { path: path.to_path_buf(), problems, total });
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Cases, IngestError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, text).unwrap();
        read_cases(&path, b',', &Registry::embedded())
    }

    #[test]
    fn reads_open_and_closed_spells_by_code_or_name() {
        let c = read("case_id,municipality,start,end\n1,101,2018-01-05,2018-03-01\n2,Aalborg,2018-02-01,\n").unwrap();
        assert_eq!(c.municipality, vec![101, 851]);
        assert_eq!(c.end[1], OPEN);
        assert_eq!(c.end[0] - c.start[0], 55);
        assert_eq!(from_day_number(c.observed_until), NaiveDate::from_ymd_opt(2018, 3, 1).unwrap());
    }

    #[test]
    fn bad_rows_name_line_column_and_expectation() {
        let err = read("municipality,start,end\n101,2018-01-05,2017-03-01\nNowhere,2018-13-01,x\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("4 problem(s)"), "{text}");
        assert!(text.contains("row 2") && text.contains("on or after the start"), "{text}");
        assert!(text.contains("row 3") && text.contains("`Nowhere`"), "{text}");
        assert!(text.contains("2018-13-01") && text.contains("YYYY-MM-DD"), "{text}");
    }

    #[test]
    fn a_missing_column_is_named() {
        let text = read("municipality,begin,end\n101,2018-01-05,\n").unwrap_err().to_string();
        assert!(text.contains("`start`") && text.contains("begin"), "{text}");
    }
}
