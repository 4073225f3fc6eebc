//! Synthetic difference in differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021),
//! with synthetic control and plain DiD as special cases of the same weighted double difference.
//!
//! Y is N × T with the N0 comparison units first and the treated units last, the T0 pre-periods
//! first. The estimate is (−ω, 1/N1)′ Y (−λ, 1/T1): unit weights ω on the comparison units and
//! time weights λ on the pre-periods. SDID chooses ω so the weighted comparison units track the
//! treated average before the start (with an intercept and a ridge penalty ζ_ω² = (N1·T1)^{1/2}·σ²,
//! σ the standard deviation of the comparison units' period-to-period changes), and λ so the
//! weighted pre-periods predict the comparison units' post-period average (ζ_λ = 10⁻⁶σ). Both are
//! fitted by Frank–Wolfe with exact line search, stopped when an iteration gains less than
//! (10⁻⁵σ)², first for 100 iterations, then, after dropping weights below a quarter of the
//! largest, for up to 10,000: the algorithm of R synthdid, step for step, so that the numbers
//! agree with it (and with its Python port) to solver tolerance.

use super::EstimateError;
use crate::inference::Interval;

/// Which weighted double difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Unit and time weights.
    Sdid,
    /// Unit weights without intercept and an infinitesimal penalty, no time weights (ADH).
    Sc,
    /// Uniform unit and time weights.
    Did,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SdidFit {
    pub estimate: f64,
    /// Weights of the N0 comparison units.
    pub omega: Vec<f64>,
    /// Weights of the T0 pre-periods (zero for synthetic control).
    pub lambda: Vec<f64>,
    pub noise_level: f64,
}

/// `y[i][t]`: unit i (comparison units first) in period t (pre-periods first).
pub fn fit(y: &[Vec<f64>], n0: usize, t0: usize, kind: Kind) -> Result<SdidFit, EstimateError> {
    fit_with_noise(y, n0, t0, kind, None, None)
}

/// As [`fit`], with the noise level σ (which sets the penalties and the stopping rule) given
/// rather than estimated from `y`, and Frank–Wolfe's starting unit and time weights given, as
/// R synthdid's placebo replications reuse the original ones.
fn fit_with_noise(
    y: &[Vec<f64>],
    n0: usize,
    t0: usize,
    kind: Kind,
    noise: Option<f64>,
    start: Option<(Vec<f64>, Vec<f64>)>,
) -> Result<SdidFit, EstimateError> {
    let n = y.len();
    let t = y.first().map_or(0, Vec::len);
    if n0 == 0 || n0 >= n || t0 < 2 || t0 >= t || y.iter().any(|r| r.len() != t) {
        return Err(EstimateError::SdidShape { n, n0, t, t0 });
    }
    let (n1, t1) = (n - n0, t - t0);
    // σ: standard deviation (n − 1) of the comparison units' pre-period changes.
    let diffs: Vec<f64> = y[..n0].iter().flat_map(|r| r[..t0].windows(2).map(|w| w[1] - w[0])).collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let noise = noise
        .unwrap_or_else(|| (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64).sqrt());
    let min_decrease = 1e-5 * noise;
    // Collapsed form: (N0 + 1) × (T0 + 1), treated rows and post columns averaged.
    let row = |r: &[f64]| -> Vec<f64> {
        let mut v = r[..t0].to_vec();
        v.push(r[t0..].iter().sum::<f64>() / t1 as f64);
        v
    };
    let mut yc: Vec<Vec<f64>> = y[..n0].iter().map(|r| row(r)).collect();
    let treated_rows: Vec<Vec<f64>> = y[n0..].iter().map(|r| row(r)).collect();
    yc.push((0..=t0).map(|c| treated_rows.iter().map(|r| r[c]).sum::<f64>() / n1 as f64).collect());

    let two_stage = |m: &[Vec<f64>], zeta: f64, intercept: bool, start: Vec<f64>| -> Vec<f64> {
        let first = frank_wolfe(m, zeta, intercept, start, min_decrease, 100);
        frank_wolfe(m, zeta, intercept, sparsify(&first), min_decrease, 10_000)
    };
    let (omega, lambda) = match kind {
        Kind::Did => (vec![1.0 / n0 as f64; n0], vec![1.0 / t0 as f64; t0]),
        Kind::Sdid | Kind::Sc => {
            // ω: rows are the pre-periods, columns the comparison units plus the treated average.
            let by_period: Vec<Vec<f64>> = (0..t0).map(|c| yc.iter().map(|r| r[c]).collect()).collect();
            let (zeta_omega, intercept) = match kind {
                Kind::Sdid => (((n1 * t1) as f64).powf(0.25) * noise, true),
                _ => (1e-6 * noise, false),
            };
            let (omega_start, lambda_start) =
                start.unwrap_or_else(|| (vec![1.0 / n0 as f64; n0], vec![1.0 / t0 as f64; t0]));
            let omega = two_stage(&by_period, zeta_omega, intercept, omega_start);
            let lambda =
                if kind == Kind::Sdid { two_stage(&yc[..n0], 1e-6 * noise, true, lambda_start) } else { vec![0.0; t0] };
            (omega, lambda)
        }
    };
    let unit: Vec<f64> = omega.iter().map(|w| -w).chain(std::iter::repeat_n(1.0 / n1 as f64, n1)).collect();
    let time: Vec<f64> = lambda.iter().map(|w| -w).chain(std::iter::repeat_n(1.0 / t1 as f64, t1)).collect();
    let estimate = y.iter().zip(&unit).map(|(r, u)| u * r.iter().zip(&time).map(|(v, w)| v * w).sum::<f64>()).sum();
    Ok(SdidFit { estimate, omega, lambda, noise_level: noise })
}

