//! Workbooks: arbitrary bytes opened as a spreadsheet (xlsx, xls, ods, detected from the
//! bytes) and their first sheet read.
#![no_main]
use frikommune::ingest::sources::sheet_rows_from_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = sheet_rows_from_bytes(bytes, None);
});
