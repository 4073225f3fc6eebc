//! The synthetic designs of one analysis: synthetic control per treated municipality and pooled,
//! with placebo-in-space, placebo-in-time and leave-one-out; synthetic difference in differences
//! with its placebo standard error.
//!
//! Both work on a balanced matrix: the window's months (dropped COVID months left out) for the
//! pool municipalities that have data in every one of them (the donors) and for the treated
//! municipalities. A treated municipality with a gap is left out of these designs, in words.

use std::collections::BTreeMap;

use crate::design::Design;
use crate::estimate::scm::{PlaceboRun, Predictor, SyntheticControl, VChoice, placebo_interval, placebo_p_value};
use crate::estimate::sdid::{self, Kind};
use crate::estimate::{Estimate, Method};
use crate::inference::Interval;
use crate::ingest::Panel;
use crate::period::Month;
use crate::registry::Code;
use crate::results::{
    LeaveOneOut, PlaceboGap, PlaceboInTime, SdidResult, SynthResult, SynthUnit, TimeWeight, UnitWeight,
};
use crate::study::Study;

/// What a synthetic design adds to an analysis.
pub(super) struct Synthetic<T> {
    pub result: Option<T>,
    pub estimate: Option<Estimate>,
    /// Comparison weights for the balance table.
    pub weights: Vec<(Code, f64)>,
    pub problems: Vec<String>,
}

struct Matrix {
    periods: Vec<Month>,
    donors: Vec<Code>,
    donor_rows: Vec<Vec<f64>>,
    /// Treated municipalities with a complete series: code, start, row.
    treated: Vec<(Code, Month, Vec<f64>)>,
    problems: Vec<String>,
}

