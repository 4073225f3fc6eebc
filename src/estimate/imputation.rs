//! Staggered adoption: the imputation estimator of Borusyak, Jaravel and Spiess (2024).
//!
//! 1. Unit and period effects are fitted on the untreated observations only (the comparison
//!    units throughout, the participants before their start): y_it = α_i + λ_t + ε_it.
//! 2. Each treated observation's untreated outcome is imputed as α̂_i + λ̂_t, and its effect is
//!    τ̂_it = y_it − α̂_i − λ̂_t.
//! 3. An estimand is a weighted mean Σ w_it τ̂_it: every treated observation equally (the
//!    overall effect), or those h periods after their start (the effect at horizon h).
//!
//! The fit is exact, not iterative: the normal equations of the untreated two-way regression are
//! solved by eliminating the unit effects, leaving a dense system in the period effects (one row
//! per period). The same solve gives each estimand's implied weights on the untreated
//! observations, v = −A₀(A₀ᵀA₀)⁻¹A₁ᵀw (the paper's Theorem 3), so unbalanced panels are handled
//! exactly, as R didimputation and diff-diff's `ImputationDiD` do.
//!
//! Standard errors: the conservative clustered variance of Theorem 3, σ̂² = Σ_c (Σ_{it∈c} v_it
//! ε̃_it)², with ε̃ the untreated residuals and, for treated observations, τ̂_it less the
//! v²-weighted mean τ̂ of its cohort × horizon cell (the default "cohort_horizon" partition).
//! Two conventions are reported:
//! - the reference one: no small-sample correction, normal reference, as R didimputation and
//!   diff-diff (`ImputationDiD()`);
//! - the few-cluster one: the leave-one-out residuals of the paper's Appendix A.9 (each treated
//!   residual divided by 1 − v²/Σ_cell v², diff-diff's `leave_one_out=True`; a cell of one
//!   observation keeps its plain residual) and a t reference with one degree of freedom fewer
//!   than the treated clusters. With a handful of participating municipalities the variance
//!   rests on them, and the normal reference over-rejects (docs/montecarlo.md).

use std::collections::BTreeMap;

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

use super::{Estimate, EstimateError, Method, Sample, periods_since};
use crate::inference::{Inference, Interval};
use crate::period::Month;
use crate::settings::Level;

#[derive(Clone, Copy, Debug)]
pub struct Imputation {
    pub first: Month,
    pub last: Month,
    pub conf_level: Level,
}

/// One horizon of the event study: the mean effect `rel_time` periods after the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HorizonRow {
    pub rel_time: i32,
    /// Treated observations at this horizon.
    pub n_obs: usize,
    /// Few-cluster convention (leave-one-out residuals, t reference).
    #[serde(flatten)]
    pub interval: Interval,
    /// The reference convention (plain residuals, normal reference).
    pub reference: Interval,
    /// Hidden (written `null`): it would give back a treated mean suppressed for its persons.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImputationFit {
    /// Every treated observation weighted equally, in the few-cluster convention.
    pub overall: Estimate,
    /// The same estimate in the reference convention (R didimputation, diff-diff).
    pub overall_reference: Interval,
    pub horizons: Vec<HorizonRow>,
    /// Units left out: no untreated observation to fit their unit effect.
    pub dropped_units: usize,
    /// Treated observations left out: in a period where every unit is treated.
    pub unimputed_obs: usize,
}

/// One observation of the prepared panel.
#[derive(Clone, Copy)]
struct Obs {
    unit: usize,
    period: usize,
    y: f64,
    /// Periods since the unit's start (treated observations only).
    horizon: Option<i32>,
}

struct Prepared {
    obs: Vec<Obs>,
    /// Each unit's untreated period indices.
    untreated_periods: Vec<Vec<usize>>,
    /// Each unit's cohort (its start), `None` for comparison units.
    cohort: Vec<Option<Month>>,
    cluster: Vec<usize>,
    clusters: usize,
    n_periods: usize,
    dropped_units: usize,
    unimputed_obs: usize,
}

