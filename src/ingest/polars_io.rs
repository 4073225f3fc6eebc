//! The one place that talks to polars (pinned `=0.55.2`): read a delimited text file or a
//! Parquet file into string columns, and write a typed table as Parquet. Cells are parsed by our own code afterwards so every error can name its row
//! and column; an upgrade of polars touches only this file.

use std::path::Path;

use polars::prelude::*;

/// A table of text cells, column-major, with the header names.
pub struct TextTable {
    pub columns: Vec<(String, Vec<Option<String>>)>,
    pub rows: usize,
    /// The separator the file was read with (`,` for Parquet).
    pub separator: u8,
}

impl TextTable {
    pub fn column(&self, name: &str) -> Option<&[Option<String>]> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c.as_slice())
    }

    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The header as a message names it when a column is missing: its names, and what to do
    /// when the whole header is one name holding another separator (a `;` file read with `,`).
    pub fn header_for_message(&self) -> String {
        let names = self.names().join(", ");
        match self.columns.as_slice() {
            [(only, _)] => match other_separator(only.as_bytes(), self.separator) {
                Some(s) => format!("the header has one column, `{names}`: {}", separator_hint(s)),
                None => format!("the header has: {names}"),
            },
            _ => format!("the header has: {names}"),
        }
    }
}

/// Reads `path` with every column as text (no type inference, so nothing is silently coerced).
/// A file ending in `.parquet` is read as Parquet and its typed columns are written as text.
pub fn read_text_table(path: &Path, separator: u8) -> Result<TextTable, String> {
    let parquet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    // A panel holds one row per municipality, month and outcome: a few MB. Every cell is held
    // as text while it is checked, so a file far beyond that is refused before it is read,
    // rather than exhausting memory.
    let size = super::file_size(path)?;
    if size > MAX_PANEL_BYTES {
        return Err(format!(
            "the file is {:.2} GB; a panel (one row per municipality, month and outcome) is a few MB, and panels above {} MB are refused. Spell-level data belong in the case file (`[data] cases`), which is streamed",
            size as f64 / 1e9,
            MAX_PANEL_BYTES / (1024 * 1024)
        ));
    }
    if !parquet {
        use std::io::Read;
        let mut start = Vec::with_capacity(64 * 1024);
        std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut start)).map_err(|e| e.to_string())?;
        if super::table::looks_utf16(&start) {
            return Err(UTF16.replace("{what}", "panel"));
        }
        if super::table::looks_binary(&start) {
            return Err(
                "this is a binary file, not a CSV panel (a Parquet panel must end in .parquet; a workbook is read through [[data.sources]])"
                    .into(),
            );
        }
    }
    let df = super::guarded(if parquet { "Parquet reader" } else { "CSV reader" }, || {
        if parquet { read_parquet(path) } else { read_csv(path, separator) }
    })?;
    let rows = df.height();
    let mut columns = Vec::with_capacity(df.width());
    for col in df.columns() {
        let name = col.name().to_string();
        let col = col.cast(&DataType::String).map_err(|e| format!("column `{name}`: {e}"))?;
        let text = col.str().map_err(|e| e.to_string())?;
        let cells = (0..text.len()).map(|i| text.get(i).map(str::to_string)).collect();
        columns.push((name, cells));
    }
    Ok(TextTable { columns, rows, separator: if parquet { b',' } else { separator } })
}

/// The largest panel file read. Every cell is held as text while it is checked, about 14 times
/// the file's size at the peak (a 28 MB long panel peaks at 400 MB): 128 MB keeps a run under
/// 2 GB. 98 municipalities × 15 years of months × 250 outcomes fit in it.
pub const MAX_PANEL_BYTES: u64 = 128 * 1024 * 1024;

/// The most rows a Parquet panel may have (its cells are held as text too, as many as a CSV
/// panel of [`MAX_PANEL_BYTES`] holds). A compressed file can be small and still expand far
/// beyond memory, so the count in its footer is checked before any row is read.
pub const MAX_PANEL_ROWS: usize = 4_500_000;

