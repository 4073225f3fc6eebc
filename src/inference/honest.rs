//! Sensitivity of an event study to violations of parallel trends (Rambachan and Roth 2023),
//! under relative magnitudes Δ^RM(M̄): after the start, the difference between the trial's and
//! the comparison's trends may change from one period to the next by at most M̄ times the largest
//! such change before the start.
//!
//! The coefficients are measured from the period before the start (β_{−1} = 0, whatever base the
//! event study shows): pre-period event times −L..−2 and post-period ones 0..T−1, none binned (a
//! binned end point spans several periods, so its change is not one period's). With the
//! pre-period violations pinned at β_pre, the largest pre-period change is
//! m = max(|β_{s+1} − β_s|, |0 − β_{−2}|). The post-period violations δ_t = Σ_{u≤t} Δ_u have
//! |Δ_u| ≤ M̄·m, so for θ = l′τ_post the identified set is
//!
//! l′β_post ∓ M̄·m·K, K = Σ_u |Σ_{t≥u} l_t|
//!
//! (the linear program's solution in closed form; K = (T + 1)/2 for the mean of T periods and
//! t + 1 for period t alone). The confidence set widens it by the critical value times
//! se(l′β_post): the fixed-length set diff-diff 3.13 reports for Δ^RM (R's HonestDiD uses the
//! conditional-hybrid test there, whose sets are narrower, so these are conservative). The
//! critical value is the event study's own (t with G − 1 degrees of freedom, CR1).
//!
//! The breakdown value is the smallest M̄ whose confidence set holds 0:
//! (|θ̂| − c·se)/(m·K) when the set at M̄ = 0 excludes 0, else 0. A breakdown of 1,4 reads:
//! the conclusion holds unless the trend difference changes after the start by more than 1,4
//! times its largest change before.
//!
//! Under smoothness Δ^SD(M) the trend difference may bend (its slope change from one period to
//! the next) by at most M after the start, any linear trend in it being allowed: the optimal
//! fixed-length confidence interval of R's HonestDiD ([`crate::inference::flci`]), with the event
//! study's own reference distribution (folded non-central t with G − 1 degrees of freedom, as
//! diff-diff; R uses the normal). M = 0 allows exactly a linear trend difference, extrapolated
//! from the pre-period coefficients. M is in the outcome's unit per period²; its breakdown value
//! is the smallest M whose interval holds 0.

use serde::{Deserialize, Serialize};

use crate::inference::flci::{Flci, Folded, Frontier};

/// The M̄ at which the sets are reported.
pub const GRID: [f64; 9] = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0];

/// Event-study coefficients in the period-before base, unbinned, with their covariance.
#[derive(Clone, Debug)]
pub struct Coefficients {
    /// β_{−L..−2}, in increasing event time.
    pub pre: Vec<f64>,
    /// β_{0..T−1}.
    pub post: Vec<f64>,
    /// The covariance of `post`, row-major T × T.
    pub post_vcov: Vec<f64>,
    /// The critical value of the event study's intervals.
    pub critical: f64,
}

/// One M̄: the identified set and the confidence set of θ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub mbar: f64,
    pub lower: f64,
    pub upper: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The sensitivity of one target θ = l′τ_post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// l′β_post and its standard error.
    pub estimate: f64,
    pub se: f64,
    /// K: how far the identified set reaches per unit of M̄·m.
    pub reach: f64,
    /// The smallest M̄ whose confidence set holds 0 (0 when the set at M̄ = 0 already does;
    /// `None` when no M̄ reaches 0, the pre-period coefficients being all 0).
    pub breakdown: Option<f64>,
}

impl Coefficients {
    /// m: the largest change of the pre-period coefficients from one period to the next, the
    /// last one into β_{−1} = 0. `None` without a pre-period coefficient.
    pub fn max_pre_change(&self) -> Option<f64> {
        let last = *self.pre.last()?;
        let inner = self.pre.windows(2).map(|w| (w[1] - w[0]).abs());
        Some(inner.fold(last.abs(), f64::max))
    }

