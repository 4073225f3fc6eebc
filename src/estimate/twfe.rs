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
    pub conf_level: crate::settings::Level,
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
        let (panel, fe) = LongPanel::new(sample, self.first, self.last)?;
        let mut d: Vec<f64> = panel.rel.iter().map(|&r| if r >= 0 { 1.0 } else { 0.0 }).collect();
        let LongPanel { cluster_ids, clusters, mut y, n_units, n_months, n_treated, n_control, .. } = panel;
        let conv = Convergence::default();
        fe.demean(&mut y, conv).map_err(not_converged)?;
        fe.demean(&mut d, conv).map_err(not_converged)?;
        if d.iter().all(|x| x.abs() < 1e-12) {
            return Err(EstimateError::TreatmentCollinear);
        }
        let fit = ols::cr1(std::slice::from_ref(&d), &y, &cluster_ids, clusters, n_months, self.ssc)?;
        let (beta, se, inference) = (fit.beta[0], fit.se(0), fit.inference);
        // A series the fixed effects and the treatment explain exactly would get an interval of
        // zero width (and a bootstrap p of 0): nothing is published instead.
        if se.is_nan() || se <= 1e-12 * (1.0 + beta.abs()) {
            return Err(EstimateError::NoResidualVariation);
        }
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
                let project = |x: &mut [f64]| fe.demean(x, conv).map(|_| ()).map_err(not_converged);
                let r = wb.test(&data, &project)?;
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
                    conf_level: self.conf_level.get(),
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

/// A sample as long vectors over the observations in [first, last], with dense cluster ids and
/// the unit and month factors handed to the demeaning engine: the input of every regression
/// estimator.
pub(super) struct LongPanel {
    pub cluster_ids: Vec<u32>,
    pub clusters: usize,
    pub y: Vec<f64>,
    /// Months since the unit's start ([`NEVER`] for units never treated).
    pub rel: Vec<i32>,
    pub n_units: usize,
    pub n_months: usize,
    pub n_treated: usize,
    pub n_control: usize,
}

/// `rel` of a never-treated unit's observations.
pub(super) const NEVER: i32 = i32::MIN;

impl LongPanel {
    /// The panel and its unit × month fixed effects.
    pub fn new(sample: &Sample, first: Month, last: Month) -> Result<(LongPanel, FixedEffects), EstimateError> {
        // Each unit's observations inside the window: a slice, since they are in month order.
        let slices: Vec<&[(Month, f64)]> = sample
            .units
            .iter()
            .map(|u| {
                let a = u.obs.partition_point(|o| o.0 < first);
                let b = u.obs.partition_point(|o| o.0 <= last);
                &u.obs[a..b.max(a)]
            })
            .collect();
        let rows: usize = slices.iter().map(|s| s.len()).sum();
        let span = (last.since(first) + 1).max(0) as usize;
        let mut month_used = vec![false; span];
        for s in &slices {
            for o in *s {
                month_used[o.0.since(first) as usize] = true;
            }
        }
        let used: usize = month_used.iter().filter(|u| **u).count();
        // Dense when every unit with data has every month that occurs.
        let dense = slices.iter().all(|s| s.is_empty() || s.len() == used);
        let mut unit_ids = Vec::with_capacity(if dense { 0 } else { rows });
        let mut month_ids = Vec::with_capacity(if dense { 0 } else { rows });
        let mut remap = vec![0u32; span];
        let mut n_months = 0usize;
        for (i, u) in month_used.iter().enumerate() {
            if *u {
                remap[i] = n_months as u32;
                n_months += 1;
            }
        }
        let mut p = LongPanel {
            cluster_ids: Vec::with_capacity(rows),
            clusters: 0,
            y: Vec::with_capacity(rows),
            rel: Vec::with_capacity(rows),
            n_units: 0,
            n_months,
            n_treated: 0,
            n_control: 0,
        };
        // Declared clusters get dense ids in order of appearance; a unit without one is its own.
        let mut declared: std::collections::HashMap<u32, u32> = Default::default();
        for (u, obs) in sample.units.iter().zip(&slices) {
            if obs.is_empty() {
                continue;
            }
            let next = p.clusters as u32;
            let c = match u.cluster {
                Some(key) => *declared.entry(key).or_insert(next),
                None => next,
            };
            if c == next {
                p.clusters += 1;
            }
            let len = obs.len();
            p.cluster_ids.extend(std::iter::repeat_n(c, len));
            p.y.extend(obs.iter().map(|o| o.1));
            match u.start {
                Some(s) => p.rel.extend(obs.iter().map(|o| o.0.since(s))),
                None => p.rel.extend(std::iter::repeat_n(NEVER, len)),
            }
            if !dense {
                unit_ids.extend(std::iter::repeat_n(p.n_units as u32, len));
                month_ids.extend(obs.iter().map(|o| remap[o.0.since(first) as usize]));
            }
            p.n_units += 1;
            if u.start.is_some() { p.n_treated += 1 } else { p.n_control += 1 }
        }
        if p.n_treated == 0 || p.n_control == 0 {
            return Err(EstimateError::NoTreatedOrComparison { treated: p.n_treated, comparison: p.n_control });
        }
        if p.clusters < 2 {
            return Err(EstimateError::TooFewClusters);
        }
        let fe = if dense {
            FixedEffects::dense(p.n_units, n_months)
        } else {
            FixedEffects::new(vec![unit_ids, month_ids], None)
        };
        Ok((p, fe))
    }
}

/// The demeaning error in words.
pub(super) fn not_converged(e: super::demean::NotConverged) -> EstimateError {
    EstimateError::NotConverged { iterations: e.iterations, change: e.change }
}
