//! The pipeline: study → ingest → design → estimate → results → charts and reports.
//!
//! [`analyse`] is pure computation (no files written); [`run`] adds the outputs, staged and
//! swapped in atomically. Progress is reported through the [`Progress`] trait so the library never
//! touches the terminal.

use std::path::{Path, PathBuf};

use crate::charts::{Chart, EventChart, TrendChart, render_png, render_svg};
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
use crate::locale::{self, t};
use crate::output::StagedDir;
use crate::period::Month;
use crate::report::{ChartFiles, CsvExport, Exporter, JsonExport, ParquetExport, documents};
use crate::results::{
    Analysis, ChartFiles as ChartRef, ComponentInfo, DateSpan, DesignInfo, EventInfo, EventStudyResult, OutcomeInfo,
    ParticipantInfo, Results, SCHEMA_VERSION, SavingsResult, StudyInfo, TrendPoint, TrialInfo,
};
use crate::study::{ComparisonDesign, Lang, SavingsSource, Study};

mod durations;
mod savings;
mod synthetic;

/// Receives progress from long steps. Implementations must be cheap.
pub trait Progress {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

/// Progress that goes nowhere.
pub struct Silent;
impl Progress for Silent {}

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

/// What a run wrote.
pub struct RunSummary {
    pub out_dir: PathBuf,
    /// Every file written, relative to `out_dir`.
    pub files: Vec<String>,
    pub analyses: usize,
    pub estimates: usize,
}

impl RunSummary {
    /// What was written where: every document, and each chart folder with its file count.
    pub fn listing(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut chart_dirs: Vec<(String, usize)> = Vec::new();
        for f in &self.files {
            match f.find("charts/") {
                Some(i) => {
                    let dir = &f[..i + "charts".len()];
                    match chart_dirs.iter_mut().find(|(d, _)| d == dir) {
                        Some((_, n)) => *n += 1,
                        None => chart_dirs.push((dir.to_string(), 1)),
                    }
                }
                None => lines.push(self.out_dir.join(f).display().to_string()),
            }
        }
        for (dir, n) in chart_dirs {
            lines.push(format!("{} ({n} files)", self.out_dir.join(dir).display()));
        }
        lines
    }
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
    write_outputs(&mut results, &out_root.join(&study.name), langs, progress)
}

/// Draws the charts and renders every document in each of `langs` into a staged folder, writes
/// `results.json` and `results.csv` beside them, and swaps the folder in. The main language
/// (the first) goes at the top of the folder; each other language gets `<lang>/` with its own
/// charts and documents, drawn on a thread of its own.
pub fn write_outputs(
    results: &mut Results,
    out_dir: &Path,
    langs: &[Lang],
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let Some((&main, others)) = langs.split_first() else {
        return Err(Error::Design("no report language given".into()));
    };
    results.study.languages = langs.to_vec();
    let stage = StagedDir::new(out_dir)?;
    let mut files = Vec::new();
    std::thread::scope(|scope| -> Result<()> {
        let beside: Vec<_> = others
            .iter()
            .map(|&lang| {
                let mut copy = results.clone();
                let stage = &stage;
                scope.spawn(move || write_language(&mut copy, stage, &format!("{}/", lang.code()), lang, &Silent))
            })
            .collect();
        let main_files = write_language(results, &stage, "", main, progress);
        for e in [&JsonExport as &dyn Exporter, &CsvExport, &ParquetExport] {
            let name = e.file_name();
            let bytes = e.render(results, &Vec::new()).map_err(|m| Error::Render { what: name.clone(), message: m })?;
            stage.write(&name, &bytes)?;
            files.push(name);
        }
        files.extend(main_files?);
        for handle in beside {
            files.extend(handle.join().expect("a report thread panicked")?);
        }
        Ok(())
    })?;
    let out_dir = stage.commit()?;
    let estimates = results.analyses.iter().map(|a| a.estimates.len()).sum();
    Ok(RunSummary { out_dir, files, analyses: results.analyses.len(), estimates })
}

/// Draws every chart of `results` in `lang` under `prefix` in the stage, records them in
/// `results`, and renders the documents beside them. Returns the files written.
fn write_language(
    results: &mut Results,
    stage: &StagedDir,
    prefix: &str,
    lang: Lang,
    progress: &dyn Progress,
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut chart_files: ChartFiles = Vec::new();
    progress.stage("drawing charts", results.analyses.len() as u64);
    // Chart paths are relative to the documents that link them, which sit in the same folder.
    let mut draw =
        |base: &str, chart: &dyn Fn(&Path) -> std::result::Result<String, String>| -> Result<(String, String)> {
            let png = format!("{base}.png");
            let svg = format!("{base}.svg");
            let render = |m: String| Error::Render { what: format!("chart {prefix}{base}"), message: m };
            let text = chart(&stage.path(&format!("{prefix}{png}"))?).map_err(render)?;
            stage.write(&format!("{prefix}{svg}"), text.as_bytes())?;
            let bytes = std::fs::read(stage.path(&format!("{prefix}{png}"))?).map_err(|e| Error::write(&png, e))?;
            chart_files.push((png.clone(), bytes));
            chart_files.push((svg.clone(), text.into_bytes()));
            files.push(format!("{prefix}{png}"));
            files.push(format!("{prefix}{svg}"));
            Ok((png, svg))
        };
    for i in 0..results.analyses.len() {
        let a = &results.analyses[i];
        let base = format!("charts/{}", a.id.replace('.', "-"));
        let trend = trend_chart(results, a, lang);
        let (png, svg) = draw(&base, &|p| both(&trend, p))?;
        let chart = ChartRef { png, svg, alt: alt_text(results, a, lang) };
        let event_chart = match event_chart(results, a, lang) {
            Some((spec, alt)) => {
                let (png, svg) = draw(&format!("{base}-event"), &|p| both(&spec, p))?;
                Some(ChartRef { png, svg, alt })
            }
            None => None,
        };
        let mut synth_chart = None;
        let mut gap_chart = None;
        let mut weights_chart = None;
        if let Some((spec, alt)) = synthetic_chart(results, a, lang) {
            let (png, svg) = draw(&format!("{base}-synth"), &|p| both(&spec, p))?;
            synth_chart = Some(ChartRef { png, svg, alt });
        }
        if let Some((spec, alt)) = gap_chart_spec(results, a, lang) {
            let (png, svg) = draw(&format!("{base}-gap"), &|p| both(&spec, p))?;
            gap_chart = Some(ChartRef { png, svg, alt });
        }
        if let Some((spec, alt)) = weights_chart_spec(results, a, lang) {
            let (png, svg) = draw(&format!("{base}-weights"), &|p| both(&spec, p))?;
            weights_chart = Some(ChartRef { png, svg, alt });
        }
        results.analyses[i].chart = Some(chart);
        results.analyses[i].event_chart = event_chart;
        results.analyses[i].synth_chart = synth_chart;
        results.analyses[i].gap_chart = gap_chart;
        results.analyses[i].weights_chart = weights_chart;
        progress.advance();
    }
    for i in 0..results.savings.len() {
        let s = &results.savings[i];
        let base = format!("charts/savings-{}", s.key);
        let mut chart = None;
        let mut units_chart = None;
        if let Some((spec, alt)) = spending_chart(results, s, lang) {
            let (png, svg) = draw(&base, &|p| both(&spec, p))?;
            chart = Some(ChartRef { png, svg, alt });
        }
        if let Some((spec, alt)) = savings_units_chart(results, s, lang) {
            let (png, svg) = draw(&format!("{base}-units"), &|p| both(&spec, p))?;
            units_chart = Some(ChartRef { png, svg, alt });
        }
        results.savings[i].chart = chart;
        results.savings[i].units_chart = units_chart;
    }
    for i in 0..results.durations.len() {
        let d = &results.durations[i];
        if let Some((spec, alt)) = survival_chart(results, d, lang) {
            let (png, svg) = draw(&format!("charts/durations-{}", d.key), &|p| both(&spec, p))?;
            results.durations[i].chart = Some(ChartRef { png, svg, alt });
        }
    }
    if let Some((spec, alt)) = forest_chart(results, lang) {
        let (png, svg) = draw("charts/forest", &|p| both(&spec, p))?;
        results.forest_chart = Some(ChartRef { png, svg, alt });
    }
    progress.finish();
    let documents = documents(lang);
    progress.stage("writing reports", documents.len() as u64);
    for e in documents {
        let name = format!("{prefix}{}", e.file_name());
        let bytes = e.render(results, &chart_files).map_err(|m| Error::Render { what: name.clone(), message: m })?;
        stage.write(&name, &bytes)?;
        files.push(name);
        progress.advance();
    }
    progress.finish();
    Ok(files)
}

/// The forest plot: a panel per outcome, a row per trial component, the deciding estimates.
fn forest_chart(results: &Results, lang: Lang) -> Option<(crate::charts::ForestChart, String)> {
    use crate::charts::{ForestChart, ForestPanel, ForestRow};
    use crate::findings::wording;
    let mut panels: Vec<ForestPanel> = Vec::new();
    let mut alt = Vec::new();
    for o in &results.outcomes {
        let label_of = if lang == Lang::Da { &o.label } else { &o.label_en };
        let rows: Vec<ForestRow> = results
            .findings
            .iter()
            .filter(|f| f.outcome == o.key)
            .map(|f| {
                let trial = results.trials.iter().find(|t| t.key == f.trial);
                let name = trial.map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() });
                let label = name.unwrap_or_else(|| f.trial.clone());
                alt.push(format!(
                    "{label}, {}: {} [{}; {}] ({})",
                    label_of,
                    locale::number(f.estimate, locale::decimals(o.unit), lang),
                    locale::number(f.ci_low, locale::decimals(o.unit), lang),
                    locale::number(f.ci_high, locale::decimals(o.unit), lang),
                    wording::verdict_label(f.verdict, lang)
                ));
                ForestRow { label, estimate: f.estimate, ci_low: f.ci_low, ci_high: f.ci_high, verdict: f.verdict }
            })
            .collect();
        if !rows.is_empty() {
            panels.push(ForestPanel {
                label: format!("{label_of} ({})", locale::difference_unit(o.unit, lang)),
                margin: o.margin,
                decimals: locale::decimals(o.unit),
                rows,
            });
        }
    }
    if panels.is_empty() {
        return None;
    }
    let level = locale::number(100.0 * results.study.conf_level, 0, lang);
    let footnote = vec![t("forest_footnote", lang).replace("{level}", &level)];
    let chart = ForestChart {
        title: t("figure_forest", lang).to_string(),
        subtitle: if lang == Lang::Da { results.study.title.clone() } else { results.study.title_en.clone() },
        panels,
        footnote: footnote.clone(),
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        lang,
    };
    Some((chart, format!("{}: {}. {}", t("figure_forest", lang), alt.join("; "), footnote[0])))
}

