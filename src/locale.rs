//! Danish and English wording and number formatting, in one place for every writer.
//!
//! Danish conventions (DOMAIN.md): decimal comma "12,2", thousands point "1.544 kr.",
//! "mio. kr.", "pct." in text and "%" in charts, differences in "pct.-point", dates
//! "1. juli 2018", durations in "uger".

use chrono::{Datelike, NaiveDate};

use crate::ingest::periods::Frequency;
use crate::period::Month;
use crate::study::{Lang, Unit};

/// Formats `x` with `decimals` decimals and grouped thousands; negative numbers get a true
/// minus sign (U+2212).
pub fn number(x: f64, decimals: usize, lang: Lang) -> String {
    if !x.is_finite() {
        return "..".into();
    }
    let (dec, group) = match lang {
        Lang::Da => (',', '.'),
        Lang::En => ('.', ','),
    };
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('−');
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(dec);
        out.push_str(frac);
    }
    out
}

/// Like [`number`] but with an explicit `+` on positive values (for effects).
pub fn signed(x: f64, decimals: usize, lang: Lang) -> String {
    let s = number(x, decimals, lang);
    if x > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{s}") } else { s }
}

/// "p = 0,034" or "p < 0,001".
pub fn p_equals(p: f64, lang: Lang) -> String {
    let text = p_value(p, lang);
    if text.starts_with('<') { format!("p {text}") } else { format!("p = {text}") }
}

/// A p-value with three decimals, or "< 0,001".
pub fn p_value(p: f64, lang: Lang) -> String {
    if p.is_nan() {
        "..".into()
    } else if p < 0.001 {
        format!("< {}", number(0.001, 3, lang))
    } else {
        number(p, 3, lang)
    }
}

/// Decimals to print an interval `[lo, hi]` with: the unit's `decimals`, or up to four more when
/// the ends would otherwise print alike, so that no published interval reads as having no
/// width when it has some (an interval of no width at all is refused by the findings).
pub fn interval_decimals(lo: f64, hi: f64, decimals: usize) -> usize {
    if !(lo.is_finite() && hi.is_finite()) {
        return decimals;
    }
    (decimals..=decimals + 4).find(|&d| format!("{lo:.d$}") != format!("{hi:.d$}")).unwrap_or(decimals)
}

/// Decimals that suit a unit.
pub fn decimals(unit: Unit) -> usize {
    match unit {
        Unit::Percent => 2,
        Unit::Weeks => 1,
        Unit::Dkk => 0,
        Unit::Count => 1,
    }
}

/// The unit as written after a difference ("pct.-point", "uger", "kr.").
pub fn difference_unit(unit: Unit, lang: Lang) -> &'static str {
    match (unit, lang) {
        (Unit::Percent, Lang::Da) => "pct.-point",
        (Unit::Percent, Lang::En) => "percentage points",
        (Unit::Weeks, Lang::Da) => "uger",
        (Unit::Weeks, Lang::En) => "weeks",
        (Unit::Dkk, Lang::Da) => "kr.",
        (Unit::Dkk, Lang::En) => "DKK",
        (Unit::Count, Lang::Da) => "antal",
        (Unit::Count, Lang::En) => "count",
    }
}

/// Money in readable form: "12,2 mio. kr." from 12 200 000, "1.544 kr." from 1544.
pub fn money(x: f64, lang: Lang) -> String {
    if x.abs() >= 1e6 {
        match lang {
            Lang::Da => format!("{} mio. kr.", number(x / 1e6, 1, lang)),
            Lang::En => format!("DKK {} million", number(x / 1e6, 1, lang)),
        }
    } else {
        match lang {
            Lang::Da => format!("{} kr.", number(x, 0, lang)),
            Lang::En => format!("DKK {}", number(x, 0, lang)),
        }
    }
}

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "1. juli 2018" / "1 July 2018".
pub fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Da => format!("{}. {} {}", d.day(), MONTHS_DA[d.month0() as usize], d.year()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[d.month0() as usize], d.year()),
    }
}

