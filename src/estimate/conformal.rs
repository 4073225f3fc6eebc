//! Conformal confidence intervals for each post period of a synthetic control (Chernozhukov,
//! Wüthrich and Zhu 2021, Algorithm 1), as diff-diff 3.13's
//! `SyntheticControlResults.conformal_confidence_intervals` computes them.
//!
//! For post period t the data are the T₀ pre-periods and t alone. Under the null that the
//! effect in t is θ, the treated outcome in t becomes y₁ₜ − θ; the proxy, a synthetic control
//! with simplex weights fitted by least squares on all T₀ + 1 periods (no predictor weights, no
//! intercept), is refitted, and the p-value is the share of the T₀ + 1 residuals at least as
//! large in absolute value as the one in t (the moving-block permutations of a single post
//! period). θ is kept when p > α. The interval is the range of kept θ on a grid centred on the
//! point estimate (the gap in t to the proxy fitted on the pre-periods alone), half-width
//! max(8·sd of its pre-period residuals, |estimate|/2), n points; an endpoint between a kept and
//! a rejected grid point is then narrowed down by bisection. Where the kept set reaches an end
//! of the grid (diff-diff flags this "grid_limited" and reports the edge), θ is probed beyond
//! it at 2, 4, …, 64 half-widths; an end still not found is infinite. That happens
//! when the proxy can fit the period whatever θ is (more donors than periods, an almost exact
//! pre-period fit): the data then do not bound the effect, and the interval says so.
//!
//! The p-value cannot fall below 1/(T₀ + 1), so with α < 1/(T₀ + 1), e.g. 8 yearly pre-periods
//! at the 90 % level, nothing is ever rejected and the interval is the whole line: it is
//! reported as unbounded, never as the grid's edge.

use serde::{Deserialize, Serialize};

use super::synth::synth_weights;

/// How a period's interval came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Both ends found inside the grid.
    Bounded,
    /// An end not found: too few pre-periods for the level (the whole line), or θ still kept
    /// 64 half-widths beyond the grid's edge (that end infinite).
    Unbounded,
    /// Every grid point rejected (the proxy fits the pre-period far worse than t).
    Empty,
}

/// One post period's interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodInterval {
    /// Index of the period among the series' periods.
    pub period: usize,
    /// The gap in the period to the proxy fitted on the pre-periods.
    pub estimate: f64,
    /// Written `null` when unbounded or empty.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_low: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_high: f64,
    pub status: Status,
}

/// The settings of the inversion.
#[derive(Clone, Copy, Debug)]
pub struct Conformal {
    /// 1 − the confidence level.
    pub alpha: f64,
    /// Grid points per period (diff-diff's default is 100).
    pub grid: usize,
    /// Bisection steps that narrow each bounded endpoint down between its grid points (0: the
    /// grid's own endpoints, as diff-diff reports them).
    pub refine: usize,
}

/// Intervals for each period from `t0` on of the treated series `y1` against the donors'
/// series `y0` (each as long as `y1`).
pub fn per_period(y1: &[f64], y0: &[&[f64]], t0: usize, settings: &Conformal) -> Vec<PeriodInterval> {
    (t0..y1.len()).map(|t| one_period(y1, y0, t0, t, settings)).collect()
}

/// The interval of period `t` alone (see [`per_period`]).
pub fn one_period(y1: &[f64], y0: &[&[f64]], t0: usize, t: usize, s: &Conformal) -> PeriodInterval {
    // The sub-series: the pre-periods, then period t.
    let rows: Vec<usize> = (0..t0).chain(std::iter::once(t)).collect();
    let donors: Vec<Vec<f64>> = y0.iter().map(|d| rows.iter().map(|&r| d[r]).collect()).collect();
    let ones = vec![1.0; rows.len()];
    let pre_donors: Vec<Vec<f64>> = donors.iter().map(|d| d[..t0].to_vec()).collect();
    let pre = synth_weights(&y1[..t0], &pre_donors, &ones[..t0]);
    let synthetic = |w: &[f64], r: usize| donors.iter().zip(w).map(|(d, wj)| d[r] * wj).sum::<f64>();
    let estimate = y1[t] - synthetic(&pre.weights, t0);
    let residuals: Vec<f64> = (0..t0).map(|r| y1[r] - synthetic(&pre.weights, r)).collect();
    let mean = residuals.iter().sum::<f64>() / t0.max(1) as f64;
    let spread = (residuals.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / t0.max(1) as f64).sqrt();
    let m = rows.len();
    let out = |ci_low: f64, ci_high: f64, status| PeriodInterval { period: t, estimate, ci_low, ci_high, status };
    // α from a level (1 − 0.9) lands a hair below 0.1; p-values are multiples of 1/m.
    let alpha = s.alpha + 1e-12;
    if alpha < 1.0 / m as f64 {
        return out(f64::NEG_INFINITY, f64::INFINITY, Status::Unbounded);
    }
    // p-value of θ: the proxy refitted with y₁ₜ − θ, residuals ranked.
    let y1_sub: Vec<f64> = rows.iter().map(|&r| y1[r]).collect();
    let kept = |theta: f64| -> bool {
        let mut target = y1_sub.clone();
        target[t0] -= theta;
        let w = synth_weights(&target, &donors, &ones).weights;
        let u: Vec<f64> = (0..m).map(|r| (target[r] - synthetic(&w, r)).abs()).collect();
        let observed = u[t0];
        let tol = 1e-12 * observed.max(1.0);
        let p = u.iter().filter(|&&v| v >= observed - tol).count() as f64 / m as f64;
        p > alpha
    };
    let n = s.grid.max(2);
    let half = (8.0 * spread).max(0.5 * estimate.abs() + 1e-6);
    let grid: Vec<f64> = (0..n).map(|i| estimate - half + 2.0 * half * i as f64 / (n - 1) as f64).collect();
    let keep: Vec<bool> = grid.iter().map(|&th| kept(th)).collect();
    let (Some(lo), Some(hi)) = (keep.iter().position(|&k| k), keep.iter().rposition(|&k| k)) else {
        return out(f64::NAN, f64::NAN, Status::Empty);
    };
    // Narrow an endpoint between a kept θ and a rejected one beyond it.
    let refine = |mut inside: f64, mut outside: f64| {
        for _ in 0..s.refine {
            let mid = 0.5 * (inside + outside);
            if kept(mid) { inside = mid } else { outside = mid }
        }
        inside
    };
    // An end at the grid's edge: probe outward, doubling the distance up to 64 half-widths;
    // still kept there, the end is infinite.
    let beyond = |edge: f64, direction: f64| -> f64 {
        let mut inside = edge;
        for k in 0..6 {
            let probe = edge + direction * half * f64::from(1u32 << (k + 1));
            if !kept(probe) {
                return refine(inside, probe);
            }
            inside = probe;
        }
        direction * f64::INFINITY
    };
    let ci_low = if lo > 0 { refine(grid[lo], grid[lo - 1]) } else { beyond(grid[0], -1.0) };
    let ci_high = if hi < n - 1 { refine(grid[hi], grid[hi + 1]) } else { beyond(grid[n - 1], 1.0) };
    let status = if ci_low.is_finite() && ci_high.is_finite() { Status::Bounded } else { Status::Unbounded };
    out(ci_low, ci_high, status)
}