fn read_parquet(path: &Path) -> Result<DataFrame, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut reader = ParquetReader::new(file);
    let rows = reader.num_rows().map_err(|e| e.to_string())?;
    if rows > MAX_PANEL_ROWS {
        return Err(format!(
            "{rows} rows; a panel (one row per municipality, month and outcome) has at most a few million, and panels above {MAX_PANEL_ROWS} rows are refused. Spell-level data belong in the case file (`[data] cases`), which is streamed"
        ));
    }
    reader.finish().map_err(|e| e.to_string())
}

/// What a UTF-16 data file should become; `{what}` names the file's role.
pub(crate) const UTF16: &str = "this is UTF-16 text (as Excel's \"Unicode text\" saves it), not a UTF-8 CSV {what}: save it as \"CSV UTF-8\", or read a statistical table through [[data.sources]], which reads UTF-16";

fn read_csv(path: &Path, separator: u8) -> Result<DataFrame, String> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(separator))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| {
            let message = e.to_string();
            // polars names no row for a ragged line: find it (streaming, quotes respected).
            if message.contains("more fields than defined")
                && let Some(found) = ragged_row(path, separator)
            {
                return found;
            }
            message
        })
}

/// The first record whose number of fields differs from the header's, as a message naming its
/// row (header = row 1).
fn ragged_row(path: &Path, separator: u8) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let mut record = csv::ByteRecord::new();
    let mut expected = None;
    let mut other = None;
    let mut row = 0usize;
    while reader.read_byte_record(&mut record).ok()? {
        row += 1;
        match expected {
            None => {
                expected = Some(record.len());
                other = (record.len() == 1).then(|| other_separator(&record[0], separator)).flatten();
            }
            Some(n) if record.len() != n => {
                let why = match other {
                    Some(s) => format!("the header is one field holding `{}`: {}", s as char, separator_hint(s)),
                    None => "a stray separator, or a value with a separator that is not in quotes".into(),
                };
                return Some(format!("row {row} has {} fields, the header has {n} ({why})", record.len()));
            }
            Some(_) => {}
        }
    }
    None
}

/// A separator other than `separator` that a one-field header holds (`;` in a Danish Excel
/// export read as comma-separated).
pub fn other_separator(header: &[u8], separator: u8) -> Option<u8> {
    [b';', b'\t', b',', b'|'].into_iter().find(|&s| s != separator && header.contains(&s))
}

/// How to say which separator a file uses.
pub fn separator_hint(s: u8) -> String {
    let shown = if s == b'\t' { "\\t".to_string() } else { (s as char).to_string() };
    format!(
        "is the file separated by `{shown}`? Say so with `separator = \"{shown}\"` under [data], or `--separator '{shown}'` on the command line"
    )
}

/// One column of a slice of a Parquet case file: typed values when the file stores them typed,
/// otherwise text for our own parser (so errors can name the value).
pub enum Cells<T> {
    Typed(Vec<Option<T>>),
    Text(Vec<Option<String>>),
}

/// `slice` rows of a Parquet case file: `municipality` as integers (codes) or text, `start` and
/// `end` as day numbers (days from 1 January of year 1, as chrono counts) — from Parquet `DATE`
/// or timestamp columns, or integers counting days since 1970 — or text.
pub struct CaseSlice {
    /// Index of the slice's first row in the file (0-based).
    pub first_row: usize,
    pub municipality: Cells<i64>,
    pub start: Cells<i32>,
    pub end: Cells<i32>,
    /// The extra columns asked for, as text.
    pub extra: Vec<Vec<Option<String>>>,
}

/// Days from 1 January of year 1 to 1 January 1970 (Parquet dates count from 1970).
const EPOCH_DAYS: i32 = 719_163;

