//! One trial component × outcome on the panel: its design, every DiD estimator with its
//! inference, the event study and Callaway–Sant'Anna, the synthetic designs, the balance table
//! and the trend, assembled into the analysis's results entry.

use super::synthetic;
use crate::design::Design;
use crate::design::profile::Profile;
use crate::estimate::Sample;
use crate::estimate::cs::{CallawaySantAnna, Covariates};
use crate::estimate::did2x2::Did2x2;
use crate::estimate::event::EventBase;
use crate::estimate::imputation::Imputation;
use crate::estimate::sunab::SunAbraham;
use crate::estimate::twfe::Twfe;
use crate::estimate::{Estimate, Method};
use crate::inference::multiplier::Multiplier;
use crate::inference::randomization::Randomization;
use crate::inference::wild::{Weights, WildBootstrap};
use crate::ingest::Panel;
use crate::period::Month;
use crate::registry::Code;
use crate::results::{Analysis, DesignInfo, EventStudyResult, TrendPoint};
use crate::study::{ComparisonDesign, Study};

/// The covariates `wanted` ([`crate::study::CS_COVARIATES`] or outcome keys) for each
/// municipality of the sample: the outcome's pre-period level and trend as the design computes
/// them, the log population, the region as one indicator per region but the first (in name
/// order) among the sample's municipalities, and another outcome's pre-period mean.
pub(crate) fn cs_covariates(
    wanted: &[String],
    study: &Study,
    panel: &Panel,
    design: &Design,
    sample: &Sample,
) -> Covariates {
    let regions: std::collections::BTreeSet<&str> =
        sample.units.iter().filter_map(|u| study.registry.get(u.code as Code)).map(|m| m.region.as_str()).collect();
    let mut names = Vec::new();
    for c in wanted {
        match c.as_str() {
            "region" => names.extend(regions.iter().skip(1).map(|r| format!("region:{r}"))),
            "population" => names.push("log_population".to_string()),
            other => names.push(other.to_string()),
        }
    }
    let value = |code: u32, name: &str| -> Option<f64> {
        match name {
            "log_population" => design.variable(study, panel, code as Code, "population").map(|p| p.max(1.0).ln()),
            _ => design.variable(study, panel, code as Code, name),
        }
    };
    let rows = if names.is_empty() {
        Default::default()
    } else {
        sample
            .units
            .iter()
            .filter_map(|u| names.iter().map(|n| value(u.code, n)).collect::<Option<Vec<f64>>>().map(|r| (u.code, r)))
            .collect()
    };
    Covariates { names, rows }
}

