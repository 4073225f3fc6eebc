//! Inference: variance estimators and the intervals and p-values built on them.
//!
//! Every interval in the project carries an [`Inference`] record naming the convention that
//! produced it, so the reader of any output can tell a CR1 interval from a bootstrap one.

pub mod cluster;
pub mod flci;
pub mod honest;
pub mod multiplier;
pub mod randomization;
pub mod wald;
pub mod wild;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::settings::Level;

/// Why a resampling test could not be carried out on a design.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InferenceError {
    #[error("the wild bootstrap needs at least two clusters")]
    TooFewClusters,
    #[error("randomization needs treated and untreated units (got {treated} of {units})")]
    NoContrast { treated: usize, units: usize },
    #[error("randomization needs treated units in every cohort and untreated units (got {treated} of {units})")]
    EmptyCohort { treated: usize, units: usize },
}

/// How an interval was obtained, in words and in numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inference {
    /// Short name, e.g. `CR1`.
    pub name: String,
    /// The convention in one sentence.
    pub description: String,
    pub clusters: usize,
    /// Degrees of freedom of the reference t distribution (NaN, written `null`, when the
    /// interval does not come from one).
    #[serde(deserialize_with = "nan_if_null")]
    pub df: f64,
    /// The small-sample factor applied to the variance (NaN when none is).
    #[serde(deserialize_with = "nan_if_null")]
    pub adjustment: f64,
}

/// Points of the grid on which [`invert_test`] checks the p-function beyond its bisected edges.
const INVERSION_GRID: usize = 64;

/// The interval of nulls a test does not reject at level `alpha`: from `estimate`, step outwards
/// (doubling from `step`) until `p_value(τ) ≤ alpha`, then bisect each edge. Used by every
/// resampling method, whose intervals are defined by test inversion.
///
/// A resampling p-function need not fall monotonically away from the estimate (a wild
/// bootstrap's can rise again), so the bisected edges are checked on a grid of
/// [`INVERSION_GRID`] points reaching one interval width beyond each side, and at τ = 0: any
/// point not rejected widens the interval to it (its edge bisected against the next grid point
/// out). The interval is then the smallest one holding every null found not rejected, so it
/// never excludes zero while the test of zero does not reject.
pub fn invert_test(estimate: f64, step: f64, alpha: f64, p_value: &dyn Fn(f64) -> f64) -> (f64, f64) {
    let (lo, hi) = bisected(estimate, step, alpha, p_value);
    if !(lo.is_finite() && hi.is_finite()) {
        return (lo, hi);
    }
    let width = (hi - lo).max(step);
    let (from, to) = (lo - width, hi + width);
    let grid: Vec<f64> = (0..=INVERSION_GRID).map(|i| from + (to - from) * i as f64 / INVERSION_GRID as f64).collect();
    let accepted: Vec<bool> = grid.iter().map(|&t| p_value(t) > alpha).collect();
    let (mut lo, mut hi) = (lo, hi);
    // Bisect between an accepted point and the rejected one beyond it.
    let refine = |mut inside: f64, mut outside: f64| {
        for _ in 0..60 {
            let mid = 0.5 * (inside + outside);
            if p_value(mid) > alpha { inside = mid } else { outside = mid }
        }
        inside
    };
    if let Some(i) = accepted.iter().position(|a| *a)
        && grid[i] < lo
    {
        lo = if i == 0 { grid[0] } else { refine(grid[i], grid[i - 1]) };
    }
    if let Some(i) = accepted.iter().rposition(|a| *a)
        && grid[i] > hi
    {
        hi = if i == INVERSION_GRID { grid[i] } else { refine(grid[i], grid[i + 1]) };
    }
    if p_value(0.0) > alpha {
        (lo, hi) = (lo.min(0.0), hi.max(0.0));
    }
    (lo, hi)
}

/// [`invert_test`]'s first pass: step out from the estimate, then bisect each edge.
fn bisected(estimate: f64, step: f64, alpha: f64, p_value: &dyn Fn(f64) -> f64) -> (f64, f64) {
    let edge = |direction: f64| -> f64 {
        let (mut inside, mut step) = (estimate, step);
        let mut outside = estimate + direction * step;
        let mut tries = 0;
        while p_value(outside) > alpha && tries < 60 {
            inside = outside;
            step *= 2.0;
            outside = estimate + direction * step;
            tries += 1;
        }
        // No effect, however large, is rejected: the set is unbounded on this side (e.g. a
        // randomization that cannot move any treated unit).
        if p_value(outside) > alpha {
            return direction * f64::INFINITY;
        }
        for _ in 0..60 {
            let mid = 0.5 * (inside + outside);
            if p_value(mid) > alpha { inside = mid } else { outside = mid }
        }
        inside
    };
    (edge(-1.0), edge(1.0))
}

/// Point estimate with standard error, confidence interval and two-sided p-value. A value that
/// is not a number (e.g. the p-value of an exact fit) is written as JSON `null` and read back as
/// NaN; an unbounded side of an interval is written `"-inf"`/`"inf"` (JSON has no infinity)
/// and read back as infinite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    #[serde(deserialize_with = "nan_if_null")]
    pub estimate: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub se: f64,
    #[serde(serialize_with = "bound", deserialize_with = "nan_if_null")]
    pub ci_low: f64,
    #[serde(serialize_with = "bound", deserialize_with = "nan_if_null")]
    pub ci_high: f64,
    pub conf_level: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub p_value: f64,
}

