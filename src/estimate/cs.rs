//! Staggered adoption: Callaway and Sant'Anna (2021) group-time average treatment effects.
//!
//! ATT(g,t) compares the change in outcome from a base period to period t of the units first
//! treated in period g ("cohort" g) with the same change among comparison units: those never
//! treated, or (not-yet-treated) those never treated or first treated after t. The base period
//! is "varying" as in R did's default: g − 1's period for t ≥ g, the period just before t for
//! the pre-period (placebo) cells. Without covariates the doubly robust, outcome-regression and
//! IPW estimators all reduce to this difference of mean changes. With time-invariant unit
//! covariates each cell is R did's default doubly robust estimate ([`super::drdid`]).
//!
//! Inference comes from the influence function (IF) of each cell, scaled to all n units:
//! ψ_i = (n/n_g)(ΔY_i − ΔȲ_g) for cohort units, −(n/n_C)(ΔY_i − ΔȲ_C) for comparison units,
//! 0 otherwise, and se = √(Σ_c (Σ_{i∈c} ψ_i)²) / n over clusters c (the units themselves by
//! default): R did and csdid with `bstrap = FALSE`, normal reference, no small-sample factor.
//! Aggregations (simple, group, dynamic, calendar) weight cells by cohort shares P(G = g) and
//! add the influence of estimating those shares, as R did's `aggte`. Simultaneous bands over
//! ATT(g,t) and over each aggregation's rows come from the multiplier bootstrap
//! ([`crate::inference::multiplier`]). Units already treated in the first period are dropped,
//! cohorts starting after the last period count as never treated, and units must be observed
//! in every period (unbalanced units are dropped and counted), all as in R did. With
//! [`Unbalanced::Keep`] (R did's `allow_unbalanced_panel`) units with gaps stay, and on a panel
//! that is then unbalanced each cell compares mean levels over the observations in its two
//! periods, with each unit's observations summed into one influence value (clustered by unit);
//! on a balanced panel the choice changes nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{EstimateError, Sample};
use crate::inference::multiplier::Multiplier;
use crate::inference::wald::{self, WaldTest};
use crate::inference::{Inference, Interval, normal_quantile};
use crate::period::Month;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Control {
    /// Units never treated in the data.
    Never,
    /// Units not yet treated by period t (including the never treated).
    NotYet,
}

impl Control {
    pub fn key(self) -> &'static str {
        match self {
            Control::Never => "never",
            Control::NotYet => "notyet",
        }
    }
}

/// What to do with units that lack an observation in some period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unbalanced {
    /// Leave them out (R did's default).
    #[default]
    Drop,
    /// Keep them: each ATT(g,t) compares the cohort's and the comparison units' mean levels in
    /// the two periods over the observations there (R did's `allow_unbalanced_panel`).
    Keep,
}

impl Unbalanced {
    pub fn key(self) -> &'static str {
        match self {
            Unbalanced::Drop => "drop",
            Unbalanced::Keep => "keep",
        }
    }

    fn is_drop(&self) -> bool {
        *self == Unbalanced::Drop
    }
}

#[derive(Clone, Copy, Debug)]
pub struct CallawaySantAnna {
    pub control: Control,
    pub conf_level: crate::settings::Level,
    /// Multiplier bootstrap for simultaneous bands; `None` gives pointwise intervals only.
    pub bootstrap: Option<Multiplier>,
    pub unbalanced: Unbalanced,
}

/// Time-invariant unit covariates for the doubly robust ATT(g,t): one row per unit code.
#[derive(Clone, Debug, Default)]
pub struct Covariates {
    pub names: Vec<String>,
    /// By [`super::SampleUnit::code`]; a unit without a row, or with a value that is not a
    /// finite number, is left out and counted.
    pub rows: BTreeMap<u32, Vec<f64>>,
}

/// One ATT(g,t).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub group: Month,
    pub time: Month,
    /// t ≥ g.
    pub post: bool,
    #[serde(flatten)]
    pub interval: Interval,
    /// Hidden (written `null`): it would give back a treated mean suppressed for its persons.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

