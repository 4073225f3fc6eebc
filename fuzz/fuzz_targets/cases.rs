//! Case files: arbitrary bytes streamed as a case CSV (parallel byte ranges, dates, codes and
//! names).
#![no_main]
use std::sync::OnceLock;

use frikommune::ingest::cases::read_cases;
use frikommune::registry::Registry;
use libfuzzer_sys::fuzz_target;

fn file() -> &'static std::path::Path {
    static FILE: OnceLock<std::path::PathBuf> = OnceLock::new();
    FILE.get_or_init(|| std::env::temp_dir().join(format!("frikommune-fuzz-cases-{}.csv", std::process::id())))
}

fuzz_target!(|bytes: &[u8]| {
    std::fs::write(file(), bytes).expect("the temporary folder is writable");
    if let Ok(cases) = read_cases(file(), b',', &Registry::embedded()) {
        assert!(cases.len() <= bytes.len());
    }
});