    /// The target l′τ_post: its estimate, standard error, reach and breakdown value.
    pub fn target(&self, l: &[f64]) -> Option<Target> {
        let t = self.post.len();
        if l.len() != t || t == 0 {
            return None;
        }
        let m = self.max_pre_change()?;
        let estimate: f64 = l.iter().zip(&self.post).map(|(a, b)| a * b).sum();
        let mut var = 0.0;
        for a in 0..t {
            for b in 0..t {
                var += l[a] * l[b] * self.post_vcov[a * t + b];
            }
        }
        let se = var.max(0.0).sqrt();
        // K = Σ_u |Σ_{t≥u} l_t|.
        let mut tail = 0.0;
        let mut reach = 0.0;
        for &w in l.iter().rev() {
            tail += w;
            reach += tail.abs();
        }
        let margin = estimate.abs() - self.critical * se;
        let breakdown = if margin <= 0.0 {
            Some(0.0)
        } else if m * reach > 0.0 {
            Some(margin / (m * reach))
        } else {
            None
        };
        Some(Target { estimate, se, reach, breakdown })
    }

    /// The sets of `target` at M̄.
    pub fn bounds(&self, target: &Target, mbar: f64) -> Bounds {
        let m = self.max_pre_change().unwrap_or(0.0);
        let half = mbar * m * target.reach;
        let (lower, upper) = (target.estimate - half, target.estimate + half);
        let wide = self.critical * target.se;
        Bounds { mbar, lower, upper, ci_low: lower - wide, ci_high: upper + wide }
    }
}

/// The sensitivity of an event study: the mean of its post-period coefficients over the grid
/// of M̄, and each post period alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// The restriction: `relative_magnitude` (Δ^RM).
    pub restriction: String,
    /// The pre-period event times used (from `pre_first` to −2; −1 is the base) and the
    /// post-period ones (0 to `post_last`).
    pub pre_first: i32,
    pub post_last: i32,
    /// m: the largest change of the pre-period coefficients from one period to the next.
    pub max_pre_change: f64,
    pub critical: f64,
    pub conf_level: f64,
    /// The mean of the post-period coefficients, and its sets at each M̄ of [`GRID`].
    pub mean: Target,
    pub grid: Vec<Bounds>,
    /// Each post period alone, with its sets at M̄ = 1.
    pub periods: Vec<PeriodSensitivity>,
    /// The same under smoothness Δ^SD(M), when its intervals could be formed and were asked
    /// for ([`Sensitivity::with_smoothness`]: the fits `run` and `estimate` publish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smoothness: Option<Smoothness>,
    /// What the smoothness intervals are computed from (not written).
    #[serde(skip)]
    pub inputs: Option<SmoothInputs>,
}

/// The event study's pre-period and post-period coefficients (−1 left out, unbinned), their
/// joint covariance (pre first) and the degrees of freedom of its t reference.
#[derive(Clone, Debug, PartialEq)]
pub struct SmoothInputs {
    pub pre: Vec<f64>,
    pub post: Vec<f64>,
    pub post_times: Vec<i32>,
    pub sigma: Vec<f64>,
    pub df: f64,
}

/// Sensitivity under smoothness Δ^SD(M): optimal fixed-length confidence intervals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Smoothness {
    /// The largest bend (second difference) of the pre-period coefficients, β_{−1} = 0
    /// included; `None` with a single pre-period coefficient.
    pub max_pre_bend: Option<f64>,
    /// The degrees of freedom of the folded non-central t critical values (`null`: normal).
    pub df: Option<f64>,
    /// The post-period mean: its interval at M = 0 (a linear trend difference allowed), its
    /// breakdown M, and its intervals at nine M from 0 to `reach`.
    pub mean: SmoothTarget,
    pub reach: f64,
    pub grid: Vec<SmoothBounds>,
    /// Each post period alone: its interval at M = 0.
    pub periods: Vec<SmoothPeriod>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmoothTarget {
    pub at_zero: SmoothBounds,
    /// The smallest M whose interval holds 0 (0 when the interval at M = 0 does; `None` when
    /// no M up to 10⁶ times the interval's half-length at 0 reaches it).
    pub breakdown: Option<f64>,
}

/// The fixed-length confidence interval at M: its centre (the affine estimate) and ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmoothBounds {
    pub m: f64,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmoothPeriod {
    pub rel_time: i32,
    pub at_zero: SmoothBounds,
}

impl SmoothBounds {
    fn from(m: f64, f: &Flci) -> SmoothBounds {
        SmoothBounds { m, estimate: f.estimate, ci_low: f.low(), ci_high: f.high() }
    }

