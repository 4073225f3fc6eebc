//! The case file's analyses: one streaming pass over the cases into a tally per duration and
//! case-savings analysis, then each estimated from its tally.

use super::{durations, link_savings, savings};
use crate::error::Result;
use crate::progress::Progress;
use crate::results::{OutcomeInfo, Results};
use crate::study::{SavingsSource, Study};

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
