//! The true effects of simulated data, in the estimands the pipeline reports.
//!
//! For each trial component and outcome the true ATT is the mean over treated municipalities of
//! Ȳ(1) − Ȳ(0): the mean of the observed values over the post-window months (the months the
//! estimators use, COVID months dropped where the study drops them) minus the mean the
//! no-trial values would have had over the same window. Where every month has a value this is
//! the mean of the monthly Y(1) − Y(0). Where months can be empty (the mean duration of the JAF
//! spells that ended in a month, in a small municipality) each mean is over its own non-empty
//! months, as the estimators average what is observed: pairing months that have both values
//! would compare different spells and leave a truth no estimator could track. Where
//! components overlap in municipalities and outcome, Y(0) is "no trial at all", which is what a
//! difference in differences against untouched comparison municipalities identifies.

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::ingest::Panel;
use crate::period::Month;
use crate::study::{Simulation, Study};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrueEffect {
    pub trial: String,
    pub component: String,
    pub outcome: String,
    /// Mean over treated municipalities of the post-window mean of Y(1) minus that of Y(0).
    pub att: f64,
    pub n_treated: usize,
    pub post_first: String,
    pub post_last: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Truth {
    pub note: String,
    pub seed: u64,
    /// Realised saving on LÆ 265 certificates (DKK) over the certificate trials' evaluation
    /// windows, summed over participants: Σ (cost without trial − cost with trial).
    pub certificate_savings_dkk: f64,
    pub certificate_savings_target_dkk: Option<f64>,
    /// The realised saving per participating municipality (code → DKK).
    #[serde(default)]
    pub certificate_savings_by_municipality: std::collections::BTreeMap<crate::registry::Code, f64>,
    /// Mean true change in duration (weeks) of the JAF spells that participants started inside
    /// the evaluation window of a component with a duration effect: what a spell-level
    /// difference in differences on durations estimates.
    #[serde(default)]
    pub jaf_spell_effect_weeks: Option<f64>,
    /// Scale applied to the declared relative certificate effects to hit the target.
    pub certificate_effect_scale: f64,
    pub effects: Vec<TrueEffect>,
}

pub fn compute(
    study: &Study,
    sim: &Simulation,
    panel: &Panel,
    counterfactual: &Panel,
    kappa: f64,
    savings: f64,
    savings_by_municipality: std::collections::BTreeMap<crate::registry::Code, f64>,
) -> Result<Truth, super::SimulateError> {
    let mut effects = Vec::new();
    for (ti, trial) in study.trials.iter().enumerate() {
        for (ci, comp) in trial.components.iter().enumerate() {
            for outcome in &comp.outcomes {
                let design = Design::build(study, panel, ti, ci, outcome)?;
                let mut unit_means = Vec::new();
                for t in &design.treated {
                    let u = panel.unit_index(t.code).expect("design checked the data");
                    let post: Vec<Month> =
                        t.start.through(design.window.last).filter(|m| design.is_post(t.start, *m)).collect();
                    let mean = |p: &Panel| {
                        let v: Vec<f64> = post.iter().filter_map(|&m| p.value(outcome, u, m)).collect();
                        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
                    };
                    if let (Some(y1), Some(y0)) = (mean(panel), mean(counterfactual)) {
                        unit_means.push(y1 - y0);
                    }
                }
                if unit_means.is_empty() {
                    continue;
                }
                effects.push(TrueEffect {
                    trial: trial.key.clone(),
                    component: comp.key.clone(),
                    outcome: outcome.clone(),
                    att: unit_means.iter().sum::<f64>() / unit_means.len() as f64,
                    n_treated: unit_means.len(),
                    post_first: design.treated.iter().map(|t| t.start).min().expect("non-empty").to_string(),
                    post_last: design.window.last.to_string(),
                });
            }
        }
    }
    Ok(Truth {
        note: "Synthetic data made by `frikommune simulate`. `att` is the true average effect on the treated over the post window, in the outcome's unit; it is what the 2x2 DiD estimates.".into(),
        seed: sim.seed,
        certificate_savings_dkk: savings,
        certificate_savings_target_dkk: sim.certificate_savings_dkk,
        certificate_savings_by_municipality: savings_by_municipality,
        certificate_effect_scale: kappa,
        jaf_spell_effect_weeks: None,
        effects,
    })
}