/// Writes the PNG to `png` and returns the SVG text.
fn both(chart: &impl Chart, png: &Path) -> std::result::Result<String, String> {
    render_png(chart, png)?;
    render_svg(chart)
}

fn event_chart(results: &Results, a: &Analysis, lang: Lang) -> Option<(EventChart, String)> {
    let es = a.event_study.as_ref()?;
    let (trial, comp, outcome) = names(results, a, lang);
    let unit =
        results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let level = locale::number(results.study.conf_level * 100.0, 0, lang);
    let mut footnote: Vec<String> = es
        .pretrend
        .iter()
        .map(|w| {
            t("event_footnote", lang)
                .replace("{level}", &level)
                .replace("{test}", &w.reference)
                .replace("{stat}", &locale::number(w.stat, 2, lang))
                .replace("{p}", &locale::p_equals(w.p_value, lang))
                .replace("{periods}", locale::period_words(a.design.frequency, lang).the_many)
        })
        .collect();
    if let Some(p) = &a.placebo {
        footnote.push(t("placebo_footnote", lang).replace("{p}", &locale::p_equals(p.interval.p_value, lang)));
    }
    let footnote_text = footnote.join(" ");
    let many = locale::period_words(a.design.frequency, lang).many;
    let alt = match lang {
        Lang::Da => format!(
            "Punktdiagram: event study for {outcome} ({comp}), {} {many} før til {} {many} efter start, med konfidensintervaller. {footnote_text}",
            es.leads, es.lags
        ),
        Lang::En => format!(
            "Dot plot: event study of {outcome} ({comp}), {} {many} before to {} {many} after the start, with confidence intervals. {footnote_text}",
            es.leads, es.lags
        ),
    };
    let chart = EventChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {}", t("event_subtitle", lang)),
        y_label: format!("{} ({})", t("difference", lang), locale::difference_unit(unit, lang)),
        x_label: locale::event_axis(a.design.frequency, lang),
        lead_label: t("event_lead", lang).to_string(),
        effect_label: t("event_effect", lang).to_string(),
        footnote,
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        points: es
            .rows
            .iter()
            .map(|r| {
                let i = &r.interval;
                let ci = (i.ci_low.is_finite() && i.ci_high.is_finite()).then_some((i.ci_low, i.ci_high));
                (r.rel_time, i.estimate, ci, r.binned)
            })
            .collect(),
        lang,
    };
    Some((chart, alt))
}

