//! The synthetic designs of one analysis: synthetic control per treated municipality and pooled,
//! with placebo-in-space, placebo-in-time and leave-one-out; synthetic difference in differences
//! with its placebo distribution.
//!
//! Both work on a balanced matrix: the window's months (dropped COVID months left out) for the
//! pool municipalities that have data in every one of them (the donors) and for the treated
//! municipalities. A treated municipality with a gap is left out of these designs, in words.
//!
//! The fits themselves, with their inference, are [`SynthParams`] and [`SdidParams`] on a
//! [`Balanced`] panel, which `frikommune estimate` uses as well: a synthetic control (Abadie,
//! Diamond and Hainmueller 2010) ranked by its post/pre RMSPE ratio among the donors' placebo
//! ratios, its interval inverting that rank test for a constant effect (Firpo and Possebom 2018,
//! `None` on a side the test cannot reject with so few placebos); synthetic difference in
//! differences (Arkhangelsky et al. 2021) on the treated block from the earliest start, with the
//! interval of its placebo estimates (and their standard error, for reference).

use std::collections::BTreeMap;

use crate::design::Design;
use crate::design::balanced::Balanced;
use crate::estimate::conformal::{self, Conformal};
use crate::estimate::scm::{
    PlaceboRun, Predictor, ScFit, SyntheticControl, VChoice, mean_gap_inference, mean_gap_statistic, placebo_inference,
    placebo_p_value,
};
use crate::estimate::sdid::{self, Kind, SdidFit};
use crate::estimate::{Estimate, EstimateError, Method};
use crate::inference::Interval;
use crate::ingest::Panel;
use crate::period::Month;
use crate::registry::Code;
use crate::results::{
    ConformalPeriod, LeaveOneOut, PlaceboGap, PlaceboInTime, SdidResult, SynthResult, SynthUnit, TimeWeight, UnitWeight,
};
use crate::study::Study;

/// What a synthetic design adds to an analysis.
pub struct Synthetic<T> {
    pub result: Option<T>,
    pub estimate: Option<Estimate>,
    /// Comparison weights for the balance table.
    pub weights: Vec<(Code, f64)>,
    pub problems: Vec<String>,
}

/// The balanced matrix of the design's treated municipalities and donors, and what it left out
/// in words.
fn matrix(study: &Study, panel: &Panel, design: &Design, covariates: &[String]) -> (Balanced, Vec<String>) {
    let b = Balanced::from_design(study, panel, design, covariates);
    let mut problems = Vec::new();
    if b.incomplete_donors > 0 {
        problems.push(format!(
            "synthetic designs: {} of {} eligible municipalities lack data in some month of the window and are not donors",
            b.incomplete_donors,
            design.pool.len()
        ));
    }
    for &code in &b.incomplete_treated {
        problems.push(format!(
            "synthetic designs: {code} {} lacks data in some month of the window and is left out",
            study.registry.name(code as Code)
        ));
    }
    (b, problems)
}

fn codes(rows: &[crate::design::balanced::Row]) -> Vec<Code> {
    rows.iter().map(|r| r.id as Code).collect()
}

/// Is a value shown, or suppressed because fewer than `min_cell` persons are behind it (summed
/// over `codes` for a group mean)?
fn shown(study: &Study, panel: &Panel, outcome: &str, codes: &[Code], m: Month) -> bool {
    let mut persons = None;
    for &c in codes {
        if let Some(u) = panel.unit_index(c)
            && let Some(p) = panel.persons(outcome, u, m)
        {
            *persons.get_or_insert(0.0) += p;
        }
    }
    persons.is_none_or(|p| p >= study.min_cell.get() as f64)
}

fn weights_of(study: &Study, codes: &[Code], w: &[f64]) -> Vec<UnitWeight> {
    let mut out: Vec<UnitWeight> = codes
        .iter()
        .zip(w)
        .filter(|(_, w)| **w > 1e-6)
        .map(|(c, w)| UnitWeight { unit: *c, name: study.registry.name(*c).to_string(), weight: *w })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.unit.cmp(&b.unit)));
    out
}