/// "jul. 2018" / "Jul 2018": for table cells. Danish "maj" and "juni"/"juli" keep enough letters.
pub fn month_short(m: Month, lang: Lang) -> String {
    let i = m.month() as usize - 1;
    match lang {
        Lang::Da if MONTHS_DA[i].chars().count() <= 4 => format!("{} {}", MONTHS_DA[i], m.year()),
        Lang::Da => format!("{}. {}", MONTHS_DA[i].chars().take(3).collect::<String>(), m.year()),
        Lang::En => format!("{} {}", MONTHS_EN[i].chars().take(3).collect::<String>(), m.year()),
    }
}

/// "juli 2018" / "July 2018".
pub fn month(m: Month, lang: Lang) -> String {
    let names = match lang {
        Lang::Da => &MONTHS_DA,
        Lang::En => &MONTHS_EN,
    };
    format!("{} {}", names[m.month() as usize - 1], m.year())
}

/// The words for an outcome's period: the noun (`kvartal`, `quarter`), its plural (`kvartaler`,
/// `quarters`), with the indefinite article (`et kvartal`, `a quarter`), its definite form
/// (`kvartalet`, `the quarter`), definite plural (`kvartalerne`; English `quarters`) and the
/// adjective (`kvartalsvist` gennemsnit, `quarterly` mean).
pub struct PeriodWords {
    pub one: &'static str,
    pub many: &'static str,
    pub a: &'static str,
    pub the: &'static str,
    pub the_many: &'static str,
    pub adjective: &'static str,
}

pub fn period_words(f: Frequency, lang: Lang) -> PeriodWords {
    let w = |one, many, a, the, the_many, adjective| PeriodWords { one, many, a, the, the_many, adjective };
    match (f, lang) {
        (Frequency::Year, Lang::Da) => w("år", "år", "et år", "året", "årene", "årligt"),
        (Frequency::Year, Lang::En) => w("year", "years", "a year", "the year", "years", "yearly"),
        (Frequency::Half, Lang::Da) => w("halvår", "halvår", "et halvår", "halvåret", "halvårene", "halvårligt"),
        (Frequency::Half, Lang::En) => {
            w("half-year", "half-years", "a half-year", "the half-year", "half-years", "half-yearly")
        }
        (Frequency::Quarter, Lang::Da) => {
            w("kvartal", "kvartaler", "et kvartal", "kvartalet", "kvartalerne", "kvartalsvist")
        }
        (Frequency::Quarter, Lang::En) => w("quarter", "quarters", "a quarter", "the quarter", "quarters", "quarterly"),
        (_, Lang::Da) => w("måned", "måneder", "en måned", "måneden", "månederne", "månedligt"),
        (_, Lang::En) => w("month", "months", "a month", "the month", "months", "monthly"),
    }
}

/// The period words of a study whose outcomes are measured at different frequencies.
pub fn any_period_words(lang: Lang) -> PeriodWords {
    match lang {
        Lang::Da => PeriodWords {
            one: "periode",
            many: "perioder",
            a: "en periode",
            the: "perioden",
            the_many: "perioderne",
            adjective: "periodevist",
        },
        Lang::En => PeriodWords {
            one: "period",
            many: "periods",
            a: "a period",
            the: "the period",
            the_many: "periods",
            adjective: "per-period",
        },
    }
}

/// "12 måneder", "1 år", "3 kvartaler": `months` calendar months counted in periods of `f`.
pub fn count_periods(months: usize, f: Frequency, lang: Lang) -> String {
    let n = months / f.step().unwrap_or(1).max(1) as usize;
    let w = period_words(f, lang);
    format!("{n} {}", if n == 1 { w.one } else { w.many })
}

