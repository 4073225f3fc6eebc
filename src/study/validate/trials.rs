//! `[[trials]]` with their components and comparison designs, and `[[exposures]]`.

use std::collections::BTreeSet;

use toml::Spanned;

use super::{Validator, nearest};
use crate::registry::{Code, Registry};
use crate::study::{Comparison, ComparisonDesign, Component, Exposure, Participant, Trial, raw};

impl Validator<'_> {
    pub(super) fn trials(&mut self, file: &raw::StudyFile, registry: &Registry, outcome_keys: &[String]) -> Vec<Trial> {
        let mut trials: Vec<Trial> = Vec::new();
        let mut trial_keys = BTreeSet::new();
        for (ti, t) in file.trials.iter().enumerate() {
            let key = format!("trials[{ti}]");
            if !trial_keys.insert(t.key.get_ref().clone()) {
                self.report(&t.key, format!("{key}.key"), format!("trial key `{}` is used twice", t.key.get_ref()));
            }
            let end = self.date(&t.end, &format!("{key}.end"));
            let evaluation_end = match &t.evaluation_end {
                Some(e) => self.date(e, &format!("{key}.evaluation_end")),
                None => end,
            };
            let pre_months = match &t.pre_months {
                Some(p) if !(1..=240).contains(p.get_ref()) => {
                    self.report(p, format!("{key}.pre_months"), "expected between 1 and 240 months");
                    None
                }
                Some(p) => Some(*p.get_ref() as u32),
                None => Some(36),
            };
            let mut components = Vec::new();
            for (ci, c) in t.components.iter().enumerate() {
                let ckey = format!("{key}.components[{ci}]");
                let start = self.date(&c.start, &format!("{ckey}.start"));
                let cend = match &c.end {
                    Some(e) => self.date(e, &format!("{ckey}.end")),
                    None => end,
                };
                if let (Some(s), Some(e)) = (start, cend)
                    && e < s
                {
                    let at = c.end.as_ref().unwrap_or(&t.end);
                    self.report(at, format!("{ckey}.end"), format!("the trial ends ({e}) before it starts ({s})"));
                }
                let mut participants: Vec<Participant> = Vec::new();
                for (pi, p) in c.participants.iter().enumerate() {
                    if let Some(code) = self.municipality(registry, p, &format!("{ckey}.participants[{pi}]")) {
                        if participants.iter().any(|x| x.code == code) {
                            self.report(
                                p,
                                format!("{ckey}.participants[{pi}]"),
                                format!("`{}` is listed twice", p.get_ref()),
                            );
                        }
                        participants.push(Participant { code, start: start.unwrap_or_default() });
                    }
                }
                if c.participants.is_empty() {
                    self.report(&c.key, format!("{ckey}.participants"), "a component needs at least one participant");
                }
                for (who, when) in &c.starts {
                    let skey = format!("{ckey}.starts.{who}");
                    let code = match registry.resolve(who) {
                        Ok(code) => Some(code),
                        Err(_) => {
                            self.report(when, &skey, format!("unknown municipality `{who}`"));
                            None
                        }
                    };
                    let date = self.date(when, &skey);
                    if let (Some(code), Some(date)) = (code, date) {
                        match participants.iter_mut().find(|p| p.code == code) {
                            Some(p) => p.start = date,
                            None => self.report(when, &skey, format!("`{who}` is not a participant of this component")),
                        }
                        if let Some(e) = cend
                            && e < date
                        {
                            self.report(when, &skey, format!("starts ({date}) after the trial ends ({e})"));
                        }
                    }
                }
                let mut outs = Vec::new();
                for (oi, o) in c.outcomes.iter().enumerate() {
                    if outs.contains(o.get_ref()) {
                        // Listed twice it would be estimated and counted twice in Holm and BH.
                        self.report(
                            o,
                            format!("{ckey}.outcomes[{oi}]"),
                            format!("`{}` is listed twice; list each outcome once", o.get_ref()),
                        );
                    } else if outcome_keys.contains(o.get_ref()) {
                        outs.push(o.get_ref().clone());
                    } else {
                        let hint = nearest(o.get_ref(), outcome_keys);
                        self.report(
                            o,
                            format!("{ckey}.outcomes[{oi}]"),
                            format!("no outcome `{}` is declared{hint}", o.get_ref()),
                        );
                    }
                }
                let mut exclude = Vec::new();
                for (ei, e) in c.exclude.iter().enumerate() {
                    if let Some(code) = self.municipality(registry, e, &format!("{ckey}.exclude[{ei}]")) {
                        exclude.push(code);
                    }
                }
                if let (Some(start), Some(cend)) = (start, cend) {
                    components.push(Component {
                        key: c.key.get_ref().clone(),
                        name: c.name.clone(),
                        name_en: c.name_en.clone().unwrap_or_else(|| c.name.clone()),
                        start,
                        end: cend,
                        participants,
                        outcomes: outs,
                        exclude,
                    });
                }
            }
            if let (Some(end), Some(evaluation_end), Some(pre_months)) = (end, evaluation_end, pre_months) {
                trials.push(Trial {
                    key: t.key.get_ref().clone(),
                    name: t.name.clone(),
                    name_en: t.name_en.clone().unwrap_or_else(|| t.name.clone()),
                    theme: t.theme.clone(),
                    theme_en: t.theme_en.clone().unwrap_or_else(|| t.theme.clone()),
                    network: t.network.clone(),
                    end,
                    evaluation_end,
                    pre_months,
                    pre_months_default: t.pre_months.is_none(),
                    note: t.note.clone(),
                    comparison: self.comparison(&t.comparison, registry, outcome_keys, &key),
                    components,
                });
            }
        }

        trials
    }

    pub(super) fn exposures(&mut self, file: &raw::StudyFile, registry: &Registry) -> Vec<Exposure> {
        let mut exposures = Vec::new();
        for (i, e) in file.exposures.iter().enumerate() {
            let key = format!("exposures[{i}]");
            let municipalities: Vec<Code> = e
                .municipalities
                .iter()
                .enumerate()
                .filter_map(|(mi, m)| self.municipality(registry, m, &format!("{key}.municipalities[{mi}]")))
                .collect();
            let start = self.date(&e.start, &format!("{key}.start"));
            let end = e.end.as_ref().and_then(|d| self.date(d, &format!("{key}.end")));
            if let Some(start) = start {
                exposures.push(Exposure { name: e.name.clone(), municipalities, start, end });
            }
        }

        exposures
    }

    fn comparison(
        &mut self,
        c: &raw::ComparisonSection,
        registry: &Registry,
        outcome_keys: &[String],
        trial_key: &str,
    ) -> Comparison {
        let key = format!("{trial_key}.comparison");
        let mut out = Comparison::default();
        if let Some(d) = &c.design
            && let Some(design) = self.choice(
                d,
                &format!("{key}.design"),
                &[
                    ("all", ComparisonDesign::All),
                    ("list", ComparisonDesign::List),
                    ("matching", ComparisonDesign::Matching),
                    ("synth", ComparisonDesign::Synth),
                    ("sdid", ComparisonDesign::Sdid),
                ],
            )
        {
            out.design = design;
        }
        out.exclude_exposed = c.exclude_exposed.unwrap_or(true);
        out.units = c
            .units
            .iter()
            .enumerate()
            .filter_map(|(i, u)| self.municipality(registry, u, &format!("{key}.units[{i}]")))
            .collect();
        if out.design == ComparisonDesign::List
            && out.units.len() < 2
            && let Some(d) = &c.design
        {
            self.report(d, format!("{key}.units"), "design = \"list\" needs at least two municipalities in `units`");
        }
        if let Some(k) = &c.k {
            if (1..=20).contains(k.get_ref()) {
                out.k = *k.get_ref() as usize;
            } else {
                self.report(k, format!("{key}.k"), "expected between 1 and 20 neighbours per treated municipality");
            }
        }
        out.replace = c.replace.unwrap_or(false);
        let mut covariate_names: Vec<String> = vec!["population".into()];
        covariate_names.extend(outcome_keys.iter().cloned());
        if !c.match_on.is_empty() {
            let mut allowed: Vec<String> = vec!["level".into(), "trend".into(), "region".into()];
            allowed.extend(covariate_names.iter().cloned());
            out.match_on.clear();
            for (i, m) in c.match_on.iter().enumerate() {
                if allowed.contains(m.get_ref()) {
                    out.match_on.push(m.get_ref().clone());
                } else {
                    let hint = nearest(m.get_ref(), &allowed);
                    self.report(
                        m,
                        format!("{key}.match_on[{i}]"),
                        format!(
                            "`{}` is not a matching variable: expected level, trend, population, region or an outcome key{hint}",
                            m.get_ref()
                        ),
                    );
                }
            }
        }
        if !c.predictors.is_empty() {
            out.predictors.clear();
            for (i, p) in c.predictors.iter().enumerate() {
                match crate::estimate::scm::Predictor::parse(p.get_ref()) {
                    Ok(crate::estimate::scm::Predictor::Covariate(name)) if !covariate_names.contains(&name) => {
                        let hint = nearest(&name, &covariate_names);
                        self.report(
                            p,
                            format!("{key}.predictors[{i}]"),
                            format!(
                                "`{name}` is not a predictor: expected blocks:B, mean, last, population or an outcome key{hint}"
                            ),
                        );
                    }
                    Ok(pred) => out.predictors.push(pred),
                    Err(e) => self.report(p, format!("{key}.predictors[{i}]"), e),
                }
            }
        }
        if let Some(v) = &c.v {
            // One weight per predictor row: `blocks:B` is B rows, every other predictor one.
            let rows: usize = out
                .predictors
                .iter()
                .map(|p| match p {
                    crate::estimate::scm::Predictor::Blocks(b) => *b,
                    _ => 1,
                })
                .sum();
            if v.get_ref().iter().any(|x| !x.is_finite() || *x < 0.0) || v.get_ref().iter().sum::<f64>() <= 0.0 {
                self.report(v, format!("{key}.v"), "expected non-negative predictor weights, not all zero");
            } else if v.get_ref().len() != rows {
                let names: Vec<String> = out.predictors.iter().map(|p| p.text()).collect();
                self.report(
                    v,
                    format!("{key}.v"),
                    format!(
                        "expected {rows} weights, one per predictor row ({}), found {}",
                        names.join(", "),
                        v.get_ref().len()
                    ),
                );
            } else {
                out.v = Some(v.get_ref().clone());
            }
        }
        out
    }

    /// Resolves `trial.component` to indices, reporting an unknown one with the nearest valid key.
    pub(super) fn component_ref(
        &mut self,
        spec: &Spanned<String>,
        key: &str,
        raw_trials: &[raw::TrialSection],
        trials: &[Trial],
    ) -> Option<(usize, usize)> {
        let (tk, ck) = spec.get_ref().split_once('.').unwrap_or((spec.get_ref(), ""));
        let found = trials
            .iter()
            .enumerate()
            .find(|(_, t)| t.key == tk)
            .and_then(|(ti, t)| t.components.iter().position(|c| c.key == ck).map(|ci| (ti, ci)));
        if found.is_none() {
            let all: Vec<String> = raw_trials
                .iter()
                .flat_map(|t| t.components.iter().map(move |c| format!("{}.{}", t.key.get_ref(), c.key.get_ref())))
                .collect();
            // Declared, but its trial or the component itself has problems of its own (reported
            // where they are): one message there, not a second one here for every reference.
            if all.contains(spec.get_ref()) {
                return None;
            }
            let hint = nearest(spec.get_ref(), &all);
            self.report(spec, key, format!("no component `{}` (expected `trial.component`){hint}", spec.get_ref()));
        }
        found
    }
}
