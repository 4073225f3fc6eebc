//! The pipeline: study → ingest → design → estimate → results → charts and reports.
//!
//! [`analyse`] is pure computation (no files written); [`run`] adds the outputs, staged and
//! swapped in atomically. Progress is reported through the [`Progress`] trait so the library never
//! touches the terminal.

use std::path::Path;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::estimate::cs::CallawaySantAnna;
use crate::estimate::did2x2::Did2x2;
use crate::estimate::event::EventStudy;
use crate::estimate::twfe::Twfe;
use crate::inference::multiplier::Multiplier;
use crate::inference::randomization::Randomization;
use crate::inference::wild::{Weights, WildBootstrap};
use crate::ingest::{Panel, read_panel};
use crate::period::Month;
use crate::report;
use crate::results::{
    Analysis, ComponentInfo, DateSpan, DesignInfo, EventInfo, EventStudyResult, OutcomeInfo, ParticipantInfo, Results,
    SCHEMA_VERSION, StudyInfo, TrendPoint, TrialInfo,
};
use crate::study::{ComparisonDesign, Lang, SavingsSource, Study};

mod durations;
mod savings;
mod synthetic;

pub use crate::progress::{Progress, Silent};
pub use crate::report::RunSummary;

/// Computes every trial component × outcome of the study on `panel`.
pub fn analyse(study: &Study, panel: &Panel, progress: &dyn Progress) -> Result<Results> {
    let jobs: Vec<(usize, usize, String)> = study
        .trials
        .iter()
        .enumerate()
        .flat_map(|(ti, tr)| {
            tr.components
                .iter()
                .enumerate()
                .flat_map(move |(ci, c)| c.outcomes.iter().map(move |o| (ti, ci, o.clone())))
        })
        .collect();
    progress.stage("estimating", jobs.len() as u64);
    // The analyses run side by side (each also parallel inside); every one draws from its own
    // seeded streams, so the results do not depend on the order they finish in. A helper thread
    // drives the pool while this thread reports progress.
    let mut slots: Vec<Option<std::result::Result<Analysis, String>>> = (0..jobs.len()).map(|_| None).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let jobs = &jobs;
        scope.spawn(move || {
            use rayon::prelude::*;
            jobs.par_iter().enumerate().for_each_with(tx, |tx, (i, (ti, ci, outcome))| {
                let done = Design::build(study, panel, *ti, *ci, outcome)
                    .map(|design| analysis(study, panel, &design))
                    .map_err(|e| e.0);
                let _ = tx.send((i, done));
            });
        });
        for (i, done) in rx {
            slots[i] = Some(done);
            progress.advance();
        }
    });
    let mut analyses = Vec::with_capacity(jobs.len());
    for slot in slots {
        analyses.push(slot.expect("every analysis reports back").map_err(Error::Design)?);
    }
    progress.finish();
    let mut results = Results {
        schema_version: SCHEMA_VERSION,
        tool: format!("frikommune {}", env!("CARGO_PKG_VERSION")),
        study: study_info(study, panel),
        outcomes: study
            .outcomes
            .iter()
            .map(|o| OutcomeInfo {
                key: o.key.clone(),
                label: o.label.clone(),
                label_en: o.label_en.clone(),
                unit: o.unit,
                better: o.better,
                margin: o.margin,
                frequency: panel.frequency(&o.key),
                provisional_from: outcome_provisional(study, panel, &o.key),
            })
            .collect(),
        trials: study
            .trials
            .iter()
            .map(|tr| TrialInfo {
                key: tr.key.clone(),
                name: tr.name.clone(),
                name_en: tr.name_en.clone(),
                theme: tr.theme.clone(),
                theme_en: tr.theme_en.clone(),
                network: tr.network.clone(),
                end: tr.end.to_string(),
                evaluation_end: tr.evaluation_end.to_string(),
                note: tr.note.clone(),
                components: tr
                    .components
                    .iter()
                    .map(|c| ComponentInfo {
                        key: c.key.clone(),
                        name: c.name.clone(),
                        name_en: c.name_en.clone(),
                        start: c.start.to_string(),
                        end: c.end.to_string(),
                        participants: c
                            .participants
                            .iter()
                            .map(|p| ParticipantInfo {
                                code: p.code,
                                name: study.registry.name(p.code).to_string(),
                                start: p.start.to_string(),
                            })
                            .collect(),
                        outcomes: c.outcomes.clone(),
                    })
                    .collect(),
            })
            .collect(),
        analyses,
        savings: study
            .savings
            .iter()
            .filter(|s| matches!(s.source, SavingsSource::Panel { .. }))
            .map(|s| panel_savings(study, panel, s))
            .collect(),
        durations: Vec::new(),
        findings: Vec::new(),
        forest_chart: None,
    };
    link_savings(study, &mut results);
    results.findings = crate::findings::assess(&results);
    Ok(results)
}

