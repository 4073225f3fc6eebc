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

/// `YYYY-MM-DD` from bytes without allocating, as a day number (days from 1 January of year 1,
/// day 1 = 0001-01-01 as chrono counts them), by the civil-calendar arithmetic of Howard Hinnant's
/// `days_from_civil`.
/// The years a case date may fall in.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2100;

/// What a date cell was expected to hold; a Danish day-first date (26.02.2014, 26-02-2014 or
/// 26/02/2014) is shown as it should be written.
fn date_expected(cell: &[u8], expected: &str) -> String {
    let b = cell.trim_ascii();
    let day_first = b.len() == 10
        && b[2] == b[5]
        && matches!(b[2], b'.' | b'-' | b'/')
        && [0, 1, 3, 4, 6, 7, 8, 9].iter().all(|&i| b[i].is_ascii_digit());
    if !day_first {
        return expected.to_string();
    }
    let iso = [&b[6..10], b"-", &b[3..5], b"-", &b[0..2]].concat();
    match parse_day(&iso) {
        Some(_) => format!("{expected} (day first is not read: write `{}`)", String::from_utf8_lossy(&iso)),
        None => expected.to_string(),
    }
}

fn parse_day(b: &[u8]) -> Option<i32> {
    let b = b.trim_ascii();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |s: &[u8]| -> Option<i32> {
        s.iter().try_fold(0i32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i32))
    };
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    // Case dates lie in the years municipal records cover; 9999-12-31 (a "no end" placeholder)
    // would move the date the data run to by thousands of years.
    if !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // Days since 1970-01-01, shifted to chrono's day numbers (1970-01-01 = 719163).
    Some(era * 146_097 + doe - 719_468 + 719_163)
}

/// Most extra columns one pass can hand to its fold.
pub const MAX_EXTRA: usize = 16;

/// One valid spell as a fold sees it: municipality, start day, end day or [`OPEN`], and the raw
/// cells of the extra columns the caller asked for, in that order (trimmed; empty when blank).
pub struct CaseRow<'a> {
    pub municipality: Code,
    pub start: i32,
    pub end: i32,
    pub extra: &'a [&'a [u8]],
}

/// A fold's objection to one extra cell: the index of the column in the caller's list and what
/// was expected there. The reader reports it with the row and the value.
#[derive(Clone, Debug)]
pub struct Reject {
    pub column: usize,
    pub expected: String,
}

/// What a streamed pass over a case file saw.
/// The longest header line read; a longer first line is not a header.
const MAX_HEADER: usize = 1 << 20;
/// The longest row kept; a longer one is reported and skipped without being held in memory.
const MAX_LINE: usize = 64 * 1024;

/// Reads one line (through its `\n`) into `line`, keeping at most `max` bytes of it, so memory
/// stays bounded whatever the file holds. Returns the bytes consumed (0 at the end of the
/// input) and whether the line was longer than `max`.
fn read_line_bounded(r: &mut impl std::io::BufRead, line: &mut Vec<u8>, max: usize) -> std::io::Result<(usize, bool)> {
    let (mut consumed, mut long) = (0, false);
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok((consumed, long));
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = max.saturating_sub(line.len());
        long |= take > room;
        line.extend_from_slice(&buf[..take.min(room)]);
        r.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, long));
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CaseStats {
    pub rows: u64,
    /// The latest date in `start` or `end` (day number): where open spells are censored.
    pub observed_until: i32,
}

/// One chunk's outcome: its accumulator, rows and lines read, problems (with lines counted from
/// the chunk's start), and the latest date seen.
struct ChunkResult<A> {
    acc: A,
    rows: u64,
    lines: usize,
    problems: Vec<CellProblem>,
    total: usize,
    observed_until: i32,
}

/// Streams a case file (CSV with a header, or Parquet when the name ends in `.parquet`) in parallel byte ranges, folding each spell
/// (municipality, start day, end day or [`OPEN`]) into a per-range accumulator made by `init`.
/// The accumulators come back in file order, so merging them in order gives the same result
/// for any number of threads. Memory holds one line per thread plus the accumulators: a file
/// of any length streams in constant memory when the accumulators are tallies.
///
/// `extra` names further columns (a case type, certificate counts, …) whose raw cells reach
/// the fold; the fold may reject a cell, which is reported like any other bad cell.
///
/// Every bad row is reported with its line (header = line 1), column, value and what was
/// expected: the first [`MAX_LISTED`] in file order, with the total count.
pub fn fold_cases<A: Send>(
    path: &Path,
    separator: u8,
    registry: &Registry,
    extra: &[&str],
    init: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &CaseRow) -> Result<(), Reject> + Sync,
) -> Result<(Vec<A>, CaseStats), IngestError> {
    let (accs, stats) = fold_any(path, separator, registry, extra, init, fold)?;
    // Without a single case there is nothing to evaluate, and no date the data run to.
    if stats.rows == 0 {
        return Err(IngestError::Read {
            path: path.to_path_buf(),
            message: "holds no cases: a header and no rows (one row per case is expected)".into(),
        });
    }
    Ok((accs, stats))
}

