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
}

/// The interval level: strictly between 0.5 and 1.
pub fn conf_level(x: f64) -> Result<f64, RangeError> {
    if (0.5..1.0).contains(&x) { Ok(x) } else { Err(RangeError::Level(x)) }
}

/// A replication count in [`REPS`].
pub fn reps(n: i64) -> Result<u64, RangeError> {
    u64::try_from(n).ok().filter(|n| REPS.contains(n)).ok_or(RangeError::Reps(n))
}

/// The confidentiality threshold: at least one person behind every published cell.
pub fn min_cell(n: i64) -> Result<u32, RangeError> {
    u32::try_from(n).ok().filter(|n| *n >= 1).ok_or(RangeError::MinCell(n))
}

/// The small-sample corrections by name (`ssc`).
pub const SSC: &[(&str, SmallSample)] =
    &[("fixest", SmallSample::Fixest), ("cluster", SmallSample::Cluster), ("none", SmallSample::None)];

/// Callaway–Sant'Anna's comparison units by name (`cs_control`, `--control`).
pub const CONTROL: &[(&str, Control)] = &[("never", Control::Never), ("notyet", Control::NotYet)];

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
        assert_eq!(conf_level(0.9), Ok(0.9));
        assert!(conf_level(1.0).is_err() && conf_level(0.49).is_err() && conf_level(f64::NAN).is_err());
        assert_eq!(reps(99), Ok(99));
        assert_eq!(reps(0), Err(RangeError::Reps(0)));
        assert_eq!(reps(-5), Err(RangeError::Reps(-5)));
        assert_eq!(min_cell(1), Ok(1));
        assert_eq!(min_cell(0).unwrap_err().to_string(), "expected a whole number of persons, at least 1, found 0");
        assert_eq!(named(SSC, "cluster"), Some(SmallSample::Cluster));
        assert_eq!(named(CONTROL, "sometimes"), None);
        // Every name is the enum's own key, so outputs and inputs agree.
        assert!(SSC.iter().all(|(k, v)| v.key() == *k));
        assert!(CONTROL.iter().all(|(k, v)| v.key() == *k));
    }
}