/// The first provisional month `[data] provisional_months` declares for the panel file.
fn declared_provisional(study: &Study, panel: &Panel) -> Option<Month> {
    (study.data.provisional_months > 0)
        .then(|| panel.months.last.plus(1 - study.data.provisional_months as i32).max(panel.months.first))
}

/// The first provisional month of an outcome: its statistical table's, or the panel file's.
fn outcome_provisional(study: &Study, panel: &Panel, outcome: &str) -> Option<Month> {
    match panel.provisional.get(outcome) {
        Some(&m) => Some(m),
        None if study.data.sources.iter().any(|s| s.outcome == outcome) => None,
        None => declared_provisional(study, panel),
    }
}

fn study_info(study: &Study, panel: &Panel) -> StudyInfo {
    let dir = study.path.parent().unwrap_or(Path::new(""));
    let relative = |p: &Path| p.strip_prefix(dir).unwrap_or(p).to_string_lossy().replace('\\', "/");
    let panel_file = study
        .data
        .panel
        .iter()
        .chain(study.data.sources.iter().map(|s| &s.file))
        .map(|p| relative(p))
        .collect::<Vec<_>>()
        .join(", ");
    StudyInfo {
        name: study.name.clone(),
        title: study.title.clone(),
        title_en: study.title_en.clone(),
        synthetic: study.synthetic,
        languages: study.languages.clone(),
        conf_level: study.conf_level,
        min_cell: study.min_cell,
        panel_file,
        data_months: panel.months,
        // Declared for the panel file, or marked by the statistical tables: the earliest.
        provisional_from: declared_provisional(study, panel)
            .into_iter()
            .chain(panel.provisional.values().copied())
            .min(),
        covid_handling: study.covid.handling,
        covid_windows: study
            .covid
            .windows
            .iter()
            .map(|w| DateSpan { start: w.start.to_string(), end: w.end.to_string(), label: w.label.clone() })
            .collect(),
        events: study
            .events
            .iter()
            .map(|e| EventInfo { date: e.date.to_string(), label: e.label.clone(), label_en: e.label_en.clone() })
            .collect(),
    }
}