impl Imputation {
    pub fn fit(&self, sample: &Sample) -> Result<ImputationFit, EstimateError> {
        let p = self.prepare(sample)?;
        let solver = TwoWay::new(&p.untreated_periods, p.n_periods)?;
        // Step 1: the untreated fit (right-hand side A₀ᵀy).
        let (mut bu, mut bt) = (vec![0.0; p.cohort.len()], vec![0.0; p.n_periods]);
        for o in p.obs.iter().filter(|o| o.horizon.is_none()) {
            bu[o.unit] += o.y;
            bt[o.period] += o.y;
        }
        let (alpha, lambda) = solver.solve(&bu, &bt);
        // Step 2: residuals of untreated observations, effects of treated ones.
        let resid: Vec<f64> = p.obs.iter().map(|o| o.y - alpha[o.unit] - lambda[o.period]).collect();
        let treated: Vec<usize> = (0..p.obs.len()).filter(|&k| p.obs[k].horizon.is_some()).collect();
        if treated.is_empty() {
            return Err(EstimateError::NoPostEffect);
        }
        let treated_clusters = {
            let mut c: Vec<usize> = treated.iter().map(|&k| p.cluster[p.obs[k].unit]).collect();
            c.sort_unstable();
            c.dedup();
            c.len()
        };
        let df = treated_clusters.saturating_sub(1) as f64;
        // Step 3: each estimand, with its two standard errors.
        let target = |keep: &dyn Fn(&Obs) -> bool| -> Option<(usize, f64, f64, f64)> {
            let chosen: Vec<usize> = treated.iter().copied().filter(|&k| keep(&p.obs[k])).collect();
            if chosen.is_empty() {
                return None;
            }
            let w = 1.0 / chosen.len() as f64;
            let estimate = chosen.iter().map(|&k| resid[k]).sum::<f64>() * w;
            let (se, se_loo) = self.standard_errors(&p, &solver, &resid, &chosen, w);
            Some((chosen.len(), estimate, se, se_loo))
        };
        let (_, estimate, se, se_loo) = target(&|_| true).ok_or(EstimateError::NoPostEffect)?;
        let mut horizons_seen: Vec<i32> = treated.iter().filter_map(|&k| p.obs[k].horizon).collect();
        horizons_seen.sort_unstable();
        horizons_seen.dedup();
        let horizons = horizons_seen
            .iter()
            .filter_map(|&h| {
                let (n_obs, est, se, se_loo) = target(&|o: &Obs| o.horizon == Some(h))?;
                Some(HorizonRow {
                    rel_time: h,
                    n_obs,
                    interval: Interval::t_based(est, se_loo, df, self.conf_level),
                    reference: Interval::normal(est, se, self.conf_level),
                    suppressed: false,
                })
            })
            .collect();
        let n_units = p.cohort.len();
        let n_treated = p.cohort.iter().filter(|c| c.is_some()).count();
        let inference = Inference {
            name: "IF-LOO".into(),
            description: format!(
                "Borusyak–Jaravel–Spiess conservative variance clustered by {} ({} clusters), leave-one-out residuals (their Appendix A.9), t({df}) reference with {treated_clusters} treated clusters; without the refinement and with a normal reference (R didimputation, diff-diff) the standard error is {se:.6}",
                if p.clusters == n_units { "municipality" } else { "the cluster column" },
                p.clusters
            ),
            clusters: p.clusters,
            df,
            adjustment: f64::NAN,
        };
        Ok(ImputationFit {
            overall: Estimate {
                method: Method::Bjs,
                estimand: "mean effect over every treated observation, each untreated outcome imputed from unit and period effects fitted on the untreated observations (Borusyak–Jaravel–Spiess)".into(),
                interval: Interval::t_based(estimate, se_loo, df, self.conf_level),
                inference,
                n_obs: p.obs.len(),
                n_units,
                n_treated,
                n_control: n_units - n_treated,
            },
            overall_reference: Interval::normal(estimate, se, self.conf_level),
            horizons,
            dropped_units: p.dropped_units,
            unimputed_obs: p.unimputed_obs,
        })
    }

    /// Theorem 3's standard error of the estimand weighting `chosen` treated observations by
    /// `w` each, with plain and with leave-one-out treated residuals.
    fn standard_errors(&self, p: &Prepared, solver: &TwoWay, resid: &[f64], chosen: &[usize], w: f64) -> (f64, f64) {
        let mut v = vec![0.0; p.obs.len()];
        let (mut bu, mut bt) = (vec![0.0; p.cohort.len()], vec![0.0; p.n_periods]);
        for &k in chosen {
            v[k] = w;
            bu[p.obs[k].unit] += w;
            bt[p.obs[k].period] += w;
        }
        let (zu, zt) = solver.solve(&bu, &bt);
        for (vk, o) in v.iter_mut().zip(&p.obs) {
            if o.horizon.is_none() {
                *vk = -(zu[o.unit] + zt[o.period]);
            }
        }
        // Cohort × horizon cells of the weighted treated observations: Σv²τ̂ and Σv².
        let mut cells: BTreeMap<(Month, i32), (f64, f64, usize)> = BTreeMap::new();
        let cell_of = |k: usize| {
            let o = &p.obs[k];
            (p.cohort[o.unit].expect("treated"), o.horizon.expect("treated"))
        };
        for &k in chosen {
            let c = cells.entry(cell_of(k)).or_default();
            c.0 += v[k] * v[k] * resid[k];
            c.1 += v[k] * v[k];
            c.2 += 1;
        }
        let (mut plain, mut loo) = (vec![0.0; p.clusters], vec![0.0; p.clusters]);
        for (k, o) in p.obs.iter().enumerate() {
            if v[k] == 0.0 {
                continue;
            }
            let c = p.cluster[o.unit];
            if o.horizon.is_none() {
                plain[c] += v[k] * resid[k];
                loo[c] += v[k] * resid[k];
            } else {
                let (svt, sv2, n) = cells[&cell_of(k)];
                let e = resid[k] - svt / sv2;
                plain[c] += v[k] * e;
                let scale = if n > 1 { 1.0 - v[k] * v[k] / sv2 } else { 1.0 };
                loo[c] += v[k] * e / scale;
            }
        }
        let norm = |s: &[f64]| s.iter().map(|x| x * x).sum::<f64>().sqrt();
        (norm(&plain), norm(&loo))
    }

