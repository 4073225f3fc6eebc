//! Synthetic control (Abadie, Diamond and Hainmueller 2010): a weighted average of comparison
//! municipalities that tracks a treated municipality before its start; the gap after the start
//! is the estimated effect.
//!
//! Predictors are summaries of the pre-period outcome (the mean of each of `b` equal blocks of
//! months, the overall mean, the last month) and unit covariates, each standardised by its
//! standard deviation across the treated unit and the donors. For predictor weights V (diagonal,
//! summing to one) the donor weights W(V) solve the W-given-V problem exactly
//! ([`super::synth::synth_solver`]). V itself is chosen, unless fixed by the user, to minimise
//! the pre-period mean squared prediction error of the outcome, (1/T₀)Σₜ(y₁ₜ − Σⱼwⱼ(V)yⱼₜ)², by a
//! deterministic multi-start Nelder–Mead search over log-weights: starts at equal weights and at
//! each predictor weighted ten times the others, the best of them refined once more. The loss
//! reached is reported. Same input, same weights.
//!
//! Inference is by placebos ([`placebo_p_value`]): every donor in turn plays the treated unit
//! against the other donors, and the treated unit's ratio of post- to pre-period RMSPE is ranked
//! among theirs (Abadie, Diamond and Hainmueller 2010). Inverting that test for a constant effect
//! τ (the treated unit's post gaps shifted by τ, the placebos' unchanged) gives a confidence set
//! (Firpo and Possebom 2018, uniform weights).

use super::EstimateError;
use serde::{Deserialize, Serialize};

use super::synth::synth_solver;

/// One predictor of the synthetic-control fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Predictor {
    /// Means of the outcome over `b` consecutive blocks of the pre-period (as equal as possible).
    Blocks(usize),
    /// The outcome's pre-period mean.
    Mean,
    /// The outcome in the last pre-period month.
    Last,
    /// A unit covariate, by name (a column of the data, averaged over the pre-period).
    Covariate(String),
}

impl Predictor {
    /// `blocks:B`, `mean`, `last`, or a covariate name.
    pub fn parse(text: &str) -> Result<Predictor, String> {
        let t = text.trim();
        if let Some(b) = t.strip_prefix("blocks:") {
            return match b.trim().parse::<usize>() {
                Ok(b) if b >= 1 => Ok(Predictor::Blocks(b)),
                _ => Err(format!("`{t}`: expected blocks:B with B a whole number of at least 1")),
            };
        }
        match t {
            "" => Err("an empty predictor name".into()),
            "mean" => Ok(Predictor::Mean),
            "last" => Ok(Predictor::Last),
            _ => Ok(Predictor::Covariate(t.to_string())),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Predictor::Blocks(b) => format!("blocks:{b}"),
            Predictor::Mean => "mean".into(),
            Predictor::Last => "last".into(),
            Predictor::Covariate(name) => name.clone(),
        }
    }