fn analysis(study: &Study, panel: &Panel, design: &Design) -> Analysis {
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
    let ri = Randomization { seed: study.seed, reps: study.reps, conf_level: study.conf_level, ..Default::default() };
    match did.fit_randomization(&sample, &ri) {
        Ok(e) => estimates.push(e),
        Err(e) => problems.push(format!("did2x2 (randomization inference): {e}")),
    }
    let placebo = match did.placebo(&sample) {
        Ok((placebo, shifted)) => match placebo.fit_randomization(&shifted, &ri) {
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
    // The study gives leads and lags in months; a quarterly or yearly outcome bins at the whole
    // periods that cover them, keeping at least one lead before the reference period.
    let step = design.frequency.step().unwrap_or(1);
    let leads = study.event_leads.div_ceil(step).max(study.event_leads.min(2));
    let lags = study.event_lags.div_ceil(step);
    let es = EventStudy {
        first: design.window.first,
        last: design.window.last,
        leads: Some(leads),
        lags: Some(lags),
        conf_level: study.conf_level,
        ssc: study.ssc,
    };
    let event_study = match es.fit(&sample) {
        Ok(fit) => {
            estimates.push(fit.estimate);
            Some(EventStudyResult { leads, lags, rows: fit.rows, pretrend: fit.pretrend })
        }
        Err(e) => {
            problems.push(format!("event study: {e}"));
            None
        }
    };
    // Callaway–Sant'Anna: the design's comparison municipalities are never treated; with
    // `cs_control = "notyet"` later-starting participants also serve until their start.
    let cs = CallawaySantAnna {
        control: study.cs_control,
        conf_level: study.conf_level,
        bootstrap: Some(Multiplier { reps: study.band_reps, seed: study.seed }),
    };
    let cs = match cs.fit(&sample) {
        Ok(fit) => {
            estimates.push(fit.headline());
            if fit.dropped_units > 0 {
                problems.push(format!(
                    "callaway-sant'anna: {} municipalities left out because they lack data in some month",
                    fit.dropped_units
                ));
            }
            Some(fit)
        }
        Err(e) => {
            problems.push(format!("callaway-sant'anna: {e}"));
            None
        }
    };
    // Synthetic designs add their estimate and set the comparison weights of the balance table;
    // the other designs weight their comparison municipalities equally.
    let equal: Vec<(u16, f64)> = design.comparison.iter().map(|&c| (c, 1.0 / design.comparison.len() as f64)).collect();
    let (synth, sdid, weights) = match design.design {
        ComparisonDesign::Synth => {
            let s = synthetic::synth(study, panel, design);
            estimates.extend(s.estimate);
            problems.extend(s.problems);
            (s.result, None, s.weights)
        }
        ComparisonDesign::Sdid => {
            let s = synthetic::sdid(study, panel, design);
            estimates.extend(s.estimate);
            problems.extend(s.problems);
            (None, s.result, s.weights)
        }
        _ => (None, None, equal),
    };
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
        },
        estimates,
        problems,
        event_study,
        cs,
        placebo,
        synth,
        sdid,
        trend: trend(study, panel, design),
        chart: None,
        event_chart: None,
        synth_chart: None,
        gap_chart: None,
        weights_chart: None,
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
        if has_persons && persons < study.min_cell as f64 {
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
            TrendPoint { period: m, treated, comparison, treated_suppressed, comparison_suppressed, source_suppressed }
        })
        .collect()
}

/// A savings analysis whose spending is a panel outcome (`source = "panel"`).
pub fn panel_savings(study: &Study, panel: &Panel, spec: &crate::study::Savings) -> crate::results::SavingsResult {
    let spending = match &spec.source {
        SavingsSource::Panel { outcome, tariff } => {
            savings::Spending::from_panel(study, panel, outcome, tariff.as_deref())
        }
        SavingsSource::Cases(_) => panic!("panel_savings called on a case-file savings analysis"),
    };
    savings::savings(study, &spending, spec)
}

/// Adds to each savings result the savings its components' own cost analyses imply.
fn link_savings(study: &Study, results: &mut Results) {
    for r in &mut results.savings {
        if let Some(spec) = study.savings.iter().find(|s| s.key == r.key) {
            r.by_analysis = savings::implied_savings(study, &results.analyses, spec);
        }
    }
}

/// What the case file gave: duration analyses, and savings analyses whose spending comes from
/// the case file (with their index among the study's `[[savings]]`).
#[derive(Default)]
pub struct CaseResults {
    /// Valid rows read (0 when the file was not needed).
    pub rows: u64,
    pub durations: Vec<crate::results::DurationResult>,
    pub savings: Vec<(usize, crate::results::SavingsResult)>,
}

impl CaseResults {
    /// Puts the case-file analyses into `results`, savings in the study's order.
    pub fn merge_into(self, study: &Study, results: &mut Results) {
        results.durations = self.durations;
        // Each duration analysis is an outcome of its own (weeks) in the findings.
        for d in &results.durations {
            results.outcomes.push(OutcomeInfo {
                key: crate::findings::duration_outcome(&d.key),
                label: d.name.clone(),
                label_en: d.name_en.clone(),
                unit: crate::study::Unit::Weeks,
                better: d.better,
                margin: d.margin,
                frequency: Default::default(),
                provisional_from: results.study.provisional_from,
            });
        }
        for (i, s) in self.savings {
            let at = results
                .savings
                .iter()
                .position(|r| study.savings.iter().position(|x| x.key == r.key).unwrap_or(usize::MAX) > i)
                .unwrap_or(results.savings.len());
            results.savings.insert(at, s);
        }
        link_savings(study, results);
        results.findings = crate::findings::assess(results);
    }
}

