//! Staggered adoption: the interaction-weighted event study of Sun and Abraham (2021).
//!
//! y_it = α_i + γ_t + Σ_g Σ_{e ≠ −1} δ_{g,e} · 1{start_i = g, t − g = e} + ε_it, with one
//! indicator per cohort (start period) g and event time e that has observations; comparison
//! units are never treated and have every indicator 0. Each cohort has its own event-time path,
//! so a cohort's effects cannot contaminate another's leads as they can in the pooled event
//! study ([`super::event`]). The event-time effect is β_e = Σ_g w_{g,e} δ_{g,e} with w_{g,e}
//! the share of cohort g among the treated observations at e, and the headline is the mean over
//! every treated observation from the start on: Σ_{e≥0} Σ_g (n_{g,e}/N_post) δ_{g,e}. The
//! weights are taken as fixed, as fixest's `sunab()` aggregation and diff-diff's `SunAbraham`.
//!
//! The base ([`EventBase`]) is the study's event-study base: the period before the start, as
//! above, or each cohort's mean of its pre-period coefficients (δ_{g,−1} = 0 among them), a
//! linear map of the same fit as in [`super::event`]: δ̃_{g,e} = δ_{g,e} − c_g. On monthly
//! municipal data the single month before the start is noisy and shifts every coefficient of
//! its cohort by its noise. With one cohort and no binning this is the event study exactly.
//!
//! Standard errors: CR1 by cluster with the small-sample factor of [`super::ols`] (fixest's by
//! default) on the same demeaning engine as the event study, t(G − 1) reference (fixest; diff-diff
//! with `df_convention="cluster"`). The pre-trend test is the joint Wald test of the event-time
//! effects before −1 (F = W/q against F(q, G − 1)).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::demean::Convergence;
use super::event::EventBase;
use super::twfe::{LongPanel, NEVER, not_converged};
use super::{Estimate, EstimateError, Method, Sample, ols, periods_since};
use crate::inference::Interval;
use crate::inference::cluster::SmallSample;
use crate::inference::wald::{self, WaldTest};
use crate::period::Month;
use crate::settings::Level;

#[derive(Clone, Copy, Debug)]
pub struct SunAbraham {
    pub first: Month,
    pub last: Month,
    pub conf_level: Level,
    pub ssc: SmallSample,
    pub base: EventBase,
}

/// One cohort's effect at one event time, δ_{g,e}, in the chosen base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CohortCell {
    pub cohort: Month,
    pub rel_time: i32,
    /// Treated observations of the cohort at this event time.
    pub n_obs: usize,
    #[serde(flatten)]
    pub interval: Interval,
}

/// One event time: the cohort-share-weighted mean of the cohorts' effects at it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SunabRow {
    /// Periods since the start; −1 is the reference and has no row.
    pub rel_time: i32,
    /// Cohorts observed at this event time.
    pub cohorts: usize,
    #[serde(flatten)]
    pub interval: Interval,
    /// Hidden (written `null`): it would give back a treated mean suppressed for its persons.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SunabFit {
    /// The mean over every treated observation from the start on.
    pub estimate: Estimate,
    pub rows: Vec<SunabRow>,
    pub cells: Vec<CohortCell>,
    pub base: EventBase,
    /// Joint test that the event-time effects before −1 are zero; absent when there are none.
    pub pretrend: Option<WaldTest>,
}

