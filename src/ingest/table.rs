//! Text tables as evaluators receive them: any encoding Danish offices produce, any of the
//! usual delimiters, title lines above the header and notes below the table.
//!
//! [`RawTable::read`] decodes the bytes (UTF-8 with or without BOM, UTF-16 with BOM as Excel's
//! "Unicode text" writes it, otherwise Windows-1252, which covers Latin-1 text), detects the
//! delimiter from the first lines unless one is declared, and keeps every row with its line
//! number so that errors point into the file. Binary files and files beyond the size limit are
//! refused with a message instead of being read.

use std::path::Path;

/// Files above this size are refused (a municipal panel is a few MB; a register belongs in
/// Parquet or the case file, which are streamed).
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Cells per row above this are refused (a header of a million columns is not a table).
pub const MAX_COLUMNS: usize = 10_000;

/// One row of cells with the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct RawTable {
    pub rows: Vec<Row>,
    /// `utf-8`, `utf-16` or `windows-1252`.
    pub encoding: &'static str,
    pub delimiter: u8,
}

impl RawTable {
    /// Reads `path`; `delimiter` and `encoding` override detection.
    pub fn read(path: &Path, delimiter: Option<u8>, encoding: Option<&str>) -> Result<RawTable, String> {
        let size = super::file_size(path)?;
        if size > MAX_BYTES {
            return Err(format!(
                "the file is {} MB; tables above {} MB are refused (convert large data to Parquet)",
                size / (1024 * 1024),
                MAX_BYTES / (1024 * 1024)
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        RawTable::from_bytes(&bytes, delimiter, encoding)
    }

    pub fn from_bytes(bytes: &[u8], delimiter: Option<u8>, encoding: Option<&str>) -> Result<RawTable, String> {
        let (text, encoding) = decode(bytes, encoding)?;
        if text.trim().is_empty() {
            return Err("the file is empty".into());
        }
        if let Some(line) = unclosed_quote(&text) {
            return Err(format!("line {line}: a quote `\"` opens a cell that is never closed"));
        }
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&text));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        // Lines from byte offsets: counted here, blank and quoted lines included.
        let newlines = line_ends(text.as_bytes());
        // A record's position may fall on the blank lines before it: skip those first.
        let raw = text.as_bytes();
        let line_of = |byte: u64| {
            let mut b = byte as usize;
            while b < raw.len() && matches!(raw[b], b'\n' | b'\r') {
                b += 1;
            }
            newlines.partition_point(|&n| n < b) + 1
        };
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| match e.position() {
                Some(p) => format!("line {}: {}", line_of(p.byte()), e),
                None => e.to_string(),
            })?;
            let line = record.position().map(|p| line_of(p.byte())).unwrap_or(0);
            if record.len() > MAX_COLUMNS {
                return Err(format!("line {line}: {} cells; more than {MAX_COLUMNS} is not a table", record.len()));
            }
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            rows.push(Row { line, cells });
        }
        Ok(RawTable { rows, encoding, delimiter })
    }

    /// The first row for which `is_header` holds, and its index in `rows`.
    pub fn header(&self, is_header: impl Fn(&[String]) -> bool) -> Option<usize> {
        self.rows.iter().position(|r| is_header(&r.cells))
    }
}

/// The text of `bytes` and its encoding's name.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<(String, &'static str), String> {
    let declared = declared.map(|e| e.to_ascii_lowercase().replace('_', "-"));
    match declared.as_deref() {
        None => {}
        Some("utf-8" | "utf8") => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            return std::str::from_utf8(body)
                .map(|s| (s.to_string(), "utf-8"))
                .map_err(|e| format!("not UTF-8 as declared: invalid byte at offset {}", e.valid_up_to()));
        }
        Some("windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1") => {
            return Ok((windows_1252(bytes), "windows-1252"));
        }
        Some(other) => {
            return Err(format!("unknown encoding `{other}` (expected utf-8 or windows-1252)"));
        }
    }
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(body)
            .map_err(|e| format!("UTF-8 with a BOM but invalid at offset {}", e.valid_up_to() + 3))?;
        return Ok((text.to_string(), "utf-8"));
    }
    if let Some((body, le)) = bytes
        .strip_prefix(b"\xFF\xFE")
        .map(|b| (b, true))
        .or_else(|| bytes.strip_prefix(b"\xFE\xFF").map(|b| (b, false)))
    {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        return String::from_utf16(&units).map(|s| (s, "utf-16")).map_err(|_| "UTF-16 with a BOM but invalid".into());
    }
    if looks_binary(bytes) {
        return Err("this is a binary file, not a text table (an Excel workbook must end in .xlsx)".into());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), "utf-8")),
        Err(_) => Ok((windows_1252(bytes), "windows-1252")),
    }
}

/// Whether the start of a file is binary rather than text: in text, NUL and other control
/// bytes are rare (judged on the first 64 KB; UTF-16 is recognised by its BOM before this). A
/// stray NUL in a text file is left for the cell check, which names its row and column.
/// Whether `bytes` start as UTF-16 text (a byte-order mark, or every other byte zero), as
/// Excel's "Unicode text" saves: not binary, but not what a CSV reader takes either.
pub fn looks_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(1024) & !1];
    sample.len() >= 8
        && (sample.iter().skip(1).step_by(2).all(|&b| b == 0) || sample.iter().step_by(2).all(|&b| b == 0))
}

