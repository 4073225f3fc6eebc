//! Event study: leads and lags of the start in a regression with unit and period effects.
//!
//! y_it = α_i + γ_t + Σ_{r ≠ −1} β_r · 1{t − s_i = r} + ε_it for treated units with start s_i;
//! never-treated units have every indicator 0. The period before the start (r = −1) is the
//! reference. With `leads = L` every r < −L is binned into −L, with `lags = K` every r > K into
//! K (the end points then average over the binned periods). The leads β_{−L..−2} are placebo
//! effects: their joint Wald test (fixest's `wald()`: F = W/q against F(q, G − 1)) is the
//! pre-trend test. The headline number is the mean of β_0..β_K.
//!
//! Standard errors: CR1 by cluster exactly as [`super::twfe`] (one demeaning engine, one OLS),
//! matching pyfixest's `feols("y ~ i(rel, ref=-1) | unit + period", vcov={"CRV1": "unit"})`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::demean::Convergence;
use super::twfe::{LongPanel, NEVER, not_converged};
use super::{Estimate, EstimateError, Method, Sample, ols};
use crate::inference::Interval;
use crate::inference::cluster::SmallSample;
use crate::inference::wald::{self, WaldTest};
use crate::period::Month;

#[derive(Clone, Copy, Debug)]
pub struct EventStudy {
    pub first: Month,
    pub last: Month,
    /// Bin event times before −leads into −leads (in periods of the sample).
    pub leads: Option<u32>,
    /// Bin event times after lags into lags.
    pub lags: Option<u32>,
    pub conf_level: crate::settings::Level,
    pub ssc: SmallSample,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    /// Periods since the start (months for monthly data, quarters for quarterly …).
    pub rel_time: i32,
    /// This end point also holds the event times beyond it.
    pub binned: bool,
    /// The reference period: estimate 0 by construction, no standard error.
    pub reference: bool,
    #[serde(flatten)]
    pub interval: Interval,
    /// Hidden (written `null`): it would give back a treated mean suppressed for its persons.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventFit {
    /// The mean of the coefficients from the start on.
    pub estimate: Estimate,
    pub rows: Vec<EventRow>,
    /// Joint test that the leads before −1 are zero; absent when there are none.
    pub pretrend: Option<WaldTest>,
}

impl EventStudy {
    pub fn fit(&self, sample: &Sample) -> Result<EventFit, EstimateError> {
        if self.leads == Some(0) {
            return Err(EstimateError::NoLeads);
        }
        let (mut panel, fe) = LongPanel::new(sample, self.first, self.last)?;
        // Event time in the data's periods (months for monthly data).
        panel
            .rel
            .iter_mut()
            .filter(|r| **r != NEVER)
            .for_each(|r| *r = crate::estimate::periods_since(*r, sample.step));
        let bin = |r: i32| -> (i32, bool) {
            let mut b = (r, false);
            if let Some(l) = self.leads
                && r < -(l as i32)
            {
                b = (-(l as i32), true);
            }
            if let Some(k) = self.lags
                && r > k as i32
            {
                b = (k as i32, true);
            }
            b
        };
        let rel: Vec<Option<i32>> = panel.rel.iter().map(|&r| (r != NEVER).then(|| bin(r).0)).collect();
        let mut times: Vec<i32> = rel.iter().flatten().copied().collect();
        times.sort();
        times.dedup();
        if !times.contains(&-1) {
            return Err(EstimateError::NoReferencePeriod);
        }
        times.retain(|&r| r != -1);
        if !times.iter().any(|&r| r >= 0) {
            return Err(EstimateError::NoPostPeriod);
        }
        let conv = Convergence::default();
        let mut y = panel.y.clone();
        fe.demean(&mut y, conv).map_err(not_converged)?;
        let x: Vec<Vec<f64>> = times
            .par_iter()
            .map(|&r| {
                let mut col: Vec<f64> = rel.iter().map(|v| if *v == Some(r) { 1.0 } else { 0.0 }).collect();
                fe.demean(&mut col, conv).map(|_| col).map_err(not_converged)
            })
            .collect::<Result<_, _>>()?;
        let fit = ols::cr1(&x, &y, &panel.cluster_ids, panel.clusters, panel.n_months, self.ssc)
            .map_err(|e| EstimateError::EventWithoutComparison(Box::new(e)))?;
        let df = fit.inference.df;
        let k = times.len();
        let binned_at = |r: i32| {
            (self.leads.is_some_and(|l| r == -(l as i32)) || self.lags.is_some_and(|l| r == l as i32))
                && rel_beyond(&panel, r, self.leads, self.lags)
        };
        let mut rows: Vec<EventRow> = times
            .iter()
            .enumerate()
            .map(|(j, &r)| EventRow {
                rel_time: r,
                binned: binned_at(r),
                reference: false,
                interval: Interval::t_based(fit.beta[j], fit.se(j), df, self.conf_level),
                suppressed: false,
            })
            .collect();
        let nan = f64::NAN;
        let reference = Interval {
            estimate: 0.0,
            se: nan,
            ci_low: nan,
            ci_high: nan,
            conf_level: self.conf_level.get(),
            p_value: nan,
        };
        let at = rows.iter().position(|r| r.rel_time > -1).unwrap_or(rows.len());
        rows.insert(
            at,
            EventRow { rel_time: -1, binned: false, reference: true, interval: reference, suppressed: false },
        );

        let pick = |which: &[usize]| -> (Vec<f64>, Vec<f64>) {
            let b = which.iter().map(|&j| fit.beta[j]).collect();
            let v = which
                .iter()
                .flat_map(|&a| which.iter().map(move |&c| (a, c)))
                .map(|(a, c)| fit.vcov[a * k + c])
                .collect();
            (b, v)
        };
        let leads: Vec<usize> = (0..k).filter(|&j| times[j] <= -2).collect();
        let pretrend = if leads.is_empty() {
            None
        } else {
            let (b, v) = pick(&leads);
            wald::f_test(&b, &v, df)
        };
        let post: Vec<usize> = (0..k).filter(|&j| times[j] >= 0).collect();
        let (b, v) = pick(&post);
        let w = 1.0 / post.len() as f64;
        let avg: f64 = b.iter().sum::<f64>() * w;
        let var: f64 = v.iter().sum::<f64>() * w * w;
        let last = times[k - 1];
        let estimate = Estimate {
            method: Method::Event,
            estimand: format!(
                "mean of the event-time coefficients 0 to {last} (reference: the period before the start) in a regression with unit and period fixed effects"
            ),
            interval: Interval::t_based(avg, var.max(0.0).sqrt(), df, self.conf_level),
            inference: fit.inference,
            n_obs: panel.y.len(),
            n_units: panel.n_units,
            n_treated: panel.n_treated,
            n_control: panel.n_control,
        };
        Ok(EventFit { estimate, rows, pretrend })
    }
}

/// Whether any observation lies beyond the end point `r` (so the bin holds more than r).
fn rel_beyond(panel: &LongPanel, r: i32, leads: Option<u32>, lags: Option<u32>) -> bool {
    panel.rel.iter().filter(|&&raw| raw != NEVER).any(|&raw| {
        (leads.is_some_and(|l| r == -(l as i32)) && raw < r) || (lags.is_some_and(|l| r == l as i32) && raw > r)
    })
}
