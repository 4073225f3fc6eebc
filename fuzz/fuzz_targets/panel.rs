//! The panel file: arbitrary bytes as the example study's panel CSV, read through the same
//! path `run` takes (polars, validation, gaps).
#![no_main]
use std::sync::OnceLock;

use frikommune::ingest::read_panel;
use frikommune::study::Study;
use libfuzzer_sys::fuzz_target;

fn study() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(|| {
        let mut study = Study::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/study.toml"))
            .expect("the example study loads");
        let file = std::env::temp_dir().join(format!("frikommune-fuzz-panel-{}.csv", std::process::id()));
        study.data.panel = Some(file);
        study.data.sources.clear();
        study
    })
}

fuzz_target!(|bytes: &[u8]| {
    let study = study();
    let file = study.data.panel.as_ref().expect("set above");
    std::fs::write(file, bytes).expect("the temporary folder is writable");
    let _ = read_panel(study);
});