/// The analysis of `design` on `panel`.
pub fn analysis(study: &Study, panel: &Panel, design: &Design) -> Analysis {
    let trial = &study.trials[design.trial];
    let comp = &trial.components[design.component];
    let sample = design.sample(panel);
    let earliest = design.treated.iter().map(|u| u.start).min().expect("validated: participants");
    let mut estimates = Vec::new();
    let mut problems = Vec::new();
    let did = Did2x2 {
        pre_months: design.pre_months,
        post_last: design.window.last,
        conf_level: study.conf_level,
        ssc: study.ssc,
    };
    match did.fit(&sample) {
        Ok(e) => estimates.push(e),
        Err(e) => problems.push(format!("did2x2: {e}")),
    }
    // Randomization inference: the treated start reassigned over every eligible municipality
    // (all assignments when there are at most 5 million, otherwise `reps` seeded draws).
    // With `[inference] strata`, only within the strata the participants were chosen by.
    let ri = Randomization { seed: study.seed, reps: study.reps, conf_level: study.conf_level, ..Default::default() };
    let strata_map = study.strata_map();
    let stratum = |code: u32| u16::try_from(code).ok().and_then(|c| strata_map.get(&c)).copied().unwrap_or(u32::MAX);
    let names: Vec<String> = study.strata.iter().map(|s| s.key()).collect();
    let names = names.join(", ");
    let strata: Option<(&(dyn Fn(u32) -> u32 + Sync), &str)> =
        (!study.strata.is_empty()).then_some((&stratum, names.as_str()));
    match did.fit_randomization_in(&sample, &ri, strata) {
        Ok(e) => estimates.push(e),
        Err(e) => problems.push(format!("did2x2 (randomization inference): {e}")),
    }
    let placebo = match did.placebo(&sample) {
        Ok((placebo, shifted)) => match placebo.fit_randomization_in(&shifted, &ri, strata) {
            Ok(mut e) => {
                e.estimand = format!(
                    "placebo: the 2×2 with every start moved {} months back, inside the pre-period (no effect possible)",
                    placebo.pre_months
                );
                Some(e)
            }
            Err(e) => {
                problems.push(format!("placebo pre-trend test: {e}"));
                None
            }
        },
        Err(e) => {
            problems.push(format!("placebo pre-trend test: {e}"));
            None
        }
    };
    let twfe =
        Twfe { first: design.window.first, last: design.window.last, conf_level: study.conf_level, ssc: study.ssc };
    match twfe.fit(&sample) {
        Ok(e) => estimates.push(e),
        Err(e) => problems.push(format!("twfe: {e}")),
    }
    let wild =
        WildBootstrap { reps: study.reps, seed: study.seed, weights: Weights::Webb, conf_level: study.conf_level };
    match twfe.fit_wild(&sample, &wild) {
        Ok(e) => estimates.push(e),
        Err(e) => problems.push(format!("twfe (wild bootstrap): {e}")),
    }
    let es = design.event_study(study);
    let (leads, lags) = (es.leads.unwrap_or_default(), es.lags.unwrap_or_default());
    let event_study = match es.fit(&sample) {
        Ok(fit) => {
            estimates.push(fit.estimate);
            Some(EventStudyResult {
                leads,
                lags,
                base: fit.base,
                rows: fit.rows,
                pretrend: fit.pretrend,
                sensitivity: fit.sensitivity.map(crate::inference::honest::Sensitivity::with_smoothness),
            })
        }
        Err(e) => {
            problems.push(format!("event study: {e}"));
            None
        }
    };
    // Callaway–Sant'Anna: the design's comparison municipalities are never treated; with
    // `cs_control = "notyet"` later-starting participants also serve until their start.
    // With `cs_unbalanced = "keep"` municipalities with gaps stay; with `cs_covariates` each
    // ATT(g,t) is doubly robust in them.
    let cs = CallawaySantAnna {
        control: study.cs_control,
        conf_level: study.conf_level,
        bootstrap: Some(Multiplier { reps: study.band_reps, seed: study.seed }),
        unbalanced: study.cs_unbalanced,
    };
    let cs = match cs.fit_with(&sample, &cs_covariates(&study.cs_covariates, study, panel, design, &sample)) {
        Ok(fit) => {
            estimates.push(fit.headline());
            if fit.dropped_units > 0 {
                problems.push(format!(
                    "callaway-sant'anna: {} municipalities left out because they lack data in some month",
                    fit.dropped_units
                ));
            }
            if fit.missing_covariates > 0 {
                problems.push(format!(
                    "callaway-sant'anna: {} municipalities left out because a covariate ({}) is missing for them",
                    fit.missing_covariates,
                    fit.covariates.join(", ")
                ));
            }
            Some(fit)
        }
        Err(e) => {
            problems.push(format!("callaway-sant'anna: {e}"));
            None
        }
    };
    // The estimators for staggered starts that let the effect differ by cohort and by time since
    // the start: Borusyak–Jaravel–Spiess imputation and Sun–Abraham, on the design's window.
    let imputation = Imputation { first: design.window.first, last: design.window.last, conf_level: study.conf_level };
    let mut horizons = Vec::new();
    match imputation.fit(&sample) {
        Ok(fit) => {
            horizons = fit.horizons;
            if fit.dropped_units > 0 {
                problems.push(format!(
                    "imputation (borusyak-jaravel-spiess): {} municipalities left out because they have no untreated period in the window",
                    fit.dropped_units
                ));
            }
            estimates.push(fit.overall);
        }
        Err(e) => problems.push(format!("imputation (borusyak-jaravel-spiess): {e}")),
    }
    // Sun–Abraham's cohort coefficients are measured from the study's event-study base.
    let sunab = SunAbraham {
        first: design.window.first,
        last: design.window.last,
        conf_level: study.conf_level,
        ssc: study.ssc,
        base: es.base,
    };
    match sunab.fit(&sample) {
        Ok(fit) => estimates.push(fit.estimate),
        Err(e) => problems.push(format!("sun-abraham: {e}")),
    }
    // Synthetic designs add their estimate and set the comparison weights of the balance table;
    // the other designs weight their comparison municipalities equally.
    let equal: Vec<(u16, f64)> = design.comparison.iter().map(|&c| (c, 1.0 / design.comparison.len() as f64)).collect();
    let (synth, sdid, weights) = match design.design {
        // A synthetic-control design is decided by SDID on the same donors together with the
        // 2×2 DiD's randomization inference (the synthetic control's own placebo interval
        // under-covers; see `findings::deciding_estimate`), so both synthetic fits are made.
        ComparisonDesign::Synth => {
            let s = synthetic::synth(study, panel, design);
            let d = synthetic::sdid(study, panel, design);
            estimates.extend(s.estimate);
            let ri = estimates.iter().find(|e| e.method == Method::Did2x2 && e.inference.name == "RI").cloned();
            if let (Some(sdid), Some(ri)) = (&d.estimate, ri) {
                estimates.push(sdid_and_ri(sdid, &ri));
            }
            estimates.extend(d.estimate);
            problems.extend(s.problems);
            problems.extend(d.problems);
            (s.result, d.result, s.weights)
        }
        ComparisonDesign::Sdid => {
            let s = synthetic::sdid(study, panel, design);
            estimates.extend(s.estimate);
            problems.extend(s.problems);
            (None, s.result, s.weights)
        }
        _ => (None, None, equal),
    };
    // No interval of zero width is published: such an estimate becomes a problem in words.
    estimates.retain(|e| {
        let width = e.interval.has_width();
        if !width {
            problems.push(format!("{}: {}", e.method.key(), crate::estimate::EstimateError::NoResidualVariation));
        }
        width
    });
    let (mut event_study, mut cs) = (event_study, cs);
    if event_study.as_ref().is_some_and(|es| es.rows.iter().any(|r| !r.reference && !r.interval.has_width())) {
        event_study = None;
    }
    thin_coefficients(study, panel, design, &mut event_study, &mut cs, &mut horizons);
    let mut extra: Vec<String> = trial.comparison.match_on.clone();
    if design.design == ComparisonDesign::Synth {
        extra.extend(crate::estimate::scm::Predictor::covariates(&trial.comparison.predictors));
    }
    let balance = design.balance(study, panel, &design.balance_variables(study, &extra), &weights);
    let pre_rmspe = match (&synth, &sdid) {
        (Some(s), _) => Some(s.pooled.pre_rmspe),
        (None, Some(d)) => {
            let pre: Vec<f64> = d
                .periods
                .iter()
                .zip(&d.treated)
                .zip(&d.counterfactual)
                .filter(|((m, _), _)| **m < d.start)
                .filter_map(|((_, y), c)| y.map(|y| y - c))
                .collect();
            (!pre.is_empty()).then(|| (pre.iter().map(|g| g * g).sum::<f64>() / pre.len() as f64).sqrt())
        }
        _ => parallel_fit(panel, design, &weights),
    };
    let mut shown_weights: Vec<crate::results::UnitWeight> = weights
        .iter()
        .filter(|(_, w)| *w > 1e-6)
        .map(|&(c, w)| crate::results::UnitWeight { unit: c, name: study.registry.name(c).to_string(), weight: w })
        .collect();
    shown_weights.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.unit.cmp(&b.unit)));
    Analysis {
        id: format!("{}.{}.{}", trial.key, comp.key, design.outcome),
        trial: trial.key.clone(),
        component: comp.key.clone(),
        outcome: design.outcome.clone(),
        design: DesignInfo {
            comparison: design.design,
            treated: design.treated.clone(),
            n_pool: design.pool.len(),
            pool_units: design.pool.clone(),
            n_comparison: design.comparison.len(),
            comparison_units: design.comparison.clone(),
            excluded: design.excluded.clone(),
            matches: design.matches.clone(),
            weights: shown_weights,
            balance,
            pre_rmspe,
            notes: design.notes.clone(),
            frequency: design.frequency,
            pre: crate::period::MonthRange { first: design.window.first, last: earliest.plus(-1) },
            post: crate::period::MonthRange { first: earliest, last: design.window.last },
            dropped_months: design.dropped.clone(),
            profile: Some(Profile::of(design, panel, &study.registry, leads as usize)),
        },
        estimates,
        problems,
        event_study,
        cs,
        imputation: horizons,
        placebo,
        synth,
        sdid,
        trend: trend(study, panel, design),
        chart: None,
        event_chart: None,
        sensitivity_chart: None,
        synth_chart: None,
        gap_chart: None,
        weights_chart: None,
    }
}

