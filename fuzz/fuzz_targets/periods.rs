//! Period codes: any text either fails to parse or parses to a period whose canonical code
//! parses back to the same period.
#![no_main]
use frikommune::ingest::periods::Period;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(p) = Period::parse(text) {
        let code = p.code();
        assert_eq!(Period::parse(&code), Some(p), "{text:?} → {code:?}");
        let (first, last) = p.months();
        assert!(first <= last, "{text:?} covers no month");
    }
});
