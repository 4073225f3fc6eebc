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
use crate::inference::wild::{Demeaned, WildBootstrap};
use crate::inference::{Inference, Interval};
use crate::period::Month;

#[derive(Clone, Copy, Debug)]
pub struct Twfe {
    /// Observations outside [first, last] are left out.
    pub first: Month,
    pub last: Month,
    pub conf_level: f64,
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
        let mut unit_ids = Vec::new();
        let mut month_ids = Vec::new();
        let mut y = Vec::new();
        let mut d = Vec::new();
        let mut n_units = 0u32;
        let (mut n_treated, mut n_control) = (0, 0);
        let span = (self.last.since(self.first) + 1).max(0) as usize;
        let mut month_used = vec![false; span];
        for u in &sample.units {
            let before = y.len();
            for &(m, v) in &u.obs {
                if m < self.first || m > self.last {
                    continue;
                }
                unit_ids.push(n_units);
                month_ids.push(m.since(self.first) as u32);
                month_used[m.since(self.first) as usize] = true;
                y.push(v);
                d.push(if u.start.is_some_and(|s| m >= s) { 1.0 } else { 0.0 });
            }
            if y.len() > before {
                n_units += 1;
                if u.start.is_some() { n_treated += 1 } else { n_control += 1 }
            }
        }
        // Dense month ids over the months that occur.
        let mut remap = vec![0u32; span];
        let mut n_months = 0u32;
        for (i, used) in month_used.iter().enumerate() {
            if *used {
                remap[i] = n_months;
                n_months += 1;
            }
        }
        month_ids.iter_mut().for_each(|t| *t = remap[*t as usize]);
        if n_treated == 0 || n_control == 0 {
            return Err(EstimateError(format!(
                "two-way fixed effects needs treated and comparison municipalities with data (found {n_treated} and {n_control})"
            )));
        }
        let fe = FixedEffects::new(vec![unit_ids.clone(), month_ids], None);
        let conv = Convergence::default();
        let not_converged = |e: super::demean::NotConverged| {
            EstimateError(format!(
                "demeaning did not converge in {} iterations (last change {:e})",
                e.iterations, e.change
            ))
        };
        fe.demean(&mut y, conv).map_err(not_converged)?;
        fe.demean(&mut d, conv).map_err(not_converged)?;
        if d.iter().all(|x| x.abs() < 1e-12) {
            return Err(EstimateError("the treatment indicator is collinear with the fixed effects".into()));
        }
        let fit = ols::cr1(std::slice::from_ref(&d), &y, &unit_ids, n_units as usize, n_months as usize)?;
        let (beta, se, inference) = (fit.beta[0], fit.se(0), fit.inference);
        let interval = match wild {
            None => Interval::t_based(beta, se, inference.df, self.conf_level),
            Some(wb) => {
                let data = Demeaned {
                    y: &y,
                    d: &d,
                    cluster: &unit_ids,
                    clusters: n_units as usize,
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
                    clusters: n_units as usize,
                    df: f64::NAN,
                    adjustment: inference.adjustment,
                };
                return Ok(self.estimate(interval, inference, y.len(), n_units as usize, n_treated, n_control));
            }
        };
        Ok(self.estimate(interval, inference, y.len(), n_units as usize, n_treated, n_control))
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
