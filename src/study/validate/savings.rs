//! `[[savings]]` (spending from the panel or the case file, priced by `[tariffs]`) and
//! `[[durations]]`.

use std::collections::BTreeMap;

use toml::Spanned;

use super::{Validator, nearest};
use crate::study::{
    Better, CaseCosts, CaseDate, Durations, Outcome, Savings, SavingsSource, Tariff, Trial, Unit, raw, type_key,
};

impl Validator<'_> {
    pub(super) fn durations(&mut self, file: &raw::StudyFile, trials: &[Trial]) -> Vec<Durations> {
        let mut durations = Vec::new();
        for (i, d) in file.durations.iter().enumerate() {
            let key = format!("durations[{i}]");
            if file.data.cases.is_none() {
                self.report(&d.key, &key, "a duration analysis needs a case file: set `cases` in [data]");
            }
            let horizon_weeks = match &d.horizon_weeks {
                Some(h) if !(h.get_ref().is_finite() && *h.get_ref() > 0.0) => {
                    self.report(h, format!("{key}.horizon_weeks"), "expected a positive number of weeks");
                    104.0
                }
                Some(h) => *h.get_ref(),
                None => 104.0,
            };
            let better = match &d.better {
                Some(b) => {
                    self.choice(b, &format!("{key}.better"), &[("higher", Better::Higher), ("lower", Better::Lower)])
                }
                None => Some(Better::Lower),
            };
            if let Some(m) = &d.margin
                && m.get_ref().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            {
                self.report(m, format!("{key}.margin"), "expected a positive equivalence margin in weeks");
            }
            if let Some((trial, component)) =
                self.component_ref(&d.component, &format!("{key}.component"), &file.trials, trials)
                && let Some(better) = better
            {
                durations.push(Durations {
                    key: d.key.get_ref().clone(),
                    name: d.name.clone(),
                    name_en: d.name_en.clone().unwrap_or_else(|| d.name.clone()),
                    trial,
                    component,
                    horizon_weeks,
                    case_types: d.case_types.clone().unwrap_or_default(),
                    better,
                    margin: d.margin.as_ref().map(|m| *m.get_ref()),
                });
            }
        }
        durations
    }

    pub(super) fn savings(
        &mut self,
        sections: &[raw::SavingsSection],
        raw_trials: &[raw::TrialSection],
        trials: &[Trial],
        outcomes: &[Outcome],
        tariffs: &BTreeMap<String, Tariff>,
        has_cases: bool,
    ) -> Vec<Savings> {
        let mut out = Vec::new();
        for (i, s) in sections.iter().enumerate() {
            let key = format!("savings[{i}]");
            if out.iter().any(|o: &Savings| &o.key == s.key.get_ref()) {
                self.report(&s.key, format!("{key}.key"), format!("savings key `{}` is used twice", s.key.get_ref()));
            }
            let source = match s.source.as_ref().map(|x| x.get_ref().as_str()) {
                None | Some("panel") => self.panel_spending(s, &key, outcomes, tariffs),
                Some("cases") => self.case_spending(s, &key, tariffs, has_cases),
                Some(other) => {
                    let hint = nearest(other, &["panel".to_string(), "cases".to_string()]);
                    self.report(
                        s.source.as_ref().expect("matched Some"),
                        format!("{key}.source"),
                        format!("expected `panel` or `cases`, found `{other}`{hint}"),
                    );
                    None
                }
            };
            let Some(source) = source else { continue };
            let mut components = Vec::new();
            for (j, c) in s.components.iter().enumerate() {
                if let Some(tc) = self.component_ref(c, &format!("{key}.components[{j}]"), raw_trials, trials) {
                    components.push(tc);
                }
            }
            if s.components.is_empty() {
                self.report(&s.key, format!("{key}.components"), "name at least one `trial.component`");
            }
            let pre_months = match &s.pre_months {
                Some(n) if !(6..=120).contains(n.get_ref()) => {
                    self.report(n, format!("{key}.pre_months"), "expected a number of months from 6 to 120");
                    36
                }
                Some(n) => *n.get_ref() as u32,
                None => components.iter().map(|&(t, _)| trials[t].pre_months).max().unwrap_or(36),
            };
            out.push(Savings {
                key: s.key.get_ref().clone(),
                name: s.name.clone(),
                name_en: s.name_en.clone().unwrap_or_else(|| s.name.clone()),
                source,
                components,
                pre_months,
            });
        }
        out
    }

    /// A tariff key, reported with the nearest valid key when it is not in [tariffs].
    fn tariff_ref(&mut self, t: &Spanned<String>, key: &str, tariffs: &BTreeMap<String, Tariff>) -> Option<String> {
        if tariffs.contains_key(t.get_ref()) {
            return Some(t.get_ref().clone());
        }
        let keys: Vec<String> = tariffs.keys().cloned().collect();
        let hint = nearest(t.get_ref(), &keys);
        self.report(t, key, format!("no tariff `{}` in [tariffs]{hint}", t.get_ref()));
        None
    }

    /// `[[savings]]` with source = "panel": an outcome in kr., or a count outcome and its tariff.
    fn panel_spending(
        &mut self,
        s: &raw::SavingsSection,
        key: &str,
        outcomes: &[Outcome],
        tariffs: &BTreeMap<String, Tariff>,
    ) -> Option<SavingsSource> {
        for (field, given) in [
            ("count_column", s.count_column.is_some()),
            ("type_column", s.type_column.is_some()),
            ("types", s.types.is_some()),
            ("date", s.date.is_some()),
        ] {
            if given {
                self.report(&s.key, format!("{key}.{field}"), format!("`{field}` belongs to source = \"cases\""));
            }
        }
        let Some(o) = &s.outcome else {
            self.report(&s.key, format!("{key}.outcome"), "name the outcome that holds the spending or counts");
            return None;
        };
        let Some(outcome) = outcomes.iter().find(|x| &x.key == o.get_ref()) else {
            let keys: Vec<String> = outcomes.iter().map(|o| o.key.clone()).collect();
            let hint = nearest(o.get_ref(), &keys);
            self.report(o, format!("{key}.outcome"), format!("no outcome `{}` is declared{hint}", o.get_ref()));
            return None;
        };
        let tariff = match (&s.tariff, outcome.unit) {
            (None, Unit::Dkk) => None,
            (None, _) => {
                self.report(
                    o,
                    format!("{key}.tariff"),
                    format!(
                        "outcome `{}` is not in kr.: name the tariff that prices it (`tariff = \"…\"`)",
                        outcome.key
                    ),
                );
                None
            }
            (Some(t), Unit::Dkk) => {
                self.report(
                    t,
                    format!("{key}.tariff"),
                    format!("outcome `{}` is already in kr.; leave out `tariff`", outcome.key),
                );
                None
            }
            (Some(t), _) => self.tariff_ref(t, &format!("{key}.tariff"), tariffs),
        };
        Some(SavingsSource::Panel { outcome: outcome.key.clone(), tariff })
    }

    /// `[[savings]]` with source = "cases": a count column priced by one tariff, or by the tariff
    /// of each case's type.
    fn case_spending(
        &mut self,
        s: &raw::SavingsSection,
        key: &str,
        tariffs: &BTreeMap<String, Tariff>,
        has_cases: bool,
    ) -> Option<SavingsSource> {
        if !has_cases {
            self.report(&s.key, key, "source = \"cases\" needs a case file: set `cases` in [data]");
        }
        if let Some(o) = &s.outcome {
            self.report(o, format!("{key}.outcome"), "source = \"cases\" reads the case file; leave out `outcome`");
        }
        let Some(count_column) = &s.count_column else {
            self.report(&s.key, format!("{key}.count_column"), "name the case-file column with each case's count");
            return None;
        };
        let date = match s.date.as_ref().map(|d| d.get_ref().as_str()) {
            None | Some("start") => CaseDate::Start,
            Some("end") => CaseDate::End,
            Some(other) => {
                self.report(
                    s.date.as_ref().expect("matched Some"),
                    format!("{key}.date"),
                    format!("expected `start` or `end`, found `{other}`"),
                );
                CaseDate::Start
            }
        };
        let mut prices = Vec::new();
        let only_listed = s.types.is_some();
        match (&s.type_column, &s.tariff, &s.types) {
            (None, Some(t), None) => {
                prices.extend(self.tariff_ref(t, &format!("{key}.tariff"), tariffs).map(|t| (String::new(), t)))
            }
            (None, None, _) => {
                self.report(
                    &s.key,
                    format!("{key}.tariff"),
                    "name a `tariff`, or a `type_column` whose types name tariffs",
                );
                return None;
            }
            (None, _, Some(_)) => {
                self.report(&s.key, format!("{key}.types"), "`types` needs a `type_column`");
                return None;
            }
            (Some(_), Some(t), _) => {
                self.report(
                    t,
                    format!("{key}.tariff"),
                    "with a `type_column` each type names its tariff; leave out `tariff`",
                );
                return None;
            }
            (Some(_), None, Some(types)) => {
                for (value, t) in types {
                    if let Some(t) = self.tariff_ref(t, &format!("{key}.types.{value}"), tariffs) {
                        prices.push((type_key(value), t));
                    }
                }
            }
            (Some(_), None, None) => {
                if tariffs.is_empty() {
                    self.report(
                        &s.key,
                        format!("{key}.type_column"),
                        "types are priced by [tariffs], and there are none",
                    );
                }
                for (k, t) in tariffs {
                    prices.push((type_key(k), k.clone()));
                    prices.push((type_key(&t.label), k.clone()));
                }
                prices.sort();
                prices.dedup();
            }
        }
        Some(SavingsSource::Cases(CaseCosts {
            count_column: count_column.get_ref().clone(),
            type_column: s.type_column.as_ref().map(|c| c.get_ref().clone()),
            prices,
            only_listed,
            date,
        }))
    }
}
