//! Calendar months and dates: the time axis of every panel.
//!
//! Panels in this project are monthly (the finest frequency of Jobindsats and AUS08). A [`Month`] is
//! a count of months since year 0 so that arithmetic and ordering are plain integer operations.
//! Parsing accepts the spellings evaluators meet: `2018-07-01`, `2018-07`, `2018M07`.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then(|| Month(year * 12 + month as i32 - 1))
    }

    /// January of `year`, usable in constants.
    pub const fn january(year: i32) -> Month {
        Month(year * 12)
    }

    pub fn of(date: NaiveDate) -> Month {
        Month(date.year() * 12 + date.month0() as i32)
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1..=12
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.plus(1).first_day().pred_opt().expect("valid date")
    }

    pub fn plus(self, months: i32) -> Month {
        Month(self.0 + months)
    }

    /// Months from `other` to `self` (positive when `self` is later).
    pub fn since(self, other: Month) -> i32 {
        self.0 - other.0
    }

    /// Every month from `self` to `last`, both included.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (self.0..=last.0).map(Month)
    }

    /// Parses `YYYY-MM-DD` (any day; the month is kept), `YYYY-MM` or `YYYYMmm`.
    pub fn parse(text: &str) -> Option<Month> {
        let t = text.trim();
        if let Some((y, m)) = t.split_once(['M', 'm']) {
            if y.len() == 4 && m.len() == 2 {
                return Month::new(y.parse().ok()?, m.parse().ok()?);
            }
            return None;
        }
        match t.len() {
            7 => {
                let (y, m) = t.split_once('-')?;
                Month::new(y.parse().ok()?, m.parse().ok()?)
            }
            10 => parse_date(t).map(Month::of),
            _ => None,
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Month::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a month like 2018-07 or 2018-07-01, found `{text}`"))
        })
    }
}

/// Parses an ISO date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// A closed range of months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthRange {
    pub first: Month,
    pub last: Month,
}

impl MonthRange {
    pub fn contains(&self, m: Month) -> bool {
        self.first <= m && m <= self.last
    }

    pub fn len(&self) -> usize {
        (self.last.since(self.first) + 1).max(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_spellings() {
        let july = Month::new(2018, 7).unwrap();
        assert_eq!(Month::parse("2018-07-01"), Some(july));
        assert_eq!(Month::parse("2018-07-31"), Some(july));
        assert_eq!(Month::parse("2018-07"), Some(july));
        assert_eq!(Month::parse("2018M07"), Some(july));
        assert_eq!(Month::parse("2018-13"), None);
        assert_eq!(Month::parse("18-07"), None);
        assert_eq!(Month::parse("2018M7"), None);
    }

    #[test]
    fn arithmetic_crosses_years() {
        let m = Month::new(2017, 11).unwrap();
        assert_eq!(m.plus(3), Month::new(2018, 2).unwrap());
        assert_eq!(Month::new(2018, 2).unwrap().since(m), 3);
        assert_eq!(m.plus(3).to_string(), "2018-02");
        assert_eq!(Month::new(2020, 2).unwrap().last_day().to_string(), "2020-02-29");
        assert_eq!(m.through(m.plus(2)).count(), 3);
    }
}