/// Synthetic control per treated municipality and pooled.
pub fn synth(study: &Study, panel: &Panel, design: &Design) -> Synthetic<SynthResult> {
    let trial = &study.trials[design.trial];
    let covariates = Predictor::covariates(&trial.comparison.predictors);
    let (m, mut problems) = matrix(study, panel, design, &covariates);
    let fail = |mut problems: Vec<String>, why: String| {
        problems.push(format!("synthetic control: {why}"));
        Synthetic { result: None, estimate: None, weights: Vec::new(), problems }
    };
    if m.treated.is_empty() || m.donors.len() < 2 {
        return fail(problems, "needs a treated municipality and at least two donors with complete series".into());
    }
    let donors = codes(&m.donors);
    let params = SynthParams::of(study, trial);
    let sc = &params.control;
    let (y0, c0) = m.donor_slices();
    // Placebo runs per start month, shared by the treated municipalities with that start.
    let mut placebos: BTreeMap<Month, Vec<PlaceboRun>> = BTreeMap::new();
    // The constant effect's conformal interval: each participant from its own start, the
    // pooled mean with the share of participants started by each period.
    let settings = Conformal { alpha: study.conf_level.alpha(), grid: 100, refine: 20 };
    let mut fit_unit = |unit: Option<Code>, name: String, start: Month, y1: &[f64], c1: &[f64], codes: &[Code]| {
        let runs = placebos.entry(start).or_insert_with(|| params.placebos(&m, start)).clone();
        let f: SynthFit = params.fit(&m, y1, c1, start, &runs)?;
        let starts: Vec<Month> = match unit {
            Some(_) => vec![start],
            None => m.treated.iter().filter_map(|r| r.start).collect(),
        };
        let dose = conformal::doses(&m.periods, &starts);
        let conformal = conformal::constant_effect(y1, &y0, &dose, &settings);
        let treated = m
            .periods
            .iter()
            .zip(y1)
            .map(|(p, v)| shown(study, panel, &design.outcome, codes, *p).then_some(*v))
            .collect();
        let unit_result = SynthUnit {
            unit,
            name,
            start,
            weights: weights_of(study, &donors, &f.fit.weights),
            v: f.fit.v.clone(),
            w_fit: f.fit.w_fit,
            loss: f.fit.loss,
            evaluations: f.fit.evaluations,
            pre_rmspe: f.fit.pre_rmspe,
            post_rmspe: f.fit.post_rmspe,
            post_pre_ratio: f.fit.ratio,
            estimate: f.fit.estimate,
            p_value: f.p_value,
            ci_low: f.ci_low,
            ci_high: f.ci_high,
            n_placebos: f.placebo_ratios.len(),
            conformal: Some(conformal),
            treated,
            synthetic: f.fit.synthetic.clone(),
        };
        Ok::<_, EstimateError>((unit_result, f, runs))
    };

    let mut units = Vec::new();
    for row in &m.treated {
        let (code, start) = (row.id as Code, row.start.expect("treated rows have a start"));
        match fit_unit(Some(code), study.registry.name(code).to_string(), start, &row.values, &row.covariates, &[code])
        {
            Ok((u, _, _)) => units.push(u),
            Err(e) => problems.push(format!("synthetic control for {}: {e}", study.registry.name(code))),
        }
    }
    // Pooled: the treated municipalities' mean series, started at the earliest start.
    let start = m.start().expect("non-empty");
    let (pooled_row, pooled_cov) = m.treated_mean();
    let treated_codes = codes(&m.treated);
    let group_name = study.trials[design.trial].name.clone();
    let (pooled, pooled_fit, runs) = match fit_unit(None, group_name, start, &pooled_row, &pooled_cov, &treated_codes) {
        Ok(x) => x,
        Err(e) => return fail(problems, e.to_string()),
    };
    let t0 = pooled_fit.t0;
    let pooled_fit_estimate = pooled_fit.estimate(
        &m,
        format!(
            "mean gap over the post window between the treated municipalities' mean and its synthetic control (start {})",
            start
        ),
    );
    let pooled_fit = pooled_fit.fit;

    // Placebo-in-time: the pooled start moved back by half the pre-period, using only months
    // before the real start, ranked among the donors' placebos at that fake start.
    let placebo_in_time = {
        let fake = start.plus(-((design.pre_months / 2).max(1) as i32));
        let t0_fake = m.t0(fake);
        if t0_fake >= 2 && t0 > t0_fake {
            let cut = |r: &[f64]| r[..t0].to_vec();
            let y0_cut: Vec<Vec<f64>> = m.donors.iter().map(|r| cut(&r.values)).collect();
            let y0_cut_ref: Vec<&[f64]> = y0_cut.iter().map(Vec::as_slice).collect();
            match sc.fit(&cut(&pooled_row), &pooled_cov, &y0_cut_ref, &c0, t0_fake) {
                Ok(f) => {
                    let ratios: Vec<f64> = sc
                        .placebos(&y0_cut_ref, &c0, t0_fake)
                        .into_iter()
                        .filter_map(Result::ok)
                        .map(|r| r.ratio)
                        // Perfect placebo pre-fits (infinite ratios) rank like the treated's.
                        .filter(|r| !r.is_nan())
                        .collect();
                    Some(PlaceboInTime {
                        start: fake,
                        estimate: f.estimate,
                        pre_rmspe: f.pre_rmspe,
                        post_pre_ratio: f.ratio,
                        p_value: placebo_p_value(f.ratio, &ratios),
                    })
                }
                Err(e) => {
                    problems.push(format!("synthetic control placebo-in-time: {e}"));
                    None
                }
            }
        } else {
            None
        }
    };

    // Leave-one-out: each donor with weight refitted away.
    let leave_one_out: Vec<LeaveOneOut> = {
        use rayon::prelude::*;
        let used: Vec<usize> = (0..donors.len()).filter(|&j| pooled_fit.weights[j] > 1e-6).collect();
        used.par_iter()
            .filter_map(|&j| {
                let y: Vec<&[f64]> = (0..y0.len()).filter(|&i| i != j).map(|i| y0[i]).collect();
                let c: Vec<&[f64]> = (0..c0.len()).filter(|&i| i != j).map(|i| c0[i]).collect();
                sc.fit(&pooled_row, &pooled_cov, &y, &c, t0).ok().map(|f| LeaveOneOut {
                    dropped: donors[j],
                    name: study.registry.name(donors[j]).to_string(),
                    estimate: f.estimate,
                    pre_rmspe: f.pre_rmspe,
                })
            })
            .collect()
    };

    let placebo_gaps: Vec<PlaceboGap> = runs
        .iter()
        .map(|r| PlaceboGap {
            unit: donors[r.donor],
            pre_rmspe: r.pre_rmspe,
            post_pre_ratio: r.ratio,
            gap: r
                .gap
                .iter()
                .zip(&m.periods)
                .map(|(g, p)| shown(study, panel, &design.outcome, &[donors[r.donor]], *p).then_some(*g))
                .collect(),
        })
        .collect();
    // With `synth_conformal`, conformal intervals for each post period of the pooled gap, at the
    // study's level; a period whose treated mean is hidden is left out.
    let conformal: Vec<ConformalPeriod> = {
        use rayon::prelude::*;
        let periods = if study.synth_conformal { t0..m.periods.len() } else { 0..0 };
        periods
            .into_par_iter()
            .filter(|&t| shown(study, panel, &design.outcome, &treated_codes, m.periods[t]))
            .map(|t| {
                let i = conformal::one_period(&pooled_row, &y0, t0, t, &settings);
                ConformalPeriod {
                    period: m.periods[t],
                    estimate: i.estimate,
                    ci_low: i.ci_low,
                    ci_high: i.ci_high,
                    status: i.status,
                }
            })
            .collect()
    };
    let estimate = pooled_fit_estimate;
    let weights = donors.iter().copied().zip(pooled_fit.weights.iter().copied()).collect();
    Synthetic {
        result: Some(SynthResult {
            predictors: pooled_fit.predictor_names.clone(),
            periods: m.periods.clone(),
            donors,
            pooled,
            units,
            placebos: placebo_gaps,
            placebo_in_time,
            leave_one_out,
            conformal,
        }),
        estimate: Some(estimate),
        weights,
        problems,
    }
}