/// Reads the case columns of a Parquet file `slice` rows at a time (only those three columns are
/// decoded; memory holds one slice), handing each slice to `each` in file order.
pub fn parquet_case_slices(
    path: &Path,
    slice: usize,
    extra: &[&str],
    each: &mut dyn FnMut(CaseSlice) -> Result<(), String>,
) -> Result<(), String> {
    super::file_size(path)?;
    let open = || std::fs::File::open(path).map_err(|e| e.to_string());
    let mut reader = ParquetReader::new(open()?);
    let schema = reader.schema().map_err(|e| e.to_string())?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    for want in ["municipality", "start", "end"].iter().chain(extra) {
        if !names.iter().any(|n| n == want) {
            return Err(format!("no column `{want}` (the file has: {})", names.join(", ")));
        }
    }
    let rows = reader.num_rows().map_err(|e| e.to_string())?;
    let columns: Vec<String> = ["municipality", "start", "end"].iter().chain(extra).map(|s| s.to_string()).collect();
    let text = |c: &Column| -> Result<Vec<Option<String>>, String> {
        let c = c.cast(&DataType::String).map_err(|e| e.to_string())?;
        Ok(c.str().map_err(|e| e.to_string())?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let date = |c: &Column| -> Result<Cells<i32>, String> {
        let typed = match c.dtype() {
            DataType::Date => Some(c.clone()),
            DataType::Datetime(_, _) => Some(c.cast(&DataType::Date).map_err(|e| e.to_string())?),
            dt if dt.is_integer() => Some(c.clone()),
            _ => None,
        };
        if let Some(c) = typed {
            // Days since 1970-01-01, as Parquet stores dates physically.
            let days = c.cast(&DataType::Int32).map_err(|e| e.to_string())?;
            let days = days.i32().map_err(|e| e.to_string())?;
            Ok(Cells::Typed(days.iter().map(|d| d.map(|d| d + EPOCH_DAYS)).collect()))
        } else {
            Ok(Cells::Text(text(c)?))
        }
    };
    let mut first = 0;
    while first < rows {
        let len = slice.max(1).min(rows - first);
        let df = ParquetReader::new(open()?)
            .with_columns(Some(columns.clone()))
            .with_slice(Some((first, len)))
            .finish()
            .map_err(|e| e.to_string())?;
        let get = |name: &str| df.column(name).map_err(|e| format!("column `{name}`: {e}"));
        let m = get("municipality")?;
        let municipality = if m.dtype().is_integer() {
            let codes = m.cast(&DataType::Int64).map_err(|e| e.to_string())?;
            Cells::Typed(codes.i64().map_err(|e| e.to_string())?.iter().collect())
        } else {
            Cells::Text(text(m)?)
        };
        let extra = extra.iter().map(|name| text(get(name)?)).collect::<Result<Vec<_>, String>>()?;
        each(CaseSlice {
            first_row: first,
            municipality,
            start: date(get("start")?)?,
            end: date(get("end")?)?,
            extra,
        })?;
        first += len;
    }
    Ok(())
}

/// One column of a typed table to write, independent of polars' own types.
pub enum TypedColumn {
    Text(Vec<String>),
    Float(Vec<f64>),
    Int(Vec<i64>),
}

/// A typed table as Parquet bytes (zstd-compressed, as polars writes by default).
pub fn parquet_bytes(columns: Vec<(&str, TypedColumn)>) -> Result<Vec<u8>, String> {
    use TypedColumn as C;
    let columns: Vec<Column> = columns
        .into_iter()
        .map(|(name, c)| match c {
            C::Text(v) => Column::new(name.into(), v),
            C::Float(v) => Column::new(name.into(), v),
            C::Int(v) => Column::new(name.into(), v),
        })
        .collect();
    let mut df = DataFrame::new_infer_height(columns).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut df).map_err(|e| e.to_string())?;
    Ok(out)
}
