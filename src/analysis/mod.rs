//! Analyses: the work between a design and its entry in the results. Each function assembles
//! one kind of analysis from the design, the estimators and their inference — written once and
//! used by `run`, `validate` and the tests alike. The pipeline only calls these.
//!
//! - [`panel`]: a trial component × outcome on the panel (DiD estimators, event study,
//!   Callaway–Sant'Anna, synthetic designs through [`synthetic`], balance, trend);
//! - [`cases`]: the case file's duration ([`durations`]) and savings ([`savings`]) analyses;
//! - [`info`]: what the results say of the study, its outcomes and trials.

pub mod cases;
pub mod durations;
pub mod info;
pub mod panel;
pub mod savings;
pub mod synthetic;

use crate::ingest::Panel;
use crate::results::Results;
use crate::study::{SavingsSource, Study};

pub use cases::{CaseResults, analyse_cases, case_columns};

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
pub fn link_savings(study: &Study, results: &mut Results) {
    for r in &mut results.savings {
        if let Some(spec) = study.savings.iter().find(|s| s.key == r.key) {
            r.by_analysis = savings::implied_savings(study, &results.analyses, spec);
        }
    }
}
