//! What `results.json` says of the study itself: its files and windows, its outcomes and trials,
//! and the empty results the analyses fill in.

use std::path::Path;

use crate::ingest::Panel;
use crate::period::Month;
use crate::results::{
    Analysis, ComponentInfo, DateSpan, EventInfo, OutcomeInfo, ParticipantInfo, Results, SCHEMA_VERSION, StudyInfo,
    TrialInfo,
};
use crate::study::{SavingsSource, Study};

/// The results of `analyses`: the study, its outcomes and trials, and the panel's savings
/// analyses; durations, findings and charts still empty.
pub fn skeleton(study: &Study, panel: &Panel, analyses: Vec<Analysis>) -> Results {
    Results {
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
            .map(|s| super::panel_savings(study, panel, s))
            .collect(),
        durations: Vec::new(),
        findings: Vec::new(),
        forest_chart: None,
        pending: Vec::new(),
        disclosure: None,
    }
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

pub fn study_info(study: &Study, panel: &Panel) -> StudyInfo {
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
        conf_level: study.conf_level.get(),
        min_cell: study.min_cell,
        panel_file,
        data_months: panel.months,
        // Declared for the panel file, or marked by the statistical tables: the earliest.
        provisional_from: declared_provisional(study, panel)
            .into_iter()
            .chain(panel.provisional.values().copied())
            .min(),
        left_out: panel.left_out.clone(),
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