/// Where a chart draws a value filed under the last month of its period: the period's middle
/// month (the month itself for monthly data).
fn plotted(last: Month, f: crate::ingest::periods::Frequency) -> Month {
    last.plus(-((f.step().unwrap_or(1) as i32 - 1) / 2))
}

/// Treated mean vs its synthetic control (or SDID's comparison), on the trend chart's axes.
fn synthetic_chart(results: &Results, a: &Analysis, lang: Lang) -> Option<(TrendChart, String)> {
    let (periods, treated, other, start, other_label) = match (&a.synth, &a.sdid) {
        (Some(s), _) => (
            &s.periods,
            &s.pooled.treated,
            &s.pooled.synthetic,
            s.pooled.start,
            t("synthetic_control", lang).to_string(),
        ),
        (None, Some(d)) => {
            (&d.periods, &d.treated, &d.counterfactual, d.start, t("sdid_counterfactual", lang).to_string())
        }
        _ => return None,
    };
    let mut chart = trend_chart(results, a, lang);
    chart.treated_label = format!("{} (n = {})", t("treated_mean", lang), a.design.treated.len());
    chart.comparison_label = other_label.clone();
    chart.start = start;
    // Months left out of estimation (COVID windows) break both lines instead of bridging them.
    let by_month: std::collections::BTreeMap<Month, (Option<f64>, f64)> =
        periods.iter().zip(treated).zip(other).map(|((m, y), s)| (*m, (*y, *s))).collect();
    let f = a.design.frequency;
    chart.points = periods[0]
        .through(periods[periods.len() - 1])
        .filter(|m| f.is_period_end(*m))
        .map(|m| match by_month.get(&m) {
            Some((y, s)) => (plotted(m, f), *y, Some(*s)),
            None => (plotted(m, f), None, None),
        })
        .collect();
    let (_, comp, outcome) = names(results, a, lang);
    let alt = match lang {
        Lang::Da => format!(
            "Linjediagram: {outcome} ({comp}) i gennemsnit for {} forsøgskommuner og {}, {} – {}.",
            a.design.treated.len(),
            other_label.to_lowercase(),
            locale::month(periods[0], lang),
            locale::month(periods[periods.len() - 1], lang)
        ),
        Lang::En => format!(
            "Line chart: mean {outcome} ({comp}) of {} trial municipalities and the {}, {} – {}.",
            a.design.treated.len(),
            other_label.to_lowercase(),
            locale::month(periods[0], lang),
            locale::month(periods[periods.len() - 1], lang)
        ),
    };
    Some((chart, alt))
}

