//! Statistical tables (Statbank, Jobindsats): arbitrary bytes read as a text table and then as
//! a source of the example study's `employment_rate`.
#![no_main]
use std::sync::OnceLock;

use frikommune::ingest::sources::source_from_rows;
use frikommune::ingest::table::RawTable;
use frikommune::study::{SourceSpec, Study};
use libfuzzer_sys::fuzz_target;

fn study() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(|| {
        Study::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/study.toml"))
            .expect("the example study loads")
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(table) = RawTable::from_bytes(bytes, None, None) else { return };
    let spec = SourceSpec {
        file: "fuzz.csv".into(),
        outcome: "employment_rate".into(),
        sheet: None,
        measure: None,
        filter: Vec::new(),
        separator: None,
        decimal: None,
        encoding: None,
        area_column: None,
        period_column: None,
        provisional: 1,
    };
    if let Ok(data) = source_from_rows(study(), &spec, &table.rows, table.encoding) {
        assert!(data.obs.iter().all(|o| o.value.is_finite() || o.suppressed || o.missing));
    }
});