/// Primary suppression of coefficients on the persons behind them, where the panel counts
/// persons. An event-study coefficient rests on the treated municipalities' persons in the
/// period it measures, each counted from its own start, and in the base period (every pre-period
/// event time with the pre-period-mean base); an
/// ATT(g,t) on cohort g's persons in t and in its base period. With staggered starts these are
/// not the trend's monthly group counts, so they are counted here; what differencing could give
/// back is closed afterwards by [`crate::disclosure::protect`].
fn thin_coefficients(
    study: &Study,
    panel: &Panel,
    design: &Design,
    event_study: &mut Option<EventStudyResult>,
    cs: &mut Option<crate::estimate::cs::CsFit>,
    horizons: &mut [crate::estimate::imputation::HorizonRow],
) {
    let min_cell = study.min_cell.get() as f64;
    let step = design.frequency.step().unwrap_or(1) as i32;
    // Persons behind the treated units `who` in the periods `at(start)`; None without counts.
    let persons = |who: &mut dyn Iterator<Item = &crate::design::TreatedUnit>, at: &dyn Fn(Month) -> Month| {
        let mut total: Option<f64> = None;
        for t in who {
            let Some(u) = panel.unit_index(t.code) else { continue };
            if let Some(p) = panel.persons(&design.outcome, u, at(t.start)) {
                *total.get_or_insert(0.0) += p;
            }
        }
        total
    };
    let thin = |p: Option<f64>| p.is_some_and(|p| p < min_cell);
    if let Some(es) = event_study {
        // The base: the period before the start, or every pre-period event time shown (each
        // coefficient then rests on all of them).
        let base_times: Vec<i32> = match es.base {
            EventBase::PeriodBefore => vec![-1],
            EventBase::PreMean => {
                es.rows.iter().filter(|r| r.rel_time <= -1 && !r.binned).map(|r| r.rel_time).collect()
            }
        };
        let base_thin = base_times.iter().any(|&r| thin(persons(&mut design.treated.iter(), &|s| s.plus(r * step))));
        for row in es.rows.iter_mut().filter(|r| !r.reference) {
            let own = (!row.binned).then(|| persons(&mut design.treated.iter(), &|s| s.plus(row.rel_time * step)));
            if base_thin || own.is_some_and(thin) {
                crate::disclosure::hide(&mut row.interval, &mut row.suppressed);
            }
        }
    }
    // An imputation horizon rests on the treated units' persons h periods after their starts
    // (its untreated fit pools every pre-period, as the 2×2's pre-window mean does).
    for row in horizons.iter_mut() {
        if thin(persons(&mut design.treated.iter(), &|s| s.plus(row.rel_time * step))) {
            crate::disclosure::hide(&mut row.interval, &mut row.suppressed);
            crate::disclosure::hide(&mut row.reference, &mut false);
        }
    }
    if let Some(cs) = cs {
        for c in &mut cs.cells {
            let base = crate::estimate::cs::base_period(c.group, c.time, step);
            let cohort = || design.treated.iter().filter(|t| t.start == c.group);
            let (at_t, at_base) = (persons(&mut cohort(), &|_| c.time), persons(&mut cohort(), &|_| base));
            if thin(at_t) || thin(at_base) {
                crate::disclosure::hide(&mut c.interval, &mut c.suppressed);
            }
        }
    }
}

