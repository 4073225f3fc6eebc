//! Two-way fixed-effects difference in differences.
//!
//! Model: y_it = α_i + γ_t + β·D_it + ε_it, with D_it = 1 from unit i's first treated month on.
//! β is estimated by demeaning y and D on municipality and month effects ([`super::demean`]) and
//! regressing residual on residual. With staggered starts and time-varying effects β is a
//! variance-weighted average of comparisons (Goodman-Bacon 2021); the 2×2 and, later, cohort
//! estimators guard against that.
//!
//! Standard error: CR1 clustered by municipality exactly as pyfixest's
//! `feols("y ~ treat | unit + period", vcov={"CRV1": "unit"})`: factor G/(G−1)·(N−1)/(N−K) with
//! K = 1 + number of months (the municipality effects are nested in the clusters and not
//! counted), t(G−1) intervals.

use super::demean::{Convergence, FixedEffects};
use super::ols;
use super::{Estimate, EstimateError, Method, Sample};
use crate::inference::cluster::SmallSample;
use crate::inference::wild::{Demeaned, WildBootstrap};
use crate::inference::{Inference, Interval};
use crate::period::Month;

#[derive(Clone, Copy, Debug)]
pub struct Twfe {
    /// Observations outside [first, last] are left out.
    pub first: Month,
    pub last: Month,
    pub conf_level: f64,
    pub ssc: SmallSample,
}

impl Twfe {
    /// CR1 inference.
    pub fn fit(&self, sample: &Sample) -> Result<Estimate, EstimateError> {
        self.fit_with(sample, None)
    }

    /// Wild cluster bootstrap (WCR) inference; the point estimate is the same.
    pub fn fit_wild(&self, sample: &Sample, wild: &WildBootstrap) -> Result<Estimate, EstimateError> {
        self.fit_with(sample, Some(wild))
    }

    fn fit_with(&self, sample: &Sample, wild: Option<&WildBootstrap>) -> Result<Estimate, EstimateError> {
        let panel = LongPanel::new(sample, self.first, self.last)?;
        let fe = panel.fixed_effects();
        let mut d: Vec<f64> = panel
            .start
            .iter()
            .zip(&panel.month)
            .map(|(s, m)| if s.is_some_and(|s| *m >= s) { 1.0 } else { 0.0 })
            .collect();
        let LongPanel { cluster_ids, clusters, mut y, n_units, n_months, n_treated, n_control, .. } = panel;
        let conv = Convergence::default();
        fe.demean(&mut y, conv).map_err(not_converged)?;
        fe.demean(&mut d, conv).map_err(not_converged)?;
        if d.iter().all(|x| x.abs() < 1e-12) {
            return Err(EstimateError("the treatment indicator is collinear with the fixed effects".into()));
        }
        let fit = ols::cr1(std::slice::from_ref(&d), &y, &cluster_ids, clusters, n_months, self.ssc)?;
        let (beta, se, inference) = (fit.beta[0], fit.se(0), fit.inference);
        let interval = match wild {
            None => Interval::t_based(beta, se, inference.df, self.conf_level),
            Some(wb) => {
                let data = Demeaned {
                    y: &y,
                    d: &d,
                    cluster: &cluster_ids,
                    clusters,
                    beta,
                    se,
                    adjustment: inference.adjustment,
                };
                let project = |x: &mut [f64]| fe.demean(x, conv).map(|_| ()).map_err(|e| format!("{e:?}"));
                let r = wb.test(&data, &project).map_err(EstimateError)?;
                let how = if r.exact {
                    format!("all {} Rademacher sign vectors", r.draws)
                } else {
                    format!("{} seeded {:?} draws (seed {})", r.draws, wb.weights, wb.seed)
                };
                let interval = Interval {
                    estimate: beta,
                    se,
                    ci_low: r.ci_low,
                    ci_high: r.ci_high,
                    conf_level: self.conf_level,
                    p_value: r.p_value,
                };
                let inference = Inference {
                    name: "WCR".into(),
                    description: format!(
                        "wild cluster bootstrap by municipality, null imposed (WCR, CR1 t statistic), {how}; interval by test inversion"
                    ),
                    clusters,
                    df: f64::NAN,
                    adjustment: inference.adjustment,
                };
                return Ok(self.estimate(interval, inference, y.len(), n_units, n_treated, n_control));
            }
        };
        Ok(self.estimate(interval, inference, y.len(), n_units, n_treated, n_control))
    }

