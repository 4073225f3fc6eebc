//! Period codes as Danish sources write them.
//!
//! | code | source | meaning |
//! |---|---|---|
//! | `2019` | Statbank | the year |
//! | `2019H1` | Statbank | first half |
//! | `2019K1`, `2019Q1` | Statbank (Danish, English) | first quarter |
//! | `2019M01` | Statbank, Jobindsats | January |
//! | `2019U27`, `2019W27` | Statbank (Danish, English) | ISO week 27 |
//! | `2019QMAT03` | Jobindsats benchmark | the twelve months ending in March 2019 |
//! | `2019-01`, `2019-01-15` | generic files | the month |
//!
//! Every period covers whole months: a week belongs to the month of its Thursday (as ISO
//! weeks belong to the year of their Thursday). [`Period::code`] writes the canonical
//! spelling, and parsing it gives the same period back.

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::period::Month;

/// The years a period code may name: anything else is a typo or garbage.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(i32),
    Half(i32, u8),
    Quarter(i32, u8),
    Month(Month),
    /// An ISO week.
    Week(i32, u8),
    /// Jobindsats' moving year: the twelve months ending in this month.
    MovingYear(Month),
}

/// How often a series is observed; a series has one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    Year,
    Half,
    Quarter,
    #[default]
    Month,
    Week,
    MovingYear,
}

impl Frequency {
    /// The name in `results.json` and `results.csv`: `year`, `half`, `quarter`, `month` …
    pub fn key(self) -> &'static str {
        match self {
            Frequency::Year => "year",
            Frequency::Half => "half",
            Frequency::Quarter => "quarter",
            Frequency::Month => "month",
            Frequency::Week => "week",
            Frequency::MovingYear => "moving-year",
        }
    }

    /// Months per period for the frequencies a panel holds (a period is a run of whole
    /// calendar months that starts in January, April, July or October as the case may be);
    /// `None` for weeks and moving years, which do not tile the calendar in months.
    pub fn step(self) -> Option<u32> {
        match self {
            Frequency::Year => Some(12),
            Frequency::Half => Some(6),
            Frequency::Quarter => Some(3),
            Frequency::Month => Some(1),
            Frequency::Week | Frequency::MovingYear => None,
        }
    }

    /// Reads the canonical panel's `frequency` column: `month`, `quarter`, `half`, `year`
    /// (or Danish `måned`, `kvartal`, `halvår`, `år`).
    pub fn parse(text: &str) -> Option<Frequency> {
        match text.trim().to_lowercase().as_str() {
            "month" | "monthly" | "m" | "måned" | "maaned" => Some(Frequency::Month),
            "quarter" | "quarterly" | "q" | "k" | "kvartal" => Some(Frequency::Quarter),
            "half" | "half-year" | "half-yearly" | "h" | "halvår" | "halvaar" => Some(Frequency::Half),
            "year" | "yearly" | "annual" | "y" | "år" | "aar" => Some(Frequency::Year),
            _ => None,
        }
    }

    /// The period of this frequency that starts in `first` (`None` when no period starts there).
    pub fn starting(self, first: Month) -> Option<Period> {
        let (y, m) = (first.year(), first.month());
        let step = self.step()?;
        if !(m - 1).is_multiple_of(step) {
            return None;
        }
        Some(match self {
            Frequency::Year => Period::Year(y),
            Frequency::Half => Period::Half(y, (m / 6 + 1) as u8),
            Frequency::Quarter => Period::Quarter(y, (m / 3 + 1) as u8),
            _ => Period::Month(first),
        })
    }

    /// The first month of the period of this frequency that holds `m` (`m` itself for months).
    pub fn period_start(self, m: Month) -> Month {
        let step = self.step().unwrap_or(1);
        m.plus(-(((m.month() - 1) % step) as i32))
    }

    /// Whether `m` is the last month of a period, the month a panel files the period under.
    pub fn is_period_end(self, m: Month) -> bool {
        m.month().is_multiple_of(self.step().unwrap_or(1))
    }

    /// The plural noun for event time in this frequency, in English (`months`, `quarters` …).
    pub fn periods_noun(self) -> &'static str {
        match self {
            Frequency::Year => "years",
            Frequency::Half => "half-years",
            Frequency::Quarter => "quarters",
            Frequency::Month => "months",
            Frequency::Week => "weeks",
            Frequency::MovingYear => "moving years",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Year => "yearly",
            Frequency::Half => "half-yearly",
            Frequency::Quarter => "quarterly",
            Frequency::Month => "monthly",
            Frequency::Week => "weekly",
            Frequency::MovingYear => "moving-year",
        }
    }
}

