//! Study files: arbitrary text parsed and validated as a study (paths resolve against the
//! example's folder, so existing data files can be named).
#![no_main]
use frikommune::study::Study;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/fuzz.toml");
    let _ = Study::parse(text, &path);
});