pub fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let controls = sample.iter().filter(|&&b| b < 0x09 || (0x0E..0x20).contains(&b)).count();
    controls > 3 && controls * 100 > sample.len()
}

/// Where lines end: at `\n` (Unix, and the second byte of Windows' `\r\n`) and at a `\r` on its
/// own (old Mac files, which the CSV reader also splits there).
fn line_ends(bytes: &[u8]) -> Vec<usize> {
    (0..bytes.len()).filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).collect()
}

/// The line of a quote that opens a cell and is never closed (a doubled `""` inside a quoted
/// cell is an escaped quote).
fn unclosed_quote(text: &str) -> Option<usize> {
    let ends = line_ends(text.as_bytes());
    let (mut quoted, mut opened) = (false, 0);
    for (i, b) in text.bytes().enumerate() {
        if b == b'"' {
            quoted = !quoted;
            if quoted {
                opened = ends.partition_point(|&e| e < i) + 1;
            }
        }
    }
    quoted.then_some(opened)
}

/// Windows-1252: Latin-1 with printable characters in 0x80–0x9F.
fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    bytes.iter().map(|&b| if (0x80..0xA0).contains(&b) { HIGH[(b - 0x80) as usize] } else { b as char }).collect()
}

/// The delimiter among `;`, tab, `,` and `|` that splits the first lines most consistently into
/// more than one cell (quotes respected); `;` when nothing splits (one column).
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
    let mut best = (b';', 0usize);
    for d in [b';', b'\t', b',', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| split_count(l, d)).collect();
        // The most common count above one, weighted by how many lines share it.
        let mut score = 0;
        for &c in counts.iter().filter(|&&c| c > 1) {
            let share = counts.iter().filter(|&&x| x == c).count();
            score = score.max(share * 1000 + c.min(999));
        }
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn split_count(line: &str, d: u8) -> usize {
    let mut quoted = false;
    let mut n = 1;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Old Mac files end lines with `\r` alone: each row gets its own line number, as with
    /// `\n` and `\r\n` (found by the `table` fuzz target).
    #[test]
    fn lone_carriage_returns_end_lines() {
        for end in ["\n", "\r\n", "\r"] {
            let text = format!("a,b{end}1,2{end}{end}3,4{end}");
            let t = RawTable::from_bytes(text.as_bytes(), Some(b','), None).unwrap();
            let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [1, 2, 4], "{end:?}");
        }
        let open = RawTable::from_bytes(b"a,b\r1,\"2\r3,4\r", Some(b','), None).unwrap_err();
        assert!(open.starts_with("line 2:"), "{open}");
    }

    #[test]
    fn encodings_are_detected() {
        let (t, e) = decode("OMRÅDE;TID\n".as_bytes(), None).unwrap();
        assert_eq!((t.as_str(), e), ("OMRÅDE;TID\n", "utf-8"));
        let (t, e) = decode(b"\xEF\xBB\xBFOMR\xC3\x85DE", None).unwrap();
        assert_eq!((t.as_str(), e), ("OMRÅDE", "utf-8"));
        let (t, e) = decode(b"OMR\xC5DE;K\xF8ge \x80", None).unwrap();
        assert_eq!((t.as_str(), e), ("OMRÅDE;Køge €", "windows-1252"));
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("Ærø\t1".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        assert_eq!(decode(&utf16, None).unwrap(), ("Ærø\t1".to_string(), "utf-16"));
        assert!(decode(b"PK\x03\x04\x00\x00binary", None).unwrap_err().contains("binary"));
        assert!(decode(b"a\xFFb", Some("utf-8")).unwrap_err().contains("not UTF-8"));
        assert!(decode(b"a", Some("ebcdic")).unwrap_err().contains("unknown encoding"));
    }

    #[test]
    fn delimiters_are_detected_with_quotes() {
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a,b,c\n1,2.5,3\n"), b',');
        assert_eq!(detect_delimiter("a\tb\n1\t2,5\n"), b'\t');
        assert_eq!(detect_delimiter("\"Aalborg, Kommune\";1\n\"Hele landet\";2\n"), b';');
    }

    #[test]
    fn rows_keep_their_lines_and_skip_blank_ones() {
        let t = RawTable::from_bytes(b"Title line\n\nA;B\n1;2\n;\n3;4\n", None, None).unwrap();
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 4, 6]);
        assert_eq!(t.header(|c| c.len() == 2 && c[0] == "A"), Some(1));
        assert!(RawTable::from_bytes(b"  \n", None, None).unwrap_err().contains("empty"));
        let err = RawTable::from_bytes(b"A;B\n\"x \"\"y\"\"\";1\n\"open;2\n3;4\n", None, None).unwrap_err();
        assert_eq!(err, "line 3: a quote `\"` opens a cell that is never closed");
    }
}