    pub fn holds_zero(&self) -> bool {
        self.ci_low <= 0.0 && self.ci_high >= 0.0
    }
}

/// The smoothness intervals of one target l: at M = 0 and the breakdown M (the first M whose
/// interval holds 0, by regula falsi on the end nearer 0 once a doubling bracket is found).
fn smooth_target(frontier: &Frontier, pre: &[f64], post: &[f64], folded: &Folded) -> Option<SmoothTarget> {
    let at = |m: f64| frontier.interval(pre, post, m, folded).map(|f| SmoothBounds::from(m, &f));
    let at_zero = at(0.0)?;
    if at_zero.holds_zero() {
        return Some(SmoothTarget { at_zero, breakdown: Some(0.0) });
    }
    // d(M): how far the interval's end nearer 0 stays from 0 (positive until it holds 0).
    let positive = at_zero.ci_low > 0.0;
    let d = |m: f64| at(m).map(|b| if positive { b.ci_low } else { -b.ci_high });
    let half = (at_zero.ci_high - at_zero.ci_low) / 2.0;
    // The interval's half-length grows at least like M·(bias per unit M), so a bracket appears.
    let (mut lo, mut d_lo) = (0.0, d(0.0)?);
    let mut hi = half.max(f64::MIN_POSITIVE) * 1e-3;
    let mut d_hi = d(hi)?;
    while d_hi > 0.0 {
        if hi > half * 1e6 {
            return Some(SmoothTarget { at_zero, breakdown: None });
        }
        (lo, d_lo) = (hi, d_hi);
        hi *= 4.0;
        d_hi = d(hi)?;
    }
    // Illinois regula falsi: d falls from d_lo > 0 to d_hi ≤ 0.
    let mut side = 0;
    for _ in 0..200 {
        if hi - lo <= 1e-12 * hi {
            break;
        }
        let m = (lo * d_hi - hi * d_lo) / (d_hi - d_lo);
        let m = if m > lo && m < hi { m } else { (lo + hi) / 2.0 };
        let dm = d(m)?;
        if dm > 0.0 {
            (lo, d_lo) = (m, dm);
            if side == -1 {
                d_hi /= 2.0;
            }
            side = -1;
        } else {
            (hi, d_hi) = (m, dm);
            if side == 1 {
                d_lo /= 2.0;
            }
            side = 1;
        }
    }
    Some(SmoothTarget { at_zero, breakdown: Some(hi) })
}

/// The smallest 1, 2 or 5 times a power of ten at or above `x`.
fn nice_above(x: f64) -> f64 {
    let power = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|k| k * power).find(|v| *v >= x * (1.0 - 1e-12)).unwrap_or(10.0 * power)
}

