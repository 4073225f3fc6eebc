//! Conformal inference for a synthetic control (Chernozhukov, Wüthrich and Zhu 2021): per-period
//! intervals, as diff-diff 3.13's `SyntheticControlResults.conformal_confidence_intervals`
//! computes them, and an interval for a constant effect over the whole post window, inverting
//! the joint test diff-diff's `conformal_test` computes for one θ.
//!
//! **The test.** Under the sharp null that the effect is θ·dₜ in period t (dₜ = 1 after the
//! start and 0 before; for a mean of participants with staggered starts, the share of them
//! started by t), the treated outcome becomes y₁ₜ − θ·dₜ. The proxy, a synthetic control with
//! simplex weights fitted by least squares on every period of the series under the null (no
//! predictor weights, no intercept), is refitted, and its residuals û are ranked: the statistic
//! S(û) = Σ_post |ûₜ| / √T* (q = 1) is compared with its value on each of the T cyclic shifts
//! of the residuals (the moving-block permutations, valid for stationary weakly dependent
//! errors). The p-value is the share of shifts with a statistic at least as large, so it cannot
//! fall below 1/T. θ is kept when p > α.
//!
//! **Per period.** For post period t the series is the T₀ pre-periods and t alone (T* = 1): the
//! p-value is then the share of the T₀ + 1 residuals at least as large in absolute value as the
//! one in t.
//!
//! **Constant effect.** The series is every period of the window, the post window is every
//! period with dₜ > 0, and θ is one number: the interval holds the constant effects the data
//! cannot tell from the pre-period's own misfit. With T = T₀ + T* periods it needs α ≥ 1/T, not
//! α ≥ 1/(T₀ + 1): eight yearly pre-periods and six post-years bound it at 90 %, where every
//! per-period interval is the whole line. Its guarantee is for a constant effect; a path that
//! rises over the window is tested against its average only approximately.
//!
//! **The inversion.** The interval is the range of kept θ on a grid centred on the point
//! estimate (the dose-weighted least-squares slope of the gaps to the proxy fitted on the
//! pre-periods alone: the gap in t, or the mean post gap), half-width max(8·sd of its
//! pre-period residuals, |estimate|/2), n points; an endpoint between a kept and a rejected grid
//! point is then narrowed down by bisection. The kept set need not be an interval (a treated
//! series at the edge of the donors' hull is fitted worse by the proxy the farther θ pushes it
//! out, and the test loses its power there), so θ is also probed beyond each end of the grid at
//! 2, 4, …, 64 half-widths, and the reported interval is the hull of everything kept. Where the
//! kept set reaches an end of the grid, diff-diff flags "grid_limited" and reports the edge;
//! here an end kept at the last probe is infinite. That happens when the proxy can fit the
//! post window whatever θ is (more donors than periods, an almost exact fit): the data then do
//! not bound the effect, and the interval says so. With α < 1/T (e.g. 8 yearly pre-periods at
//! the 90 % level, per period) nothing is ever rejected and the interval is the whole line: it
//! is reported as unbounded, never as the grid's edge.

use serde::{Deserialize, Serialize};

use super::synth::{gradient_weights, min_norm_weights};

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
    let y1_sub: Vec<f64> = rows.iter().map(|&r| y1[r]).collect();
    let donors: Vec<Vec<f64>> = y0.iter().map(|d| rows.iter().map(|&r| d[r]).collect()).collect();
    let mut dose = vec![0.0; t0 + 1];
    dose[t0] = 1.0;
    let i = Null::new(y1_sub, donors, dose).interval(s);
    PeriodInterval { period: t, estimate: i.estimate, ci_low: i.ci_low, ci_high: i.ci_high, status: i.status }
}

/// The interval of a constant effect over the post window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EffectInterval {
    /// The dose-weighted least-squares slope of the post-period gaps to the proxy fitted on the
    /// pre-periods (their mean when every participant starts together): the grid's centre.
    pub estimate: f64,
    /// Written `null` when unbounded or empty.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_low: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_high: f64,
    pub status: Status,
    /// The moving-block permutations, one per period: the smallest p-value is 1/permutations.
    pub permutations: usize,
    /// Periods in the post window.
    pub post_periods: usize,
}

