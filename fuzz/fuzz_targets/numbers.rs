//! Number cells: a column of arbitrary text either gets a style that reads every cell or none;
//! a value read and written back in that style reads as the same value.
#![no_main]
use frikommune::ingest::numbers::{self, Cell, NumberStyle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let column: Vec<&str> = text.split('\n').collect();
    let detected = NumberStyle::detect(column.iter().copied());
    for style in [NumberStyle::DANISH, NumberStyle::ENGLISH, NumberStyle::PLAIN] {
        for cell in &column {
            let read = numbers::parse(cell, style);
            if Some(style) == detected {
                assert!(read.is_some(), "the detected style reads every cell: {cell:?}");
            }
            if let Some(Cell::Value(v)) = read {
                assert!(v.is_finite(), "{cell:?} gave {v}");
                let written = numbers::format(v, 20, style);
                let Some(Cell::Value(back)) = numbers::parse(&written, style) else {
                    panic!("{cell:?} → {written:?} does not read back");
                };
                assert!((back - v).abs() <= 1e-15 + 1e-12 * v.abs(), "{cell:?} → {written:?} → {back}");
            }
        }
    }
});