/// Synthetic difference in differences on the treated municipalities as one block started at
/// the earliest start, with the interval of its placebo distribution.
pub fn sdid(study: &Study, panel: &Panel, design: &Design) -> Synthetic<SdidResult> {
    let (m, mut problems) = matrix(study, panel, design, &[]);
    let fail = |mut problems: Vec<String>, why: String| {
        problems.push(format!("synthetic difference in differences: {why}"));
        Synthetic { result: None, estimate: None, weights: Vec::new(), problems }
    };
    if m.treated.is_empty() || m.donors.len() < 2 {
        return fail(problems, "needs a treated municipality and at least two donors with complete series".into());
    }
    let params = SdidParams { reps: study.sdid_reps as usize, seed: study.seed, conf_level: study.conf_level };
    let f = match params.fit(&m) {
        Ok(f) => f,
        Err(e) => return fail(problems, e.to_string()),
    };
    if let Err(e) = &f.se {
        problems.push(format!("synthetic difference in differences: {e}"));
    }
    let start = f.start;
    if f.staggered {
        problems.push(format!(
            "synthetic difference in differences treats every participant as started in {} (the earliest start)",
            start
        ));
    }
    let estimate = f.estimate(
        &m,
        &params,
        format!(
            "synthetic difference in differences: unit- and time-weighted double difference, treated municipalities' mean from {}",
            start
        ),
    );
    let donors = codes(&m.donors);
    let treated_codes = codes(&m.treated);
    let (mean_row, _) = m.treated_mean();
    let weighted: Vec<f64> =
        (0..m.periods.len()).map(|s| f.fit.omega.iter().zip(&m.donors).map(|(w, r)| w * r.values[s]).sum()).collect();
    let shift: f64 = f.fit.lambda.iter().enumerate().map(|(s, l)| l * (mean_row[s] - weighted[s])).sum();
    let result = SdidResult {
        start,
        estimate: f.fit.estimate,
        se: f.se.clone().unwrap_or(f64::NAN),
        reps: params.reps,
        weights: weights_of(study, &donors, &f.fit.omega),
        time_weights: m.periods[..f.t0]
            .iter()
            .zip(&f.fit.lambda)
            .filter(|(_, w)| **w > 1e-6)
            .map(|(p, w)| TimeWeight { period: *p, weight: *w })
            .collect(),
        periods: m.periods.clone(),
        treated: m
            .periods
            .iter()
            .zip(&mean_row)
            .map(|(p, v)| shown(study, panel, &design.outcome, &treated_codes, *p).then_some(*v))
            .collect(),
        counterfactual: weighted.iter().map(|w| w + shift).collect(),
    };
    Synthetic {
        result: Some(result),
        estimate: Some(estimate),
        weights: donors.iter().copied().zip(f.fit.omega.iter().copied()).collect(),
        problems,
    }
}