/// Root mean squared pre-period gap between the treated mean and the weighted comparison mean,
/// after removing the mean gap (the level difference a DiD allows).
fn parallel_fit(panel: &Panel, design: &Design, weights: &[(u16, f64)]) -> Option<f64> {
    let gaps: Vec<f64> = design
        .pre_months_list()
        .iter()
        .filter_map(|&m| {
            let value = |c: u16| panel.unit_index(c).and_then(|u| panel.value(&design.outcome, u, m));
            let t: Vec<f64> = design.treated.iter().filter_map(|t| value(t.code)).collect();
            let (sw, swy) = weights
                .iter()
                .filter_map(|&(c, w)| value(c).map(|y| (w, w * y)))
                .fold((0.0, 0.0), |(a, b), (w, wy)| (a + w, b + wy));
            (!t.is_empty() && sw > 0.0).then(|| t.iter().sum::<f64>() / t.len() as f64 - swy / sw)
        })
        .collect();
    if gaps.len() < 2 {
        return None;
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    Some((gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64).sqrt())
}

/// Unweighted means of the treated and the comparison municipalities in every period of the
/// outcome (month, quarter …) over the whole data period, with primary suppression of means behind fewer than `min_cell` persons.
fn trend(study: &Study, panel: &Panel, design: &Design) -> Vec<TrendPoint> {
    let group_mean = |codes: &mut dyn Iterator<Item = u16>, m: Month| -> (Option<f64>, bool) {
        let (mut sum, mut n, mut persons, mut has_persons) = (0.0, 0usize, 0.0, false);
        for code in codes {
            let Some(u) = panel.unit_index(code) else { continue };
            if let Some(v) = panel.value(&design.outcome, u, m) {
                sum += v;
                n += 1;
                if let Some(p) = panel.persons(&design.outcome, u, m) {
                    persons += p;
                    has_persons = true;
                }
            }
        }
        if n == 0 {
            return (None, false);
        }
        if has_persons && persons < study.min_cell.get() as f64 {
            return (None, true);
        }
        (Some(sum / n as f64), false)
    };
    panel
        .observation_months(&design.outcome)
        .into_iter()
        .map(|m| {
            let (treated, treated_suppressed) = group_mean(&mut design.treated.iter().map(|t| t.code), m);
            let (comparison, comparison_suppressed) = group_mean(&mut design.comparison.iter().copied(), m);
            let source_suppressed = design
                .treated
                .iter()
                .map(|t| t.code)
                .chain(design.comparison.iter().copied())
                .filter_map(|c| panel.unit_index(c))
                .filter(|&u| panel.suppressed(&design.outcome, u, m))
                .count();
            TrendPoint {
                period: m,
                treated,
                comparison,
                treated_suppressed,
                comparison_suppressed,
                treated_protected: false,
                source_suppressed,
            }
        })
        .collect()
}

/// The interval that decides a synthetic-control design: SDID's placebo interval and the 2×2
/// DiD's randomization-inference interval must both exclude an effect for it to be excluded.
pub fn sdid_and_ri(sdid: &Estimate, ri: &Estimate) -> Estimate {
    sdid.agreeing_with(
        ri,
        crate::estimate::SDID_AND_RI,
        format!(
            "the smallest interval holding both SDID's placebo interval [{:.4}, {:.4}] and the 2×2 DiD's randomization-inference interval [{:.4}, {:.4}], p the larger of their p-values ({:.4}, {:.4}): an effect is excluded only when both exclude it. Measured by Monte Carlo on the example (docs/montecarlo.md) where the synthetic control's own placebo interval covered about 91 % and SDID's alone rejected up to 6,5 %",
            sdid.interval.ci_low,
            sdid.interval.ci_high,
            ri.interval.ci_low,
            ri.interval.ci_high,
            sdid.interval.p_value,
            ri.interval.p_value
        ),
    )
}
