//! Statistical tables as Statbank, Jobindsats (exports and API responses) and spreadsheets
//! deliver them, read into panel observations.
//!
//! All share one shape: an area column (`OMRÅDE`, `Område`, `Area`, `Kommune`, …), the
//! period either as a column (`TID`, `Periode`, `Time`, …; "long in time") or as the header of
//! one column per period ("wide in time"), a value column (`INDHOLD`, `Content`, or the measure
//! named in the study), and any number of other dimensions (`KØN`, `ALDER`, …) of which the
//! study picks one value each with `filter`. Title lines above the header and notes below the
//! table are skipped. Areas that are not municipalities — `Hele landet`, regions, `RAR …`
//! labour-market regions, Statbank's `000`, `081`–`085` and `411` Christiansø — are left out
//! and counted; a combined area such as `Frederikshavn/Læsø` is refused unless `[data] areas`
//! says what it stands for. Numbers follow the column's style, detected over the whole column
//! or declared; `..` is kept as suppressed. Every problem is collected with its row and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::numbers::{self, Cell, NumberStyle};
use super::periods::{Frequency, Period};
use super::table::{RawTable, Row};
use super::{CellProblem, MAX_LISTED};
use crate::period::Month;
use crate::registry::{Area, AreaKind, Code};
use crate::study::{SourceSpec, Study};

use super::{AREA_HEADERS as AREA_COLUMNS, PERIOD_HEADERS as PERIOD_COLUMNS, VALUE_HEADERS as VALUE_COLUMNS};

/// How far down a header is looked for.
const HEADER_SEARCH: usize = 50;

/// One value of a source, placed.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceObs {
    pub line: usize,
    pub unit: Code,
    pub month: Month,
    pub outcome: usize,
    /// NaN when missing or suppressed.
    pub value: f64,
    pub suppressed: bool,
    /// An empty cell: the row is there, the value is not.
    pub missing: bool,
}

/// What a source gave, and what it left out.
#[derive(Clone, Debug, Default)]
pub struct SourceData {
    pub obs: Vec<SourceObs>,
    pub problems: Vec<CellProblem>,
    pub total_problems: usize,
    /// Areas that are not municipalities (whole country, regions, provinces, RAR,
    /// Christiansø), left out: their names as written, by kind.
    pub left_out: BTreeMap<AreaKind, BTreeSet<String>>,
    pub suppressed: usize,
    pub frequency: Option<Frequency>,
    pub style: Option<NumberStyle>,
    pub encoding: &'static str,
    /// The first month the table marks or declares provisional.
    pub provisional_from: Option<Month>,
}

impl SourceData {
    fn problem(&mut self, line: usize, column: &str, value: &str, expected: impl Into<String>) {
        self.total_problems += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(CellProblem {
                row: line,
                column: column.to_string(),
                value: value.to_string(),
                expected: expected.into(),
            });
        }
    }
}

/// The most a zipped workbook (xlsx, ods) may unpack to: a 1.5 MB file can hold a 1.5 GB cell,
/// and the size of the file says nothing of it.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// Refuses a zipped workbook whose parts unpack to more than [`MAX_UNPACKED_BYTES`], from the
/// sizes its central directory declares (nothing is unpacked). Not a zip (an xls): no check.
fn unpacked_size_ok<R: std::io::Read + std::io::Seek>(reader: R) -> Result<(), String> {
    let Ok(mut archive) = zip::ZipArchive::new(reader) else { return Ok(()) };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let size = archive.by_index_raw(i).map(|f| f.size()).unwrap_or(0);
        total = total.saturating_add(size);
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "the workbook unpacks to {} MB; workbooks that unpack to more than {} MB are refused (export the table as CSV)",
            total / (1024 * 1024),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ));
    }
    Ok(())
}

