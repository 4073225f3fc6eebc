//! Design: who is compared with whom, over which months.
//!
//! For one trial component and outcome, [`Design::build`] fixes the treated municipalities and
//! their first treated months, the comparison group and the windows. The default comparison group
//! is every municipality that does not take part in the component, minus
//! - municipalities named in the component's `exclude`, and
//! - participants of any other component that shares the outcome and is active while this
//!   component is evaluated (their own trial would contaminate the comparison).
//!
//! Every exclusion is recorded with its reason so that the report can show it.

use serde::{Deserialize, Serialize};

use crate::estimate::{Sample, SampleUnit};
use crate::ingest::Panel;
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::study::{CovidHandling, Study};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreatedUnit {
    pub code: Code,
    pub start: Month,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub code: Code,
    /// `named` (listed in `exclude`), `trial:<trial>.<component>` (takes part in another trial
    /// with the same outcome) or `no-data`.
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct Design {
    pub trial: usize,
    pub component: usize,
    pub outcome: String,
    pub treated: Vec<TreatedUnit>,
    pub comparison: Vec<Code>,
    pub excluded: Vec<Exclusion>,
    pub pre_months: u32,
    /// From the first pre-period month of the earliest cohort to the last post month.
    pub window: MonthRange,
    /// Months left out of estimation (COVID windows under `handling = "exclude"`).
    pub dropped: Vec<Month>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DesignError(pub String);

impl Design {
    pub fn build(study: &Study, panel: &Panel, ti: usize, ci: usize, outcome: &str) -> Result<Design, DesignError> {
        let trial = &study.trials[ti];
        let comp = &trial.components[ci];
        let label = format!("trial `{}`, component `{}`, outcome `{}`", trial.key, comp.key, outcome);
        let has_data = |code: Code| {
            panel.unit_index(code).is_some_and(|u| {
                panel.months.first.through(panel.months.last).any(|m| panel.value(outcome, u, m).is_some())
            })
        };
        let mut treated = Vec::new();
        for p in &comp.participants {
            if !has_data(p.code) {
                return Err(DesignError(format!(
                    "{label}: participant {} {} has no data for this outcome in {}",
                    p.code,
                    study.registry.name(p.code),
                    study.data.panel.display()
                )));
            }
            treated.push(TreatedUnit { code: p.code, start: Month::of(p.start) });
        }
        let earliest = treated.iter().map(|t| t.start).min().expect("validated: at least one participant");
        let last_post = Month::of(trial.evaluation_end.min(comp.end)).min(panel.months.last);
        if last_post < treated.iter().map(|t| t.start).max().expect("non-empty") {
            return Err(DesignError(format!(
                "{label}: the evaluation window ends ({last_post}) before every participant has started, or the data end before it"
            )));
        }
        let first_pre = earliest.plus(-(trial.pre_months as i32));
        if first_pre < panel.months.first {
            return Err(DesignError(format!(
                "{label}: the pre-period needs data from {first_pre} ({} months before {earliest}), but the data start in {}",
                trial.pre_months, panel.months.first
            )));
        }
        let window = MonthRange { first: first_pre, last: last_post };

        let mut excluded = Vec::new();
        let mut comparison = Vec::new();
        for m in study.registry.all() {
            if comp.participates(m.code) {
                continue;
            }
            if comp.exclude.contains(&m.code) {
                excluded.push(Exclusion { code: m.code, reason: "named".into() });
                continue;
            }
            let other = study.trials.iter().enumerate().find_map(|(tj, t)| {
                t.components.iter().enumerate().find_map(|(cj, c)| {
                    let same = tj == ti && cj == ci;
                    let active = Month::of(c.start) <= window.last && Month::of(c.end) >= window.first;
                    (!same && active && c.outcomes.iter().any(|o| o == outcome) && c.participates(m.code))
                        .then(|| format!("trial:{}.{}", t.key, c.key))
                })
            });
            if let Some(reason) = other {
                excluded.push(Exclusion { code: m.code, reason });
                continue;
            }
            if !has_data(m.code) {
                excluded.push(Exclusion { code: m.code, reason: "no-data".into() });
                continue;
            }
            comparison.push(m.code);
        }
        if comparison.len() < 2 {
            return Err(DesignError(format!(
                "{label}: fewer than two comparison municipalities remain after exclusions"
            )));
        }
        let dropped = match study.covid.handling {
            CovidHandling::Include => Vec::new(),
            CovidHandling::Exclude => window.first.through(window.last).filter(|m| study.covid.touches(*m)).collect(),
        };
        Ok(Design {
            trial: ti,
            component: ci,
            outcome: outcome.to_string(),
            treated,
            comparison,
            excluded,
            pre_months: trial.pre_months,
            window,
            dropped,
        })
    }

    /// The estimation sample: treated and comparison units with their observations inside the
    /// window, dropped months left out.
    pub fn sample(&self, panel: &Panel) -> Sample {
        let unit = |code: Code, start: Option<Month>| {
            let u = panel.unit_index(code);
            let obs = self
                .window
                .first
                .through(self.window.last)
                .filter(|m| !self.dropped.contains(m))
                .filter_map(|m| u.and_then(|u| panel.value(&self.outcome, u, m)).map(|v| (m, v)))
                .collect();
            SampleUnit { code: code as u32, start, obs, cluster: None }
        };
        let mut units: Vec<SampleUnit> = self.treated.iter().map(|t| unit(t.code, Some(t.start))).collect();
        units.extend(self.comparison.iter().map(|&c| unit(c, None)));
        Sample { units }
    }

    /// Months after the start (per treated unit) that enter the post window.
    pub fn is_post(&self, unit_start: Month, m: Month) -> bool {
        m >= unit_start && m <= self.window.last && !self.dropped.contains(&m)
    }
}
