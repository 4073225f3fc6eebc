//! Property tests: period codes and Danish/English numbers round-trip, and no input makes the
//! parsers panic.

use frikommune::ingest::numbers::{self, Cell, NumberStyle};
use frikommune::ingest::periods::{Frequency, Period, YEARS};
use frikommune::period::Month;
use proptest::prelude::*;

fn period() -> impl Strategy<Value = Period> {
    let year = YEARS;
    prop_oneof![
        year.clone().prop_map(Period::Year),
        (year.clone(), 1u8..=2).prop_map(|(y, h)| Period::Half(y, h)),
        (year.clone(), 1u8..=4).prop_map(|(y, q)| Period::Quarter(y, q)),
        (year.clone(), 1u32..=12).prop_map(|(y, m)| Period::Month(Month::new(y, m).unwrap())),
        (year.clone(), 1u8..=52).prop_map(|(y, w)| Period::Week(y, w)),
        (year, 1u32..=12).prop_map(|(y, m)| Period::MovingYear(Month::new(y, m).unwrap())),
    ]
}

fn style() -> impl Strategy<Value = NumberStyle> {
    prop_oneof![Just(NumberStyle::DANISH), Just(NumberStyle::ENGLISH), Just(NumberStyle::PLAIN)]
}

proptest! {
    #[test]
    fn period_codes_round_trip(p in period()) {
        prop_assert_eq!(Period::parse(&p.code()), Some(p));
        // Lower case and surrounding spaces read the same.
        prop_assert_eq!(Period::parse(&format!(" {} ", p.code().to_lowercase())), Some(p));
    }

    #[test]
    fn periods_cover_their_months_in_order(p in period()) {
        let (first, last) = p.months();
        prop_assert!(first <= last);
        prop_assert_eq!(p.month(), last);
        let span = last.since(first) + 1;
        let want = match p {
            Period::Year(_) | Period::MovingYear(_) => 12,
            Period::Half(..) => 6,
            Period::Quarter(..) => 3,
            Period::Month(_) | Period::Week(..) => 1,
        };
        prop_assert_eq!(span, want);
    }

    #[test]
    fn statbank_english_quarters_and_weeks_read_as_danish(y in YEARS, q in 1u8..=4, w in 1u8..=52) {
        prop_assert_eq!(Period::parse(&format!("{y}Q{q}")), Period::parse(&format!("{y}K{q}")));
        prop_assert_eq!(Period::parse(&format!("{y}W{w:02}")), Period::parse(&format!("{y}U{w:02}")));
    }

    #[test]
    fn every_month_lies_in_one_period_of_each_frequency(y in YEARS, m in 1u32..=12, f in 0usize..4) {
        let f = [Frequency::Year, Frequency::Half, Frequency::Quarter, Frequency::Month][f];
        let month = Month::new(y, m).unwrap();
        let p = f.starting(f.period_start(month)).unwrap();
        let (first, last) = p.months();
        prop_assert!(first <= month && month <= last);
        prop_assert_eq!(p.frequency(), f);
        prop_assert!(f.is_period_end(last));
        prop_assert_eq!(first.through(last).filter(|x| f.is_period_end(*x)).count(), 1);
        prop_assert_eq!(Period::parse(&p.code()), Some(p));
    }

    #[test]
    fn period_parsing_never_panics(s in "\\PC{0,16}") {
        let _ = Period::parse(&s);
    }

    #[test]
    fn numbers_round_trip(cents in -1_000_000_000_000i64..1_000_000_000_000i64, decimals in 0usize..=2, s in style()) {
        let x = cents as f64 / 100.0;
        let text = numbers::format(x, decimals, s);
        let Some(Cell::Value(back)) = numbers::parse(&text, s) else {
            return Err(TestCaseError::fail(format!("`{text}` did not parse in {s:?}")));
        };
        let rounded: f64 = format!("{:.*}", decimals, x).parse().unwrap();
        prop_assert_eq!(back, rounded, "{}", text);
        // The whole column in this style is detected as a style that reads it the same way.
        let detected = NumberStyle::detect([text.as_str()]).expect("some style reads it");
        if s != NumberStyle::PLAIN && text.contains(s.decimal) && s.thousands.is_some_and(|t| text.contains(t)) {
            prop_assert_eq!(detected, s);
        }
    }

    #[test]
    fn number_parsing_never_panics(s in "\\PC{0,24}", st in style()) {
        let _ = numbers::parse(&s, st);
        let _ = NumberStyle::detect([s.as_str()]);
    }
}