/// The rows of a spreadsheet sheet (named, or the first), cells as text.
pub fn sheet_rows(path: &Path, sheet: Option<&str>) -> Result<Vec<Row>, String> {
    super::guarded("workbook reader", || {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        unpacked_size_ok(std::io::BufReader::new(file))?;
        let book = calamine::open_workbook_auto(path).map_err(|e| format!("not a readable workbook: {e}"))?;
        rows_of_sheet(book, sheet)
    })
}

/// [`sheet_rows`] on a workbook's bytes (any format calamine knows, detected from the bytes).
pub fn sheet_rows_from_bytes(bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Row>, String> {
    super::guarded("workbook reader", || {
        unpacked_size_ok(std::io::Cursor::new(bytes))?;
        let book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(|e| format!("not a readable workbook: {e}"))?;
        rows_of_sheet(book, sheet)
    })
}

fn rows_of_sheet<RS: std::io::Read + std::io::Seek>(
    mut book: calamine::Sheets<RS>,
    sheet: Option<&str>,
) -> Result<Vec<Row>, String> {
    use calamine::{Data, Reader};
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| format!("no sheet `{s}` (the workbook has: {})", names.join(", ")))?
            .clone(),
        None => names.first().ok_or("the workbook has no sheets")?.clone(),
    };
    let range = book.worksheet_range(&name).map_err(|e| format!("sheet `{name}`: {e}"))?;
    let (top, _) = range.start().unwrap_or((0, 0));
    let text = |c: &Data| match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_else(|| d.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    };
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, r)| Row { line: top as usize + i + 1, cells: r.iter().map(text).collect() })
        .filter(|r| r.cells.iter().any(|c| !c.is_empty()))
        .collect())
}

/// The largest JSON response read: an API answer for one table of municipalities is a few MB,
/// and a parsed JSON document takes several times its size in memory.
pub const MAX_JSON_BYTES: u64 = 128 * 1024 * 1024;

