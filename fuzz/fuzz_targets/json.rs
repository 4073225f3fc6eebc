//! JSON tables (the Jobindsats API's responses): arbitrary bytes read as a JSON table.
#![no_main]
use frikommune::ingest::sources::json_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(rows) = json_rows(bytes) {
        assert!(rows.windows(2).all(|w| w[0].line < w[1].line), "rows are numbered in order");
    }
});