// ── The fits, shared with `frikommune estimate` ─────────────────────────────────────────────

/// A synthetic control and the level of its placebo interval.
pub struct SynthParams {
    pub control: SyntheticControl,
    pub conf_level: crate::settings::Level,
}

/// A synthetic control fitted to one treated series, with its placebo inference.
pub struct SynthFit {
    pub fit: ScFit,
    pub start: Month,
    /// Periods before the start.
    pub t0: usize,
    /// The finite placebo ratios the treated ratio is ranked among.
    pub placebo_ratios: Vec<f64>,
    pub p_value: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub conf_level: crate::settings::Level,
}

impl SynthParams {
    /// A trial's synthetic control as its study declares it: its predictors, and V fixed or
    /// searched.
    pub fn of(study: &Study, trial: &crate::study::Trial) -> SynthParams {
        SynthParams {
            control: SyntheticControl {
                predictors: trial.comparison.predictors.clone(),
                v: match &trial.comparison.v {
                    Some(v) => VChoice::Fixed(v.clone()),
                    None => VChoice::Search,
                },
            },
            conf_level: study.conf_level,
        }
    }

    /// Placebo in space at `start`: every donor fitted against the others (in donor order, for
    /// any thread count). A caller fitting several series with one start reuses these.
    pub fn placebos(&self, b: &Balanced, start: Month) -> Vec<PlaceboRun> {
        let (y0, c0) = b.donor_slices();
        self.control.placebos(&y0, &c0, b.t0(start)).into_iter().filter_map(Result::ok).collect()
    }

    /// The synthetic control of the series `y1` (covariates `c1`) started at `start`, ranked
    /// among `placebos` (from [`SynthParams::placebos`] at the same start).
    pub fn fit(
        &self,
        b: &Balanced,
        y1: &[f64],
        c1: &[f64],
        start: Month,
        placebos: &[PlaceboRun],
    ) -> Result<SynthFit, EstimateError> {
        if b.donors.len() < 2 {
            return Err(EstimateError::SyntheticUnits);
        }
        let (y0, c0) = b.donor_slices();
        let t0 = b.t0(start);
        let fit = self.control.fit(y1, c1, &y0, &c0, t0)?;
        // An infinite ratio (a perfect pre-fit) ranks the same for placebos as for the treated.
        let placebo_ratios: Vec<f64> = placebos.iter().map(|r| r.ratio).filter(|r| !r.is_nan()).collect();
        // The test and interval of the average effect: standardised mean gaps.
        let placebo_stats: Vec<f64> = placebos.iter().map(|r| mean_gap_statistic(&r.gap, t0)).collect();
        let (p_value, low, high) = mean_gap_inference(&fit.gap, t0, &placebo_stats, self.conf_level);
        Ok(SynthFit {
            p_value,
            ci_low: low.is_finite().then_some(low),
            ci_high: high.is_finite().then_some(high),
            fit,
            start,
            t0,
            placebo_ratios,
            conf_level: self.conf_level,
        })
    }