/// The interval of a constant effect θ·`dose`ₜ over the whole series `y1` against the donors'
/// series `y0` (each as long as `y1`); `dose` is 0 before the start and, after it, 1 or the
/// share of a mean's participants started by then.
pub fn constant_effect(y1: &[f64], y0: &[&[f64]], dose: &[f64], settings: &Conformal) -> EffectInterval {
    let donors: Vec<Vec<f64>> = y0.iter().map(|d| d.to_vec()).collect();
    Null::new(y1.to_vec(), donors, dose.to_vec()).interval(settings)
}

/// The p-value of the sharp null θ·`dose` and its statistic S(û) (what diff-diff's
/// `conformal_test` reports for the effect path θ·dₜ over the post window).
pub fn p_value(y1: &[f64], y0: &[&[f64]], dose: &[f64], theta: f64) -> (f64, f64) {
    let donors: Vec<Vec<f64>> = y0.iter().map(|d| d.to_vec()).collect();
    Null::new(y1.to_vec(), donors, dose.to_vec()).p_value(theta)
}

/// The doses of a mean of participants over `periods`: the share of `starts` on or before each.
pub fn doses(periods: &[crate::period::Month], starts: &[crate::period::Month]) -> Vec<f64> {
    let n = starts.len().max(1) as f64;
    periods.iter().map(|p| starts.iter().filter(|s| *s <= p).count() as f64 / n).collect()
}

/// The proxy's weights: least squares on the simplex over every row, by Wolfe's exact
/// minimum-norm-point algorithm whatever the number of rows, checked by its optimality
/// certificate (no donor direction improves the fit: dⱼ·x ≥ x·x for x = Σ wⱼdⱼ, dⱼ = x₀ⱼ − x₁).
/// Where a numerically dependent corral stopped it short, the accelerated projected gradient
/// finishes the fit.
fn proxy_weights(target: &[f64], donors: &[Vec<f64>]) -> Vec<f64> {
    let ones = vec![1.0; target.len()];
    let w = min_norm_weights(target, donors, &ones).weights;
    let x: Vec<f64> =
        (0..target.len()).map(|r| donors.iter().zip(&w).map(|(d, wj)| wj * (d[r] - target[r])).sum()).collect();
    let xx: f64 = x.iter().map(|v| v * v).sum();
    let scale = donors
        .iter()
        .map(|d| d.iter().zip(target).map(|(a, b)| (a - b).powi(2)).sum::<f64>())
        .fold(f64::MIN_POSITIVE, f64::max);
    let optimal = donors.iter().all(|d| {
        let dx: f64 = d.iter().zip(target).zip(&x).map(|((a, b), x)| (a - b) * x).sum();
        dx >= xx - 1e-10 * scale
    });
    if optimal { w } else { gradient_weights(target, donors, &ones).weights }
}

/// One series under test: the treated outcome, the donors and the effect's dose per period.
struct Null {
    y1: Vec<f64>,
    donors: Vec<Vec<f64>>,
    dose: Vec<f64>,
    /// The periods with a positive dose.
    post: Vec<usize>,
}

impl Null {
    fn new(y1: Vec<f64>, donors: Vec<Vec<f64>>, dose: Vec<f64>) -> Null {
        assert!(dose.len() == y1.len() && donors.iter().all(|d| d.len() == y1.len()), "series lengths agree");
        let post = (0..dose.len()).filter(|&t| dose[t] > 0.0).collect();
        Null { y1, donors, dose, post }
    }

    fn synthetic(&self, w: &[f64], r: usize) -> f64 {
        self.donors.iter().zip(w).map(|(d, wj)| d[r] * wj).sum()
    }

    /// The p-value of θ and the observed statistic: the proxy refitted on every period with
    /// y₁ₜ − θ·dₜ, its residuals' statistic ranked among the cyclic shifts.
    fn p_value(&self, theta: f64) -> (f64, f64) {
        let m = self.y1.len();
        let target: Vec<f64> = self.y1.iter().zip(&self.dose).map(|(y, d)| y - theta * d).collect();
        let w = proxy_weights(&target, &self.donors);
        let u: Vec<f64> = (0..m).map(|r| (target[r] - self.synthetic(&w, r)).abs()).collect();
        let scale = (self.post.len().max(1) as f64).sqrt();
        let statistic = |shift: usize| self.post.iter().map(|&t| u[(t + shift) % m]).sum::<f64>() / scale;
        let observed = statistic(0);
        let tol = 1e-12 * observed.max(1.0);
        let at_least = (0..m).filter(|&j| statistic(j) >= observed - tol).count();
        (at_least as f64 / m as f64, observed)
    }