/// A number as written to JSON: `null` is NaN, `"inf"`/`"-inf"` an unbounded interval side.
pub(crate) fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Number(f64),
        Text(String),
    }
    match Option::<Written>::deserialize(d)? {
        None => Ok(f64::NAN),
        Some(Written::Number(x)) => Ok(x),
        Some(Written::Text(t)) => match t.as_str() {
            "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            other => {
                Err(serde::de::Error::custom(format!("expected a number, null, \"inf\" or \"-inf\", found {other:?}")))
            }
        },
    }
}

/// NaN, for a field that results.json written before it existed does not hold.
pub(crate) fn not_a_number() -> f64 {
    f64::NAN
}

/// An interval side for JSON: a number, `"inf"`/`"-inf"` when unbounded, `null` when undefined.
pub(crate) fn bound<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    match *x {
        f64::INFINITY => s.serialize_str("inf"),
        f64::NEG_INFINITY => s.serialize_str("-inf"),
        x if x.is_nan() => s.serialize_none(),
        x => s.serialize_f64(x),
    }
}

impl Interval {
    /// Whether the interval has width: two finite ends that coincide (an outcome without
    /// variation, a standard error of 0) make an interval that claims certainty and is never
    /// published. An interval without ends (`null`) is not one of those.
    pub fn has_width(&self) -> bool {
        let width = self.ci_high - self.ci_low;
        !(self.ci_low.is_finite() && self.ci_high.is_finite() && width <= 1e-12 * (1.0 + self.estimate.abs()))
    }

    /// Wald interval `estimate ± t_{df, 1−α/2} · se` and the two-sided p-value of `estimate = 0`
    /// under a t distribution with `df` degrees of freedom (fixest/pyfixest: df = G − 1 for
    /// cluster-robust errors).
    pub fn t_based(estimate: f64, se: f64, df: f64, level: Level) -> Interval {
        let t = StudentsT::new(0.0, 1.0, df.max(1.0)).expect("positive df");
        let crit = t.inverse_cdf(0.5 + level.get() / 2.0);
        let conf_level = level.get();
        let p_value = if se > 0.0 { 2.0 * (1.0 - t.cdf((estimate / se).abs())) } else { f64::NAN };
        Interval { estimate, se, ci_low: estimate - crit * se, ci_high: estimate + crit * se, conf_level, p_value }
    }

    /// Wald interval `estimate ± z_{1−α/2} · se` and the two-sided normal p-value, for
    /// estimators whose standard errors come from an influence function (R did, csdid).
    pub fn normal(estimate: f64, se: f64, level: Level) -> Interval {
        let (crit, conf_level) = (normal_quantile(0.5 + level.get() / 2.0), level.get());
        let p_value = if se > 0.0 { 2.0 * (1.0 - standard_normal().cdf((estimate / se).abs())) } else { f64::NAN };
        Interval { estimate, se, ci_low: estimate - crit * se, ci_high: estimate + crit * se, conf_level, p_value }
    }
}

fn standard_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("unit normal")
}

/// The `p` quantile of the standard normal distribution.
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_inversion_finds_the_acceptance_region() {
        // Accept τ within 1 of 2: the interval is [1, 3] up to bisection precision.
        let p = |tau: f64| if (tau - 2.0).abs() < 1.0 { 0.5 } else { 0.01 };
        let (lo, hi) = invert_test(2.0, 0.1, 0.05, &p);
        assert!((lo - 1.0).abs() < 1e-9 && (hi - 3.0).abs() < 1e-9, "[{lo}, {hi}]");
    }

    /// A p-function that rises again beyond its first crossing (as a wild bootstrap's can): the
    /// grid finds the second accepted stretch, and the test of zero is never contradicted.
    #[test]
    fn test_inversion_holds_every_accepted_null() {
        // Accepted on [1, 3] and again on [3,5; 4]: the interval is [1, 4].
        let p = |tau: f64| if (tau - 2.0).abs() < 1.0 || (3.5..4.0).contains(&tau) { 0.5 } else { 0.01 };
        let (lo, hi) = invert_test(2.0, 0.1, 0.05, &p);
        assert!((lo - 1.0).abs() < 1e-9 && (hi - 4.0).abs() < 1e-6, "[{lo}, {hi}]");
        // Zero not rejected although far from the estimate's stretch: the interval reaches it.
        let p = |tau: f64| if (tau - 2.0).abs() < 0.5 || tau.abs() < 1e-3 { 0.5 } else { 0.01 };
        let (lo, hi) = invert_test(2.0, 0.1, 0.05, &p);
        assert!(lo <= 0.0 && (hi - 2.5).abs() < 1e-9, "[{lo}, {hi}]");
    }

    #[test]
    fn t_interval_by_hand() {
        // t(∞)-like: with 10 000 df the 97.5 % quantile is 1.960.
        let i = Interval::t_based(1.0, 0.5, 10_000.0, Level::P95);
        assert!((i.ci_high - (1.0 + 1.96 * 0.5)).abs() < 1e-3);
        assert!((i.p_value - 0.0455).abs() < 1e-3);
    }

    /// An unbounded interval survives results.json: written as text, read back as infinite.
    #[test]
    fn unbounded_sides_round_trip_through_json() {
        let i = Interval {
            estimate: 0.5,
            se: f64::NAN,
            ci_low: f64::NEG_INFINITY,
            ci_high: f64::INFINITY,
            conf_level: 0.95,
            p_value: 1.0,
        };
        let text = serde_json::to_string(&i).unwrap();
        assert!(text.contains(r#""ci_low":"-inf""#) && text.contains(r#""se":null"#), "{text}");
        let back: Interval = serde_json::from_str(&text).unwrap();
        assert_eq!((back.ci_low, back.ci_high), (f64::NEG_INFINITY, f64::INFINITY));
        assert!(back.se.is_nan());
        assert!(serde_json::from_str::<Interval>(&text.replace("-inf", "minus")).is_err());
    }
}