/// The period of frequency `f` that contains month `m`: "juli 2018" / "July 2018", "3. kvt. 2018" /
/// "Q3 2018", "2. halvår 2018" / "H2 2018", "2018".
pub fn period(m: Month, f: Frequency, lang: Lang) -> String {
    let (y, i) = (m.year(), m.month());
    match (f, lang) {
        (Frequency::Year, _) => y.to_string(),
        (Frequency::Half, Lang::Da) => format!("{}. halvår {y}", (i - 1) / 6 + 1),
        (Frequency::Half, Lang::En) => format!("H{} {y}", (i - 1) / 6 + 1),
        (Frequency::Quarter, Lang::Da) => format!("{}. kvt. {y}", (i - 1) / 3 + 1),
        (Frequency::Quarter, Lang::En) => format!("Q{} {y}", (i - 1) / 3 + 1),
        _ => month(m, lang),
    }
}

/// "januar 2010 – december 2015", or "2010 – 2015" for yearly data.
pub fn period_span(first: Month, last: Month, f: Frequency, lang: Lang) -> String {
    format!("{} – {}", period(first, f, lang), period(last, f, lang))
}

/// The text with its first letter in upper case.
pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(number(1544.0, 0, Lang::Da), "1.544");
        assert_eq!(number(12.2, 1, Lang::Da), "12,2");
        assert_eq!(number(-0.8, 1, Lang::Da), "−0,8");
        assert_eq!(number(-0.04, 1, Lang::Da), "0,0");
        assert_eq!(number(1234567.891, 2, Lang::En), "1,234,567.89");
        assert_eq!(signed(0.8, 1, Lang::Da), "+0,8");
        assert_eq!(p_value(0.0004, Lang::Da), "< 0,001");
        assert_eq!(p_value(0.0456, Lang::En), "0.046");
        assert_eq!(money(12_200_000.0, Lang::Da), "12,2 mio. kr.");
        assert_eq!(money(1544.0, Lang::Da), "1.544 kr.");
    }

    /// A narrow interval gets the decimals that tell its ends apart, never more than four extra.
    #[test]
    fn intervals_never_print_without_width() {
        assert_eq!(interval_decimals(1.41, 1.51, 2), 2);
        let d = interval_decimals(1.4969181, 1.5007452, 2);
        assert_eq!(d, 3);
        assert_ne!(signed(1.4969181, d, Lang::Da), signed(1.5007452, d, Lang::Da));
        assert_eq!(interval_decimals(1.0, 1.0 + 1e-12, 2), 2);
        assert_eq!(interval_decimals(f64::NEG_INFINITY, 1.0, 1), 1);
    }

    #[test]
    fn danish_dates() {
        let d = NaiveDate::from_ymd_opt(2018, 7, 1).unwrap();
        assert_eq!(date(d, Lang::Da), "1. juli 2018");
        assert_eq!(date(d, Lang::En), "1 July 2018");
        assert_eq!(month(Month::of(d), Lang::Da), "juli 2018");
    }

    #[test]
    fn periods_are_named_in_their_own_frequency() {
        let m = Month::of(NaiveDate::from_ymd_opt(2018, 8, 1).unwrap());
        assert_eq!(period(m, Frequency::Year, Lang::Da), "2018");
        assert_eq!(period(m, Frequency::Quarter, Lang::Da), "3. kvt. 2018");
        assert_eq!(period(m, Frequency::Quarter, Lang::En), "Q3 2018");
        assert_eq!(period(m, Frequency::Half, Lang::Da), "2. halvår 2018");
        assert_eq!(period(m, Frequency::Month, Lang::En), "August 2018");
        assert_eq!(count_periods(12, Frequency::Year, Lang::Da), "1 år");
        assert_eq!(count_periods(24, Frequency::Year, Lang::En), "2 years");
        assert_eq!(count_periods(6, Frequency::Quarter, Lang::Da), "2 kvartaler");
        assert_eq!(count_periods(1, Frequency::Month, Lang::Da), "1 måned");
    }
}
