//! `[simulation]`: the synthetic data `frikommune simulate` writes, with known effects.

use toml::Spanned;

use super::Validator;
use crate::study::{EffectSize, SimEffect, Simulation, Trial, raw};

impl Validator<'_> {
    pub(super) fn simulation(
        &mut self,
        s: &raw::SimulationSection,
        raw_trials: &[raw::TrialSection],
        trials: &[Trial],
        outcome_keys: &[String],
    ) -> Option<Simulation> {
        let first = self.month(&s.first, "simulation.first");
        let last = self.month(&s.last, "simulation.last");
        let find = |v: &mut Self, spec: &Spanned<String>, key: &str| v.component_ref(spec, key, raw_trials, trials);
        let mut certificate_components = Vec::new();
        for (i, c) in s.certificate_components.iter().enumerate() {
            if let Some(tc) = find(self, c, &format!("simulation.certificate_components[{i}]")) {
                certificate_components.push(tc);
            }
        }
        let mut effects = Vec::new();
        for (i, e) in s.effects.iter().enumerate() {
            let key = format!("simulation.effects[{i}]");
            let tc = find(self, &e.component, &format!("{key}.component"));
            if !outcome_keys.contains(e.outcome.get_ref()) {
                self.report(
                    &e.outcome,
                    format!("{key}.outcome"),
                    format!("no outcome `{}` is declared", e.outcome.get_ref()),
                );
            }
            let size = match (e.effect, e.relative) {
                (Some(a), None) => Some(EffectSize::Additive(a)),
                (None, Some(r)) => Some(EffectSize::Relative(r)),
                _ => {
                    self.report(&e.component, &key, "give exactly one of `effect` (additive) or `relative`");
                    None
                }
            };
            if let (Some((trial, component)), Some(size)) = (tc, size) {
                effects.push(SimEffect {
                    trial,
                    component,
                    outcome: e.outcome.get_ref().clone(),
                    size,
                    ramp_months: e.ramp_months.max(1),
                });
            }
        }
        let (first, last) = (first?, last?);
        if last < first {
            self.report(&s.last, "simulation.last", "the simulated period ends before it starts");
        }
        Some(Simulation {
            seed: s.seed,
            first,
            last,
            certificate_savings_dkk: s.certificate_savings_dkk,
            certificate_components,
            effects,
            jaf_inflow_per_1000: s.jaf_inflow_per_1000.unwrap_or(0.15),
        })
    }
}