fn gap_chart_spec(results: &Results, a: &Analysis, lang: Lang) -> Option<(crate::charts::GapChart, String)> {
    let s = a.synth.as_ref()?;
    let (trial, comp, outcome) = names(results, a, lang);
    let unit =
        results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let p = &s.pooled;
    // Every period from the first to the last; periods left out (COVID windows) are gaps.
    let months: Vec<Month> =
        s.periods[0].through(s.periods[s.periods.len() - 1]).filter(|m| a.design.frequency.is_period_end(*m)).collect();
    let over_months = |values: Vec<Option<f64>>| -> Vec<(Month, Option<f64>)> {
        let by_month: std::collections::BTreeMap<Month, Option<f64>> = s.periods.iter().copied().zip(values).collect();
        months.iter().map(|m| (plotted(*m, a.design.frequency), by_month.get(m).copied().flatten())).collect()
    };
    let treated = over_months(p.treated.iter().zip(&p.synthetic).map(|(y, syn)| y.map(|y| y - syn)).collect());
    let limit = 5.0 * p.pre_rmspe;
    let placebos: Vec<Vec<(Month, Option<f64>)>> =
        s.placebos.iter().filter(|g| g.pre_rmspe <= limit).map(|g| over_months(g.gap.clone())).collect();
    let footnote = t("gap_footnote", lang)
        .replace("{p}", &locale::p_equals(p.p_value, lang))
        .replace("{n}", &p.n_placebos.to_string());
    let alt = match lang {
        Lang::Da => format!(
            "Linjediagram: forskellen mellem forsøgskommunerne og deres syntetiske kontrol i {outcome} ({comp}), med {} placeboforskelle i gråt. {footnote}",
            placebos.len()
        ),
        Lang::En => format!(
            "Line chart: the gap between the trial municipalities and their synthetic control in {outcome} ({comp}), with {} placebo gaps in grey. {footnote}",
            placebos.len()
        ),
    };
    let chart = crate::charts::GapChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {}", t("gap", lang).to_lowercase()),
        y_label: format!("{} ({})", t("difference", lang), locale::difference_unit(unit, lang)),
        treated_label: t("treated_mean", lang).to_string(),
        placebo_label: t("placebo_gaps", lang).to_string(),
        start_label: format!("{} {}", t("trial_start", lang), locale::month(p.start, lang)),
        footnote: vec![footnote],
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        start: p.start,
        treated,
        placebos,
        lang,
    };
    Some((chart, alt))
}