fn fold_any<A: Send>(
    path: &Path,
    separator: u8,
    registry: &Registry,
    extra: &[&str],
    init: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &CaseRow) -> Result<(), Reject> + Sync,
) -> Result<(Vec<A>, CaseStats), IngestError> {
    use rayon::prelude::*;
    use std::io::{BufRead, Read, Seek, SeekFrom};

    assert!(extra.len() <= MAX_EXTRA, "at most {MAX_EXTRA} extra case columns");
    super::file_size(path).map_err(|message| IngestError::Read { path: path.to_path_buf(), message })?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) {
        return fold_parquet(path, registry, extra, init, fold);
    }
    let read_err = |m: String| IngestError::Read { path: path.to_path_buf(), message: m };
    let open = || std::fs::File::open(path).map_err(|e| read_err(e.to_string()));
    let size = open()?.metadata().map_err(|e| read_err(e.to_string()))?.len();
    let mut reader = std::io::BufReader::new(open()?);
    let mut header = Vec::new();
    let (header_bytes, long) =
        read_line_bounded(&mut reader, &mut header, MAX_HEADER).map_err(|e| read_err(e.to_string()))?;
    if super::table::looks_utf16(&header) {
        return Err(read_err(super::polars_io::UTF16.replace("{what}", "case file")));
    }
    if super::table::looks_binary(&header) {
        return Err(read_err(
            "this is a binary file, not a CSV case file (a Parquet case file must end in .parquet)".into(),
        ));
    }
    let header_line = header.strip_suffix(b"\n").unwrap_or(&header);
    if header_line.strip_suffix(b"\r").unwrap_or(header_line).contains(&b'\r') {
        return Err(read_err(
            "lines end with a carriage return alone (the old Mac format); save the file with Windows or Unix line ends"
                .into(),
        ));
    }
    if long {
        return Err(read_err(format!(
            "the first line is longer than {} KB, so it is not a header of column names (expected `municipality,start,end`)",
            MAX_HEADER / 1024
        )));
    }
    let header_text = String::from_utf8_lossy(&header);
    let names: Vec<String> = header_text
        .trim_end_matches(['\r', '\n'])
        .split(separator as char)
        .map(|h| h.trim().trim_matches('"').trim_start_matches('\u{feff}').to_string())
        .collect();
    let find = |name: &str| names.iter().position(|n| n == name);
    let missing: Vec<&str> =
        ["municipality", "start", "end"].iter().chain(extra).copied().filter(|n| find(n).is_none()).collect();
    // A header of one name holding another separator: one problem, not one per column.
    if !missing.is_empty()
        && names.len() == 1
        && let Some(other) = super::polars_io::other_separator(names[0].as_bytes(), separator)
    {
        return Err(IngestError::Invalid {
            path: path.to_path_buf(),
            problems: vec![CellProblem {
                row: 1,
                column: missing[0].to_string(),
                value: super::shown(&names[0]),
                expected: format!(
                    "columns {} (the header is one column holding `{}`: {})",
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                    other as char,
                    super::polars_io::separator_hint(other)
                ),
            }],
            total: 1,
        });
    }
    if !missing.is_empty() {
        return Err(IngestError::Invalid {
            path: path.to_path_buf(),
            problems: missing
                .iter()
                .map(|m| CellProblem {
                    row: 1,
                    column: m.to_string(),
                    value: String::new(),
                    expected: format!("a column `{m}` (the header has: {})", super::shown(&names.join(", "))),
                })
                .collect(),
            total: missing.len(),
        });
    }
    let (cm, cs, ce) = (find("municipality").unwrap_or(0), find("start").unwrap_or(0), find("end").unwrap_or(0));
    let extra_at: Vec<usize> = extra.iter().map(|n| find(n).unwrap_or(0)).collect();
    let fields = names.len();

    // Byte ranges that start at line starts: nominal cut points moved to the next line.
    let body = header_bytes as u64;
    let chunks = (rayon::current_num_threads() * 4).max(1) as u64;
    let mut cuts = vec![body];
    for k in 1..chunks {
        let nominal = body + (size - body) * k / chunks;
        let mut r = std::io::BufReader::new(open()?);
        r.seek(SeekFrom::Start(nominal.saturating_sub(1))).map_err(|e| read_err(e.to_string()))?;
        let mut skip = Vec::new();
        let n = r.read_until(b'\n', &mut skip).map_err(|e| read_err(e.to_string()))?;
        let cut = (nominal.saturating_sub(1) + n as u64).min(size);
        if cut > *cuts.last().expect("non-empty") {
            cuts.push(cut);
        }
    }
    cuts.push(size);
    cuts.dedup();

    // Municipality codes: three digits looked up directly, names resolved once per chunk.
    let mut known = vec![false; 1000];
    for m in registry.all() {
        if let Some(k) = known.get_mut(m.code as usize) {
            *k = true;
        }
    }
    let results: Vec<Result<ChunkResult<A>, IngestError>> = cuts
        .windows(2)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|w| {
            let (from, to) = (w[0], w[1]);
            let mut r = std::io::BufReader::with_capacity(1 << 20, open()?);
            r.seek(SeekFrom::Start(from)).map_err(|e| read_err(e.to_string()))?;
            let mut r = r.take(to - from);
            let mut out = ChunkResult {
                acc: init(),
                rows: 0,
                lines: 0,
                problems: Vec::new(),
                total: 0,
                observed_until: i32::MIN,
            };
            let mut names_cache: std::collections::HashMap<Vec<u8>, Option<Code>> = Default::default();
            let mut line = Vec::with_capacity(256);
            let mut cells: Vec<(usize, usize)> = Vec::with_capacity(fields);
            loop {
                line.clear();
                let (n, long) = read_line_bounded(&mut r, &mut line, MAX_LINE).map_err(|e| read_err(e.to_string()))?;
                if n == 0 {
                    break;
                }
                out.lines += 1;
                let row = out.lines; // within the chunk; made absolute later
                while matches!(line.last(), Some(b'\n' | b'\r')) {
                    line.pop();
                }
                if line.is_empty() {
                    continue;
                }
                let mut problem = |column: &str, value: &[u8], expected: &str| {
                    out.total += 1;
                    if out.problems.len() < MAX_LISTED {
                        out.problems.push(CellProblem {
                            row,
                            column: column.to_string(),
                            value: String::from_utf8_lossy(value).chars().take(60).collect(),
                            expected: expected.to_string(),
                        });
                    }
                };
                if long {
                    problem(
                        "",
                        &line[..60],
                        &format!("a row of at most {} KB (a case is a few dozen bytes)", MAX_LINE / 1024),
                    );
                    continue;
                }
                // Fields: plain splitting, or a CSV parser for the rare quoted line.
                let quoted;
                let record: Vec<&[u8]> = if line.contains(&b'"') {
                    let mut rd =
                        csv::ReaderBuilder::new().has_headers(false).delimiter(separator).from_reader(&line[..]);
                    quoted = rd.byte_records().next().and_then(|r| r.ok()).unwrap_or_default();
                    quoted.iter().collect()
                } else {
                    cells.clear();
                    let mut a = 0;
                    for (i, b) in line.iter().enumerate() {
                        if *b == separator {
                            cells.push((a, i));
                            a = i + 1;
                        }
                    }
                    cells.push((a, line.len()));
                    cells.iter().map(|&(a, b)| &line[a..b]).collect()
                };
                if record.len() != fields {
                    problem(
                        "",
                        &line[..line.len().min(60)],
                        &format!("{fields} fields as in the header, found {}", record.len()),
                    );
                    continue;
                }
                let m = record[cm].trim_ascii();
                let code = if m.len() == 3 && m.iter().all(u8::is_ascii_digit) {
                    let c = (m[0] - b'0') as u16 * 100 + (m[1] - b'0') as u16 * 10 + (m[2] - b'0') as u16;
                    known[c as usize].then_some(c)
                } else {
                    *names_cache
                        .entry(m.to_vec())
                        .or_insert_with(|| std::str::from_utf8(m).ok().and_then(|t| registry.resolve(t.trim()).ok()))
                };
                let start = parse_day(record[cs]);
                let end_text = record[ce].trim_ascii();
                let end = if end_text.is_empty() { Some(OPEN) } else { parse_day(end_text) };
                match (code, start, end) {
                    (Some(code), Some(st), Some(en)) if en == OPEN || en >= st => {
                        let mut cells: [&[u8]; MAX_EXTRA] = [&[]; MAX_EXTRA];
                        for (cell, &at) in cells.iter_mut().zip(&extra_at) {
                            *cell = record[at].trim_ascii();
                        }
                        let row_in = CaseRow { municipality: code, start: st, end: en, extra: &cells[..extra.len()] };
                        match fold(&mut out.acc, &row_in) {
                            Ok(()) => {
                                out.rows += 1;
                                out.observed_until = out.observed_until.max(if en == OPEN { st } else { en });
                            }
                            Err(r) => problem(extra[r.column], cells[r.column], &r.expected),
                        }
                    }
                    (code, start, end) => {
                        if code.is_none() {
                            problem("municipality", m, "a municipality code or name from the registry");
                        }
                        if start.is_none() {
                            let expected = date_expected(record[cs], "a date YYYY-MM-DD from 1900 to 2100");
                            problem("start", record[cs], &expected);
                        }
                        match (start, end) {
                            (_, None) => problem(
                                "end",
                                record[ce],
                                &date_expected(
                                    record[ce],
                                    "a date YYYY-MM-DD from 1900 to 2100, or empty for an open spell",
                                ),
                            ),
                            (Some(_), Some(_)) if code.is_some() => {
                                problem("end", record[ce], "a date on or after the start")
                            }
                            _ => {}
                        }
                    }
                }
            }
            Ok(out)
        })
        .collect();
    let mut accs = Vec::with_capacity(results.len());
    let mut stats = CaseStats { rows: 0, observed_until: i32::MIN };
    let (mut problems, mut total, mut line_base) = (Vec::new(), 0usize, 1usize);
    for r in results {
        let r = r?;
        for mut p in r.problems {
            p.row += line_base;
            if problems.len() < MAX_LISTED {
                problems.push(p);
            }
        }
        total += r.total;
        line_base += r.lines;
        stats.rows += r.rows;
        stats.observed_until = stats.observed_until.max(r.observed_until);
        accs.push(r.acc);
    }
    if total > 0 {
        return Err(IngestError::Invalid { path: path.to_path_buf(), problems, total });
    }
    Ok((accs, stats))
}