/// Whether `path` is a JSON document (an API response) by its extension.
pub fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// The rows of a JSON table, as the Jobindsats API and similar services return them:
/// - `Variables` (column labels, or objects with a `Label`/`Name`) and `Data` (one array per
///   row), the response being that object or an array of them (Jobindsats API v2);
/// - `columns` and `data` or `rows` (arrays, or objects keyed by the column names);
/// - an array of records (objects keyed by column name; columns in name order, so the value
///   column must be one of the usual names or be named by `measure`).
///
/// The header is row 1 and the n-th data row is row n + 1, as in the same table saved as CSV.
/// Strings are kept as written (a Danish `1.234,5` stays for the number reader), numbers are
/// written with a decimal comma and no grouping, `null` is an empty cell.
pub fn json_rows(bytes: &[u8]) -> Result<Vec<Row>, String> {
    use serde_json::Value;
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| format!("not UTF-8 JSON: invalid byte at offset {}", e.valid_up_to()))?;
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let cell = |v: &Value| -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.trim().to_string(),
            // With a decimal comma and no grouping: a JSON number is exact, and written so the
            // column's style detection cannot take 1.875 for Danish thousands.
            Value::Number(n) => n.as_f64().map(|f| f.to_string().replace('.', ",")).unwrap_or_else(|| n.to_string()),
            Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        }
    };
    let label = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Object(o) => ["Label", "label", "Name", "name", "Text", "text", "id"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str))
                .map(|s| s.trim().to_string()),
            _ => None,
        }
    };
    const COLUMNS: [&str; 4] = ["Variables", "variables", "Columns", "columns"];
    const DATA: [&str; 4] = ["Data", "data", "Rows", "rows"];
    fn key<'v>(o: &'v serde_json::Map<String, Value>, names: &[&str]) -> Option<&'v Value> {
        names.iter().find_map(|k| o.get(*k))
    }
    let is_table = |o: &serde_json::Map<String, Value>| key(o, &COLUMNS).is_some() && key(o, &DATA).is_some();
    // (header, rows) of one table object, or None when the object is no table.
    // A header and its rows.
    type Table = (Vec<String>, Vec<Vec<String>>);
    let table = |o: &serde_json::Map<String, Value>| -> Option<Result<Table, String>> {
        let columns = key(o, &COLUMNS)?;
        let data = key(o, &DATA)?;
        let (Value::Array(columns), Value::Array(data)) = (columns, data) else {
            return Some(Err("`Variables`/`columns` and `Data`/`data` must be arrays".into()));
        };
        let header: Option<Vec<String>> = columns.iter().map(label).collect();
        let Some(header) = header else {
            return Some(Err("every column must be a label or an object with a `Label` or `Name`".into()));
        };
        let mut rows = Vec::with_capacity(data.len());
        for (i, r) in data.iter().enumerate() {
            match r {
                Value::Array(cells) => rows.push(cells.iter().map(cell).collect()),
                Value::Object(fields) => {
                    rows.push(header.iter().map(|h| fields.get(h).map(cell).unwrap_or_default()).collect())
                }
                _ => return Some(Err(format!("data row {} is neither an array nor an object", i + 1))),
            }
        }
        Some(Ok((header, rows)))
    };
    let (header, body): Table = match &doc {
        Value::Object(o) => match table(o) {
            Some(t) => t?,
            None => return Err("a JSON object without `Variables` and `Data` (or `columns` and `data`)".into()),
        },
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.as_object().is_some_and(is_table)) => {
            // Several tables: they must share their columns, and are read one after the other.
            let mut tables = items.iter().filter_map(|i| i.as_object().and_then(table));
            let (header, mut body) = tables.next().expect("non-empty")?;
            for t in tables {
                let (h, rows) = t?;
                if h != header {
                    return Err(format!(
                        "the response holds tables with different columns ({} and {}); request one table",
                        header.join(", "),
                        h.join(", ")
                    ));
                }
                body.extend(rows);
            }
            (header, body)
        }
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let header: Vec<String> = items[0].as_object().expect("an object").keys().cloned().collect();
            let body = items
                .iter()
                .map(|i| {
                    let o = i.as_object().expect("an object");
                    header.iter().map(|h| o.get(h).map(cell).unwrap_or_default()).collect()
                })
                .collect();
            (header, body)
        }
        _ => {
            return Err(
                "expected a table: an object with `Variables` and `Data` (Jobindsats API), `columns` and `data`, or an array of records"
                    .into(),
            );
        }
    };
    let mut rows = Vec::with_capacity(body.len() + 1);
    rows.push(Row { line: 1, cells: header });
    rows.extend(body.into_iter().enumerate().map(|(i, cells)| Row { line: i + 2, cells }));
    Ok(rows)
}

/// Whether `path` is a spreadsheet by its extension.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xlsb", "xls", "ods"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads one `[[data.sources]]` entry. `Err` only when the file cannot be read as a table at
/// all; cell problems are collected in the result.
pub fn read_source(study: &Study, spec: &SourceSpec) -> Result<SourceData, String> {
    if !spec.file.exists() {
        return Err(
            "no such file (a [[data.sources]] `file` is relative to the study file; download the table and save it there, or change `file`)"
                .into(),
        );
    }
    super::file_size(&spec.file)?;
    let (rows, encoding) = if is_workbook(&spec.file) {
        (sheet_rows(&spec.file, spec.sheet.as_deref())?, "xlsx")
    } else if is_json(&spec.file) {
        let size = std::fs::metadata(&spec.file).map_err(|e| e.to_string())?.len();
        if size > MAX_JSON_BYTES {
            return Err(format!(
                "the JSON file is {:.1} GB; responses above {} MB are refused (request fewer periods or areas per call)",
                size as f64 / 1e9,
                MAX_JSON_BYTES / (1024 * 1024)
            ));
        }
        (json_rows(&std::fs::read(&spec.file).map_err(|e| e.to_string())?)?, "utf-8")
    } else {
        let t = RawTable::read(&spec.file, spec.separator, spec.encoding.as_deref())?;
        (t.rows, t.encoding)
    };
    source_from_rows(study, spec, &rows, encoding)
}