fn weights_chart_spec(results: &Results, a: &Analysis, lang: Lang) -> Option<(crate::charts::BarChart, String)> {
    let weights = match (&a.synth, &a.sdid) {
        (Some(s), _) => &s.pooled.weights,
        (None, Some(d)) => &d.weights,
        _ => return None,
    };
    let (trial, comp, outcome) = names(results, a, lang);
    let footnote = t("weights_footnote", lang).replace("{n}", &weights.len().to_string());
    let listed: Vec<String> =
        weights.iter().take(15).map(|w| format!("{} {}", w.name, locale::number(w.weight, 3, lang))).collect();
    let alt = format!("{}: {}. {footnote}", t("figure_weights", lang), listed.join(", "));
    let method = if a.synth.is_some() { t("synthetic_control", lang) } else { t("sdid", lang) };
    let chart = crate::charts::BarChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {method}"),
        x_label: t("weight", lang).to_string(),
        footnote: vec![footnote],
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        bars: weights
            .iter()
            .map(|w| crate::charts::Bar { label: w.name.clone(), value: w.weight, interval: None })
            .collect(),
        decimals: 3,
        lang,
    };
    Some((chart, alt))
}

/// Survival curves of the four groups × periods.
fn survival_chart(
    results: &Results,
    d: &crate::results::DurationResult,
    lang: Lang,
) -> Option<(crate::charts::SurvivalChart, String)> {
    let label = |g: &crate::results::SurvivalGroup| {
        let who = if g.group == "trial" { t("treated", lang) } else { t("comparison_short", lang) };
        let when = if g.period == "during" { t("survival_during", lang) } else { t("survival_before", lang) };
        let n = g.n.map(|n| locale::number(n as f64, 0, lang)).unwrap_or_else(|| "..".into());
        format!("{who}, {when} (n = {n})")
    };
    let curves: Vec<crate::charts::SurvivalCurve> = d
        .groups
        .iter()
        .filter(|g| !g.curve.is_empty())
        .map(|g| crate::charts::SurvivalCurve {
            label: label(g),
            trial: g.group == "trial",
            during: g.period == "during",
            points: g.curve.iter().map(|p| (p.weeks, p.survival, p.ci_low, p.ci_high)).collect(),
        })
        .collect();
    if curves.is_empty() {
        return None;
    }
    let level = locale::number(d.conf_level * 100.0, 0, lang);
    let hr = d.cox.as_ref().and_then(|c| c.rows.get(2)).map(|r| {
        format!(
            "{} {} [{}; {}], {}",
            t("survival_hr", lang),
            locale::number(r.hazard_ratio, 2, lang),
            locale::number(r.ci_low, 2, lang),
            locale::number(r.ci_high, 2, lang),
            locale::p_equals(r.p_value, lang)
        )
    });
    let mut footnote =
        vec![t("survival_footnote", lang).replace("{level}", &level).replace("{n}", &d.min_cell.to_string())];
    footnote.extend(hr.clone());
    let medians: Vec<String> = d
        .groups
        .iter()
        .map(|g| {
            format!(
                "{}: {}",
                label(g),
                g.median
                    .map(|m| format!("{} {}", locale::number(m, 1, lang), t("weeks", lang)))
                    .unwrap_or_else(|| "..".into())
            )
        })
        .collect();
    let alt = format!(
        "{}. {}: {}. {}",
        t("figure_survival", lang),
        t("survival_median", lang),
        medians.join("; "),
        hr.unwrap_or_default()
    );
    let (trial, comp, _) = {
        let tr = results.trials.iter().find(|x| x.key == d.trial);
        let c = tr.and_then(|x| x.components.iter().find(|c| c.key == d.component));
        (
            tr.map(|x| if lang == Lang::Da { x.name.clone() } else { x.name_en.clone() }).unwrap_or_default(),
            c.map(|c| c.name(lang).to_string()).unwrap_or_default(),
            (),
        )
    };
    let chart = crate::charts::SurvivalChart {
        title: if lang == Lang::Da { d.name.clone() } else { d.name_en.clone() },
        subtitle: format!("{trial} · {comp}"),
        x_label: t("survival_x", lang).to_string(),
        y_label: t("survival_y", lang).to_string(),
        footnote,
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        curves,
        x_max: Some(1.5 * d.horizon_weeks),
        lang,
    };
    Some((chart, alt))
}