fn matrix(study: &Study, panel: &Panel, design: &Design) -> Matrix {
    let periods: Vec<Month> = design.observation_months();
    let row = |code: Code| -> Option<Vec<f64>> {
        let u = panel.unit_index(code)?;
        periods.iter().map(|m| panel.value(&design.outcome, u, *m)).collect()
    };
    let mut donors = Vec::new();
    let mut donor_rows = Vec::new();
    for &c in &design.pool {
        if let Some(r) = row(c) {
            donors.push(c);
            donor_rows.push(r);
        }
    }
    let mut problems = Vec::new();
    if donors.len() < design.pool.len() {
        problems.push(format!(
            "synthetic designs: {} of {} eligible municipalities lack data in some month of the window and are not donors",
            design.pool.len() - donors.len(),
            design.pool.len()
        ));
    }
    let mut treated = Vec::new();
    for t in &design.treated {
        match row(t.code) {
            Some(r) => treated.push((t.code, t.start, r)),
            None => problems.push(format!(
                "synthetic designs: {} {} lacks data in some month of the window and is left out",
                t.code,
                study.registry.name(t.code)
            )),
        }
    }
    Matrix { periods, donors, donor_rows, treated, problems }
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
    persons.is_none_or(|p| p >= study.min_cell as f64)
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

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Synthetic control per treated municipality and pooled.
pub(super) fn synth(study: &Study, panel: &Panel, design: &Design) -> Synthetic<SynthResult> {
    let trial = &study.trials[design.trial];
    let m = matrix(study, panel, design);
    let mut problems = m.problems.clone();
    let fail = |mut problems: Vec<String>, why: String| {
        problems.push(format!("synthetic control: {why}"));
        Synthetic { result: None, estimate: None, weights: Vec::new(), problems }
    };
    if m.treated.is_empty() || m.donors.len() < 2 {
        return fail(problems, "needs a treated municipality and at least two donors with complete series".into());
    }
    let predictors = trial.comparison.predictors.clone();
    let covariates = Predictor::covariates(&predictors);
    let cov_of = |code: Code| -> Vec<f64> {
        covariates.iter().map(|c| design.variable(study, panel, code, c).unwrap_or(f64::NAN)).collect()
    };
    let donor_cov: Vec<Vec<f64>> = m.donors.iter().map(|&c| cov_of(c)).collect();
    let y0: Vec<&[f64]> = m.donor_rows.iter().map(Vec::as_slice).collect();
    let c0: Vec<&[f64]> = donor_cov.iter().map(Vec::as_slice).collect();
    let sc = SyntheticControl {
        predictors,
        v: match &trial.comparison.v {
            Some(v) => VChoice::Fixed(v.clone()),
            None => VChoice::Search,
        },
    };
    let t0_of = |start: Month| m.periods.iter().filter(|p| **p < start).count();
    // Placebo runs per start month, shared by the treated municipalities with that start.
    let mut placebos: BTreeMap<Month, Vec<PlaceboRun>> = BTreeMap::new();
    let mut placebo_runs = |start: Month| -> Vec<PlaceboRun> {
        placebos
            .entry(start)
            .or_insert_with(|| sc.placebos(&y0, &c0, t0_of(start)).into_iter().filter_map(Result::ok).collect())
            .clone()
    };
    let conf = study.conf_level;
    let mut fit_unit = |unit: Option<Code>, name: String, start: Month, y1: &[f64], c1: &[f64], codes: &[Code]| {
        let t0 = t0_of(start);
        let fit = sc.fit(y1, c1, &y0, &c0, t0)?;
        let runs = placebo_runs(start);
        let ratios: Vec<f64> = runs.iter().map(|r| r.ratio).filter(|r| r.is_finite()).collect();
        let (low, high) = placebo_interval(&fit.gap, t0, &ratios, conf);
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
            weights: weights_of(study, &m.donors, &fit.weights),
            v: fit.v.clone(),
            loss: fit.loss,
            evaluations: fit.evaluations,
            pre_rmspe: fit.pre_rmspe,
            post_rmspe: fit.post_rmspe,
            post_pre_ratio: fit.ratio,
            estimate: fit.estimate,
            p_value: placebo_p_value(fit.ratio, &ratios),
            ci_low: finite(low),
            ci_high: finite(high),
            n_placebos: ratios.len(),
            treated,
            synthetic: fit.synthetic.clone(),
        };
        Ok::<_, String>((unit_result, fit, runs))
    };

    let mut units = Vec::new();
    for (code, start, row) in &m.treated {
        match fit_unit(Some(*code), study.registry.name(*code).to_string(), *start, row, &cov_of(*code), &[*code]) {
            Ok((u, _, _)) => units.push(u),
            Err(e) => problems.push(format!("synthetic control for {}: {e}", study.registry.name(*code))),
        }
    }
    // Pooled: the treated municipalities' mean series, started at the earliest start.
    let n1 = m.treated.len() as f64;
    let start = m.treated.iter().map(|t| t.1).min().expect("non-empty");
    let pooled_row: Vec<f64> =
        (0..m.periods.len()).map(|s| m.treated.iter().map(|t| t.2[s]).sum::<f64>() / n1).collect();
    let treated_codes: Vec<Code> = m.treated.iter().map(|t| t.0).collect();
    let pooled_cov: Vec<f64> = {
        let covs: Vec<Vec<f64>> = treated_codes.iter().map(|&c| cov_of(c)).collect();
        (0..covariates.len()).map(|i| covs.iter().map(|c| c[i]).sum::<f64>() / n1).collect()
    };
    let group_name = study.trials[design.trial].name.clone();
    let (pooled, pooled_fit, runs) = match fit_unit(None, group_name, start, &pooled_row, &pooled_cov, &treated_codes) {
        Ok(x) => x,
        Err(e) => return fail(problems, e),
    };
    let t0 = t0_of(start);

    // Placebo-in-time: the pooled start moved back by half the pre-period, using only months
    // before the real start, ranked among the donors' placebos at that fake start.
    let placebo_in_time = {
        let fake = start.plus(-((design.pre_months / 2).max(1) as i32));
        let t0_fake = t0_of(fake);
        if t0_fake >= 2 && t0 > t0_fake {
            let cut = |r: &[f64]| r[..t0].to_vec();
            let y0_cut: Vec<Vec<f64>> = m.donor_rows.iter().map(|r| cut(r)).collect();
            let y0_cut_ref: Vec<&[f64]> = y0_cut.iter().map(Vec::as_slice).collect();
            match sc.fit(&cut(&pooled_row), &pooled_cov, &y0_cut_ref, &c0, t0_fake) {
                Ok(f) => {
                    let ratios: Vec<f64> = sc
                        .placebos(&y0_cut_ref, &c0, t0_fake)
                        .into_iter()
                        .filter_map(Result::ok)
                        .map(|r| r.ratio)
                        .filter(|r| r.is_finite())
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
        let used: Vec<usize> = (0..m.donors.len()).filter(|&j| pooled_fit.weights[j] > 1e-6).collect();
        used.par_iter()
            .filter_map(|&j| {
                let y: Vec<&[f64]> = (0..y0.len()).filter(|&i| i != j).map(|i| y0[i]).collect();
                let c: Vec<&[f64]> = (0..c0.len()).filter(|&i| i != j).map(|i| c0[i]).collect();
                sc.fit(&pooled_row, &pooled_cov, &y, &c, t0).ok().map(|f| LeaveOneOut {
                    dropped: m.donors[j],
                    name: study.registry.name(m.donors[j]).to_string(),
                    estimate: f.estimate,
                    pre_rmspe: f.pre_rmspe,
                })
            })
            .collect()
    };

    let placebo_gaps: Vec<PlaceboGap> = runs
        .iter()
        .map(|r| PlaceboGap {
            unit: m.donors[r.donor],
            pre_rmspe: r.pre_rmspe,
            post_pre_ratio: r.ratio,
            gap: r
                .gap
                .iter()
                .zip(&m.periods)
                .map(|(g, p)| shown(study, panel, &design.outcome, &[m.donors[r.donor]], *p).then_some(*g))
                .collect(),
        })
        .collect();
    let estimate = Estimate {
        method: Method::Synth,
        estimand: format!(
            "mean gap over the post window between the treated municipalities' mean and its synthetic control (start {})",
            start
        ),
        interval: Interval {
            estimate: pooled.estimate,
            se: f64::NAN,
            ci_low: pooled.ci_low.unwrap_or(f64::NAN),
            ci_high: pooled.ci_high.unwrap_or(f64::NAN),
            conf_level: conf,
            p_value: pooled.p_value,
        },
        inference: crate::estimate::scm::placebo_inference(pooled.n_placebos),
        n_obs: m.periods.len() * (m.donors.len() + m.treated.len()),
        n_units: m.donors.len() + m.treated.len(),
        n_treated: m.treated.len(),
        n_control: m.donors.len(),
    };
    let weights = m.donors.iter().copied().zip(pooled_fit.weights.iter().copied()).collect();
    Synthetic {
        result: Some(SynthResult {
            predictors: pooled_fit.predictor_names.clone(),
            periods: m.periods.clone(),
            donors: m.donors.clone(),
            pooled,
            units,
            placebos: placebo_gaps,
            placebo_in_time,
            leave_one_out,
        }),
        estimate: Some(estimate),
        weights,
        problems,
    }
}

/// Synthetic difference in differences on the treated municipalities as one block started at
/// the earliest start, with the placebo standard error.
pub(super) fn sdid(study: &Study, panel: &Panel, design: &Design) -> Synthetic<SdidResult> {
    let m = matrix(study, panel, design);
    let mut problems = m.problems.clone();
    let fail = |mut problems: Vec<String>, why: String| {
        problems.push(format!("synthetic difference in differences: {why}"));
        Synthetic { result: None, estimate: None, weights: Vec::new(), problems }
    };
    if m.treated.is_empty() || m.donors.len() < 2 {
        return fail(problems, "needs a treated municipality and at least two donors with complete series".into());
    }
    let start = m.treated.iter().map(|t| t.1).min().expect("non-empty");
    let t0 = m.periods.iter().filter(|p| **p < start).count();
    let (n0, n1) = (m.donors.len(), m.treated.len());
    let y: Vec<Vec<f64>> = m.donor_rows.iter().cloned().chain(m.treated.iter().map(|t| t.2.clone())).collect();
    let fit = match sdid::fit(&y, n0, t0, Kind::Sdid) {
        Ok(f) => f,
        Err(e) => return fail(problems, e),
    };
    let reps = study.sdid_reps as usize;
    let se = match sdid::placebo_se(&y, n0, t0, Kind::Sdid, reps, study.seed) {
        Ok((se, _)) => se,
        Err(e) => {
            problems.push(format!("synthetic difference in differences: {e}"));
            f64::NAN
        }
    };
    let staggered = m.treated.iter().any(|t| t.1 != start);
    if staggered {
        problems.push(format!(
            "synthetic difference in differences treats every participant as started in {} (the earliest start)",
            start
        ));
    }
    let treated_codes: Vec<Code> = m.treated.iter().map(|t| t.0).collect();
    let mean_row: Vec<f64> =
        (0..m.periods.len()).map(|s| m.treated.iter().map(|t| t.2[s]).sum::<f64>() / n1 as f64).collect();
    let weighted: Vec<f64> =
        (0..m.periods.len()).map(|s| fit.omega.iter().zip(&m.donor_rows).map(|(w, r)| w * r[s]).sum()).collect();
    let shift: f64 = fit.lambda.iter().enumerate().map(|(s, l)| l * (mean_row[s] - weighted[s])).sum();
    let interval = Interval::normal(fit.estimate, se, study.conf_level);
    let estimate = Estimate {
        method: Method::Sdid,
        estimand: format!(
            "synthetic difference in differences: unit- and time-weighted double difference, treated municipalities' mean from {}",
            start
        ),
        interval,
        inference: sdid::placebo_inference(reps, n0, n1, study.seed),
        n_obs: m.periods.len() * (n0 + n1),
        n_units: n0 + n1,
        n_treated: n1,
        n_control: n0,
    };
    let result = SdidResult {
        start,
        estimate: fit.estimate,
        se,
        reps,
        weights: weights_of(study, &m.donors, &fit.omega),
        time_weights: m.periods[..t0]
            .iter()
            .zip(&fit.lambda)
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
        weights: m.donors.iter().copied().zip(fit.omega.iter().copied()).collect(),
        problems,
    }
}