/// [`fold_cases`] for a Parquet file: the three case columns are decoded a slice of rows at a
/// time (typed integer codes and dates, or text parsed as in CSV files). Rows in errors are
/// record numbers (the first record is row 1).
fn fold_parquet<A: Send>(
    path: &Path,
    registry: &Registry,
    extra: &[&str],
    init: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &CaseRow) -> Result<(), Reject> + Sync,
) -> Result<(Vec<A>, CaseStats), IngestError> {
    use super::polars_io::{Cells, parquet_case_slices};
    let mut known = vec![false; 1000];
    for m in registry.all() {
        if let Some(k) = known.get_mut(m.code as usize) {
            *k = true;
        }
    }
    let mut acc = init();
    let mut stats = CaseStats { rows: 0, observed_until: i32::MIN };
    let (mut problems, mut total) = (Vec::new(), 0usize);
    let mut names: std::collections::HashMap<String, Option<Code>> = Default::default();
    let mut each = |s: super::polars_io::CaseSlice| -> Result<(), String> {
        let n = match &s.start {
            Cells::Typed(v) => v.len(),
            Cells::Text(v) => v.len(),
        };
        for i in 0..n {
            let row = s.first_row + i + 1;
            let (code, mtext) = match &s.municipality {
                Cells::Typed(v) => (
                    v[i].filter(|c| (0..1000).contains(c) && known[*c as usize]).map(|c| c as Code),
                    v[i].map(|c| c.to_string()).unwrap_or_default(),
                ),
                Cells::Text(v) => {
                    let t = v[i].clone().unwrap_or_default();
                    let code = *names.entry(t.clone()).or_insert_with(|| registry.resolve(t.trim()).ok());
                    (code, t)
                }
            };
            let day = |c: &Cells<i32>, open_ok: bool| -> (Option<i32>, String) {
                match c {
                    Cells::Typed(v) => match v[i] {
                        Some(d) => {
                            let year = from_day_number(d).year();
                            ((FIRST_YEAR..=LAST_YEAR).contains(&year).then_some(d), from_day_number(d).to_string())
                        }
                        None => (open_ok.then_some(OPEN), String::new()),
                    },
                    Cells::Text(v) => {
                        let t = v[i].clone().unwrap_or_default();
                        if t.trim().is_empty() && open_ok { (Some(OPEN), t) } else { (parse_day(t.as_bytes()), t) }
                    }
                }
            };
            let ((start, stext), (end, etext)) = (day(&s.start, false), day(&s.end, true));
            let mut problem = |column: &str, value: &str, expected: &str| {
                total += 1;
                if problems.len() < MAX_LISTED {
                    problems.push(CellProblem {
                        row,
                        column: column.into(),
                        value: value.chars().take(60).collect(),
                        expected: expected.into(),
                    });
                }
            };
            match (code, start, end) {
                (Some(code), Some(st), Some(en)) if en == OPEN || en >= st => {
                    let mut cells: [&[u8]; MAX_EXTRA] = [&[]; MAX_EXTRA];
                    for (cell, column) in cells.iter_mut().zip(&s.extra) {
                        *cell = column[i].as_deref().unwrap_or("").trim().as_bytes();
                    }
                    let row_in = CaseRow { municipality: code, start: st, end: en, extra: &cells[..extra.len()] };
                    match fold(&mut acc, &row_in) {
                        Ok(()) => {
                            stats.rows += 1;
                            stats.observed_until = stats.observed_until.max(if en == OPEN { st } else { en });
                        }
                        Err(r) => {
                            let value = String::from_utf8_lossy(cells[r.column]).into_owned();
                            problem(extra[r.column], &value, &r.expected)
                        }
                    }
                }
                _ => {
                    if code.is_none() {
                        problem("municipality", &mtext, "a municipality code or name from the registry");
                    }
                    if start.is_none() {
                        problem("start", &stext, "a date");
                    }
                    match (start, end) {
                        (_, None) => problem("end", &etext, "a date, or empty for an open spell"),
                        (Some(_), Some(_)) if code.is_some() => problem("end", &etext, "a date on or after the start"),
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    };
    parquet_case_slices(path, 1 << 22, extra, &mut each)
        .map_err(|m| IngestError::Read { path: path.to_path_buf(), message: m })?;
    if total > 0 {
        return Err(IngestError::Invalid { path: path.to_path_buf(), problems, total });
    }
    Ok((vec![acc], stats))
}

/// Reads a whole case file into columns (see [`fold_cases`] for streaming tallies instead).
pub fn read_cases(path: &Path, separator: u8, registry: &Registry) -> Result<Cases, IngestError> {
    let (parts, stats) = fold_cases(path, separator, registry, &[], Cases::default, |c: &mut Cases, r| {
        c.municipality.push(r.municipality);
        c.start.push(r.start);
        c.end.push(r.end);
        Ok(())
    })?;
    let mut cases = Cases { observed_until: stats.observed_until.max(0), ..Cases::default() };
    for p in parts {
        cases.municipality.extend(p.municipality);
        cases.start.extend(p.start);
        cases.end.extend(p.end);
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

    /// Day-first dates, as Danish spreadsheets write them, are not guessed at: the message shows
    /// the date as it should be written. A day-first text that is no date gets no such advice.
    #[test]
    fn day_first_dates_are_shown_as_they_should_be_written() {
        let text = read("municipality,start,end\n101,26.02.2014,01/03/2014\n101,2014-02-26,31-02-2014\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains("found `26.02.2014`") && text.contains("write `2014-02-26`"), "{text}");
        assert!(text.contains("write `2014-03-01`"), "{text}");
        assert!(text.contains("found `31-02-2014`") && !text.contains("write `2014-02-31`"), "{text}");
    }

    /// Many chunks (a file far larger than the chunk count) read in file order with absolute
    /// line numbers in errors.
    #[test]
    fn chunks_keep_file_order_and_line_numbers() {
        let mut text = String::from("case_id,municipality,start,end\n");
        for i in 0..5000 {
            text.push_str(&format!("{i},{},2018-01-{:02},\n", if i % 2 == 0 { "101" } else { "Aalborg" }, 1 + i % 28));
        }
        let c = read("".to_string().as_str()).err();
        assert!(c.is_some());
        let c = read(&text).unwrap();
        assert_eq!(c.len(), 5000);
        assert_eq!(c.municipality[..3], [101, 851, 101]);
        assert_eq!(c.start[4999] - c.start[0], 4999 % 28);
        text.push_str("5000,101,2018-02-30,\n");
        let e = read(&text).unwrap_err().to_string();
        assert!(e.contains("row 5002") && e.contains("2018-02-30"), "{e}");
    }

    #[test]
    fn day_numbers_agree_with_chrono() {
        let mut d = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        while d.year() < 2105 {
            let expected = (FIRST_YEAR..=LAST_YEAR).contains(&d.year()).then(|| day_number(d));
            assert_eq!(parse_day(d.to_string().as_bytes()), expected, "{d}");
            d += chrono::Duration::days(1);
        }
        assert_eq!(parse_day(b"9999-12-31"), None, "a placeholder end is not a date");
        for bad in ["2019-02-29", "2020-13-01", "2020-00-10", "2020-04-31", "2020/01/01", "20-01-2020"] {
            assert_eq!(parse_day(bad.as_bytes()), None, "{bad}");
        }
        assert!(parse_day(b"2020-02-29").is_some());
    }

    /// The CSV at `csv` written as `cases.parquet` beside it, with the types polars infers;
    /// whether the municipality column came out as integers.
    fn parquet_copy(csv: &Path) -> (std::path::PathBuf, bool) {
        use polars::prelude::*;
        let mut df = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(csv.to_path_buf()))
            .unwrap()
            .finish()
            .unwrap();
        let integer_codes = df.column("municipality").unwrap().dtype().is_integer();
        let parquet = csv.with_file_name("cases.parquet");
        ParquetWriter::new(std::fs::File::create(&parquet).unwrap()).finish(&mut df).unwrap();
        (parquet, integer_codes)
    }

    /// A Parquet case file (integer codes; typed dates, and text dates) reads as the CSV it came
    /// from.
    #[test]
    fn parquet_cases_read_as_their_csv() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("cases.csv");
        let mut text = String::from("case_id,municipality,start,end\n");
        for i in 0..3000 {
            let end = if i % 7 == 0 { String::new() } else { format!("2019-{:02}-{:02}", 1 + i % 12, 1 + i % 28) };
            text.push_str(&format!("{i},{},2018-{:02}-{:02},{end}\n", [101, 851, 787][i % 3], 1 + i % 12, 1 + i % 28));
        }
        std::fs::write(&csv, text).unwrap();
        let (parquet, integer_codes) = parquet_copy(&csv);
        assert!(integer_codes, "typed codes in the Parquet file");
        let registry = Registry::embedded();
        let (a, b) = (read_cases(&csv, b',', &registry).unwrap(), read_cases(&parquet, b',', &registry).unwrap());
        assert_eq!(
            (a.municipality, a.start, a.end, a.observed_until),
            (b.municipality, b.start, b.end, b.observed_until)
        );
    }

    /// Extra columns reach the fold as raw cells, from CSV and from Parquet alike, and a cell
    /// the fold rejects is reported with its row, column and value.
    #[test]
    fn extra_columns_reach_the_fold_and_rejections_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("cases.csv");
        std::fs::write(
            &csv,
            "case_id,municipality,case_type,start,end,n\n1,101,jaf,2018-01-05,,\n2,851,rehab,2018-02-01,2018-03-01,3\n",
        )
        .unwrap();
        let (parquet, _) = parquet_copy(&csv);
        let registry = Registry::embedded();
        let collect = |path: &Path| {
            let (parts, stats) =
                fold_cases(path, b',', &registry, &["n", "case_type"], Vec::new, |acc: &mut Vec<String>, r| {
                    acc.push(format!(
                        "{}:{}:{}",
                        r.municipality,
                        String::from_utf8_lossy(r.extra[1]),
                        String::from_utf8_lossy(r.extra[0])
                    ));
                    Ok(())
                })
                .unwrap();
            (parts.concat(), stats.rows)
        };
        let want = (vec!["101:jaf:".to_string(), "851:rehab:3".to_string()], 2);
        assert_eq!(collect(&csv), want);
        assert_eq!(collect(&parquet), want);
        for path in [&csv, &parquet] {
            let err = fold_cases(
                path,
                b',',
                &registry,
                &["n"],
                || (),
                |_, r| {
                    if r.extra[0] == b"3" { Err(Reject { column: 0, expected: "not three".into() }) } else { Ok(()) }
                },
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("column `n`: expected not three, found `3`"), "{err}");
            assert!(err.contains(if path == &csv { "row 3" } else { "row 2" }), "{err}");
        }
    }

    #[test]
    fn a_missing_column_is_named() {
        let text = read("municipality,begin,end\n101,2018-01-05,\n").unwrap_err().to_string();
        assert!(text.contains("`start`") && text.contains("begin"), "{text}");
    }
}