    /// The treated units' mean series against its synthetic control, from the earliest start,
    /// with the placebos at that start.
    pub fn fit_pooled(&self, b: &Balanced) -> Result<(SynthFit, Vec<PlaceboRun>), EstimateError> {
        let start = b.start().ok_or(EstimateError::SyntheticUnits)?;
        let (y1, c1) = b.treated_mean();
        let placebos = self.placebos(b, start);
        Ok((self.fit(b, &y1, &c1, start, &placebos)?, placebos))
    }
}

impl SynthFit {
    /// The estimate of this fit on `b`, described by `estimand`.
    pub fn estimate(&self, b: &Balanced, estimand: String) -> Estimate {
        Estimate {
            method: Method::Synth,
            estimand,
            interval: Interval {
                estimate: self.fit.estimate,
                se: f64::NAN,
                ci_low: self.ci_low.unwrap_or(f64::NAN),
                ci_high: self.ci_high.unwrap_or(f64::NAN),
                conf_level: self.conf_level.get(),
                p_value: self.p_value,
            },
            inference: placebo_inference(self.placebo_ratios.len()),
            n_obs: b.n_obs(),
            n_units: b.donors.len() + b.treated.len(),
            n_treated: b.treated.len(),
            n_control: b.donors.len(),
        }
    }
}

/// Synthetic difference in differences with its placebo distribution.
pub struct SdidParams {
    /// Placebo replications of the standard error.
    pub reps: usize,
    pub seed: u64,
    pub conf_level: crate::settings::Level,
}

/// SDID fitted to the treated block of a balanced panel.
pub struct SdidResultFit {
    pub fit: SdidFit,
    /// The earliest start; every treated unit counts as started then.
    pub start: Month,
    pub t0: usize,
    /// The placebo standard error and the placebo estimates; `Err` says why they could not be
    /// had (the estimate stands).
    pub se: Result<f64, EstimateError>,
    pub placebo: Vec<f64>,
    /// Whether the treated units start in different periods.
    pub staggered: bool,
}

impl SdidParams {
    pub fn fit(&self, b: &Balanced) -> Result<SdidResultFit, EstimateError> {
        if b.donors.len() < 2 {
            return Err(EstimateError::SyntheticUnits);
        }
        let start = b.start().ok_or(EstimateError::SyntheticUnits)?;
        let t0 = b.t0(start);
        let y: Vec<Vec<f64>> =
            b.donors.iter().map(|r| r.values.clone()).chain(b.treated.iter().map(|r| r.values.clone())).collect();
        let n0 = b.donors.len();
        let fit = sdid::fit(&y, n0, t0, Kind::Sdid)?;
        let (se, placebo) = match sdid::placebo_se(&y, n0, t0, Kind::Sdid, self.reps, self.seed) {
            Ok((se, placebo)) => (Ok(se), placebo),
            Err(e) => (Err(e), Vec::new()),
        };
        let staggered = b.treated.iter().any(|r| r.start != Some(start));
        Ok(SdidResultFit { fit, start, t0, se, placebo, staggered })
    }
}

impl SdidResultFit {
    /// The estimate on `b` with the interval of its placebo distribution
    /// ([`sdid::placebo_interval`]), described by `estimand`.
    pub fn estimate(&self, b: &Balanced, p: &SdidParams, estimand: String) -> Estimate {
        let (n0, n1) = (b.donors.len(), b.treated.len());
        let se = *self.se.as_ref().unwrap_or(&f64::NAN);
        Estimate {
            method: Method::Sdid,
            estimand,
            interval: if self.placebo.is_empty() {
                Interval { p_value: f64::NAN, ..Interval::normal(self.fit.estimate, f64::NAN, p.conf_level) }
            } else {
                sdid::placebo_interval(self.fit.estimate, se, &self.placebo, p.conf_level)
            },
            inference: sdid::placebo_inference(p.reps, n0, n1, p.seed),
            n_obs: b.n_obs(),
            n_units: n0 + n1,
            n_treated: n1,
            n_control: n0,
        }
    }
}