/// [`read_source`] on rows already read (from a text table or a sheet); `encoding` is recorded.
pub fn source_from_rows(
    study: &Study,
    spec: &SourceSpec,
    rows: &[Row],
    encoding: &'static str,
) -> Result<SourceData, String> {
    let mut data = SourceData { encoding, ..SourceData::default() };
    let outcome = match study.outcomes.iter().position(|o| o.key == spec.outcome) {
        Some(i) => i,
        None => return Err(format!("the study has no outcome `{}`", spec.outcome)),
    };
    let unit = study.outcomes[outcome].unit;
    let Some(shape) = TableShape::find(study, spec, rows, &mut data) else { return Ok(data) };
    let TableShape { header_line, labels, area_col, period_col, period_headers, value_cols, bad_periods, body } = shape;
    let names = &labels;

    // Other dimensions: the filter pins each one to a value; a column with one value needs none.
    let dims: Vec<usize> = (0..names.len())
        .filter(|&i| i != area_col && Some(i) != period_col && !value_cols.contains(&i) && !bad_periods.contains(&i))
        .collect();
    fn cell(r: &Row, i: usize) -> &str {
        r.cells.get(i).map(String::as_str).unwrap_or("")
    }
    let mut filters: Vec<(usize, String)> = Vec::new();
    for (key, want) in &spec.filter {
        match column_named(names, key) {
            Some(i) => filters.push((i, want.clone())),
            None => {
                // The columns a filter could pin, with a few of their values: blank headers
                // are named by their letter, which the user cannot guess from the header.
                let several: Vec<String> = dims
                    .iter()
                    .filter_map(|&d| {
                        let values: BTreeSet<&str> = body.iter().map(|r| cell(r, d)).collect();
                        (values.len() > 1).then(|| {
                            let shown: Vec<&str> = values.iter().take(3).copied().collect();
                            format!("{} ({}{})", names[d], shown.join(", "), if values.len() > 3 { ", …" } else { "" })
                        })
                    })
                    .collect();
                let which = if several.is_empty() {
                    "; no column has more than one value, so no filter is needed".to_string()
                } else {
                    format!("; columns with more than one value: {}", several.join("; "))
                };
                data.problem(
                    header_line,
                    key,
                    &names.join(", "),
                    format!(
                        "a column `{key}` to filter on, by header or column letter{}{which}",
                        crate::study::nearest(key, names)
                    ),
                )
            }
        }
    }
    for &d in dims.iter().filter(|d| !filters.iter().any(|(i, _)| i == *d)) {
        let values: BTreeSet<&str> = body.iter().map(|r| cell(r, d)).collect();
        if values.len() > 1 {
            let shown: Vec<&str> = values.iter().take(5).copied().collect();
            // The total, where the dimension has one ("Køn i alt", "Total"), else the first value.
            let total = values.iter().find(|v| {
                let v = v.to_lowercase();
                v.contains("i alt") || v.contains("total") || v.starts_with("alle")
            });
            let first = total.or_else(|| shown.iter().find(|v| !v.is_empty())).copied().unwrap_or_default();
            data.problem(
                header_line,
                &names[d],
                &shown.join(", "),
                format!(
                    "one value; the column has {} ({}…): choose one with filter = {{ \"{}\" = \"{first}\" }} in this [[data.sources]] entry",
                    values.len(),
                    shown.join(", "),
                    names[d],
                ),
            );
        }
    }
    for (i, want) in &filters {
        if !body.iter().any(|r| cell(r, *i) == want) {
            let values: BTreeSet<&str> = body.iter().map(|r| cell(r, *i)).collect();
            let shown: Vec<&str> = values.iter().take(8).copied().collect();
            data.problem(header_line, &names[*i], want, format!("one of the column's values: {}", shown.join(", ")));
        }
    }
    let kept: Vec<&Row> = body.iter().filter(|r| filters.iter().all(|(i, want)| cell(r, *i) == want)).collect();
    if body.is_empty() {
        data.problem(header_line, &names[area_col], "", "data rows below the header");
    }
    // One number style for all value columns.
    let all_values = kept.iter().flat_map(|r| value_cols.iter().map(move |&i| cell(r, i)));
    let style = match spec.decimal {
        Some(',') => Some(NumberStyle::DANISH),
        Some(_) => Some(NumberStyle::ENGLISH),
        None => NumberStyle::detect(all_values.clone().map(|v| v.trim_end_matches('*'))),
    };
    let style = style.unwrap_or_else(|| {
        // No style reads every cell: the style of the cells that some style reads, so that
        // the others are reported against it.
        let styles = [NumberStyle::DANISH, NumberStyle::ENGLISH, NumberStyle::PLAIN];
        let readable = all_values.clone().filter(|v| styles.iter().any(|s| numbers::parse(v, *s).is_some()));
        NumberStyle::detect(readable).unwrap_or(NumberStyle::DANISH)
    });
    data.style = Some(style);

    let mut frequencies: BTreeMap<Frequency, (usize, String)> = BTreeMap::new();
    // The earliest month of a value marked provisional with a trailing `*`.
    let mut starred: Option<Month> = None;
    for r in kept {
        let area_text = cell(r, area_col);
        let unit_code = match study.resolve_area(area_text) {
            Ok(Area::Municipality(c)) => Some(c),
            Ok(Area::Aggregate(kind)) => {
                data.left_out.entry(kind).or_default().insert(area_text.to_string());
                continue;
            }
            Err(why) => {
                data.problem(r.line, &names[area_col], area_text, super::area_expected(area_text, why));
                None
            }
        };
        let periods: Vec<(usize, Option<Period>, String)> = match period_col {
            Some(pc) => {
                let p = cell(r, pc);
                vec![(value_cols[0], Period::parse(p), p.to_string())]
            }
            None => period_headers.iter().map(|(i, p)| (*i, Some(*p), p.code())).collect(),
        };
        for (vc, period, period_text) in periods {
            let Some(period) = period else {
                data.problem(r.line, &names[period_col.unwrap_or(vc)], &period_text, super::periods::EXPECTED);
                continue;
            };
            frequencies.entry(period.frequency()).or_insert((r.line, period_text.clone()));
            if vc >= r.cells.len() {
                // A short row is a cut-off line, not a missing value.
                let expected =
                    format!("a cell here: the row has {} of the header's {} cells", r.cells.len(), names.len());
                data.problem(r.line, &names[vc], "", expected);
                continue;
            }
            let raw = cell(r, vc);
            let value = match numbers::parse(raw.trim_end_matches('*'), style) {
                Some(v) => v,
                None => {
                    data.problem(r.line, &names[vc], raw, numbers::expected(style));
                    continue;
                }
            };
            let (value, suppressed) = match value {
                Cell::Value(v) => {
                    if !in_range(v, unit) {
                        data.problem(r.line, &names[vc], raw, range_expected(unit));
                        continue;
                    }
                    (v, false)
                }
                Cell::Missing => (f64::NAN, false),
                Cell::Suppressed => {
                    data.suppressed += 1;
                    (f64::NAN, true)
                }
            };
            let missing = value.is_nan() && !suppressed;
            if let Some(unit) = unit_code
                && period.frequency().step().is_some()
            {
                let (first, month) = period.months();
                if raw.trim_end().ends_with('*') {
                    starred = Some(starred.map_or(first, |m: Month| m.min(first)));
                }
                data.obs.push(SourceObs { line: r.line, unit, month, outcome, value, suppressed, missing });
            }
        }
    }
    // Registers revise their latest periods: the last `provisional` periods of the table, and
    // any period with a starred value, are provisional.
    let step = frequencies.keys().next().and_then(|f| f.step()).unwrap_or(1) as i32;
    let latest = data.obs.iter().filter(|o| !o.missing).map(|o| o.month).max();
    let declared = latest.filter(|_| spec.provisional > 0).map(|m| m.plus(1 - spec.provisional as i32 * step));
    data.provisional_from = declared.into_iter().chain(starred).min();
    // A series has one frequency, one that divides the calendar into months.
    if frequencies.len() > 1 {
        let mut seen: Vec<(&Frequency, &(usize, String))> = frequencies.iter().collect();
        seen.sort_by_key(|(_, (line, _))| *line);
        let listed: Vec<String> =
            seen.iter().map(|(f, (line, p))| format!("{} (`{p}`, line {line})", f.name())).collect();
        let (_, (line, odd)) = seen[1];
        data.problem(
            *line,
            &names[period_col.unwrap_or(area_col)],
            odd,
            format!("one frequency in a file; it mixes {}", listed.join(", ")),
        );
    } else if let Some((f, (line, p))) = frequencies.iter().next() {
        data.frequency = Some(*f);
        let why = match f {
            Frequency::Week => Some(
                "this file is weekly, and weeks do not divide into months; sum or average the weeks into months first",
            ),
            Frequency::MovingYear => Some(
                "this file holds moving years (QMAT), each overlapping the next in eleven of its twelve months, so no before–after difference can be read from them; download the table's monthly version (YYYYMmm)",
            ),
            _ => None,
        };
        if let Some(why) = why {
            data.problem(
                *line,
                &names[period_col.unwrap_or(area_col)],
                p,
                format!("months, quarters, half-years or years: {why}"),
            );
        }
    }
    Ok(data)
}

