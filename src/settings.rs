//! The ranges and names of the settings every front door accepts — the study file and the
//! `estimate` and `survival` commands check them here, once, with the same words.
//!
//! A setting that passes is in range for good: the estimators and writers never re-check it.

use std::ops::RangeInclusive;

use crate::estimate::cs::Control;
use crate::inference::cluster::SmallSample;

/// Replications of randomization inference and the wild bootstrap.
pub const REPS: RangeInclusive<u64> = 99..=10_000_000;

/// A setting out of its range, in words that name the range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    #[error("expected a level between 0.5 and 1, found {0}")]
    Level(f64),
    #[error("expected between 99 and 10,000,000 draws, found {0}")]
    Reps(i64),
    #[error("expected a whole number of persons, at least 1, found {0}")]
    MinCell(i64),
    #[error("expected a number, found `{0}`")]
    NotANumber(String),
}

/// An interval level, strictly between 0.5 and 1. The only way to make one is [`Level::new`]
/// (or the constant [`Level::P95`]), so an estimator handed a `Level` never checks it again.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Level(f64);

impl Level {
    /// The conventional 95 %.
    pub const P95: Level = Level(0.95);

    pub fn new(x: f64) -> Result<Level, RangeError> {
        if (0.5..1.0).contains(&x) { Ok(Level(x)) } else { Err(RangeError::Level(x)) }
    }

    /// The level as a share, e.g. 0.95.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The test size 1 − level that the interval inverts.
    pub fn alpha(self) -> f64 {
        1.0 - self.0
    }
}

/// A replication count in [`REPS`] (randomization inference, the wild and multiplier
/// bootstraps, placebo draws); made only by [`Reps::new`] or [`Reps::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "i64", into = "u64")]
pub struct Reps(u64);

impl Reps {
    /// 9,999 draws: p-values on a grid of 1/10,000.
    pub const DEFAULT: Reps = Reps(9_999);
    /// 999 draws, the default for simultaneous bands.
    pub const BAND: Reps = Reps(999);

    pub fn new(n: i64) -> Result<Reps, RangeError> {
        u64::try_from(n).ok().filter(|n| REPS.contains(n)).map(Reps).ok_or(RangeError::Reps(n))
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

/// The confidentiality threshold: the fewest persons behind a published cell, at least 1
/// (DST's rule is 5). Made only by [`MinCell::new`] or [`MinCell::DST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "i64", into = "u64")]
pub struct MinCell(u32);

impl MinCell {
    /// Statistics Denmark's rule: no cell behind fewer than 5 persons.
    pub const DST: MinCell = MinCell(5);

    pub fn new(n: i64) -> Result<MinCell, RangeError> {
        u32::try_from(n).ok().filter(|n| *n >= 1).map(MinCell).ok_or(RangeError::MinCell(n))
    }

    /// The threshold as a count of persons (or spells, or cases).
    pub fn get(self) -> u64 {
        self.0.into()
    }

    /// Whether a cell behind `n` persons may be published.
    pub fn allows(self, n: u64) -> bool {
        n >= self.get()
    }
}

macro_rules! number_conversions {
    ($t:ty, $raw:ty, $inner:ty, $get:ident) => {
        impl TryFrom<$raw> for $t {
            type Error = RangeError;
            fn try_from(x: $raw) -> Result<Self, RangeError> {
                <$t>::new(x)
            }
        }
        impl From<$t> for $inner {
            fn from(x: $t) -> $inner {
                x.$get().into()
            }
        }
        impl std::str::FromStr for $t {
            type Err = RangeError;
            fn from_str(s: &str) -> Result<Self, RangeError> {
                let x: $raw = s.trim().parse().map_err(|_| RangeError::NotANumber(s.to_string()))?;
                <$t>::new(x)
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.$get().fmt(f)
            }
        }
    };
}
number_conversions!(Level, f64, f64, get);
number_conversions!(Reps, i64, u64, get);
number_conversions!(MinCell, i64, u64, get);

/// The small-sample corrections by name (`ssc`).
pub const SSC: &[(&str, SmallSample)] =
    &[("fixest", SmallSample::Fixest), ("cluster", SmallSample::Cluster), ("none", SmallSample::None)];

/// The event study's base by name (`event_base`, `--event-base`).
pub const EVENT_BASE: &[(&str, crate::estimate::event::EventBase)] = &[
    ("period_before", crate::estimate::event::EventBase::PeriodBefore),
    ("pre_mean", crate::estimate::event::EventBase::PreMean),
];

/// Callaway–Sant'Anna's comparison units by name (`cs_control`, `--control`).
pub const CONTROL: &[(&str, Control)] = &[("never", Control::Never), ("notyet", Control::NotYet)];

/// What Callaway–Sant'Anna does with units lacking a period (`cs_unbalanced`, `--unbalanced`).
pub const UNBALANCED: &[(&str, crate::estimate::cs::Unbalanced)] =
    &[("drop", crate::estimate::cs::Unbalanced::Drop), ("keep", crate::estimate::cs::Unbalanced::Keep)];

/// The value named `key` in a table of names.
pub fn named<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The names of a table, for help texts and messages.
pub fn names<T>(table: &[(&'static str, T)]) -> Vec<&'static str> {
    table.iter().map(|(k, _)| *k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_hold_at_their_edges() {
        assert_eq!(Level::new(0.9).map(Level::get), Ok(0.9));
        assert!(Level::new(1.0).is_err() && Level::new(0.49).is_err() && Level::new(f64::NAN).is_err());
        assert!((Level::new(0.9).unwrap().alpha() - 0.1).abs() < 1e-15);
        assert_eq!(Reps::new(99).map(Reps::get), Ok(99));
        assert_eq!(Reps::new(10_000_001), Err(RangeError::Reps(10_000_001)));
        assert_eq!(Reps::new(0), Err(RangeError::Reps(0)));
        assert_eq!(Reps::new(-5), Err(RangeError::Reps(-5)));
        assert!(REPS.contains(&Reps::DEFAULT.get()) && REPS.contains(&Reps::BAND.get()));
        assert_eq!(MinCell::new(1).map(MinCell::get), Ok(1));
        assert_eq!(MinCell::new(0).unwrap_err().to_string(), "expected a whole number of persons, at least 1, found 0");
        assert!(MinCell::DST.allows(5) && !MinCell::DST.allows(4));
        // The command line and the JSON readers go through the same checks.
        assert_eq!("0.9".parse::<Level>().map(Level::get), Ok(0.9));
        assert_eq!("1.5".parse::<Level>(), Err(RangeError::Level(1.5)));
        assert_eq!("many".parse::<Reps>(), Err(RangeError::NotANumber("many".into())));
        assert_eq!("0".parse::<MinCell>(), Err(RangeError::MinCell(0)));
        assert!(serde_json::from_str::<Level>("1.2").is_err());
        assert_eq!(serde_json::to_string(&Reps::DEFAULT).unwrap(), "9999");
        assert_eq!(serde_json::from_str::<MinCell>("5").unwrap(), MinCell::DST);
        assert_eq!(named(SSC, "cluster"), Some(SmallSample::Cluster));
        assert_eq!(named(CONTROL, "sometimes"), None);
        // Every name is the enum's own key, so outputs and inputs agree.
        assert!(SSC.iter().all(|(k, v)| v.key() == *k));
        assert!(CONTROL.iter().all(|(k, v)| v.key() == *k));
    }
}
