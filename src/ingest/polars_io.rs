//! The one place that talks to polars (pinned `=0.55.2`): read a delimited text file or a
//! Parquet file into string columns. Cells are parsed by our own code afterwards so every error can name its row
//! and column; an upgrade of polars touches only this file.

use std::path::Path;

use polars::prelude::*;

/// A table of text cells, column-major, with the header names.
pub struct TextTable {
    pub columns: Vec<(String, Vec<Option<String>>)>,
    pub rows: usize,
}

impl TextTable {
    pub fn column(&self, name: &str) -> Option<&[Option<String>]> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c.as_slice())
    }

    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Reads `path` with every column as text (no type inference, so nothing is silently coerced).
/// A file ending in `.parquet` is read as Parquet and its typed columns are written as text.
pub fn read_text_table(path: &Path, separator: u8) -> Result<TextTable, String> {
    let parquet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let df = if parquet { read_parquet(path)? } else { read_csv(path, separator)? };
    let rows = df.height();
    let mut columns = Vec::with_capacity(df.width());
    for col in df.columns() {
        let name = col.name().to_string();
        let col = col.cast(&DataType::String).map_err(|e| format!("column `{name}`: {e}"))?;
        let text = col.str().map_err(|e| e.to_string())?;
        let cells = (0..text.len()).map(|i| text.get(i).map(str::to_string)).collect();
        columns.push((name, cells));
    }
    Ok(TextTable { columns, rows })
}

fn read_parquet(path: &Path) -> Result<DataFrame, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    ParquetReader::new(file).finish().map_err(|e| e.to_string())
}

fn read_csv(path: &Path, separator: u8) -> Result<DataFrame, String> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(separator))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| e.to_string())
}