/// Where a table's parts are: the header (if any), each column's label, the area, period and
/// value columns, and the data rows with dimension values filled down.
struct TableShape {
    /// The header's line, or the first data row's when the table has no header.
    header_line: usize,
    /// Each column's header, or its spreadsheet letter (`E`) when the header is blank.
    labels: Vec<String>,
    area_col: usize,
    /// The period column of a table long in time.
    period_col: Option<usize>,
    /// The columns of a table wide in time, each with its period.
    period_headers: Vec<(usize, Period)>,
    value_cols: Vec<usize>,
    /// Header cells that start like a period code but are none (typos).
    bad_periods: Vec<usize>,
    /// The data rows, each dimension value written once per block filled down.
    body: Vec<Row>,
}

/// A column's spreadsheet letter: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// The column a key names: by header (case-insensitively), else by spreadsheet letter.
fn column_named(labels: &[String], key: &str) -> Option<usize> {
    let key = key.trim();
    let key = key.strip_prefix("column ").unwrap_or(key).trim();
    labels.iter().position(|c| c.eq_ignore_ascii_case(key)).or_else(|| {
        (!key.is_empty() && key.len() <= 3 && key.chars().all(|c| c.is_ascii_alphabetic()))
            .then(|| (0..labels.len()).find(|&i| column_letter(i).eq_ignore_ascii_case(key)))
            .flatten()
    })
}