/// One row of an aggregation: a cohort, an event time (periods since the start) or a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggRow {
    pub label: i64,
    #[serde(flatten)]
    pub interval: Interval,
    /// Simultaneous band over the aggregation's rows.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub band_low: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub band_high: f64,
    /// Hidden (written `null`): it would give back a treated mean suppressed for its persons.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregation {
    pub overall: Interval,
    pub rows: Vec<AggRow>,
    /// Critical value of the rows' band (the pointwise normal one without a bootstrap).
    pub band_crit: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsFit {
    pub control: Control,
    pub cells: Vec<Cell>,
    /// Critical value of the simultaneous band over all ATT(g,t).
    pub band_crit: f64,
    pub simple: Interval,
    pub group: Aggregation,
    /// Rows labelled by event time in periods (months for municipal data).
    pub dynamic: Aggregation,
    pub calendar: Aggregation,
    /// χ² test that all pre-period ATT(g,t) are zero.
    pub pretrend: Option<WaldTest>,
    pub inference: Inference,
    pub n_obs: usize,
    pub n_units: usize,
    pub n_treated: usize,
    /// Units left out: observed in fewer than all periods (unless kept), or treated from the
    /// first period.
    pub dropped_units: usize,
    /// How units with gaps were handled.
    #[serde(default, skip_serializing_if = "Unbalanced::is_drop")]
    pub unbalanced: Unbalanced,
    /// The covariates of the doubly robust ATT(g,t); empty: none (difference of mean changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Units left out because a covariate is missing for them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub missing_covariates: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Per-unit data after the R did preprocessing.
struct Panel {
    periods: Vec<Month>,
    /// y[i][t]; NaN where a kept unbalanced unit is not observed.
    y: Vec<Vec<f64>>,
    /// Every unit observed in every period.
    balanced: bool,
    /// Covariate rows (empty rows without covariates).
    x: Vec<Vec<f64>>,
    /// Index into `cohorts`, or None for never treated.
    cohort: Vec<Option<usize>>,
    cohorts: Vec<Month>,
    /// Cohorts that get ATT(g,t) cells (all, except the last when it only serves as a control).
    estimated: usize,
    cluster: Vec<usize>,
    clusters: usize,
    dropped: usize,
    missing_covariates: usize,
}

impl Panel {
    /// ATT(g,t) and its influence function on all units (zero outside the cell) from the
    /// units' changes between the base period and t: the difference of the cohort's and the
    /// comparison units' mean changes, or with covariates the doubly robust estimate
    /// ([`super::drdid::panel`]) scaled from the cell's units to all, as R did does.
    fn panel_cell(
        &self,
        g: usize,
        ti: usize,
        base: usize,
        is_control: &dyn Fn(usize) -> bool,
    ) -> Result<Option<(f64, Vec<f64>)>, EstimateError> {
        let n = self.y.len();
        let nf = n as f64;
        let members: Vec<usize> = (0..n).filter(|&i| self.cohort[i] == Some(g) || is_control(i)).collect();
        let n1 = members.iter().filter(|&&i| self.cohort[i] == Some(g)).count();
        if n1 == 0 || n1 == members.len() {
            return Ok(None);
        }
        let dy = |i: usize| self.y[i][ti] - self.y[i][base];
        let mut f = vec![0.0; n];
        if self.x.first().is_none_or(|r| r.is_empty()) {
            let n0 = members.len() - n1;
            let (mut s1, mut s0) = (0.0, 0.0);
            for &i in &members {
                if self.cohort[i] == Some(g) { s1 += dy(i) } else { s0 += dy(i) }
            }
            let (m1, m0) = (s1 / n1 as f64, s0 / n0 as f64);
            for &i in &members {
                f[i] = if self.cohort[i] == Some(g) {
                    nf / n1 as f64 * (dy(i) - m1)
                } else {
                    -nf / n0 as f64 * (dy(i) - m0)
                };
            }
            return Ok(Some((m1 - m0, f)));
        }
        let changes: Vec<f64> = members.iter().map(|&i| dy(i)).collect();
        let treated: Vec<bool> = members.iter().map(|&i| self.cohort[i] == Some(g)).collect();
        let x: Vec<&[f64]> = members.iter().map(|&i| self.x[i].as_slice()).collect();
        let cell = super::drdid::panel(&changes, &treated, &x)?;
        let scale = nf / members.len() as f64;
        members.iter().zip(&cell.inf).for_each(|(&i, v)| f[i] = scale * v);
        Ok(Some((cell.att, f)))
    }

    /// ATT(g,t) on an unbalanced panel, as repeated cross-sections (R did's
    /// `allow_unbalanced_panel`): (Ȳ_g,t − Ȳ_C,t) − (Ȳ_g,b − Ȳ_C,b) over the observations in
    /// each period. Each observation's influence (y − Ȳ)/n of its group and period, signed,
    /// is summed within its unit, so the standard error is clustered by unit.
    ///
    /// With covariates, the cell is DRDID's `drdid_rc` on the pooled observations
    /// ([`super::drdid::repeated_cross_sections`]), its per-observation influence scaled from
    /// the cell's observations to all units and summed within each unit, as R did does.
    fn rc_cell(
        &self,
        g: usize,
        ti: usize,
        base: usize,
        is_control: &dyn Fn(usize) -> bool,
    ) -> Result<Option<(f64, Vec<f64>)>, EstimateError> {
        let n = self.y.len();
        // Cohort at t, cohort at the base, comparison at t, comparison at the base.
        let group = |i: usize| -> Option<usize> {
            if self.cohort[i] == Some(g) {
                Some(0)
            } else if is_control(i) {
                Some(2)
            } else {
                None
            }
        };
        let (mut count, mut sum) = ([0usize; 4], [0.0; 4]);
        for i in 0..n {
            let Some(k) = group(i) else { continue };
            for (offset, period) in [(0, ti), (1, base)] {
                let v = self.y[i][period];
                if v.is_finite() {
                    count[k + offset] += 1;
                    sum[k + offset] += v;
                }
            }
        }
        if count.contains(&0) {
            return Ok(None);
        }
        if self.x.first().is_some_and(|r| !r.is_empty()) {
            // (unit, outcome, post, cohort) for every observation of the cell.
            let mut rows: Vec<(usize, f64, bool, bool)> = Vec::new();
            for i in 0..n {
                let Some(k) = group(i) else { continue };
                for (period, post) in [(ti, true), (base, false)] {
                    let v = self.y[i][period];
                    if v.is_finite() {
                        rows.push((i, v, post, k == 0));
                    }
                }
            }
            let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let post: Vec<bool> = rows.iter().map(|r| r.2).collect();
            let treated: Vec<bool> = rows.iter().map(|r| r.3).collect();
            let x: Vec<&[f64]> = rows.iter().map(|r| self.x[r.0].as_slice()).collect();
            let cell = super::drdid::repeated_cross_sections(&y, &post, &treated, &x)?;
            let scale = n as f64 / rows.len() as f64;
            let mut f = vec![0.0; n];
            rows.iter().zip(&cell.inf).for_each(|(r, v)| f[r.0] += scale * v);
            return Ok(Some((cell.att, f)));
        }
        let mean: Vec<f64> = (0..4).map(|k| sum[k] / count[k] as f64).collect();
        let sign = [1.0, -1.0, -1.0, 1.0];
        let nf = n as f64;
        let mut f = vec![0.0; n];
        for (i, fi) in f.iter_mut().enumerate() {
            let Some(k) = group(i) else { continue };
            for (offset, period) in [(0, ti), (1, base)] {
                let v = self.y[i][period];
                if v.is_finite() {
                    let c = k + offset;
                    *fi += sign[c] * nf * (v - mean[c]) / count[c] as f64;
                }
            }
        }
        Ok(Some(((mean[0] - mean[2]) - (mean[1] - mean[3]), f)))
    }
}

impl CallawaySantAnna {
    /// ATT(g,t) without covariates: every estimation method of R did reduces to the
    /// difference of mean changes.
    pub fn fit(&self, sample: &Sample) -> Result<CsFit, EstimateError> {
        self.fit_with(sample, &Covariates::default())
    }

    /// ATT(g,t), doubly robust in `covariates` when it names any.
    pub fn fit_with(&self, sample: &Sample, covariates: &Covariates) -> Result<CsFit, EstimateError> {
        let step = sample.step;
        let p = self.prepare(sample, covariates)?;
        let n = p.y.len();
        let nf = n as f64;
        // Cohort sizes and shares P(G = g).
        let mut size = vec![0usize; p.cohorts.len()];
        p.cohort.iter().flatten().for_each(|&g| size[g] += 1);
        let pg: Vec<f64> = size.iter().map(|&s| s as f64 / nf).collect();

        // ATT(g,t) and their influence functions.
        let mut cells: Vec<(usize, usize, f64)> = Vec::new(); // (cohort, period index, att)
        let mut psi: Vec<Vec<f64>> = Vec::new();
        for g in 0..p.estimated {
            let start = p.cohorts[g];
            let Some(last_pre) = p.periods.iter().rposition(|&m| m < start) else { continue };
            for ti in 1..p.periods.len() {
                let t = p.periods[ti];
                let base = if start <= t { last_pre } else { ti - 1 };
                let is_control = |i: usize| match p.cohort[i] {
                    None => true,
                    Some(h) => self.control == Control::NotYet && h != g && p.cohorts[h] > t,
                };
                let cell = if p.balanced {
                    p.panel_cell(g, ti, base, &is_control)?
                } else {
                    p.rc_cell(g, ti, base, &is_control)?
                };
                if let Some((att, f)) = cell {
                    cells.push((g, ti, att));
                    psi.push(f);
                }
            }
        }
        if !cells.iter().any(|&(g, ti, _)| p.cohorts[g] <= p.periods[ti]) {
            return Err(EstimateError::NoPostEffect);
        }

        let cluster_sum = |f: &[f64]| -> Vec<f64> {
            let mut s = vec![0.0; p.clusters];
            f.iter().zip(&p.cluster).for_each(|(v, &c)| s[c] += v);
            s
        };
        let se_of = |f: &[f64]| cluster_sum(f).iter().map(|s| s * s).sum::<f64>().sqrt() / nf;
        let band = |fs: &[Vec<f64>]| -> f64 {
            match self.bootstrap {
                Some(m) if !fs.is_empty() => {
                    let sums: Vec<Vec<f64>> = {
                        let per: Vec<Vec<f64>> = fs.iter().map(|f| cluster_sum(f)).collect();
                        (0..p.clusters).map(|c| per.iter().map(|s| s[c]).collect()).collect()
                    };
                    m.band(&sums, n, self.conf_level).crit
                }
                _ => normal_quantile(0.5 + self.conf_level.get() / 2.0),
            }
        };
        let interval = |est: f64, f: &[f64]| Interval::normal(est, se_of(f), self.conf_level);

        let att: Vec<f64> = cells.iter().map(|c| c.2).collect();
        let cell_out: Vec<Cell> = cells
            .iter()
            .zip(&psi)
            .map(|(&(g, ti, a), f)| Cell {
                group: p.cohorts[g],
                time: p.periods[ti],
                post: p.cohorts[g] <= p.periods[ti],
                interval: interval(a, f),
                suppressed: false,
            })
            .collect();
        let band_crit = band(&psi);

        // Influence of the estimated weights pg_k / Σ pg over `keepers` (cells or cohorts, each
        // with its cohort), applied to their estimates.
        let weight_influence = |keeper_cohort: &[usize], est: &[f64]| -> Vec<f64> {
            let total: f64 = keeper_cohort.iter().map(|&g| pg[g]).sum();
            (0..n)
                .map(|i| {
                    let ind = |g: usize| if p.cohort[i] == Some(g) { 1.0 } else { 0.0 };
                    let r: f64 = keeper_cohort.iter().map(|&g| ind(g) - pg[g]).sum();
                    keeper_cohort
                        .iter()
                        .zip(est)
                        .map(|(&g, a)| a * ((ind(g) - pg[g]) / total - r * pg[g] / (total * total)))
                        .sum()
                })
                .collect()
        };
        // Σ_k w_k ψ_k (+ weight influence): the IF of a weighted average of cells.
        let combine = |which: &[usize], w: &[f64]| -> Vec<f64> {
            let mut f = vec![0.0; n];
            for (&k, wk) in which.iter().zip(w) {
                f.iter_mut().zip(&psi[k]).for_each(|(a, b)| *a += wk * b);
            }
            f
        };
        let share_weighted = |which: &[usize]| -> (f64, Vec<f64>) {
            let cohorts: Vec<usize> = which.iter().map(|&k| cells[k].0).collect();
            let total: f64 = cohorts.iter().map(|&g| pg[g]).sum();
            let w: Vec<f64> = cohorts.iter().map(|&g| pg[g] / total).collect();
            let est: f64 = which.iter().zip(&w).map(|(&k, wk)| wk * att[k]).sum();
            let mut f = combine(which, &w);
            let ests: Vec<f64> = which.iter().map(|&k| att[k]).collect();
            f.iter_mut().zip(weight_influence(&cohorts, &ests)).for_each(|(a, b)| *a += b);
            (est, f)
        };
        let post: Vec<usize> = (0..cells.len()).filter(|&k| cell_out[k].post).collect();

        // Simple: all post cells weighted by cohort share.
        let (simple_est, simple_f) = share_weighted(&post);
        let simple = interval(simple_est, &simple_f);

        // Group: each cohort's mean over its post cells; overall weighted by cohort share.
        let mut g_rows = Vec::new();
        for g in 0..p.estimated {
            let which: Vec<usize> = post.iter().copied().filter(|&k| cells[k].0 == g).collect();
            if which.is_empty() {
                continue;
            }
            let w = vec![1.0 / which.len() as f64; which.len()];
            let est: f64 = which.iter().map(|&k| att[k]).sum::<f64>() / which.len() as f64;
            g_rows.push((g, est, combine(&which, &w)));
        }
        let g_cohorts: Vec<usize> = g_rows.iter().map(|r| r.0).collect();
        let g_total: f64 = g_cohorts.iter().map(|&g| pg[g]).sum();
        let g_ests: Vec<f64> = g_rows.iter().map(|r| r.1).collect();
        let group_est: f64 = g_rows.iter().map(|r| pg[r.0] / g_total * r.1).sum();
        let mut group_f = vec![0.0; n];
        for r in &g_rows {
            group_f.iter_mut().zip(&r.2).for_each(|(a, b)| *a += pg[r.0] / g_total * b);
        }
        group_f.iter_mut().zip(weight_influence(&g_cohorts, &g_ests)).for_each(|(a, b)| *a += b);
        let group = self.aggregation(
            interval(group_est, &group_f),
            g_rows.into_iter().map(|(g, est, f)| (label_of(p.cohorts[g]), est, f)).collect(),
            &se_of,
            &band,
        );

        // Dynamic: event time e = t − g, cells weighted by cohort share; overall = mean over e ≥ 0.
        let mut by_e: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (k, c) in cell_out.iter().enumerate() {
            by_e.entry(crate::estimate::periods_since(c.time.since(c.group), step) as i64).or_default().push(k);
        }
        let e_rows: Vec<(i64, f64, Vec<f64>)> = by_e
            .iter()
            .map(|(&e, which)| {
                let (est, f) = share_weighted(which);
                (e, est, f)
            })
            .collect();
        let (dyn_est, dyn_f) = mean_of(e_rows.iter().filter(|r| r.0 >= 0), n);
        let dynamic = self.aggregation(interval(dyn_est, &dyn_f), e_rows, &se_of, &band);

        // Calendar: period t, post cells weighted by cohort share; overall = mean over periods.
        let mut by_t: BTreeMap<Month, Vec<usize>> = BTreeMap::new();
        for &k in &post {
            by_t.entry(cell_out[k].time).or_default().push(k);
        }
        let t_rows: Vec<(i64, f64, Vec<f64>)> = by_t
            .iter()
            .map(|(&t, which)| {
                let (est, f) = share_weighted(which);
                (label_of(t), est, f)
            })
            .collect();
        let (cal_est, cal_f) = mean_of(t_rows.iter(), n);
        let calendar = self.aggregation(interval(cal_est, &cal_f), t_rows, &se_of, &band);

        // Pre-trend: the pre-period cells with positive variance, V = S′S/n from cluster sums.
        let pre: Vec<usize> = (0..cells.len()).filter(|&k| !cell_out[k].post && se_of(&psi[k]) > 0.0).collect();
        let pretrend = if pre.is_empty() {
            None
        } else {
            let sums: Vec<Vec<f64>> = pre.iter().map(|&k| cluster_sum(&psi[k])).collect();
            let q = pre.len();
            let mut v = vec![0.0; q * q];
            for a in 0..q {
                for b in 0..q {
                    v[a * q + b] = sums[a].iter().zip(&sums[b]).map(|(x, y)| x * y).sum::<f64>() / (nf * nf);
                }
            }
            let b: Vec<f64> = pre.iter().map(|&k| att[k]).collect();
            wald::chi2(&b, &v)
        };

        let how = match self.bootstrap {
            Some(m) => format!(
                "; simultaneous bands by multiplier bootstrap (Rademacher, {} draws, seed {})",
                m.reps.get(),
                m.seed
            ),
            None => String::new(),
        };
        let mut how = how;
        if !covariates.names.is_empty() {
            how.push_str(if p.balanced {
                "; doubly robust cells whose influence functions include the estimated propensity score and outcome model (R DRDID drdid_panel)"
            } else {
                "; doubly robust cells whose influence functions include the estimated propensity score and outcome models (R DRDID drdid_rc)"
            });
        }
        if !p.balanced {
            how.push_str("; the unbalanced panel as repeated cross-sections, each unit's observations summed into one influence value (R did allow_unbalanced_panel, no CR1 factor)");
        }
        let inference = Inference {
            name: "IF".into(),
            description: format!(
                "analytic influence-function standard errors clustered by {} ({} clusters), no small-sample correction, normal reference (as R did and csdid){how}",
                if p.clusters == n { "unit" } else { "the cluster column" },
                p.clusters
            ),
            clusters: p.clusters,
            df: f64::NAN,
            adjustment: f64::NAN,
        };
        Ok(CsFit {
            control: self.control,
            cells: cell_out,
            band_crit,
            simple,
            group,
            dynamic,
            calendar,
            pretrend,
            inference,
            n_obs: p.y.iter().flatten().filter(|v| v.is_finite()).count(),
            n_units: n,
            n_treated: p.cohort.iter().filter(|c| c.is_some_and(|g| g < p.estimated)).count(),
            dropped_units: p.dropped,
            unbalanced: self.unbalanced,
            covariates: covariates.names.clone(),
            missing_covariates: p.missing_covariates,
        })
    }

    fn aggregation(
        &self,
        overall: Interval,
        rows: Vec<(i64, f64, Vec<f64>)>,
        se_of: &dyn Fn(&[f64]) -> f64,
        band: &dyn Fn(&[Vec<f64>]) -> f64,
    ) -> Aggregation {
        let fs: Vec<Vec<f64>> = rows.iter().map(|r| r.2.clone()).collect();
        let crit = band(&fs);
        let rows = rows
            .iter()
            .map(|(label, est, f)| {
                let interval = Interval::normal(*est, se_of(f), self.conf_level);
                AggRow {
                    label: *label,
                    band_low: est - crit * interval.se,
                    band_high: est + crit * interval.se,
                    interval,
                    suppressed: false,
                }
            })
            .collect();
        Aggregation { overall, rows, band_crit: crit }
    }

    /// R did's preprocessing: balanced units (unless unbalanced ones are kept), units with every
    /// covariate, first-period-treated units out, late cohorts as never treated, and the last
    /// cohort as the comparison when no unit is never treated.
    fn prepare(&self, sample: &Sample, covariates: &Covariates) -> Result<Panel, EstimateError> {
        let mut periods: Vec<Month> = sample.units.iter().flat_map(|u| u.obs.iter().map(|o| o.0)).collect();
        periods.sort();
        periods.dedup();
        let index: BTreeMap<Month, usize> = periods.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let (mut dropped, mut missing_covariates) = (0, 0);
        // (start, outcomes, cluster key: the declared cluster, or the unit itself, covariates)
        type Row = (Option<Month>, Vec<f64>, (bool, u32), Vec<f64>);
        let mut rows: Vec<Row> = Vec::new();
        for (position, u) in sample.units.iter().enumerate() {
            let mut y = vec![f64::NAN; periods.len()];
            for &(m, v) in &u.obs {
                y[index[&m]] = v;
            }
            if self.unbalanced == Unbalanced::Drop && y.iter().any(|v| !v.is_finite()) {
                dropped += 1;
                continue;
            }
            let x = if covariates.names.is_empty() {
                Vec::new()
            } else {
                match covariates.rows.get(&u.code) {
                    Some(x) if x.len() == covariates.names.len() && x.iter().all(|v| v.is_finite()) => x.clone(),
                    _ => {
                        missing_covariates += 1;
                        continue;
                    }
                }
            };
            rows.push((u.start, y, u.cluster.map_or((false, position as u32), |c| (true, c)), x));
        }
        let (Some(&first), Some(&last)) = (periods.first(), periods.last()) else {
            return Err(EstimateError::NoObservations);
        };
        // Starting after the last period = never treated within the data.
        rows.iter_mut().for_each(|r| r.0 = r.0.filter(|&s| s <= last));
        let before = rows.len();
        rows.retain(|r| r.0.is_none_or(|s| s > first));
        dropped += before - rows.len();
        let mut estimated_cut = None;
        if rows.iter().all(|r| r.0.is_some()) {
            // No never-treated units: the last cohort is the comparison, periods from its start out.
            let latest = rows.iter().filter_map(|r| r.0).max().ok_or(EstimateError::NoUnits)?;
            let keep = periods.iter().filter(|&&m| m < latest).count();
            if keep < 2 {
                return Err(EstimateError::NoComparisonCohort);
            }
            periods.truncate(keep);
            rows.iter_mut().for_each(|r| r.1.truncate(keep));
            let before = rows.len();
            rows.retain(|r| r.1.iter().any(|v| v.is_finite()));
            dropped += before - rows.len();
            match self.control {
                Control::Never => rows.iter_mut().filter(|r| r.0 == Some(latest)).for_each(|r| r.0 = None),
                Control::NotYet => estimated_cut = Some(latest),
            }
        }
        let mut cohorts: Vec<Month> = rows.iter().filter_map(|r| r.0).collect();
        cohorts.sort();
        cohorts.dedup();
        if cohorts.is_empty() {
            return Err(EstimateError::NoLateStart);
        }
        let estimated = match estimated_cut {
            Some(l) => cohorts.iter().filter(|&&c| c < l).count(),
            None => cohorts.len(),
        };
        if estimated == 0 {
            return Err(EstimateError::NoCohortLeft);
        }
        let mut cluster_ids: BTreeMap<(bool, u32), usize> = BTreeMap::new();
        let cluster: Vec<usize> = rows
            .iter()
            .map(|r| {
                let next = cluster_ids.len();
                *cluster_ids.entry(r.2).or_insert(next)
            })
            .collect();
        if cluster_ids.len() < 2 {
            return Err(EstimateError::TooFewClusters);
        }
        let balanced = rows.iter().all(|r| r.1.iter().all(|v| v.is_finite()));
        Ok(Panel {
            periods,
            balanced,
            x: rows.iter().map(|r| r.3.clone()).collect(),
            cohort: rows.iter().map(|r| r.0.map(|s| cohorts.binary_search(&s).expect("listed"))).collect(),
            y: rows.into_iter().map(|r| r.1).collect(),
            cohorts,
            estimated,
            clusters: cluster_ids.len(),
            cluster,
            dropped,
            missing_covariates,
        })
    }
}

/// A period as a number: the year for January-only (annual) data would be ambiguous, so months
/// are written yyyymm; the CLI maps them back to the input's labels.
/// The period ATT(g,t) compares period `t` with: the one before the start `g` from the start on,
/// the one before `t` before it (R did's varying base); `step` months per period.
pub fn base_period(g: Month, t: Month, step: i32) -> Month {
    if t >= g { g.plus(-step) } else { t.plus(-step) }
}

pub fn label_of(m: Month) -> i64 {
    m.year() as i64 * 100 + m.month() as i64
}

/// Equal-weight mean of rows and of their influence functions.
fn mean_of<'a>(rows: impl Iterator<Item = &'a (i64, f64, Vec<f64>)>, n: usize) -> (f64, Vec<f64>) {
    let rows: Vec<_> = rows.collect();
    let k = rows.len().max(1) as f64;
    let mut f = vec![0.0; n];
    let mut est = 0.0;
    for r in &rows {
        est += r.1 / k;
        f.iter_mut().zip(&r.2).for_each(|(a, b)| *a += b / k);
    }
    (est, f)
}

impl CsFit {
    /// The simple aggregation as the headline estimate.
    pub fn headline(&self) -> super::Estimate {
        super::Estimate {
            method: super::Method::Cs,
            estimand: format!(
                "ATT(g,t) from the start on, averaged with cohort-size weights (Callaway–Sant'Anna simple aggregation; {} comparison units{}{})",
                match self.control {
                    Control::Never => "never-treated",
                    Control::NotYet => "not-yet-treated",
                },
                if self.covariates.is_empty() {
                    String::new()
                } else {
                    format!("; doubly robust in {}", self.covariates.join(", "))
                },
                match self.unbalanced {
                    Unbalanced::Drop => "",
                    Unbalanced::Keep => "; units with gaps kept",
                }
            ),
            interval: self.simple.clone(),
            inference: self.inference.clone(),
            n_obs: self.n_obs,
            n_units: self.n_units,
            n_treated: self.n_treated,
            n_control: self.n_units - self.n_treated,
        }
    }
}

/// The month written by [`label_of`].
pub fn month_of_label(label: i64) -> Option<Month> {
    Month::new((label / 100) as i32, (label % 100) as u32)
}