/// The placebo standard error (Arkhangelsky et al. 2021, Algorithm 4; R synthdid's
/// `vcov(method = "placebo")`): in each of `reps` replications the comparison units are put in
/// a random order, the last N1 of them play the treated units and the estimate is recomputed on
/// the comparison units alone, with the original noise level and Frank–Wolfe started from the
/// original weights; the standard error is
/// √((B−1)/B) times the standard deviation of the B placebo estimates. Replication b draws from
/// ChaCha stream (seed, b), so the result does not depend on the thread count. Needs more
/// comparison than treated units.
pub fn placebo_se(
    y: &[Vec<f64>],
    n0: usize,
    t0: usize,
    kind: Kind,
    reps: usize,
    seed: u64,
) -> Result<(f64, Vec<f64>), EstimateError> {
    use rayon::prelude::*;
    let n1 = y.len().saturating_sub(n0);
    if n1 == 0 || n0 <= n1 {
        return Err(EstimateError::PlaceboUnits { comparison: n0, treated: n1 });
    }
    if reps < 2 {
        return Err(EstimateError::PlaceboReps);
    }
    let SdidFit { noise_level: noise, omega, lambda, .. } = fit(y, n0, t0, kind)?;
    let estimates: Vec<f64> = (0..reps)
        .into_par_iter()
        .map(|b| {
            let mut stream = crate::rng::Stream::new(seed, b as u64);
            let mut order: Vec<usize> = (0..n0).collect();
            for i in (1..n0).rev() {
                let j = ((stream.uniform() * (i + 1) as f64) as usize).min(i);
                order.swap(i, j);
            }
            let rows: Vec<Vec<f64>> = order.iter().map(|&i| y[i].clone()).collect();
            // Frank–Wolfe starts from the original weights of the units kept (renormalised) and
            // the original time weights, as R synthdid's placebo replications do.
            let kept: Vec<f64> = order[..n0 - n1].iter().map(|&i| omega[i]).collect();
            let total: f64 = kept.iter().sum();
            let omega_start = if total > 0.0 {
                kept.iter().map(|w| w / total).collect()
            } else {
                vec![1.0 / (n0 - n1) as f64; n0 - n1]
            };
            fit_with_noise(&rows, n0 - n1, t0, kind, Some(noise), Some((omega_start, lambda.clone())))
                .map(|f| f.estimate)
        })
        .collect::<Result<_, _>>()?;
    let mean = estimates.iter().sum::<f64>() / reps as f64;
    let var = estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
    Ok((((reps - 1) as f64 / reps as f64).sqrt() * var.sqrt(), estimates))
}

