//! Text tables: encoding and delimiter detection, quoting and line numbers on arbitrary bytes.
#![no_main]
use frikommune::ingest::table::RawTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(table) = RawTable::from_bytes(bytes, None, None) {
        let mut last = 0;
        for row in &table.rows {
            assert!(row.line > last, "line numbers increase");
            last = row.line;
        }
    }
    let _ = RawTable::from_bytes(bytes, Some(b';'), Some("windows-1252"));
});