/// The extra case-file columns the study's analyses read, each once.
pub fn case_columns(study: &Study) -> Vec<String> {
    let mut columns = Vec::new();
    if study.durations.iter().any(|d| !d.case_types.is_empty()) {
        columns.push(study.data.case_type_column.clone());
    }
    for s in &study.savings {
        if let SavingsSource::Cases(c) = &s.source {
            columns.push(c.count_column.clone());
            columns.extend(c.type_column.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    columns.retain(|c| seen.insert(c.clone()));
    columns
}

/// Streams the case file once (when the study has duration analyses or savings from cases)
/// into a tally per analysis, and estimates each from its tally.
pub fn analyse_cases(study: &Study, progress: &dyn Progress) -> Result<CaseResults> {
    let case_savings: Vec<(usize, &crate::study::CaseCosts)> = study
        .savings
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.source {
            SavingsSource::Cases(c) => Some((i, c)),
            SavingsSource::Panel { .. } => None,
        })
        .collect();
    let Some(path) = study.data.cases.as_ref().filter(|_| !study.durations.is_empty() || !case_savings.is_empty())
    else {
        return Ok(CaseResults::default());
    };
    let columns = case_columns(study);
    let column_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    let plans: Vec<durations::Plan> =
        study.durations.iter().map(|d| durations::Plan::new(study, d, &columns)).collect();
    let cost_plans: Vec<savings::CasePlan> =
        case_savings.iter().map(|&(i, c)| savings::CasePlan::new(study, &study.savings[i], c, &columns)).collect();
    progress.stage("reading cases", 1);
    let (parts, stats) = crate::ingest::cases::fold_cases(
        path,
        study.data.separator,
        &study.registry,
        &column_refs,
        || (vec![durations::Tally::default(); plans.len()], vec![savings::CaseTally::default(); cost_plans.len()]),
        |(tallies, costs), row| {
            for (plan, tally) in cost_plans.iter().zip(costs.iter_mut()) {
                plan.add(tally, row)?;
            }
            for (plan, tally) in plans.iter().zip(tallies.iter_mut()) {
                plan.add(tally, row);
            }
            Ok(())
        },
    )?;
    let mut tallies = vec![durations::Tally::default(); plans.len()];
    let mut costs = vec![savings::CaseTally::default(); cost_plans.len()];
    for (part, cost_part) in parts {
        for (mine, theirs) in tallies.iter_mut().zip(part) {
            mine.merge(theirs);
        }
        for (mine, theirs) in costs.iter_mut().zip(cost_part) {
            mine.merge(theirs);
        }
    }
    progress.finish();
    progress.stage("durations and case savings", (plans.len() + cost_plans.len()) as u64);
    let durations = study
        .durations
        .iter()
        .zip(&plans)
        .zip(&tallies)
        .map(|((d, plan), tally)| {
            let r = durations::durations(study, plan, tally, stats.observed_until, d);
            progress.advance();
            r
        })
        .collect();
    let savings = case_savings
        .iter()
        .zip(&cost_plans)
        .zip(&costs)
        .map(|((&(i, _), plan), tally)| {
            let spending = plan.spending(study, tally, stats.observed_until);
            let r = savings::savings(study, &spending, &study.savings[i]);
            progress.advance();
            (i, r)
        })
        .collect();
    progress.finish();
    Ok(CaseResults { rows: stats.rows, durations, savings })
}

/// Reads the data, analyses, and writes results, charts and reports to `out_root/<study name>`
/// in each of `langs` (the first at the top of the folder, the others in `<lang>/`).
pub fn run(study: &Study, out_root: &Path, langs: &[Lang], progress: &dyn Progress) -> Result<RunSummary> {
    progress.stage("reading data", 1);
    let panel = read_panel(study)?;
    progress.finish();
    // The case file first: a bad row fails the run before the long panel analyses.
    let cases = analyse_cases(study, progress)?;
    let mut results = analyse(study, &panel, progress)?;
    cases.merge_into(study, &mut results);
    let results = report::for_languages(results, langs)?;
    report::write_outputs(&results, &out_root.join(&study.name), progress)
}