    fn interval(&self, s: &Conformal) -> EffectInterval {
        let m = self.y1.len();
        let pre: Vec<usize> = (0..m).filter(|&t| self.dose[t] == 0.0).collect();
        let t0 = pre.len();
        // Without a pre-period or a post window there is nothing to test (callers fit the
        // synthetic control first, which needs both).
        if t0 == 0 || self.post.is_empty() {
            return EffectInterval {
                estimate: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                status: Status::Empty,
                permutations: m,
                post_periods: self.post.len(),
            };
        }
        // The proxy on the pre-periods alone; the estimate is the dose-weighted slope of the
        // post gaps to it.
        let pre_donors: Vec<Vec<f64>> = self.donors.iter().map(|d| pre.iter().map(|&r| d[r]).collect()).collect();
        let pre_y1: Vec<f64> = pre.iter().map(|&r| self.y1[r]).collect();
        let pre_weights = proxy_weights(&pre_y1, &pre_donors);
        let gap = |r: usize| self.y1[r] - self.synthetic(&pre_weights, r);
        let (num, den) = self
            .post
            .iter()
            .fold((0.0, 0.0), |(n, d), &t| (n + self.dose[t] * gap(t), d + self.dose[t] * self.dose[t]));
        let estimate = num / den;
        let residuals: Vec<f64> = pre.iter().map(|&r| gap(r)).collect();
        let mean = residuals.iter().sum::<f64>() / t0.max(1) as f64;
        let spread = (residuals.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / t0.max(1) as f64).sqrt();
        let out = |ci_low: f64, ci_high: f64, status| EffectInterval {
            estimate,
            ci_low,
            ci_high,
            status,
            permutations: m,
            post_periods: self.post.len(),
        };
        // α from a level (1 − 0.9) lands a hair below 0.1; p-values are multiples of 1/m.
        let alpha = s.alpha + 1e-12;
        if alpha < 1.0 / m as f64 {
            return out(f64::NEG_INFINITY, f64::INFINITY, Status::Unbounded);
        }
        let kept = |theta: f64| self.p_value(theta).0 > alpha;
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
        // Beyond each end of the grid, θ is probed at 2, 4, …, 64 half-widths: the kept set need
        // not be an interval, and its hull reaches the farthest kept probe. Kept at the last
        // probe, that end is infinite; otherwise it is narrowed down between the farthest kept
        // point and the rejected one beyond it.
        let end = |inside: f64, next_out: f64, edge: f64, direction: f64| -> f64 {
            let probes: Vec<f64> = (1..=6).map(|k| edge + direction * half * f64::from(1u32 << k)).collect();
            let flags: Vec<bool> = probes.iter().map(|&p| kept(p)).collect();
            match flags.iter().rposition(|&k| k) {
                Some(5) => direction * f64::INFINITY,
                Some(k) => refine(probes[k], probes[k + 1]),
                None if edge == inside => refine(inside, probes[0]),
                None => refine(inside, next_out),
            }
        };
        let ci_low = end(grid[lo], if lo > 0 { grid[lo - 1] } else { f64::NAN }, grid[0], -1.0);
        let ci_high = end(grid[hi], if hi < n - 1 { grid[hi + 1] } else { f64::NAN }, grid[n - 1], 1.0);
        let status = if ci_low.is_finite() && ci_high.is_finite() { Status::Bounded } else { Status::Unbounded };
        out(ci_low, ci_high, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Month;

    /// Donors with a common seasonal wave and their own levels and noise; the treated series is
    /// a mix of three of them plus noise, and `effect`·dose after the start.
    fn panel(seed: u64, periods: usize, dose: &[f64], effect: f64) -> (Vec<f64>, Vec<Vec<f64>>) {
        let mut s = crate::rng::Stream::new(seed, 0);
        let donors: Vec<Vec<f64>> = (0..12)
            .map(|j| {
                let level = j as f64;
                (0..periods).map(|t| level + (t as f64 / 2.0).sin() + 0.3 * s.normal()).collect()
            })
            .collect();
        let y1 = (0..periods)
            .map(|t| 0.5 * donors[3][t] + 0.3 * donors[6][t] + 0.2 * donors[9][t] + 0.3 * s.normal() + effect * dose[t])
            .collect();
        (y1, donors)
    }

    #[test]
    fn doses_are_the_share_of_participants_started() {
        let month = |m| Month::new(2020, m).unwrap();
        let periods: Vec<Month> = (1..=6).map(month).collect();
        let d = doses(&periods, &[month(3), month(5)]);
        assert_eq!(d, vec![0.0, 0.0, 0.5, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn a_large_constant_effect_is_bounded_away_from_zero_and_covered() {
        let dose: Vec<f64> = (0..40).map(|t| if t < 34 { 0.0 } else { 1.0 }).collect();
        let s = Conformal { alpha: 0.1, grid: 100, refine: 20 };
        let (y1, y0) = panel(3, 40, &dose, 5.0);
        let y0: Vec<&[f64]> = y0.iter().map(Vec::as_slice).collect();
        let i = constant_effect(&y1, &y0, &dose, &s);
        assert_eq!(i.status, Status::Bounded);
        assert!(i.ci_low > 0.0 && i.ci_low <= 5.0 && 5.0 <= i.ci_high, "{i:?}");
        assert_eq!((i.permutations, i.post_periods), (40, 6));
        // The kept set's ends: just inside kept, just outside rejected.
        let kept = |theta: f64| p_value(&y1, &y0, &dose, theta).0 > 0.1 + 1e-12;
        let step = 1e-3 * (i.ci_high - i.ci_low);
        assert!(kept(i.ci_low + step) && !kept(i.ci_low - step));
        assert!(kept(i.ci_high - step) && !kept(i.ci_high + step));
        // The same data without the effect: 0 inside.
        let (y1, y0) = panel(3, 40, &dose, 0.0);
        let y0: Vec<&[f64]> = y0.iter().map(Vec::as_slice).collect();
        let i = constant_effect(&y1, &y0, &dose, &s);
        assert!(i.ci_low <= 0.0 && 0.0 <= i.ci_high, "{i:?}");
    }

    #[test]
    fn staggered_doses_shift_the_interval_by_the_effect_per_started_participant() {
        // Half the participants from period 30, all from 35: the mean moves by θ/2, then θ. The
        // null θ·dose takes exactly that away again, so the interval moves by the effect.
        let dose: Vec<f64> = (0..40)
            .map(|t| {
                if t < 30 {
                    0.0
                } else if t < 35 {
                    0.5
                } else {
                    1.0
                }
            })
            .collect();
        let s = Conformal { alpha: 0.1, grid: 100, refine: 20 };
        let interval = |effect| {
            let (y1, y0) = panel(4, 40, &dose, effect);
            let y0: Vec<&[f64]> = y0.iter().map(Vec::as_slice).collect();
            constant_effect(&y1, &y0, &dose, &s)
        };
        let (without, with) = (interval(0.0), interval(4.0));
        assert_eq!(with.post_periods, 10);
        for (a, b) in
            [(without.estimate, with.estimate), (without.ci_low, with.ci_low), (without.ci_high, with.ci_high)]
        {
            assert!((b - a - 4.0).abs() < 1e-6, "{without:?} {with:?}");
        }
        assert!(with.ci_low > 0.0, "{with:?}");
    }

    #[test]
    fn no_post_window_is_empty_not_a_number_grid() {
        let dose = vec![0.0; 12];
        let (y1, y0) = panel(6, 12, &dose, 0.0);
        let y0: Vec<&[f64]> = y0.iter().map(Vec::as_slice).collect();
        let i = constant_effect(&y1, &y0, &dose, &Conformal { alpha: 0.1, grid: 100, refine: 20 });
        assert_eq!((i.status, i.post_periods), (Status::Empty, 0));
        assert!(i.ci_low.is_nan() && i.ci_high.is_nan());
    }

    #[test]
    fn too_few_periods_for_the_level_leave_the_whole_line() {
        // 9 periods: the smallest p-value is 1/9 > 0.1.
        let dose: Vec<f64> = (0..9).map(|t| if t < 6 { 0.0 } else { 1.0 }).collect();
        let (y1, y0) = panel(5, 9, &dose, 50.0);
        let y0: Vec<&[f64]> = y0.iter().map(Vec::as_slice).collect();
        let i = constant_effect(&y1, &y0, &dose, &Conformal { alpha: 0.1, grid: 100, refine: 20 });
        assert_eq!(i.status, Status::Unbounded);
        assert!(i.ci_low == f64::NEG_INFINITY && i.ci_high == f64::INFINITY);
    }
}