    /// The covariate names among `predictors`, in order.
    pub fn covariates(predictors: &[Predictor]) -> Vec<String> {
        predictors
            .iter()
            .filter_map(|p| match p {
                Predictor::Covariate(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The default predictors: the pre-period in six blocks and its last month.
pub fn default_predictors() -> Vec<Predictor> {
    vec![Predictor::Blocks(6), Predictor::Last]
}

/// How the predictor weights V are chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum VChoice {
    /// Minimise the pre-period MSPE of the outcome (multi-start Nelder–Mead).
    Search,
    /// Given by the user, one weight per expanded predictor row (normalised to sum to one).
    Fixed(Vec<f64>),
}

#[derive(Clone, Debug)]
pub struct SyntheticControl {
    pub predictors: Vec<Predictor>,
    pub v: VChoice,
}

/// One unit's fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScFit {
    /// Donor weights, in the donors' order.
    pub weights: Vec<f64>,
    /// The W-given-V fit error (x₁ − X₀w)′V(x₁ − X₀w) on the standardised predictors.
    pub w_fit: f64,
    /// Predictor weights (sum 1), one per expanded predictor row.
    pub v: Vec<f64>,
    /// Names of the expanded predictor rows (`block 1 of 6`, `last`, covariates).
    pub predictor_names: Vec<String>,
    /// Pre-period mean squared prediction error of the outcome: the loss V minimises.
    pub loss: f64,
    pub pre_rmspe: f64,
    pub post_rmspe: f64,
    /// post_rmspe / pre_rmspe
    pub ratio: f64,
    /// The synthetic unit's outcome, every period.
    pub synthetic: Vec<f64>,
    /// Treated minus synthetic, every period.
    pub gap: Vec<f64>,
    /// Mean gap over the post-period.
    pub estimate: f64,
    /// Nelder–Mead starts and loss evaluations spent on V (0 when V is fixed).
    pub starts: usize,
    pub evaluations: usize,
}

impl SyntheticControl {
    /// `y1`: the treated unit's outcome over T periods, `c1` its covariates (in the order of
    /// [`Predictor::covariates`]); `y0`/`c0` the donors'; the first `t0` periods are the
    /// pre-period.
    pub fn fit(&self, y1: &[f64], c1: &[f64], y0: &[&[f64]], c0: &[&[f64]], t0: usize) -> Result<ScFit, EstimateError> {
        let t = y1.len();
        if y0.is_empty() {
            return Err(EstimateError::NoDonors);
        }
        if t0 < 2 || t0 >= t || y0.iter().any(|r| r.len() != t) {
            return Err(EstimateError::SyntheticPeriods { t, t0 });
        }
        let (names, x1, x0) = self.predictor_matrix(y1, c1, y0, c0, t0)?;
        let k = names.len();
        let outcome_loss = |w: &[f64]| -> f64 {
            let support: Vec<usize> = (0..w.len()).filter(|&j| w[j] > 0.0).collect();
            (0..t0)
                .map(|s| {
                    let synthetic: f64 = support.iter().map(|&j| w[j] * y0[j][s]).sum();
                    (y1[s] - synthetic).powi(2)
                })
                .sum::<f64>()
                / t0 as f64
        };
        let solve = synth_solver(&x1, &x0);
        let loss_of = |v: &[f64]| -> f64 { outcome_loss(&solve(v).weights) };
        let (v, starts, evaluations) = match &self.v {
            VChoice::Fixed(v) => {
                if v.len() != k || v.iter().any(|x| !x.is_finite() || *x < 0.0) || v.iter().sum::<f64>() <= 0.0 {
                    return Err(EstimateError::FixedWeights { expected: k, rows: names.join(", "), found: v.len() });
                }
                let total: f64 = v.iter().sum();
                (v.iter().map(|x| x / total).collect(), 0, 0)
            }
            VChoice::Search if k == 1 => (vec![1.0], 0, 0),
            VChoice::Search => search_v(k, &loss_of),
        };
        let solved = solve(&v);
        let (w_fit, weights) = (solved.fit, solved.weights);
        let loss = outcome_loss(&weights);
        let synthetic: Vec<f64> = (0..t).map(|s| weights.iter().zip(y0).map(|(w, r)| w * r[s]).sum()).collect();
        let gap: Vec<f64> = y1.iter().zip(&synthetic).map(|(a, b)| a - b).collect();
        let pre_rmspe = rms(&gap[..t0]);
        let post_rmspe = rms(&gap[t0..]);
        let estimate = gap[t0..].iter().sum::<f64>() / (t - t0) as f64;
        Ok(ScFit {
            weights,
            w_fit,
            v,
            predictor_names: names,
            loss,
            pre_rmspe,
            post_rmspe,
            ratio: post_rmspe / pre_rmspe,
            synthetic,
            gap,
            estimate,
            starts,
            evaluations,
        })
    }

    /// Expanded predictor rows (names, the treated unit's values, each donor's values),
    /// standardised by their standard deviation (n − 1) over the treated unit and the donors.
    #[allow(clippy::type_complexity)]
    pub fn predictor_matrix(
        &self,
        y1: &[f64],
        c1: &[f64],
        y0: &[&[f64]],
        c0: &[&[f64]],
        t0: usize,
    ) -> Result<(Vec<String>, Vec<f64>, Vec<Vec<f64>>), EstimateError> {
        let covariates = Predictor::covariates(&self.predictors);
        if c1.len() != covariates.len() || c0.iter().any(|c| c.len() != covariates.len()) {
            return Err(EstimateError::CovariateCount(covariates.len()));
        }
        let mut names = Vec::new();
        let mut rows: Vec<Box<dyn Fn(&[f64], &[f64]) -> f64>> = Vec::new();
        let mut covariate = 0;
        for p in &self.predictors {
            match p {
                Predictor::Blocks(b) => {
                    let b = (*b).min(t0);
                    for i in 0..b {
                        let (from, to) = (i * t0 / b, (i + 1) * t0 / b);
                        names.push(format!("block {} of {b} (pre-periods {}–{})", i + 1, from + 1, to));
                        rows.push(Box::new(move |y: &[f64], _: &[f64]| mean(&y[from..to])));
                    }
                }
                Predictor::Mean => {
                    names.push("pre-period mean".into());
                    rows.push(Box::new(move |y: &[f64], _: &[f64]| mean(&y[..t0])));
                }
                Predictor::Last => {
                    names.push("last pre-period".into());
                    rows.push(Box::new(move |y: &[f64], _: &[f64]| y[t0 - 1]));
                }
                Predictor::Covariate(name) => {
                    let i = covariate;
                    covariate += 1;
                    names.push(name.clone());
                    rows.push(Box::new(move |_: &[f64], c: &[f64]| c[i]));
                }
            }
        }
        if rows.is_empty() {
            return Err(EstimateError::NoPredictors);
        }
        let mut x1: Vec<f64> = rows.iter().map(|f| f(y1, c1)).collect();
        let mut x0: Vec<Vec<f64>> = y0.iter().zip(c0).map(|(y, c)| rows.iter().map(|f| f(y, c)).collect()).collect();
        if let Some(bad) = x1.iter().chain(x0.iter().flatten()).position(|x| !x.is_finite()) {
            let row = bad % names.len();
            return Err(EstimateError::PredictorNotFinite(names[row].clone()));
        }
        for r in 0..names.len() {
            let values: Vec<f64> = std::iter::once(x1[r]).chain(x0.iter().map(|x| x[r])).collect();
            let m = mean(&values);
            let sd = (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1).max(1) as f64).sqrt();
            let scale = if sd > 0.0 { sd } else { 1.0 };
            x1[r] /= scale;
            x0.iter_mut().for_each(|x| x[r] /= scale);
        }
        Ok((names, x1, x0))
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn rms(x: &[f64]) -> f64 {
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

/// Multi-start Nelder–Mead over log predictor weights; returns (V, starts, evaluations).
fn search_v(k: usize, loss: &dyn Fn(&[f64]) -> f64) -> (Vec<f64>, usize, usize) {
    let softmax = |theta: &[f64]| -> Vec<f64> {
        let top = theta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = theta.iter().map(|x| (x - top).exp()).collect();
        let total: f64 = e.iter().sum();
        e.iter().map(|x| x / total).collect()
    };
    let objective = |theta: &[f64]| loss(&softmax(theta));
    let mut starts: Vec<Vec<f64>> = vec![vec![0.0; k]];
    for i in 0..k {
        let mut s = vec![0.0; k];
        s[i] = 10f64.ln();
        starts.push(s);
    }
    let budget = 30 * k;
    let mut evaluations = 0;
    let mut best: Option<(f64, Vec<f64>)> = None;
    for s in &starts {
        let (f, x, n) = nelder_mead(&objective, s, 1.0, budget);
        evaluations += n;
        if best.as_ref().is_none_or(|(bf, _)| f < *bf) {
            best = Some((f, x));
        }
    }
    let (_, x) = best.expect("at least one start");
    let (_, x, n) = nelder_mead(&objective, &x, 0.25, budget);
    evaluations += n;
    (softmax(&x), starts.len() + 1, evaluations)
}

/// Nelder–Mead (standard coefficients 1, 2, ½, ½) from `x0` with an axis-aligned initial simplex
/// of size `step`; stops after `budget` evaluations or when the simplex's values agree to
/// 10⁻¹⁰ relative. Returns (best value, best point, evaluations).
fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, x0: &[f64], step: f64, budget: usize) -> (f64, Vec<f64>, usize) {
    let k = x0.len();
    let mut simplex: Vec<(f64, Vec<f64>)> = Vec::with_capacity(k + 1);
    simplex.push((f(x0), x0.to_vec()));
    for i in 0..k {
        let mut x = x0.to_vec();
        x[i] += step;
        simplex.push((f(&x), x));
    }
    let mut evaluations = k + 1;
    let order = |s: &mut Vec<(f64, Vec<f64>)>| s.sort_by(|a, b| a.0.total_cmp(&b.0));
    order(&mut simplex);
    while evaluations < budget {
        let (best, worst) = (simplex[0].0, simplex[k].0);
        if worst - best <= 1e-10 * (best.abs() + 1e-300) {
            break;
        }
        let centroid: Vec<f64> = (0..k).map(|d| simplex[..k].iter().map(|p| p.1[d]).sum::<f64>() / k as f64).collect();
        let towards =
            |c: f64| -> Vec<f64> { (0..k).map(|d| centroid[d] + c * (simplex[k].1[d] - centroid[d])).collect() };
        let reflected = towards(-1.0);
        let fr = f(&reflected);
        evaluations += 1;
        if fr < simplex[0].0 {
            let expanded = towards(-2.0);
            let fe = f(&expanded);
            evaluations += 1;
            simplex[k] = if fe < fr { (fe, expanded) } else { (fr, reflected) };
        } else if fr < simplex[k - 1].0 {
            simplex[k] = (fr, reflected);
        } else {
            let contracted = if fr < simplex[k].0 { towards(-0.5) } else { towards(0.5) };
            let fc = f(&contracted);
            evaluations += 1;
            if fc < fr.min(simplex[k].0) {
                simplex[k] = (fc, contracted);
            } else {
                // Shrink towards the best point.
                let best_point = simplex[0].1.clone();
                for p in simplex.iter_mut().skip(1) {
                    p.1 = best_point.iter().zip(&p.1).map(|(b, x)| b + 0.5 * (x - b)).collect();
                    p.0 = f(&p.1);
                }
                evaluations += k;
            }
        }
        order(&mut simplex);
    }
    let (value, point) = simplex.swap_remove(0);
    (value, point, evaluations)
}

/// A placebo run: one donor as if treated, the other donors as its pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceboRun {
    /// Index of the donor in the pool.
    pub donor: usize,
    pub pre_rmspe: f64,
    pub post_rmspe: f64,
    pub ratio: f64,
    pub gap: Vec<f64>,
}

impl SyntheticControl {
    /// Placebo-in-space: each donor in turn against the other donors, same pre-period. Runs in
    /// parallel; the result is in donor order whatever the thread count.
    pub fn placebos(&self, y0: &[&[f64]], c0: &[&[f64]], t0: usize) -> Vec<Result<PlaceboRun, EstimateError>> {
        use rayon::prelude::*;
        (0..y0.len())
            .into_par_iter()
            .map(|j| {
                let others: Vec<&[f64]> = (0..y0.len()).filter(|&i| i != j).map(|i| y0[i]).collect();
                let others_c: Vec<&[f64]> = (0..y0.len()).filter(|&i| i != j).map(|i| c0[i]).collect();
                let fit = self.fit(y0[j], c0[j], &others, &others_c, t0)?;
                Ok(PlaceboRun {
                    donor: j,
                    pre_rmspe: fit.pre_rmspe,
                    post_rmspe: fit.post_rmspe,
                    ratio: fit.ratio,
                    gap: fit.gap,
                })
            })
            .collect()
    }
}

/// The inference record of a placebo-in-space p-value and its inverted interval.
pub fn placebo_inference(n_placebos: usize) -> crate::inference::Inference {
    crate::inference::Inference {
        name: "placebo".into(),
        description: format!(
            "placebo-in-space: the mean post-period gap in units of the pre-period RMSPE ranked among {n_placebos} donors each fitted as if treated (rank p-value); interval for the average effect by inverting that test (Firpo and Possebom 2018's inversion with a mean-gap statistic, which an effect that grows over the window does not inflate, unlike the post/pre RMSPE ratio, whose rank is shown beside it)"
        ),
        clusters: n_placebos + 1,
        df: f64::NAN,
        adjustment: f64::NAN,
    }
}

/// Rank p-value of a post/pre RMSPE ratio among placebo ratios: (1 + #{placebo ≥ it}) / (1 + J).
pub fn placebo_p_value(ratio: f64, placebo_ratios: &[f64]) -> f64 {
    let at_least = placebo_ratios.iter().filter(|r| **r >= ratio * (1.0 - 1e-12)).count();
    (1 + at_least) as f64 / (1 + placebo_ratios.len()) as f64
}

/// A fit's standardised mean gap: |mean post-period gap| / pre-period RMSPE (infinite for a
/// perfect pre-fit with a gap after it, NaN with none).
pub fn mean_gap_statistic(gap: &[f64], t0: usize) -> f64 {
    mean(&gap[t0..]).abs() / rms(&gap[..t0])
}

/// Rank p-value and interval for the average effect from the placebos' standardised mean gaps
/// ([`mean_gap_statistic`]): τ is kept while (1 + #{b: s_b ≥ |mean post gap − τ| / pre RMSPE})
/// / (1 + J) exceeds α, so the interval is the estimate ± pre RMSPE × the ⌈(1 − α)(J + 1)⌉-th
/// smallest s_b. Unbounded when the placebos are too few for the level, when that s_b is
/// infinite (perfect placebo pre-fits), or when the treated pre-fit is perfect.
pub fn mean_gap_inference(
    gap: &[f64],
    t0: usize,
    placebo_stats: &[f64],
    level: crate::settings::Level,
) -> (f64, f64, f64) {
    let mut stats: Vec<f64> = placebo_stats.iter().copied().filter(|s| !s.is_nan()).collect();
    stats.sort_by(f64::total_cmp);
    let j = stats.len();
    let estimate = mean(&gap[t0..]);
    let pre = rms(&gap[..t0]);
    let observed = mean_gap_statistic(gap, t0);
    let p_value = (1 + stats.iter().filter(|s| **s >= observed * (1.0 - 1e-12)).count()) as f64 / (1 + j) as f64;
    let m = (level.alpha() * (j + 1) as f64 + 1e-9).floor() as i64 - 1;
    let perfect = pre <= 1e-12 * (1.0 + rms(&gap[t0..]));
    let half = if m < 0 || j == 0 || perfect { f64::INFINITY } else { pre * stats[j - 1 - m as usize] };
    (p_value, estimate - half, estimate + half)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A treated unit that is exactly a mix of two donors before its start: the search finds the
    /// mix (zero loss) and the post-period gap equals the effect added.
    #[test]
    fn recovers_an_exact_mix_and_its_effect() {
        let t = 30;
        let t0 = 20;
        let donors: Vec<Vec<f64>> = (0..6)
            .map(|j| (0..t).map(|s| (j as f64 + 1.0) * (s as f64 * 0.1 + 1.0) + ((s * (j + 3)) % 7) as f64).collect())
            .collect();
        let treated: Vec<f64> =
            (0..t).map(|s| 0.3 * donors[1][s] + 0.7 * donors[4][s] + if s >= t0 { 2.5 } else { 0.0 }).collect();
        let y0: Vec<&[f64]> = donors.iter().map(|d| d.as_slice()).collect();
        let c0: Vec<&[f64]> = vec![&[]; 6];
        let sc = SyntheticControl { predictors: vec![Predictor::Blocks(5), Predictor::Last], v: VChoice::Search };
        let fit = sc.fit(&treated, &[], &y0, &c0, t0).unwrap();
        assert!(fit.loss < 1e-10, "{}", fit.loss);
        assert!((fit.weights[1] - 0.3).abs() < 1e-5 && (fit.weights[4] - 0.7).abs() < 1e-5, "{:?}", fit.weights);
        assert!((fit.estimate - 2.5).abs() < 1e-4);
        assert!((fit.v.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Deterministic.
        assert_eq!(fit, sc.fit(&treated, &[], &y0, &c0, t0).unwrap());
    }

    #[test]
    fn placebo_p_value_ranks_and_interval_contains_the_estimate() {
        assert!((placebo_p_value(3.0, &[1.0, 2.0, 4.0]) - 0.5).abs() < 1e-12);
        assert!((placebo_p_value(5.0, &[1.0, 2.0, 4.0]) - 0.25).abs() < 1e-12);
        // Infinite ratios (perfect pre-fits) count for the placebos as for the treated: the
        // treated's infinite ratio ties with them rather than ranking first.
        assert!((placebo_p_value(f64::INFINITY, &[1.0, f64::INFINITY, f64::INFINITY]) - 0.75).abs() < 1e-12);
    }

    /// The mean-gap test by hand: pre-period gaps ±0,5 (RMSPE 0,5), a post gap of 3 (statistic
    /// 6); 39 placebo statistics 0,1 … 3,9. p = 1/40; the interval is 3 ± 0,5 × the 38th smallest
    /// (3,8). A post gap that grows over the window (1 … 5, mean 3) gives the same interval:
    /// only the mean counts. A perfect treated pre-fit says nothing about τ.
    #[test]
    fn mean_gap_inference_by_hand() {
        let level = crate::settings::Level::P95;
        let stats: Vec<f64> = (1..=39).map(|i| i as f64 / 10.0).collect();
        let pre: Vec<f64> = (0..10).map(|s| if s % 2 == 0 { 0.5 } else { -0.5 }).collect();
        let flat: Vec<f64> = pre.iter().copied().chain(std::iter::repeat_n(3.0, 5)).collect();
        let (p, low, high) = mean_gap_inference(&flat, 10, &stats, level);
        assert!((p - 1.0 / 40.0).abs() < 1e-12, "{p}");
        assert!((low - (3.0 - 0.5 * 3.8)).abs() < 1e-12 && (high - (3.0 + 0.5 * 3.8)).abs() < 1e-12, "{low} {high}");
        let growing: Vec<f64> = pre.iter().copied().chain([1.0, 2.0, 3.0, 4.0, 5.0]).collect();
        assert_eq!(mean_gap_inference(&growing, 10, &stats, level), (p, low, high));
        let perfect: Vec<f64> = std::iter::repeat_n(0.0, 10).chain(std::iter::repeat_n(3.0, 5)).collect();
        let (_, low, high) = mean_gap_inference(&perfect, 10, &stats, level);
        assert!(low.is_infinite() && high.is_infinite());
        // Too few placebos for the level: unbounded.
        let (_, low, high) = mean_gap_inference(&flat, 10, &stats[..9], level);
        assert!(low.is_infinite() && high.is_infinite());
    }
}