/// The interval from the placebo estimates themselves rather than a normal approximation with
/// their standard error (which rejects a true null about three times too often with a handful of
/// treated municipalities, docs/montecarlo.md): τ is rejected when |estimate − τ| is matched or
/// exceeded by too few placebo estimates, p(τ) = (1 + #{b: |e_b| ≥ |estimate − τ|}) / (B + 1)
/// (Conley and Taber 2011's idea for few treated groups). The interval is symmetric around the
/// estimate with half-width the ⌈(1 − α)(B + 1)⌉-th smallest |e_b|; unbounded when B is too
/// small to reject anything. `se` is the placebo standard error, for reference.
pub fn placebo_interval(estimate: f64, se: f64, placebo: &[f64], level: crate::settings::Level) -> Interval {
    let mut size: Vec<f64> = placebo.iter().map(|e| e.abs()).filter(|e| !e.is_nan()).collect();
    size.sort_by(f64::total_cmp);
    let b = size.len();
    let p_value = (1 + size.iter().filter(|a| **a >= estimate.abs() - 1e-12 * (1.0 + estimate.abs())).count()) as f64
        / (b + 1) as f64;
    // Rejected iff at most m = ⌊α(B + 1)⌋ − 1 placebo sizes reach |estimate − τ|.
    let m = (level.alpha() * (b + 1) as f64 + 1e-9).floor() as i64 - 1;
    let half = if m < 0 || b == 0 { f64::INFINITY } else { size[b - 1 - m as usize] };
    Interval { estimate, se, ci_low: estimate - half, ci_high: estimate + half, conf_level: level.get(), p_value }
}

/// The inference record of the placebo interval from `reps` replications with `n1` of the
/// `n0` comparison units as pseudo-treated.
pub fn placebo_inference(reps: usize, n0: usize, n1: usize, seed: u64) -> crate::inference::Inference {
    crate::inference::Inference {
        name: "placebo".into(),
        description: format!(
            "placebo distribution (Arkhangelsky et al. 2021, Algorithm 4): {reps} replications in which {n1} of the {n0} comparison units play the treated (seed {seed}); the interval collects the effects τ for which more than α·(B + 1) − 1 placebo estimates reach |estimate − τ| (p = (1 + #)/(B + 1)), not a normal interval; the placebo standard error (scaled by √((B−1)/B)) is shown for reference"
        ),
        clusters: n0 + n1,
        df: f64::NAN,
        adjustment: ((reps.max(2) - 1) as f64 / reps.max(2) as f64).sqrt(),
    }
}