    /// The observations in [first, last], with the units and periods the untreated fit can
    /// identify: a unit needs an untreated observation, a period an untreated unit.
    fn prepare(&self, sample: &Sample) -> Result<Prepared, EstimateError> {
        let in_window = |m: Month| m >= self.first && m <= self.last;
        let treated_at = |start: Option<Month>, m: Month| start.is_some_and(|s| m >= s);
        let mut periods: Vec<Month> =
            sample.units.iter().flat_map(|u| u.obs.iter().map(|o| o.0)).filter(|&m| in_window(m)).collect();
        periods.sort_unstable();
        periods.dedup();
        let mut has_untreated = vec![false; periods.len()];
        for u in &sample.units {
            for o in u.obs.iter().filter(|o| in_window(o.0) && !treated_at(u.start, o.0)) {
                has_untreated[periods.binary_search(&o.0).expect("listed")] = true;
            }
        }
        let kept: Vec<Month> = periods.iter().zip(&has_untreated).filter(|(_, h)| **h).map(|(m, _)| *m).collect();
        if kept.len() < 2 {
            return Err(EstimateError::NoObservations);
        }
        let mut p = Prepared {
            obs: Vec::new(),
            untreated_periods: Vec::new(),
            cohort: Vec::new(),
            cluster: Vec::new(),
            clusters: 0,
            n_periods: kept.len(),
            dropped_units: 0,
            unimputed_obs: 0,
        };
        let mut cluster_ids: BTreeMap<(bool, u32), usize> = BTreeMap::new();
        for (position, u) in sample.units.iter().enumerate() {
            let mut own: Vec<Obs> = Vec::new();
            let mut untreated = Vec::new();
            for &(m, y) in u.obs.iter().filter(|o| in_window(o.0)) {
                let Ok(period) = kept.binary_search(&m) else {
                    p.unimputed_obs += 1;
                    continue;
                };
                let horizon = u.start.filter(|&s| m >= s).map(|s| periods_since(m.since(s), sample.step));
                if horizon.is_none() {
                    untreated.push(period);
                }
                own.push(Obs { unit: p.cohort.len(), period, y, horizon });
            }
            if own.is_empty() {
                continue;
            }
            if untreated.is_empty() {
                p.dropped_units += 1;
                continue;
            }
            let next = cluster_ids.len();
            let key = u.cluster.map_or((false, position as u32), |c| (true, c));
            p.cluster.push(*cluster_ids.entry(key).or_insert(next));
            p.cohort.push(u.start);
            p.untreated_periods.push(untreated);
            p.obs.extend(own);
        }
        p.clusters = cluster_ids.len();
        let n_treated = p.cohort.iter().filter(|c| c.is_some()).count();
        if n_treated == 0 || n_treated == p.cohort.len() {
            return Err(EstimateError::NoTreatedOrComparison {
                treated: n_treated,
                comparison: p.cohort.len() - n_treated,
            });
        }
        if p.clusters < 2 {
            return Err(EstimateError::TooFewClusters);
        }
        Ok(p)
    }
}

/// The normal equations of the two-way regression on the untreated observations, A₀ᵀA₀ z = b,
/// for any right-hand side b = (unit sums, period sums). The unit effects are eliminated:
/// S λ = b_t − Nᵀ D_u⁻¹ b_u with S = D_t − Nᵀ D_u⁻¹ N over the periods after the first (whose
/// effect is 0), D_u and D_t the untreated counts per unit and period and N their incidence;
/// then α_i = (b_u,i − Σ_{t∈i} λ_t) / n_i.
struct TwoWay {
    untreated_periods: Vec<Vec<usize>>,
    n_periods: usize,
    llt: faer::linalg::solvers::Llt<f64>,
}