/// Actual and counterfactual spending summed over the participants, in mio. kr. per month.
fn spending_chart(results: &Results, s: &SavingsResult, lang: Lang) -> Option<(TrendChart, String)> {
    let total = s.total.as_ref()?;
    let name = if lang == Lang::Da { &s.name } else { &s.name_en };
    let footnote_total = format!(
        "{}: {} [{}; {}]",
        t("savings_saved", lang),
        locale::money(total.savings, lang),
        locale::money(total.ci_low, lang),
        locale::money(total.ci_high, lang)
    );
    let chart = TrendChart {
        title: name.clone(),
        subtitle: format!(
            "{} · {} {} – {}",
            footnote_total,
            t("savings_window", lang).to_lowercase(),
            locale::month(total.start, lang),
            locale::month(total.last, lang)
        ),
        y_label: t("savings_per_month", lang).to_string(),
        treated_label: format!("{} (n = {})", t("savings_actual", lang), s.units.len()),
        comparison_label: t("savings_counterfactual", lang).to_string(),
        start_label: format!("{} {}", t("trial_start", lang), locale::month(total.start, lang)),
        covid_label: t("covid", lang).to_string(),
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        points: s.monthly.iter().map(|p| (p.period, Some(p.actual / 1e6), Some(p.counterfactual / 1e6))).collect(),
        start: total.start,
        covid: covid_spans(results),
        events: event_marks(results, lang),
        lang,
    };
    let alt = match lang {
        Lang::Da => format!(
            "Linjediagram: faktiske udgifter og skønnede udgifter uden forsøget pr. måned, summeret over {} forsøgskommuner. {footnote_total}.",
            s.units.len()
        ),
        Lang::En => format!(
            "Line chart: actual spending and estimated spending without the trial per month, summed over {} trial municipalities. {footnote_total}.",
            s.units.len()
        ),
    };
    Some((chart, alt))
}

/// Savings per municipality with their intervals, largest first.
fn savings_units_chart(results: &Results, s: &SavingsResult, lang: Lang) -> Option<(crate::charts::BarChart, String)> {
    s.total.as_ref()?;
    let mut rows: Vec<&crate::results::SavingsRow> = s.units.iter().collect();
    rows.sort_by(|a, b| b.savings.total_cmp(&a.savings));
    let level = locale::number(s.conf_level * 100.0, 0, lang);
    let footnote =
        t("savings_footnote", lang).replace("{level}", &level).replace("{df}", &locale::number(s.df, 0, lang));
    let listed: Vec<String> = rows.iter().map(|r| format!("{} {}", r.name, locale::money(r.savings, lang))).collect();
    let alt = format!("{}: {}. {footnote}", t("figure_savings_units", lang), listed.join(", "));
    let chart = crate::charts::BarChart {
        title: if lang == Lang::Da { s.name.clone() } else { s.name_en.clone() },
        subtitle: t("figure_savings_units", lang).to_string(),
        x_label: t("savings_mio", lang).to_string(),
        footnote: vec![footnote],
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        bars: rows
            .iter()
            .map(|r| crate::charts::Bar {
                label: r.name.clone(),
                value: r.savings / 1e6,
                interval: Some((r.ci_low / 1e6, r.ci_high / 1e6)),
            })
            .collect(),
        decimals: 2,
        lang,
    };
    Some((chart, alt))
}