/// The smoothness sensitivity from the event study's coefficients and their joint covariance.
fn smoothness(inputs: &SmoothInputs, conf_level: f64) -> Option<Smoothness> {
    let SmoothInputs { pre, post, post_times, sigma, df } = inputs;
    let df = *df;
    let folded = Folded::student(conf_level, df);
    let t = post.len();
    let mut path = pre.to_vec();
    path.push(0.0);
    let max_pre_bend = path.windows(3).map(|w| (w[0] - 2.0 * w[1] + w[2]).abs()).reduce(f64::max);
    let frontier = Frontier::new(sigma, pre.len(), &mean_weights(t))?;
    let mean = smooth_target(&frontier, pre, post, &folded)?;
    // The chart's reach: twice the breakdown value, or a tenth of the largest pre-period bend
    // when the interval holds 0 from the start.
    let reach = match mean.breakdown {
        Some(b) if b > 0.0 => nice_above(2.0 * b),
        _ => nice_above(max_pre_bend.filter(|b| *b > 0.0).map_or(1.0, |b| b / 10.0)),
    };
    let grid = (0..=8)
        .map(|i| {
            let m = reach * i as f64 / 8.0;
            frontier.interval(pre, post, m, &folded).map(|f| SmoothBounds::from(m, &f))
        })
        .collect::<Option<Vec<_>>>()?;
    let periods = (0..t)
        .zip(post_times)
        .map(|(i, &rel_time)| {
            let frontier = Frontier::new(sigma, pre.len(), &period_weights(i, t))?;
            let at_zero = frontier.interval(pre, post, 0.0, &folded).map(|f| SmoothBounds::from(0.0, &f))?;
            Some(SmoothPeriod { rel_time, at_zero })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Smoothness { max_pre_bend, df: df.is_finite().then_some(df), mean, reach, grid, periods })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodSensitivity {
    pub rel_time: i32,
    #[serde(flatten)]
    pub target: Target,
    pub at_one: Bounds,
}

/// The sensitivity of an event study from its coefficients in the period-before base: `times`
/// the event times of `beta` (−1 left out), `vcov` their covariance (row-major), `binned`
/// whether a time holds the event times beyond it. The pre-period times used run back from −2
/// as long as they are consecutive and unbinned, the post-period ones forward from 0 likewise.
/// `None` without a pre-period time before −1 or a post-period time.
pub fn sensitivity(
    times: &[i32],
    beta: &[f64],
    vcov: &[f64],
    binned: &dyn Fn(i32) -> bool,
    critical: f64,
    df: f64,
    conf_level: f64,
) -> Option<Sensitivity> {
    let k = times.len();
    let index = |r: i32| times.iter().position(|&t| t == r).filter(|_| !binned(r));
    let pre: Vec<usize> = {
        let mut v: Vec<usize> = (2..).map(|d| index(-d)).take_while(Option::is_some).flatten().collect();
        v.reverse();
        v
    };
    let post: Vec<usize> = (0..).map(index).take_while(Option::is_some).flatten().collect();
    if pre.is_empty() || post.is_empty() {
        return None;
    }
    let c = Coefficients {
        pre: pre.iter().map(|&j| beta[j]).collect(),
        post: post.iter().map(|&j| beta[j]).collect(),
        post_vcov: post.iter().flat_map(|&a| post.iter().map(move |&b| vcov[a * k + b])).collect(),
        critical,
    };
    let t = post.len();
    let mean = c.target(&mean_weights(t))?;
    let grid = GRID.iter().map(|&mbar| c.bounds(&mean, mbar)).collect();
    let periods = (0..t)
        .filter_map(|i| {
            let target = c.target(&period_weights(i, t))?;
            let at_one = c.bounds(&target, 1.0);
            Some(PeriodSensitivity { rel_time: times[post[i]], target, at_one })
        })
        .collect();
    let joint: Vec<usize> = pre.iter().chain(&post).copied().collect();
    let sigma: Vec<f64> = joint.iter().flat_map(|&a| joint.iter().map(move |&b| vcov[a * k + b])).collect();
    let inputs = SmoothInputs {
        pre: c.pre.clone(),
        post: c.post.clone(),
        post_times: post.iter().map(|&j| times[j]).collect(),
        sigma,
        df,
    };
    Some(Sensitivity {
        restriction: "relative_magnitude".into(),
        pre_first: times[pre[0]],
        post_last: times[post[t - 1]],
        max_pre_change: c.max_pre_change()?,
        critical,
        conf_level,
        mean,
        grid,
        periods,
        smoothness: None,
        inputs: Some(inputs),
    })
}

impl Sensitivity {
    /// The same with its smoothness intervals (about 0,1 s for a monthly event study: a search
    /// for the shortest interval at each M, and for the breakdown M).
    pub fn with_smoothness(mut self) -> Sensitivity {
        if self.smoothness.is_none()
            && let Some(i) = &self.inputs
        {
            self.smoothness = smoothness(i, self.conf_level);
        }
        self
    }

    /// The post-period mean's smoothness interval at M = 0 alone (the pre-period trend
    /// difference extended in a straight line): one least-variance estimator, no search.
    pub fn smooth_at_zero(&self) -> Option<SmoothBounds> {
        if let Some(s) = &self.smoothness {
            return Some(s.mean.at_zero.clone());
        }
        let i = self.inputs.as_ref()?;
        let folded = Folded::student(self.conf_level, i.df);
        let f = Frontier::new(&i.sigma, i.pre.len(), &mean_weights(i.post.len()))?;
        f.interval(&i.pre, &i.post, 0.0, &folded).map(|f| SmoothBounds::from(0.0, &f))
    }

    /// The sets of the post-period mean at any M̄ (the grid holds only [`GRID`]).
    pub fn mean_at(&self, mbar: f64) -> Bounds {
        let half = mbar * self.max_pre_change * self.mean.reach;
        let (lower, upper) = (self.mean.estimate - half, self.mean.estimate + half);
        let wide = self.critical * self.mean.se;
        Bounds { mbar, lower, upper, ci_low: lower - wide, ci_high: upper + wide }
    }

    /// The M̄ a chart should reach: the grid's 2, or less when the breakdown value is small, so
    /// that the point where the confidence set first holds 0 lies in the chart's middle; 1 when
    /// the set holds 0 from the start (or never reaches it).
    pub fn chart_reach(&self) -> f64 {
        match self.mean.breakdown {
            Some(b) if b > 0.0 => {
                [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0].into_iter().find(|&r| r >= 2.0 * b).unwrap_or(2.0)
            }
            _ => 1.0,
        }
    }
}

/// The equal-weight mean of `t` post periods.
pub fn mean_weights(t: usize) -> Vec<f64> {
    vec![1.0 / t as f64; t]
}

/// Period `i` alone among `t`.
pub fn period_weights(i: usize, t: usize) -> Vec<f64> {
    let mut l = vec![0.0; t];
    l[i] = 1.0;
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coefficients() -> Coefficients {
        Coefficients {
            pre: vec![0.3, -0.1, 0.2],
            post: vec![1.0, 1.4, 1.8],
            post_vcov: vec![0.04, 0.01, 0.0, 0.01, 0.05, 0.01, 0.0, 0.01, 0.06],
            critical: 2.0,
        }
    }

    #[test]
    fn the_largest_pre_change_includes_the_step_into_the_base() {
        // |−0,1 − 0,3| = 0,4, |0,2 + 0,1| = 0,3, |0 − 0,2| = 0,2.
        assert!((coefficients().max_pre_change().unwrap() - 0.4).abs() < 1e-12);
        let c = Coefficients { pre: vec![0.1, 0.9], ..coefficients() };
        assert!((c.max_pre_change().unwrap() - 0.9).abs() < 1e-12);
    }

    /// The closed form against the linear program solved by brute force: every post-period path
    /// of changes at the corners ±M̄·m (where a linear objective over a box peaks).
    #[test]
    fn the_identified_set_is_the_linear_programs() {
        let c = coefficients();
        for l in [mean_weights(3), period_weights(1, 3), vec![0.5, -0.2, 0.7]] {
            let target = c.target(&l).unwrap();
            let b = c.bounds(&target, 1.5);
            let bound = 1.5 * c.max_pre_change().unwrap();
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for corner in 0..8 {
                let steps: Vec<f64> = (0..3).map(|u| if corner >> u & 1 == 1 { bound } else { -bound }).collect();
                let delta: Vec<f64> = (0..3).map(|t| steps[..=t].iter().sum()).collect();
                let theta: f64 = (0..3).map(|t| l[t] * (c.post[t] - delta[t])).sum();
                lo = lo.min(theta);
                hi = hi.max(theta);
            }
            assert!((b.lower - lo).abs() < 1e-12 && (b.upper - hi).abs() < 1e-12, "{l:?}: {b:?} vs [{lo}, {hi}]");
        }
    }

    #[test]
    fn the_breakdown_value_is_where_the_set_first_holds_zero() {
        let c = coefficients();
        let target = c.target(&mean_weights(3)).unwrap();
        let breakdown = target.breakdown.unwrap();
        assert!(breakdown > 0.0);
        let at = c.bounds(&target, breakdown);
        assert!(at.ci_low.abs() < 1e-12, "{at:?}");
        assert!(c.bounds(&target, breakdown * 0.99).ci_low > 0.0);
        // A set that holds 0 at M̄ = 0 breaks down at once.
        let weak = Coefficients { post: vec![0.1, 0.0, -0.1], ..c.clone() };
        assert_eq!(weak.target(&mean_weights(3)).unwrap().breakdown, Some(0.0));
        // Negative effects break down where the upper end reaches 0.
        let negative = Coefficients { post: c.post.iter().map(|b| -b).collect(), ..c.clone() };
        let t = negative.target(&mean_weights(3)).unwrap();
        assert!((t.breakdown.unwrap() - breakdown).abs() < 1e-12);
        assert!(negative.bounds(&t, breakdown).ci_high.abs() < 1e-12);
    }
}