impl TwoWay {
    fn new(untreated_periods: &[Vec<usize>], n_periods: usize) -> Result<TwoWay, EstimateError> {
        let m = n_periods - 1;
        let mut s = Mat::<f64>::zeros(m, m);
        for ts in untreated_periods {
            let inv = 1.0 / ts.len() as f64;
            for &a in ts.iter().filter(|&&a| a > 0) {
                s[(a - 1, a - 1)] += 1.0;
                for &b in ts.iter().filter(|&&b| b > 0) {
                    s[(a - 1, b - 1)] -= inv;
                }
            }
        }
        let llt = s.llt(Side::Lower).map_err(|_| EstimateError::Collinear)?;
        // A period cut off from the rest (no unit observed untreated in it and in another
        // period) leaves S singular, which Cholesky alone lets through in floating point.
        let l = llt.L();
        if (0..m).any(|j| l[(j, j)] * l[(j, j)] <= 1e-10 * s[(j, j)].max(f64::MIN_POSITIVE)) {
            return Err(EstimateError::Collinear);
        }
        Ok(TwoWay { untreated_periods: untreated_periods.to_vec(), n_periods, llt })
    }

    /// (unit effects, period effects with the first period's at 0).
    fn solve(&self, bu: &[f64], bt: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let m = self.n_periods - 1;
        let mut rhs = Mat::<f64>::from_fn(m, 1, |j, _| bt[j + 1]);
        for (ts, b) in self.untreated_periods.iter().zip(bu) {
            let share = b / ts.len() as f64;
            for &a in ts.iter().filter(|&&a| a > 0) {
                rhs[(a - 1, 0)] -= share;
            }
        }
        let z = self.llt.solve(&rhs);
        let lambda: Vec<f64> = std::iter::once(0.0).chain((0..m).map(|j| z[(j, 0)])).collect();
        let alpha = self
            .untreated_periods
            .iter()
            .zip(bu)
            .map(|(ts, b)| (b - ts.iter().map(|&a| lambda[a]).sum::<f64>()) / ts.len() as f64)
            .collect();
        (alpha, lambda)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::SampleUnit;

    fn month(k: i32) -> Month {
        Month::new(2020, 1).unwrap().plus(k)
    }

    /// A balanced panel where y = unit + period + 2·treated: every effect is exactly 2 and
    /// every residual 0.
    #[test]
    fn a_constant_effect_is_recovered_exactly() {
        let units: Vec<SampleUnit> = (0..6)
            .map(|i| {
                let start = match i {
                    0 => Some(month(3)),
                    1 => Some(month(4)),
                    _ => None,
                };
                let obs = (0..6)
                    .map(|t| {
                        let treated = start.is_some_and(|s| month(t) >= s);
                        (month(t), i as f64 * 1.5 + (t * t) as f64 * 0.1 + if treated { 2.0 } else { 0.0 })
                    })
                    .collect();
                SampleUnit { code: i, start, obs, cluster: None }
            })
            .collect();
        let fit = Imputation { first: month(0), last: month(5), conf_level: Level::P95 }
            .fit(&Sample::monthly(units))
            .unwrap();
        assert!((fit.overall.interval.estimate - 2.0).abs() < 1e-12);
        assert!(fit.overall_reference.se < 1e-12);
        assert_eq!(fit.horizons.iter().map(|h| h.rel_time).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(fit.horizons.iter().map(|h| h.n_obs).collect::<Vec<_>>(), vec![2, 2, 1]);
    }

    #[test]
    fn the_solver_inverts_the_normal_equations() {
        // Three units, four periods, some untreated cells missing.
        let periods = vec![vec![0, 1, 2, 3], vec![0, 1], vec![1, 2, 3]];
        let solver = TwoWay::new(&periods, 4).unwrap();
        let (bu, bt) = (vec![1.0, -2.0, 0.5], vec![0.3, 0.7, -1.1, 2.0]);
        let (alpha, lambda) = solver.solve(&bu, &bt);
        // A₀ᵀA₀ z reproduces b (period 0's equation is implied by the others and the units').
        for (i, ts) in periods.iter().enumerate() {
            let got: f64 = ts.iter().map(|&a| alpha[i] + lambda[a]).sum();
            assert!((got - bu[i]).abs() < 1e-12, "unit {i}");
        }
        for a in 1..4 {
            let got: f64 =
                periods.iter().enumerate().filter(|(_, ts)| ts.contains(&a)).map(|(i, _)| alpha[i] + lambda[a]).sum();
            assert!((got - bt[a]).abs() < 1e-12, "period {a}");
        }
    }
}