    fn estimate(
        &self,
        interval: Interval,
        inference: Inference,
        n_obs: usize,
        n_units: usize,
        n_treated: usize,
        n_control: usize,
    ) -> Estimate {
        Estimate {
            method: Method::Twfe,
            estimand:
                "coefficient on the treatment indicator in a regression with municipality and month fixed effects"
                    .into(),
            interval,
            inference,
            n_obs,
            n_units,
            n_treated,
            n_control,
        }
    }
}

/// A sample as long vectors over the observations in [first, last], with dense unit, month and
/// cluster ids: the input of every regression estimator.
pub(super) struct LongPanel {
    pub unit_ids: Vec<u32>,
    pub month_ids: Vec<u32>,
    pub cluster_ids: Vec<u32>,
    pub clusters: usize,
    pub y: Vec<f64>,
    /// Each observation's month and its unit's first treated month.
    pub month: Vec<Month>,
    pub start: Vec<Option<Month>>,
    pub n_units: usize,
    pub n_months: usize,
    pub n_treated: usize,
    pub n_control: usize,
}

impl LongPanel {
    pub fn new(sample: &Sample, first: Month, last: Month) -> Result<LongPanel, EstimateError> {
        let mut p = LongPanel {
            unit_ids: Vec::new(),
            month_ids: Vec::new(),
            cluster_ids: Vec::new(),
            clusters: 0,
            y: Vec::new(),
            month: Vec::new(),
            start: Vec::new(),
            n_units: 0,
            n_months: 0,
            n_treated: 0,
            n_control: 0,
        };
        let span = (last.since(first) + 1).max(0) as usize;
        let mut month_used = vec![false; span];
        let mut cluster_of: std::collections::BTreeMap<(bool, u32), u32> = Default::default();
        for u in &sample.units {
            let before = p.y.len();
            let key = u.cluster.map_or((false, p.n_units as u32), |c| (true, c));
            let next = cluster_of.len() as u32;
            let mut cluster = None;
            for &(m, v) in &u.obs {
                if m < first || m > last {
                    continue;
                }
                let c = *cluster.get_or_insert_with(|| *cluster_of.entry(key).or_insert(next));
                p.unit_ids.push(p.n_units as u32);
                p.month_ids.push(m.since(first) as u32);
                month_used[m.since(first) as usize] = true;
                p.cluster_ids.push(c);
                p.y.push(v);
                p.month.push(m);
                p.start.push(u.start);
            }
            if p.y.len() > before {
                p.n_units += 1;
                if u.start.is_some() { p.n_treated += 1 } else { p.n_control += 1 }
            }
        }
        p.clusters = cluster_of.len();
        // Dense month ids over the months that occur.
        let mut remap = vec![0u32; span];
        for (i, used) in month_used.iter().enumerate() {
            if *used {
                remap[i] = p.n_months as u32;
                p.n_months += 1;
            }
        }
        p.month_ids.iter_mut().for_each(|t| *t = remap[*t as usize]);
        if p.n_treated == 0 || p.n_control == 0 {
            return Err(EstimateError(format!(
                "a regression with municipality and month effects needs treated and comparison units with data (found {} and {})",
                p.n_treated, p.n_control
            )));
        }
        if p.clusters < 2 {
            return Err(EstimateError("at least two clusters are needed".into()));
        }
        Ok(p)
    }

    pub fn fixed_effects(&self) -> FixedEffects {
        FixedEffects::new(vec![self.unit_ids.clone(), self.month_ids.clone()], None)
    }
}

/// The demeaning error in words.
pub(super) fn not_converged(e: super::demean::NotConverged) -> EstimateError {
    EstimateError(format!("demeaning did not converge in {} iterations (last change {:e})", e.iterations, e.change))
}
