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
//!
//! The base ([`EventBase`]): the period before the start, as above, or the mean of the
//! pre-period coefficients −L..−1 ([`EventBase::PreMean`]). On monthly municipal data a single
//! reference month is noisy and shifts every coefficient by its noise; the pre-period mean
//! averages it out. With that base every coefficient is β̃_r = β_r − c, c = (1/|P|)·Σ_{s∈P} β_s
//! over the pre-period event times P (β_{−1} = 0), the period before the start gets an interval
//! like the others, and the covariance is A·V·Aᵀ for that linear map A. The pre-trend test is
//! the same under either base (it asks whether the pre-period coefficients are equal).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::demean::Convergence;
use super::twfe::{LongPanel, NEVER, not_converged};
use super::{Estimate, EstimateError, Method, Sample, ols};
use crate::inference::Interval;
use crate::inference::cluster::SmallSample;
use crate::inference::honest::{self, Sensitivity};
use crate::inference::wald::{self, WaldTest};
use crate::period::Month;

/// What the event-study coefficients are measured from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventBase {
    /// The period before the start (β_{−1} = 0), as fixest and pyfixest's `ref=-1`.
    #[default]
    PeriodBefore,
    /// The mean of the pre-period coefficients −L..−1.
    PreMean,
}

impl EventBase {
    pub fn key(self) -> &'static str {
        match self {
            EventBase::PeriodBefore => "period_before",
            EventBase::PreMean => "pre_mean",
        }
    }

    /// The base as the estimand names it, with `first` the earliest pre-period event time.
    pub fn describe(self, first: i32) -> String {
        match self {
            EventBase::PeriodBefore => "reference: the period before the start".into(),
            EventBase::PreMean => format!("reference: the mean of the pre-period coefficients {first} to -1"),
        }
    }
}

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
    pub base: EventBase,
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
    pub base: EventBase,
    /// Rambachan–Roth sensitivity of the post-period mean under relative magnitudes, from the
    /// coefficients in the period-before base.
    pub sensitivity: Option<Sensitivity>,
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
        // The coefficients in the chosen base: weights on β (over `times`) for each row, and
        // for the reference row −1, which is 0 under the period-before base.
        let pre: Vec<usize> = (0..k).filter(|&j| times[j] <= -2).collect();
        let n_pre = (pre.len() + 1) as f64;
        let shift = |w: &mut [f64]| {
            if self.base == EventBase::PreMean {
                for &j in &pre {
                    w[j] -= 1.0 / n_pre;
                }
            }
        };
        let row_of = |j: Option<usize>| -> Interval {
            let mut w = vec![0.0; k];
            if let Some(j) = j {
                w[j] = 1.0;
            }
            shift(&mut w);
            let (b, se) = fit.combine(&w);
            Interval::t_based(b, se, df, self.conf_level)
        };
        let mut rows: Vec<EventRow> = times
            .iter()
            .enumerate()
            .map(|(j, &r)| EventRow {
                rel_time: r,
                binned: binned_at(r),
                reference: false,
                interval: row_of(Some(j)),
                suppressed: false,
            })
            .collect();
        let reference = match self.base {
            EventBase::PeriodBefore => {
                let nan = f64::NAN;
                Interval {
                    estimate: 0.0,
                    se: nan,
                    ci_low: nan,
                    ci_high: nan,
                    conf_level: self.conf_level.get(),
                    p_value: nan,
                }
            }
            EventBase::PreMean => row_of(None),
        };
        let at = rows.iter().position(|r| r.rel_time > -1).unwrap_or(rows.len());
        rows.insert(
            at,
            EventRow {
                rel_time: -1,
                binned: false,
                reference: self.base == EventBase::PeriodBefore,
                interval: reference,
                suppressed: false,
            },
        );

        let pretrend = if pre.is_empty() {
            None
        } else {
            let b: Vec<f64> = pre.iter().map(|&j| fit.beta[j]).collect();
            let v: Vec<f64> =
                pre.iter().flat_map(|&a| pre.iter().map(move |&c| (a, c))).map(|(a, c)| fit.vcov[a * k + c]).collect();
            wald::f_test(&b, &v, df)
        };
        let post: Vec<usize> = (0..k).filter(|&j| times[j] >= 0).collect();
        let mut w = vec![0.0; k];
        for &j in &post {
            w[j] = 1.0 / post.len() as f64;
        }
        shift(&mut w);
        let (avg, se) = fit.combine(&w);
        let last = times[k - 1];
        let first = times[0].min(-1);
        let estimate = Estimate {
            method: Method::Event,
            estimand: format!(
                "mean of the event-time coefficients 0 to {last} ({}) in a regression with unit and period fixed effects",
                self.base.describe(first)
            ),
            interval: Interval::t_based(avg, se, df, self.conf_level),
            inference: fit.inference,
            n_obs: panel.y.len(),
            n_units: panel.n_units,
            n_treated: panel.n_treated,
            n_control: panel.n_control,
        };
        let critical = Interval::t_based(0.0, 1.0, df, self.conf_level).ci_high;
        let sensitivity =
            honest::sensitivity(&times, &fit.beta, &fit.vcov, &binned_at, critical, df, self.conf_level.get());
        Ok(EventFit { estimate, rows, pretrend, base: self.base, sensitivity })
    }
}

/// Whether any observation lies beyond the end point `r` (so the bin holds more than r).
fn rel_beyond(panel: &LongPanel, r: i32, leads: Option<u32>, lags: Option<u32>) -> bool {
    panel.rel.iter().filter(|&&raw| raw != NEVER).any(|&raw| {
        (leads.is_some_and(|l| r == -(l as i32)) && raw < r) || (lags.is_some_and(|l| r == l as i32) && raw > r)
    })
}
