//! Ingest: data files → the canonical [`Panel`], validated.
//!
//! A panel file is read as text (see [`polars_io`]) and every cell is parsed here, so that a bad
//! value is reported with its file, row (as a line number in the file, header = line 1), column
//! and what was expected. All problems are collected and reported together.

pub mod cases;
pub mod dream;
pub mod numbers;
mod panel;
pub mod periods;
pub mod polars_io;
pub mod sources;
pub mod table;

use std::path::PathBuf;

pub use panel::{Panel, Series, read_panel};

/// Areas a data file holds that are not municipalities, left out of the panel: one note per
/// file and kind (the whole country, regions, provinces, Christiansø, …).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeftOut {
    /// The file's name (not its path: outputs do not carry the user's folders).
    pub file: String,
    pub kind: crate::registry::AreaKind,
    /// The areas as the file writes them.
    pub names: Vec<String>,
}

impl std::fmt::Display for LeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<String> = self.names.iter().take(6).map(|n| shown(n)).collect();
        if self.names.len() > 6 {
            names.push(format!("… {} in all", self.names.len()));
        }
        if self.kind == crate::registry::AreaKind::Christianso {
            return write!(f, "{}: left out {}", self.file, self.kind.describe());
        }
        write!(f, "{}: left out {} ({})", self.file, self.kind.describe(), names.join(", "))
    }
}

/// One bad cell or row.
#[derive(Clone, Debug, PartialEq)]
pub struct CellProblem {
    /// Line in the file (the header is line 1); 0 when the problem concerns the whole file.
    pub row: usize,
    pub column: String,
    pub value: String,
    pub expected: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("could not read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{}", format_cells(path, problems, *total))]
    Invalid { path: PathBuf, problems: Vec<CellProblem>, total: usize },
    /// Problems in several files, all reported together.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<IngestError>),
}

/// Text from a data file as an error message shows it: control and replacement characters
/// (a binary file read as text) as `?`, at most 200 characters.
pub fn shown(text: &str) -> String {
    let mut out: String =
        text.chars().take(200).map(|c| if c.is_control() || c == '\u{fffd}' { '?' } else { c }).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

thread_local! {
    /// Set while a [`guarded`] reader runs on this thread: its panics are reported as errors,
    /// so the panic hook stays quiet.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The size of the data file at `path`, refusing anything but a regular file: a pipe or a
/// device (`/dev/zero`, a FIFO) would be read forever or block, and a file's size is what every
/// reader checks before it reads.
/// The largest value an outcome may take: no municipal count, duration or kroner amount comes
/// near it, and values beyond it (up to 1,8e308) make every sum and chart axis meaningless.
pub const MAX_VALUE: f64 = 1e12;

/// Whether `v` is a plausible value of an outcome in `unit`.
pub(crate) fn in_range(v: f64, unit: crate::study::Unit) -> bool {
    match unit {
        crate::study::Unit::Percent => (0.0..=100.0).contains(&v),
        _ => (0.0..=MAX_VALUE).contains(&v),
    }
}

/// What [`in_range`] expects, for messages.
pub(crate) fn range_expected(unit: crate::study::Unit) -> &'static str {
    match unit {
        crate::study::Unit::Percent => "a share in percent between 0 and 100",
        _ => "a value that is not negative and at most 10^12 (1 000 000 000 000)",
    }
}

pub fn file_size(path: &std::path::Path) -> Result<u64, String> {
    let m = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !m.is_file() {
        return Err(if m.is_dir() {
            "this is a folder, not a data file".into()
        } else {
            "not a regular file (a pipe, a socket or a device): data are read from files whose size can be checked first"
                .into()
        });
    }
    Ok(m.len())
}

/// Runs a third-party file reader (calamine, polars) so that a panic inside it on a damaged
/// file becomes an error naming the reader, not a crash: the project never panics on data, and
/// a library may (an arithmetic overflow on a corrupt workbook was found by fuzzing).
pub fn guarded<T>(reader: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
    let outer = GUARDED.with(|g| g.replace(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    out.unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "the {reader} stopped on this file, which is probably damaged or not what its name says ({})",
            shown(&why)
        ))
    })
}

/// Header names that mark the area (municipality) column, compared case-insensitively; the
/// panel takes the first it finds in this order.
pub const AREA_HEADERS: &[&str] = &[
    "municipality",
    "kommune",
    "område",
    "omraade",
    "omrade",
    "area",
    "komk",
    "bopkom",
    "jobcenter",
    "kommunekode",
    "code",
    "kode",
];
/// Header names that mark a period column.
pub const PERIOD_HEADERS: &[&str] = &[
    "period", "periode", "tid", "time", "date", "dato", "month", "måned", "maaned", "quarter", "kvartal", "year", "år",
    "aar",
];
/// Header names that mark the value column.
pub const VALUE_HEADERS: &[&str] = &["value", "værdi", "vaerdi", "indhold", "content"];

/// What an area cell that names no single municipality expected, with the fix: a suggestion
/// when a name is close, the `[data] areas` key that maps a combined area (`Frederikshavn/Læsø`)
/// or leaves out any other.
pub fn area_expected(text: &str, why: crate::registry::LookupError) -> String {
    use crate::registry::LookupError;
    match why {
        LookupError::Ambiguous { names } => format!(
            "one municipality; `{text}` combines {} and cannot be split: map it in [data] areas, e.g. areas = {{ \"{text}\" = \"{}\" }} (or \"\" to leave it out)",
            names.join(" and "),
            names[0]
        ),
        LookupError::Unknown { suggestion: Some(s) } => format!("a municipality name or code (did you mean `{s}`?)"),
        LookupError::Unknown { suggestion: None } => format!(
            "a municipality name or code; if `{}` is an area of its own, map it under [data]: areas = {{ \"{}\" = \"<municipality>\" }}, or = \"\" to leave its rows out",
            shown(text),
            shown(text)
        ),
    }
}

/// At most this many problems are listed; the count says how many there were.
pub const MAX_LISTED: usize = 20;

fn format_cells(path: &std::path::Path, problems: &[CellProblem], total: usize) -> String {
    let mut out = format!("{} has {total} problem(s):", path.display());
    for p in problems {
        let mut at: Vec<String> = Vec::new();
        if p.row > 0 {
            at.push(format!("row {}", p.row));
        }
        if !p.column.is_empty() {
            at.push(format!("column `{}`", shown(&p.column)));
        }
        let at = if at.is_empty() { String::new() } else { format!("{}: ", at.join(", ")) };
        let found = if p.value.is_empty() { String::new() } else { format!(", found `{}`", shown(&p.value)) };
        out.push_str(&format!("\n  {}: {at}expected {}{found}", path.display(), p.expected));
    }
    if total > problems.len() {
        out.push_str(&format!("\n  … and {} more", total - problems.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_reader_becomes_an_error() {
        let r: Result<(), String> = guarded("test reader", || panic!("attempt to multiply with overflow"));
        let e = r.unwrap_err();
        assert!(e.contains("the test reader stopped on this file") && e.contains("multiply with overflow"), "{e}");
        assert_eq!(guarded("test reader", || Ok::<_, String>(7)), Ok(7));
    }
}