impl SunAbraham {
    pub fn fit(&self, sample: &Sample) -> Result<SunabFit, EstimateError> {
        let (panel, fe) = LongPanel::new(sample, self.first, self.last)?;
        // Each observation's cohort: the unit's start, in the order LongPanel lays them out.
        let mut cohort: Vec<Option<Month>> = Vec::with_capacity(panel.y.len());
        for u in &sample.units {
            let n = u.obs.iter().filter(|o| o.0 >= self.first && o.0 <= self.last).count();
            cohort.extend(std::iter::repeat_n(u.start, n));
        }
        // Cells (cohort, event time in periods) with observations, −1 left out as the reference.
        let cell_of = |k: usize| -> Option<(Month, i32)> {
            let g = cohort[k]?;
            (panel.rel[k] != NEVER).then(|| (g, periods_since(panel.rel[k], sample.step)))
        };
        let mut counts: BTreeMap<(Month, i32), usize> = BTreeMap::new();
        let mut has_reference = false;
        for k in 0..panel.y.len() {
            match cell_of(k) {
                Some((_, -1)) => has_reference = true,
                Some(cell) => *counts.entry(cell).or_default() += 1,
                None => {}
            }
        }
        if !has_reference {
            return Err(EstimateError::NoReferencePeriod);
        }
        let cells: Vec<(Month, i32)> = counts.keys().copied().collect();
        if !cells.iter().any(|c| c.1 >= 0) {
            return Err(EstimateError::NoPostPeriod);
        }
        let column: BTreeMap<(Month, i32), usize> = cells.iter().enumerate().map(|(j, &c)| (c, j)).collect();
        let at: Vec<Option<usize>> =
            (0..panel.y.len()).map(|k| cell_of(k).and_then(|c| column.get(&c).copied())).collect();
        let conv = Convergence::default();
        let mut y = panel.y.clone();
        fe.demean(&mut y, conv).map_err(not_converged)?;
        let x: Vec<Vec<f64>> = (0..cells.len())
            .into_par_iter()
            .map(|j| {
                let mut col: Vec<f64> = at.iter().map(|a| if *a == Some(j) { 1.0 } else { 0.0 }).collect();
                fe.demean(&mut col, conv).map(|_| col).map_err(not_converged)
            })
            .collect::<Result<_, _>>()?;
        let fit = ols::cr1(&x, &y, &panel.cluster_ids, panel.clusters, panel.n_months, self.ssc)
            .map_err(|e| EstimateError::EventWithoutComparison(Box::new(e)))?;
        let df = fit.inference.df;
        // Weights on δ of a target in the chosen base: under the pre-period-mean base every
        // cohort's pre-period cells take back the target's weight on that cohort, spread over
        // them and the reference period.
        let shift = |w: &[f64]| -> Vec<f64> {
            let mut out = w.to_vec();
            if self.base == EventBase::PreMean {
                let cohorts: Vec<Month> = {
                    let mut c: Vec<Month> = cells.iter().map(|c| c.0).collect();
                    c.dedup();
                    c
                };
                for g in cohorts {
                    let total: f64 = cells.iter().zip(w).filter(|(c, _)| c.0 == g).map(|(_, w)| w).sum();
                    let pre: Vec<usize> = (0..cells.len()).filter(|&j| cells[j].0 == g && cells[j].1 <= -2).collect();
                    for &j in &pre {
                        out[j] -= total / (pre.len() + 1) as f64;
                    }
                }
            }
            out
        };
        let combine = |w: &[f64]| fit.combine(&shift(w));
        let cell_out: Vec<CohortCell> = cells
            .iter()
            .enumerate()
            .map(|(j, &(cohort, rel_time))| {
                let mut w = vec![0.0; cells.len()];
                w[j] = 1.0;
                let (b, se) = combine(&w);
                CohortCell {
                    cohort,
                    rel_time,
                    n_obs: counts[&(cohort, rel_time)],
                    interval: Interval::t_based(b, se, df, self.conf_level),
                }
            })
            .collect();
        // Weights of each event time's cohorts, and of the post-period mean.
        let mut times: Vec<i32> = cells.iter().map(|c| c.1).collect();
        times.sort_unstable();
        times.dedup();
        let weights_at = |e: i32| -> Vec<f64> {
            let total: usize = cells.iter().filter(|c| c.1 == e).map(|c| counts[c]).sum();
            cells.iter().map(|c| if c.1 == e { counts[c] as f64 / total as f64 } else { 0.0 }).collect()
        };
        let rows: Vec<SunabRow> = times
            .iter()
            .map(|&e| {
                let (b, se) = combine(&weights_at(e));
                SunabRow {
                    rel_time: e,
                    cohorts: cells.iter().filter(|c| c.1 == e).count(),
                    interval: Interval::t_based(b, se, df, self.conf_level),
                    suppressed: false,
                }
            })
            .collect();
        let n_post: usize = cells.iter().filter(|c| c.1 >= 0).map(|c| counts[c]).sum();
        let w_post: Vec<f64> =
            cells.iter().map(|c| if c.1 >= 0 { counts[c] as f64 / n_post as f64 } else { 0.0 }).collect();
        let (avg, se) = combine(&w_post);
        // Pre-trend: the event-time effects before −1 in the period-before base, jointly
        // (covariance W V Wᵀ); the same test under either base.
        let leads: Vec<Vec<f64>> = times.iter().filter(|&&e| e <= -2).map(|&e| weights_at(e)).collect();
        let pretrend = if leads.is_empty() {
            None
        } else {
            let b: Vec<f64> = leads.iter().map(|w| w.iter().zip(&fit.beta).map(|(a, b)| a * b).sum()).collect();
            let v: Vec<f64> = leads
                .iter()
                .flat_map(|wa| leads.iter().map(move |wb| (wa, wb)))
                .map(|(wa, wb)| ols::bilinear(wa, wb, &fit.vcov))
                .collect();
            wald::f_test(&b, &v, df)
        };
        let n_cohorts = {
            let mut g: Vec<Month> = cells.iter().map(|c| c.0).collect();
            g.dedup();
            g.len()
        };
        let estimate = Estimate {
            method: Method::Sunab,
            estimand: format!(
                "mean effect over every treated observation from the start on, from cohort × event-time effects of {n_cohorts} start cohorts in a regression with unit and period fixed effects (Sun–Abraham; {})",
                match self.base {
                    EventBase::PeriodBefore => "reference: the period before the start",
                    EventBase::PreMean => "reference: each cohort's mean of its pre-period coefficients",
                }
            ),
            interval: Interval::t_based(avg, se, df, self.conf_level),
            inference: fit.inference,
            n_obs: panel.y.len(),
            n_units: panel.n_units,
            n_treated: panel.n_treated,
            n_control: panel.n_control,
        };
        Ok(SunabFit { estimate, rows, cells: cell_out, base: self.base, pretrend })
    }
}