impl TableShape {
    /// Finds the parts of `rows`; `None` (with the problems recorded) when a part is missing.
    fn find(study: &Study, spec: &SourceSpec, rows: &[Row], data: &mut SourceData) -> Option<TableShape> {
        let is = |cell: &str, names: &[&str]| names.contains(&cell.trim().to_lowercase().as_str());
        let named =
            |cell: &str, key: &Option<String>| key.as_ref().is_some_and(|k| cell.trim().eq_ignore_ascii_case(k.trim()));
        let filled = |r: &Row| r.cells.iter().filter(|c| !c.is_empty()).count();
        let periods_in = |r: &Row| r.cells.iter().filter(|c| Period::parse(c).is_some()).count();
        // The header: the row naming the area column, else one naming the period or value
        // column, else the first row with two or more period codes (a table wide in time whose
        // dimension headers are blank, as Statbank writes them). A table may have none.
        let search = || rows.iter().take(HEADER_SEARCH);
        let header_at = search()
            .position(|r| r.cells.iter().any(|c| named(c, &spec.area_column) || is(c, AREA_COLUMNS)))
            .or_else(|| {
                search().position(|r| {
                    r.cells
                        .iter()
                        .any(|c| named(c, &spec.period_column) || is(c, PERIOD_COLUMNS) || is(c, VALUE_COLUMNS))
                })
            })
            .or_else(|| search().position(|r| periods_in(r) >= 2 && periods_in(r) * 2 >= filled(r)));
        // Without a header, the data start at the first row of two or more cells (the lines
        // above are titles and units).
        let first_data = match header_at {
            Some(h) => h + 1,
            None => match rows.iter().position(|r| filled(r) >= 2) {
                Some(i) => i,
                None => {
                    data.problem(0, "", "", "a table: a header row or rows of two or more cells");
                    return None;
                }
            },
        };
        let header_line = rows.get(header_at.unwrap_or(first_data)).map_or(0, |r| r.line);
        // The table ends at the first row with a single cell after data rows (notes, sources).
        let mut body: Vec<Row> =
            rows[first_data.min(rows.len())..].iter().take_while(|r| filled(r) > 1).cloned().collect();
        let width = body.iter().map(|r| r.cells.len()).chain(header_at.map(|h| rows[h].cells.len())).max().unwrap_or(0);
        let headers: Vec<String> = (0..width)
            .map(|i| header_at.and_then(|h| rows[h].cells.get(i)).map(|c| c.trim().to_string()).unwrap_or_default())
            .collect();
        let labels: Vec<String> =
            headers.iter().enumerate().map(|(i, h)| if h.is_empty() { column_letter(i) } else { h.clone() }).collect();
        let by_key = |key: &Option<String>, what: &str, data: &mut SourceData| -> Option<Option<usize>> {
            let Some(k) = key else { return Some(None) };
            match column_named(&labels, k) {
                Some(i) => Some(Some(i)),
                None => {
                    data.problem(
                        header_line,
                        k,
                        &labels.join(", "),
                        format!(
                            "a column `{k}` ({what}): a header of the table or a column letter{}",
                            crate::study::nearest(k, &labels)
                        ),
                    );
                    None
                }
            }
        };
        let area_key = by_key(&spec.area_column, "set by `area_column`", data)?;
        let period_key = by_key(&spec.period_column, "set by `period_column`", data)?;
        let period_col = period_key.or_else(|| headers.iter().position(|c| is(c, PERIOD_COLUMNS)));
        // Wide in time: every header cell that is a period code is a column of values.
        let period_headers: Vec<(usize, Period)> = if period_col.is_none() {
            headers.iter().enumerate().filter_map(|(i, c)| Period::parse(c).map(|p| (i, p))).collect()
        } else {
            Vec::new()
        };
        let distinct = |i: usize| -> BTreeSet<&str> {
            body.iter().filter_map(|r| r.cells.get(i)).map(|c| c.as_str()).filter(|c| !c.is_empty()).collect()
        };
        // The area column: named, or the column whose values are most often areas.
        let area_col = area_key.or_else(|| headers.iter().position(|c| is(c, AREA_COLUMNS))).or_else(|| {
            (0..width)
                .filter(|i| Some(*i) != period_col && !period_headers.iter().any(|(p, _)| p == i))
                .map(|i| {
                    let values = distinct(i);
                    let areas = values.iter().filter(|v| study.resolve_area(v).is_ok()).count();
                    (areas as i64 * 2 - values.len() as i64, areas, i)
                })
                .filter(|&(score, areas, _)| areas >= 2 && score > 0)
                .max_by_key(|&(score, _, i)| (score, std::cmp::Reverse(i)))
                .map(|(_, _, i)| i)
        });
        let Some(area_col) = area_col else {
            data.problem(
                header_line,
                "",
                &labels.join(", "),
                format!(
                    "a column of municipality names or codes: no header names it ({}) and no column holds them; name it with area_column = \"<header or column letter>\" in this [[data.sources]] entry",
                    AREA_COLUMNS.join(", ")
                ),
            );
            return None;
        };
        // A table long in time whose period column has no usual header: the column whose
        // values are all period codes.
        let period_col = period_col.or_else(|| {
            if !period_headers.is_empty() {
                return None;
            }
            (0..width).filter(|&i| i != area_col).find(|&i| {
                let values = distinct(i);
                !values.is_empty() && values.iter().all(|v| Period::parse(v).is_some())
            })
        });
        // A header cell that starts like a period code but is none is a typo, not a dimension.
        let mut bad_periods = Vec::new();
        if period_col.is_none() && !period_headers.is_empty() {
            for (i, c) in headers.iter().enumerate() {
                let looks = c.len() >= 5 && c.as_bytes()[..4].iter().all(u8::is_ascii_digit);
                if i != area_col && looks && Period::parse(c).is_none() {
                    data.problem(header_line, c, c, super::periods::EXPECTED);
                    bad_periods.push(i);
                }
            }
        }
        if period_col.is_none() && period_headers.is_empty() {
            data.problem(
                header_line,
                "",
                &labels.join(", "),
                format!(
                    "a period column ({}) or period codes as column headers; name the column with period_column = \"<header or column letter>\" in this [[data.sources]] entry",
                    PERIOD_COLUMNS.join(", ")
                ),
            );
            return None;
        }
        // The value columns.
        if let Some(m) = spec.measure.as_ref().filter(|_| !period_headers.is_empty()) {
            // Periods as column headers: every one of them is a value column, and a `measure`
            // the user set would silently name nothing.
            data.problem(
                header_line,
                m,
                &labels.join(", "),
                format!(
                    "no `measure` in this [[data.sources]] entry: its periods are the column headers ({}, …), which hold the values; choose among other measures with `filter`",
                    period_headers.iter().take(3).map(|(i, _)| labels[*i].as_str()).collect::<Vec<_>>().join(", ")
                ),
            );
            return None;
        }
        let value_cols: Vec<usize> = if !period_headers.is_empty() {
            period_headers.iter().map(|(i, _)| *i).collect()
        } else if let Some(m) = &spec.measure {
            match column_named(&labels, m) {
                Some(i) => vec![i],
                None => {
                    data.problem(
                        header_line,
                        m,
                        &labels.join(", "),
                        format!("a column named `{m}` (set by `measure`){}", crate::study::nearest(m, &labels)),
                    );
                    return None;
                }
            }
        } else if let Some(i) = headers.iter().position(|c| is(c, VALUE_COLUMNS)) {
            vec![i]
        } else {
            let rest: Vec<usize> = (0..width)
                .filter(|&i| {
                    i != area_col
                        && Some(i) != period_col
                        && !spec.filter.iter().any(|(k, _)| column_named(&labels, k) == Some(i))
                })
                .collect();
            match rest.last() {
                // Several candidates: the last is the value in both Statbank's and Jobindsats'
                // layouts; the others are dimensions to filter.
                Some(&last) => vec![last],
                None => {
                    data.problem(header_line, "", &labels.join(", "), "a column of values");
                    return None;
                }
            }
        };
        // Statbank writes each dimension value once, in the first row of its block: a blank
        // dimension cell below a value repeats it. Value cells are never filled.
        for i in (0..width).filter(|i| !value_cols.contains(i)) {
            let mut above: Option<String> = None;
            for r in body.iter_mut() {
                match r.cells.get(i) {
                    Some(c) if !c.is_empty() => above = Some(c.clone()),
                    _ => {
                        if let Some(a) = &above {
                            if r.cells.len() <= i {
                                r.cells.resize(i + 1, String::new());
                            }
                            r.cells[i] = a.clone();
                        }
                    }
                }
            }
        }
        Some(TableShape { header_line, labels, area_col, period_col, period_headers, value_cols, bad_periods, body })
    }
}

use super::{in_range, range_expected};