/// What a period cell should look like, for error messages.
pub const EXPECTED: &str =
    "a period such as 2019, 2019H1, 2019K1/2019Q1, 2019M01, 2019U27, 2019QMAT03, 2019-01 or 2019-01-31";

impl Period {
    /// Parses any of the spellings in the module table (surrounding spaces ignored, letters in
    /// either case).
    pub fn parse(text: &str) -> Option<Period> {
        let t = text.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let year: i32 = t[..4].parse().ok()?;
        if !YEARS.contains(&year) {
            return None;
        }
        let rest = &t[4..];
        let number = |s: &str, digits: std::ops::RangeInclusive<usize>| -> Option<u32> {
            (digits.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        let p = if rest.is_empty() {
            Period::Year(year)
        } else if let Some(n) = rest.strip_prefix("QMAT") {
            Period::MovingYear(Month::new(year, number(n, 2..=2)?)?)
        } else if let Some(n) = rest.strip_prefix('H') {
            let h = number(n, 1..=1)?;
            (1..=2).contains(&h).then_some(Period::Half(year, h as u8))?
        } else if let Some(n) = rest.strip_prefix(['K', 'Q']) {
            let q = number(n, 1..=1)?;
            (1..=4).contains(&q).then_some(Period::Quarter(year, q as u8))?
        } else if let Some(n) = rest.strip_prefix('M') {
            Period::Month(Month::new(year, number(n, 2..=2)?)?)
        } else if let Some(n) = rest.strip_prefix(['U', 'W']) {
            let w = number(n, 2..=2)?;
            NaiveDate::from_isoywd_opt(year, w, Weekday::Thu)?;
            Period::Week(year, w as u8)
        } else if let Some(n) = rest.strip_prefix('-') {
            match n.len() {
                2 => Period::Month(Month::new(year, number(n, 2..=2)?)?),
                5 => Period::Month(Month::of(crate::period::parse_date(&t)?)),
                _ => return None,
            }
        } else {
            return None;
        };
        Some(p)
    }

    pub fn frequency(self) -> Frequency {
        match self {
            Period::Year(_) => Frequency::Year,
            Period::Half(..) => Frequency::Half,
            Period::Quarter(..) => Frequency::Quarter,
            Period::Month(_) => Frequency::Month,
            Period::Week(..) => Frequency::Week,
            Period::MovingYear(_) => Frequency::MovingYear,
        }
    }

    /// The first and last month the period covers.
    pub fn months(self) -> (Month, Month) {
        let m = |y: i32, m: u32| Month::new(y, m).expect("checked when parsed");
        match self {
            Period::Year(y) => (m(y, 1), m(y, 12)),
            Period::Half(y, h) => (m(y, 6 * h as u32 - 5), m(y, 6 * h as u32)),
            Period::Quarter(y, q) => (m(y, 3 * q as u32 - 2), m(y, 3 * q as u32)),
            Period::Month(x) => (x, x),
            Period::Week(y, w) => {
                let thursday = NaiveDate::from_isoywd_opt(y, w as u32, Weekday::Thu).expect("checked when parsed");
                let x = Month::of(thursday);
                (x, x)
            }
            Period::MovingYear(end) => (end.plus(-11), end),
        }
    }

    /// The month a monthly panel files this period under: the month itself, or the last
    /// month of a longer period (a year's value is known at its end).
    pub fn month(self) -> Month {
        self.months().1
    }

    /// The canonical spelling (Danish Statbank letters; `QMAT` for moving years).
    pub fn code(self) -> String {
        match self {
            Period::Year(y) => format!("{y:04}"),
            Period::Half(y, h) => format!("{y:04}H{h}"),
            Period::Quarter(y, q) => format!("{y:04}K{q}"),
            Period::Month(m) => format!("{:04}M{:02}", m.year(), m.month()),
            Period::Week(y, w) => format!("{y:04}U{w:02}"),
            Period::MovingYear(m) => format!("{:04}QMAT{:02}", m.year(), m.month()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// The ISO week of a day, as a period.
pub fn week_of(day: NaiveDate) -> Period {
    let w = day.iso_week();
    Period::Week(w.year(), w.week() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(y: i32, m: u32) -> Month {
        Month::new(y, m).unwrap()
    }

    #[test]
    fn every_spelling_of_the_sources() {
        assert_eq!(Period::parse("2019"), Some(Period::Year(2019)));
        assert_eq!(Period::parse("2019H2"), Some(Period::Half(2019, 2)));
        assert_eq!(Period::parse("2019K1"), Some(Period::Quarter(2019, 1)));
        assert_eq!(Period::parse("2019q4"), Some(Period::Quarter(2019, 4)));
        assert_eq!(Period::parse(" 2019M01 "), Some(Period::Month(month(2019, 1))));
        assert_eq!(Period::parse("2019U27"), Some(Period::Week(2019, 27)));
        assert_eq!(Period::parse("2019W27"), Some(Period::Week(2019, 27)));
        assert_eq!(Period::parse("2023QMAT03"), Some(Period::MovingYear(month(2023, 3))));
        assert_eq!(Period::parse("2019-07"), Some(Period::Month(month(2019, 7))));
        assert_eq!(Period::parse("2019-07-31"), Some(Period::Month(month(2019, 7))));
    }

    #[test]
    fn impossible_periods_are_refused() {
        for bad in [
            "",
            "19",
            "2019H3",
            "2019K5",
            "2019K0",
            "2019M13",
            "2019M1",
            "2019U54",
            "2019U1",
            "2019QMAT13",
            "2019-13",
            "2019-02-30",
            "1899",
            "2101M01",
            "2019X1",
            "２０１９",
            "2019M01x",
            "abcd",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad:?}");
        }
        // ISO week 53 exists only in long years.
        assert_eq!(Period::parse("2020U53"), Some(Period::Week(2020, 53)));
        assert_eq!(Period::parse("2019U53"), None);
    }

    #[test]
    fn periods_cover_whole_months() {
        assert_eq!(Period::Half(2019, 2).months(), (month(2019, 7), month(2019, 12)));
        assert_eq!(Period::Quarter(2019, 3).months(), (month(2019, 7), month(2019, 9)));
        assert_eq!(Period::MovingYear(month(2023, 3)).months(), (month(2022, 4), month(2023, 3)));
        // Week 1 of 2020 starts on Monday 30 December 2019; its Thursday is 2 January 2020.
        assert_eq!(Period::Week(2020, 1).month(), month(2020, 1));
        // Week 5 of 2019: Thursday 31 January.
        assert_eq!(Period::Week(2019, 5).month(), month(2019, 1));
        assert_eq!(week_of(NaiveDate::from_ymd_opt(2019, 12, 30).unwrap()), Period::Week(2020, 1));
        assert_eq!(Period::Year(2019).month(), month(2019, 12));
    }

    #[test]
    fn frequencies_tile_the_calendar() {
        assert_eq!(Frequency::Quarter.starting(month(2019, 4)), Some(Period::Quarter(2019, 2)));
        assert_eq!(Frequency::Quarter.starting(month(2019, 5)), None);
        assert_eq!(Frequency::Half.starting(month(2019, 7)), Some(Period::Half(2019, 2)));
        assert_eq!(Frequency::Year.starting(month(2019, 1)), Some(Period::Year(2019)));
        assert_eq!(Frequency::Year.starting(month(2019, 2)), None);
        assert_eq!(Frequency::Month.starting(month(2019, 2)), Some(Period::Month(month(2019, 2))));
        assert_eq!(Frequency::Quarter.period_start(month(2019, 6)), month(2019, 4));
        assert_eq!(Frequency::Year.period_start(month(2019, 12)), month(2019, 1));
        assert!(Frequency::Quarter.is_period_end(month(2019, 9)));
        assert!(!Frequency::Quarter.is_period_end(month(2019, 8)));
        for f in [Frequency::Year, Frequency::Half, Frequency::Quarter, Frequency::Month] {
            for m in 1..=12 {
                let x = month(2019, m);
                let p = f.starting(f.period_start(x)).unwrap();
                let (a, b) = p.months();
                assert!(a <= x && x <= b, "{f:?} {x}");
                assert_eq!(b.since(a) as u32 + 1, f.step().unwrap());
                assert!(f.is_period_end(b));
            }
        }
        assert_eq!(Frequency::parse("Kvartal"), Some(Frequency::Quarter));
        assert_eq!(Frequency::parse("week"), None);
    }

    #[test]
    fn codes_are_canonical() {
        assert_eq!(Period::parse("2019Q1").unwrap().code(), "2019K1");
        assert_eq!(Period::parse("2019-07-31").unwrap().code(), "2019M07");
        assert_eq!(Period::Week(2019, 5).code(), "2019U05");
    }
}