/// Weights on the simplex for the first columns of `m` (rows = observations) that best predict its
/// last column, penalised by ζ²‖w‖²; columns centred first when `intercept`.
fn frank_wolfe(
    m: &[Vec<f64>],
    zeta: f64,
    intercept: bool,
    mut w: Vec<f64>,
    min_decrease: f64,
    max_iter: usize,
) -> Vec<f64> {
    let rows = m.len();
    let k = w.len();
    let mut y: Vec<Vec<f64>> = m.to_vec();
    if intercept {
        for c in 0..=k {
            let mean = y.iter().map(|r| r[c]).sum::<f64>() / rows as f64;
            y.iter_mut().for_each(|r| r[c] -= mean);
        }
    }
    let eta = rows as f64 * zeta * zeta;
    // Column-major copies: a[i] is column i (length rows), b the target column.
    let a: Vec<Vec<f64>> = (0..k).map(|i| y.iter().map(|r| r[i]).collect()).collect();
    let b: Vec<f64> = y.iter().map(|r| r[k]).collect();
    // The Gram matrix G = A′A and A′b make every iteration O(k + rows): with Aw carried along,
    // the gradient A′(Aw − b) moves to (1 − s)·itself + s·(Gᵢ − A′b) when w moves to
    // (1 − s)w + s·eᵢ.
    let gram: Vec<Vec<f64>> = (0..k).map(|i| (0..k).map(|j| dot(&a[i], &a[j])).collect()).collect();
    let ab: Vec<f64> = (0..k).map(|i| dot(&a[i], &b)).collect();
    let mut ax: Vec<f64> = (0..rows).map(|r| (0..k).map(|i| a[i][r] * w[i]).sum()).collect();
    let mut core: Vec<f64> = (0..k).map(|i| dot(&gram[i], &w) - ab[i]).collect();
    let mut derr = vec![0.0; rows];
    let mut vals: Vec<f64> = Vec::new();
    while vals.len() < max_iter
        && (vals.len() < 2 || vals[vals.len() - 2] - vals[vals.len() - 1] > min_decrease * min_decrease)
    {
        // One step with exact line search towards the best vertex.
        let mut i = 0;
        let mut best = f64::INFINITY;
        for j in 0..k {
            let g = core[j] + eta * w[j];
            if g < best {
                best = g;
                i = j;
            }
        }
        let ww = dot(&w, &w);
        let moves = w.iter().enumerate().any(|(j, v)| if j == i { *v != 1.0 } else { *v != 0.0 });
        if moves {
            // half_grad · dx = half_grad_i − half_grad · w, ‖dx‖² = ‖w‖² − 2wᵢ + 1.
            let grad_w = dot(&core, &w) + eta * ww;
            let dx2 = ww - 2.0 * w[i] + 1.0;
            derr.iter_mut().zip(&a[i]).zip(&ax).for_each(|((d, ai), x)| *d = ai - x);
            let denominator = dot(&derr, &derr) + eta * dx2;
            if denominator > 0.0 {
                let step = (-(best - grad_w) / denominator).clamp(0.0, 1.0);
                w.iter_mut().for_each(|v| *v *= 1.0 - step);
                w[i] += step;
                ax.iter_mut().zip(&derr).for_each(|(x, d)| *x += step * d);
                core.iter_mut()
                    .zip(&gram[i])
                    .zip(&ab)
                    .for_each(|((c, g), ab)| *c = (1.0 - step) * *c + step * (g - ab));
            }
        }
        let err: f64 = ax.iter().zip(&b).map(|(x, t)| (x - t) * (x - t)).sum();
        vals.push(zeta * zeta * dot(&w, &w) + err / rows as f64);
    }
    w
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    super::ols::dot(a, b)
}

/// Weights at or below a quarter of the largest set to zero, the rest renormalised.
fn sparsify(v: &[f64]) -> Vec<f64> {
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let kept: Vec<f64> = v.iter().map(|x| if *x <= max / 4.0 { 0.0 } else { *x }).collect();
    let total: f64 = kept.iter().sum();
    if total == 0.0 { vec![1.0 / v.len() as f64; v.len()] } else { kept.iter().map(|x| x / total).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Level;

    /// By hand: with 39 placebo estimates ±1…±39/… the 95 % interval's half-width is the
    /// ⌈0,95·40⌉ = 38th smallest |e_b|, the p-value (1 + #{|e_b| ≥ |estimate|})/40; with 9
    /// placebos nothing can be rejected at 5 %.
    #[test]
    fn placebo_interval_by_hand() {
        let placebo: Vec<f64> = (1..=39).map(|i| if i % 2 == 0 { i as f64 } else { -(i as f64) } / 10.0).collect();
        let i = placebo_interval(2.05, 0.7, &placebo, Level::P95);
        // |e| sorted: 0.1 … 3.9; m = ⌊0.05·40⌋ − 1 = 1, half-width = the 38th = 3.8.
        assert!((i.ci_low - (2.05 - 3.8)).abs() < 1e-12 && (i.ci_high - (2.05 + 3.8)).abs() < 1e-12, "{i:?}");
        // |e| ≥ 2.05: 2.1 … 3.9, 19 of them.
        assert!((i.p_value - 20.0 / 40.0).abs() < 1e-12, "{}", i.p_value);
        assert_eq!(i.se, 0.7);
        // An effect beyond every placebo: p = 1/40, and the interval excludes zero.
        let far = placebo_interval(5.0, 0.7, &placebo, Level::P95);
        assert!((far.p_value - 1.0 / 40.0).abs() < 1e-12 && far.ci_low > 0.0);
        let few = placebo_interval(5.0, 0.7, &placebo[..9], Level::P95);
        assert!(few.ci_low.is_infinite() && few.ci_high.is_infinite());
    }
}