fn names(results: &Results, a: &Analysis, lang: Lang) -> (String, String, String) {
    let trial = results.trials.iter().find(|t| t.key == a.trial);
    let comp = trial.and_then(|t| t.components.iter().find(|c| c.key == a.component));
    let outcome = results.outcomes.iter().find(|o| o.key == a.outcome);
    (
        trial.map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() }).unwrap_or_default(),
        comp.map(|c| c.name(lang).to_string()).unwrap_or_default(),
        outcome.map(|o| if lang == Lang::Da { o.label.clone() } else { o.label_en.clone() }).unwrap_or_default(),
    )
}

fn alt_text(results: &Results, a: &Analysis, lang: Lang) -> String {
    let (_, comp, outcome) = names(results, a, lang);
    let first = a.trend.first().map(|p| locale::month(p.period, lang)).unwrap_or_default();
    let last = a.trend.last().map(|p| locale::month(p.period, lang)).unwrap_or_default();
    let start = locale::month(a.design.post.first, lang);
    match lang {
        Lang::Da => format!(
            "Linjediagram: månedligt gennemsnit af {outcome} i {} forsøgskommuner ({comp}) og {} sammenligningskommuner, {first} – {last}; forsøgsstart {start}.",
            a.design.treated.len(),
            a.design.n_comparison
        ),
        Lang::En => format!(
            "Line chart: monthly mean of {outcome} in {} trial municipalities ({comp}) and {} comparison municipalities, {first} – {last}; trial start {start}.",
            a.design.treated.len(),
            a.design.n_comparison
        ),
    }
}

fn trend_chart(results: &Results, a: &Analysis, lang: Lang) -> TrendChart {
    let (trial, comp, outcome) = names(results, a, lang);
    let unit = results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit);
    let y_label = match unit {
        Some(crate::study::Unit::Percent) => format!("{outcome} (%)"),
        Some(crate::study::Unit::Weeks) => format!("{outcome} ({})", if lang == Lang::Da { "uger" } else { "weeks" }),
        Some(crate::study::Unit::Dkk) => format!("{outcome} (kr.)"),
        _ => outcome.clone(),
    };
    TrendChart {
        title: trial,
        subtitle: format!("{comp} · {outcome}"),
        y_label,
        treated_label: format!("{} (n = {})", t("treated", lang), a.design.treated.len()),
        comparison_label: format!("{} (n = {})", t("comparison_short", lang), a.design.n_comparison),
        start_label: format!("{} {}", t("trial_start", lang), locale::month(a.design.post.first, lang)),
        covid_label: t("covid", lang).to_string(),
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        points: a.trend.iter().map(|p| (plotted(p.period, a.design.frequency), p.treated, p.comparison)).collect(),
        start: a.design.post.first,
        covid: covid_spans(results),
        events: event_marks(results, lang),
        lang,
    }
}

/// COVID windows as fractional years, for the trend-style charts.
fn covid_spans(results: &Results) -> Vec<(f64, f64)> {
    let frac = |iso: &str| crate::period::parse_date(iso).map(crate::charts::trend::year_fraction);
    results.study.covid_windows.iter().filter_map(|w| Some((frac(&w.start)?, frac(&w.end)? + 1.0 / 365.25))).collect()
}

/// Policy events as (fractional year, label in `lang`), for the trend-style charts.
fn event_marks(results: &Results, lang: Lang) -> Vec<(f64, String)> {
    let frac = |iso: &str| crate::period::parse_date(iso).map(crate::charts::trend::year_fraction);
    results
        .study
        .events
        .iter()
        .filter_map(|e| Some((frac(&e.date)?, if lang == Lang::Da { e.label.clone() } else { e.label_en.clone() })))
        .collect()
}
