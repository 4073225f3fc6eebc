//! Design: who is compared with whom, over which months.
//!
//! For one trial component and outcome, [`Design::build`] fixes the treated municipalities and
//! their first treated months, the comparison group and the windows. The eligible pool is every
//! municipality that does not take part in the component, minus
//! - municipalities named in the component's `exclude`,
//! - participants of any other component that shares the outcome and is active while this
//!   component is evaluated (their own trial would contaminate the comparison),
//! - municipalities in the study's exposure register whose exposure began before the window
//!   ends (unless the trial's comparison sets `exclude_exposed = false`), and
//! - municipalities without data for the outcome.
//!
//! The trial's comparison design then picks from the pool: all of it (`all`, and the donor pool
//! of `synth` and `sdid`), a named list (`list`), or nearest neighbours (`matching`, see
//! [`Design::build`]). Every exclusion is recorded with its reason so that the report can show
//! it, and [`Design::balance`] compares treated and comparison municipalities before and after.

pub mod balanced;
pub mod long;
pub mod profile;

use serde::{Deserialize, Serialize};

use crate::estimate::{Sample, SampleUnit};
use crate::ingest::Panel;
use crate::ingest::periods::Frequency;
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::study::{ComparisonDesign, CovidHandling, Study, Trial};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreatedUnit {
    pub code: Code,
    pub start: Month,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub code: Code,
    /// `named` (listed in `exclude`), `trial:<trial>.<component>` (takes part in another trial
    /// with the same outcome), `exposure:<name>` (in the exposure register) or `no-data`.
    pub reason: String,
}

/// A nearest-neighbour match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchPair {
    pub treated: Code,
    pub control: Code,
    /// Distance on the standardised matching variables.
    pub distance: f64,
}

/// One row of a balance table: the treated municipalities' mean, the comparison mean before
/// (the whole eligible pool, equally weighted) and after the design's selection and weights,
/// and the standardised mean differences (treated − comparison) / √((s²_T + s²_pool)/2), with the
/// variances of the unweighted treated group and pool (s²_T = 0 with one treated
/// municipality); `None` when that denominator is zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub variable: String,
    pub treated: f64,
    pub before: f64,
    pub after: f64,
    pub smd_before: Option<f64>,
    pub smd_after: Option<f64>,
}
#[derive(Clone, Debug)]
pub struct Design {
    pub trial: usize,
    pub component: usize,
    pub outcome: String,
    pub treated: Vec<TreatedUnit>,
    pub design: ComparisonDesign,
    /// Every eligible comparison municipality (the "before" of the balance table and the donor
    /// pool of synthetic designs).
    pub pool: Vec<Code>,
    /// The municipalities the DiD estimators compare with.
    pub comparison: Vec<Code>,
    pub excluded: Vec<Exclusion>,
    /// `matching`: who was matched to whom.
    pub matches: Vec<MatchPair>,
    /// Things the design could not do as declared (a listed municipality that is not eligible).
    pub notes: Vec<String>,
    /// Whole periods of the outcome: the trial's `pre_months` rounded up to a multiple of the
    /// period length.
    pub pre_months: u32,
    /// From the first pre-period month of the earliest cohort to the last post month.
    pub window: MonthRange,
    /// Months left out of estimation (COVID windows under `handling = "exclude"`; every month of
    /// a period that touches one).
    pub dropped: Vec<Month>,
    /// How often the outcome is observed. A start is moved to the first month of its period:
    /// the period in which a municipality starts is its first treated period.
    pub frequency: Frequency,
}

/// Why a trial component × outcome cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum DesignError {
    /// The data cannot support the design as the study states it (a participant without data,
    /// a pre-period before the data start, …): the message names the trial and what is missing.
    #[error("{0}")]
    Invalid(String),
    /// The trial starts after the data end: nothing can be said yet. The rest of the study runs;
    /// the results and every document say so (`run --strict` makes it an error).
    #[error(
        "trial `{}`, component `{}`, outcome `{}` cannot be evaluated yet: the data end in {}, and {} starts on {}",
        .0.trial, .0.component, .0.outcome, .0.data_end_code(), .0.who, .0.start
    )]
    NotYet(Box<crate::results::Pending>),
}

/// Municipalities eligible to compare with over `span`: not `taking_part`, in no trial
/// component active during `span`, and not in the exposure register then. Returns them in
/// registry order with the reasons the others were left out.
pub fn eligible_pool(
    study: &Study,
    span: MonthRange,
    taking_part: &dyn Fn(Code) -> bool,
) -> (Vec<Code>, Vec<Exclusion>) {
    let mut pool = Vec::new();
    let mut excluded = Vec::new();
    for m in study.registry.all() {
        if taking_part(m.code) {
            continue;
        }
        let other = study.trials.iter().find_map(|t| {
            t.components.iter().find_map(|c| {
                let active = Month::of(c.start) <= span.last && Month::of(c.end) >= span.first;
                (active && c.participates(m.code)).then(|| format!("trial:{}.{}", t.key, c.key))
            })
        });
        let exposed = study.exposures.iter().find(|e| {
            e.municipalities.contains(&m.code)
                && Month::of(e.start) <= span.last
                && e.end.is_none_or(|end| Month::of(end) >= span.first)
        });
        match (other, exposed) {
            (Some(reason), _) => excluded.push(Exclusion { code: m.code, reason }),
            (None, Some(e)) => excluded.push(Exclusion { code: m.code, reason: format!("exposure:{}", e.name) }),
            _ => pool.push(m.code),
        }
    }
    (pool, excluded)
}

impl Design {
    pub fn build(study: &Study, panel: &Panel, ti: usize, ci: usize, outcome: &str) -> Result<Design, DesignError> {
        let trial = &study.trials[ti];
        let comp = &trial.components[ci];
        let label = format!("trial `{}`, component `{}`, outcome `{}`", trial.key, comp.key, outcome);
        let frequency = panel.frequency(outcome);
        let step = frequency.step().unwrap_or(1);
        let declared = trial.pre_months.div_ceil(step) * step;
        let has_data = |code: Code| {
            panel.unit_index(code).is_some_and(|u| {
                panel.months.first.through(panel.months.last).any(|m| panel.value(outcome, u, m).is_some())
            })
        };
        let mut treated = Vec::new();
        for p in &comp.participants {
            if !has_data(p.code) {
                return Err(DesignError::Invalid(format!(
                    "{label}: participant {} {} has no data for this outcome in {}",
                    p.code,
                    study.registry.name(p.code),
                    study.data_files()
                )));
            }
            treated.push(TreatedUnit { code: p.code, start: frequency.period_start(Month::of(p.start)) });
        }
        let earliest = treated.iter().map(|t| t.start).min().expect("validated: at least one participant");
        let latest = treated.iter().map(|t| t.start).max().expect("non-empty");
        if latest > panel.months.last {
            let late = comp.participants.iter().max_by_key(|p| p.start).expect("validated: at least one participant");
            let who = if comp.participants.iter().all(|p| p.start == late.start) {
                "the trial".to_string()
            } else {
                format!("{} {}", late.code, study.registry.name(late.code))
            };
            return Err(DesignError::NotYet(Box::new(crate::results::Pending {
                trial: trial.key.clone(),
                component: comp.key.clone(),
                outcome: outcome.to_string(),
                data_end: panel.months.last,
                start: late.start.to_string(),
                who,
                frequency,
            })));
        }
        let last_post = Month::of(trial.evaluation_end.min(comp.end)).min(panel.months.last);
        if last_post < latest {
            return Err(DesignError::Invalid(format!(
                "{label}: the evaluation window ends ({last_post}) before every participant has started; set the trial's `evaluation_end` (or the component's `end`) after the last start"
            )));
        }
        // The default pre-period on coarse data: at least DEFAULT_PRE_PERIODS periods, as far
        // as the data reach back, never fewer months than the default itself.
        let pre_months = if trial.pre_months_default && step >= 6 {
            let available = (earliest.since(panel.months.first).max(0) as u32) / step * step;
            (Trial::DEFAULT_PRE_PERIODS * step).min(available).max(declared)
        } else {
            declared
        };
        let first_pre = earliest.plus(-(pre_months as i32));
        if first_pre < panel.months.first {
            return Err(DesignError::Invalid(format!(
                "{label}: the pre-period needs data from {first_pre} ({pre_months} months before {earliest}), but the data start in {}",
                panel.months.first
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
            let exposed = study.exposures.iter().find(|e| {
                trial.comparison.exclude_exposed
                    && e.municipalities.contains(&m.code)
                    && Month::of(e.start) <= window.last
            });
            if let Some(e) = exposed {
                excluded.push(Exclusion { code: m.code, reason: format!("exposure:{}", e.name) });
                continue;
            }
            if !has_data(m.code) {
                excluded.push(Exclusion { code: m.code, reason: "no-data".into() });
                continue;
            }
            comparison.push(m.code);
        }
        if comparison.len() < 2 {
            return Err(DesignError::Invalid(format!(
                "{label}: fewer than two comparison municipalities remain after exclusions"
            )));
        }
        let dropped = match study.covid.handling {
            CovidHandling::Include => Vec::new(),
            CovidHandling::Exclude => window
                .first
                .through(window.last)
                .filter(|m| {
                    let first = frequency.period_start(*m);
                    first.through(first.plus(step as i32 - 1)).any(|x| study.covid.touches(x))
                })
                .collect(),
        };
        let mut design = Design {
            trial: ti,
            component: ci,
            outcome: outcome.to_string(),
            treated,
            design: trial.comparison.design,
            pool: comparison.clone(),
            comparison,
            excluded,
            matches: Vec::new(),
            notes: Vec::new(),
            pre_months,
            window,
            dropped,
            frequency,
        };
        match design.design {
            ComparisonDesign::All | ComparisonDesign::Synth | ComparisonDesign::Sdid => {}
            ComparisonDesign::List => {
                let listed = &trial.comparison.units;
                for &code in listed {
                    if !design.pool.contains(&code) {
                        let why = design
                            .excluded
                            .iter()
                            .find(|e| e.code == code)
                            .map(|e| e.reason.clone())
                            .unwrap_or_else(|| "a participant".into());
                        design.notes.push(format!(
                            "{} {} is listed as a comparison municipality but left out ({why})",
                            code,
                            study.registry.name(code)
                        ));
                    }
                }
                design.comparison = design.pool.iter().copied().filter(|c| listed.contains(c)).collect();
                if design.comparison.len() < 2 {
                    return Err(DesignError::Invalid(format!(
                        "{label}: fewer than two of the listed comparison municipalities are eligible"
                    )));
                }
            }
            ComparisonDesign::Matching => {
                let c = &trial.comparison;
                design.matches = design.nearest_neighbours(study, panel, &c.match_on, c.k, c.replace)?;
                let mut chosen: Vec<Code> = design.matches.iter().map(|m| m.control).collect();
                chosen.sort();
                chosen.dedup();
                if chosen.len() < 2 {
                    return Err(DesignError::Invalid(format!(
                        "{label}: matching found fewer than two comparison municipalities"
                    )));
                }
                design.comparison = chosen;
            }
        }
        Ok(design)
    }

    /// The pre-period of the earliest cohort, dropped months left out.
    pub fn pre_months_list(&self) -> Vec<Month> {
        let earliest = self.treated.iter().map(|t| t.start).min().expect("validated: participants");
        earliest
            .plus(-(self.pre_months as i32))
            .through(earliest.plus(-1))
            .filter(|m| !self.dropped.contains(m))
            .collect()
    }

    /// A unit's value of a design variable over the pre-period: `level` (mean of the outcome),
    /// `trend` (least-squares slope of the outcome, per year), `population` (registry), an
    /// outcome key (its mean), or `region:<name>` (1 when in the region). `None` without data.
    pub fn variable(&self, study: &Study, panel: &Panel, code: Code, name: &str) -> Option<f64> {
        if name == "population" {
            return study.registry.get(code).map(|m| m.population as f64);
        }
        if let Some(region) = name.strip_prefix("region:") {
            return study.registry.get(code).map(|m| if m.region == region { 1.0 } else { 0.0 });
        }
        let outcome = if name == "level" || name == "trend" { self.outcome.as_str() } else { name };
        let u = panel.unit_index(code)?;
        let points: Vec<(f64, f64)> = self
            .pre_months_list()
            .iter()
            .enumerate()
            .filter_map(|(i, m)| panel.value(outcome, u, *m).map(|v| (i as f64, v)))
            .collect();
        if points.is_empty() {
            return None;
        }
        let n = points.len() as f64;
        let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
        if name != "trend" {
            return Some(my);
        }
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if sxx == 0.0 {
            return None;
        }
        Some(12.0 * points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
    }

    /// k nearest neighbours per treated municipality on the standardised matching variables
    /// (Euclidean; population on the log scale; `region` adds 1 to the squared distance when the
    /// regions differ). Without replacement, pairs are taken greedily in order of distance over
    /// all treated municipalities, so that no treated municipality's order of listing decides
    /// who gets the closest neighbour; ties go to the lower codes.
    fn nearest_neighbours(
        &self,
        study: &Study,
        panel: &Panel,
        on: &[String],
        k: usize,
        replace: bool,
    ) -> Result<Vec<MatchPair>, DesignError> {
        let numeric: Vec<&String> = on.iter().filter(|v| v.as_str() != "region").collect();
        let use_region = on.iter().any(|v| v == "region");
        let features = |code: Code| -> Option<Vec<f64>> {
            numeric
                .iter()
                .map(|v| {
                    self.variable(study, panel, code, v)
                        .map(|x| if v.as_str() == "population" { x.max(1.0).ln() } else { x })
                })
                .collect()
        };
        let treated: Vec<(Code, Vec<f64>)> = self
            .treated
            .iter()
            .map(|t| {
                features(t.code).map(|f| (t.code, f)).ok_or_else(|| {
                    DesignError::Invalid(format!(
                        "matching: treated municipality {} {} lacks pre-period data for the matching variables",
                        t.code,
                        study.registry.name(t.code)
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let controls: Vec<(Code, Vec<f64>)> = self.pool.iter().filter_map(|&c| features(c).map(|f| (c, f))).collect();
        let sd: Vec<f64> = (0..numeric.len())
            .map(|d| {
                let values: Vec<f64> = treated.iter().chain(&controls).map(|u| u.1[d]).collect();
                let m = values.iter().sum::<f64>() / values.len() as f64;
                let sd =
                    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1).max(1) as f64).sqrt();
                if sd > 0.0 { sd } else { 1.0 }
            })
            .collect();
        let region = |c: Code| study.registry.get(c).map(|m| m.region.clone()).unwrap_or_default();
        let mut pairs: Vec<MatchPair> = Vec::new();
        for (t, ft) in &treated {
            for (c, fc) in &controls {
                let mut d2: f64 = ft.iter().zip(fc).zip(&sd).map(|((a, b), s)| ((a - b) / s).powi(2)).sum();
                if use_region && region(*t) != region(*c) {
                    d2 += 1.0;
                }
                pairs.push(MatchPair { treated: *t, control: *c, distance: d2.sqrt() });
            }
        }
        pairs.sort_by(|a, b| {
            a.distance.total_cmp(&b.distance).then(a.treated.cmp(&b.treated)).then(a.control.cmp(&b.control))
        });
        let mut taken: Vec<MatchPair> = Vec::new();
        for p in pairs {
            let has = taken.iter().filter(|m| m.treated == p.treated).count();
            let used = taken.iter().any(|m| m.control == p.control);
            if has < k && (replace || !used) {
                taken.push(p);
            }
        }
        taken.sort_by(|a, b| a.treated.cmp(&b.treated).then(a.distance.total_cmp(&b.distance)));
        Ok(taken)
    }

    /// The variables a balance table shows: pre-period level and trend, population, the regions
    /// the treated or pool municipalities are in, and `extra` variables (outcome keys).
    pub fn balance_variables(&self, study: &Study, extra: &[String]) -> Vec<String> {
        let mut vars: Vec<String> = vec!["level".into(), "trend".into(), "population".into()];
        let mut regions: Vec<String> = self
            .treated
            .iter()
            .map(|t| t.code)
            .chain(self.pool.iter().copied())
            .filter_map(|c| study.registry.get(c).map(|m| m.region.clone()))
            .collect();
        regions.sort();
        regions.dedup();
        vars.extend(regions.into_iter().map(|r| format!("region:{r}")));
        for e in extra {
            if !vars.contains(e) && e != "region" && e != &self.outcome {
                vars.push(e.clone());
            }
        }
        vars
    }

    /// Balance of `variables` between the treated municipalities and the comparison, before (the
    /// whole pool, equally weighted) and after (`after`: comparison municipalities and weights,
    /// normalised here). Units without a value are left out of that row.
    pub fn balance(
        &self,
        study: &Study,
        panel: &Panel,
        variables: &[String],
        after: &[(Code, f64)],
    ) -> Vec<BalanceRow> {
        let mean_var = |xs: &[(f64, f64)]| -> (f64, f64) {
            let w: f64 = xs.iter().map(|x| x.1).sum();
            let m = xs.iter().map(|x| x.0 * x.1).sum::<f64>() / w;
            let n = xs.len() as f64;
            let var = if xs.len() > 1 { xs.iter().map(|x| (x.0 - m).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
            (m, var)
        };
        variables
            .iter()
            .filter_map(|v| {
                let values = |codes: &mut dyn Iterator<Item = (Code, f64)>| -> Vec<(f64, f64)> {
                    codes.filter_map(|(c, w)| self.variable(study, panel, c, v).map(|x| (x, w))).collect()
                };
                let t = values(&mut self.treated.iter().map(|t| (t.code, 1.0)));
                let b = values(&mut self.pool.iter().map(|&c| (c, 1.0)));
                let a = values(&mut after.iter().copied().filter(|x| x.1 > 0.0));
                if t.is_empty() || b.is_empty() || a.is_empty() {
                    return None;
                }
                let ((mt, vt), (mb, vb), (ma, _)) = (mean_var(&t), mean_var(&b), mean_var(&a));
                let sd = ((vt + vb) / 2.0).sqrt();
                let smd = |m: f64| (sd > 0.0).then(|| (mt - m) / sd);
                Some(BalanceRow {
                    variable: v.clone(),
                    treated: mt,
                    before: mb,
                    after: ma,
                    smd_before: smd(mb),
                    smd_after: smd(ma),
                })
            })
            .collect()
    }

    /// The months of the window under which the outcome is observed: every month for a
    /// monthly outcome, the last month of each period otherwise; dropped months left out.
    pub fn observation_months(&self) -> Vec<Month> {
        self.window
            .first
            .through(self.window.last)
            .filter(|m| self.frequency.is_period_end(*m) && !self.dropped.contains(m))
            .collect()
    }

    /// The estimation sample: treated and comparison units with their observations inside the
    /// window, dropped months left out.
    pub fn sample(&self, panel: &Panel) -> Sample {
        self.sample_with(panel, &self.comparison)
    }

    /// The sample of the treated municipalities and `comparison` (the pool, for the donors of
    /// the synthetic designs).
    pub fn sample_with(&self, panel: &Panel, comparison: &[Code]) -> Sample {
        let months = self.observation_months();
        let unit = |code: Code, start: Option<Month>| {
            let u = panel.unit_index(code);
            let obs = months
                .iter()
                .filter_map(|&m| u.and_then(|u| panel.value(&self.outcome, u, m)).map(|v| (m, v)))
                .collect();
            SampleUnit { code: code as u32, start, obs, cluster: None }
        };
        let mut units: Vec<SampleUnit> = self.treated.iter().map(|t| unit(t.code, Some(t.start))).collect();
        units.extend(comparison.iter().map(|&c| unit(c, None)));
        Sample { units, step: self.frequency.step().unwrap_or(1) }
    }

    /// The event study's leads and lags in periods. The study gives them in months; a quarterly
    /// or yearly outcome bins at the whole periods that cover them, keeping at least one lead
    /// before the reference period. Half-yearly and yearly outcomes have a handful of periods:
    /// they show at least the whole pre-period and evaluation window one by one, so that every
    /// pre-period change counts in the pre-trend test and the sensitivity analysis
    /// ([`crate::inference::honest`]), which leaves binned end points out.
    pub fn event_window(&self, study: &Study) -> (u32, u32) {
        let step = self.frequency.step().unwrap_or(1);
        let leads = study.event_leads.div_ceil(step).max(study.event_leads.min(2));
        let lags = study.event_lags.div_ceil(step);
        if step < 6 {
            return (leads, lags);
        }
        let earliest = self.treated.iter().map(|t| t.start).min().unwrap_or(self.window.last);
        let pre = self.pre_months.div_ceil(step);
        let post = (self.window.last.since(earliest).max(0) as u32 + 1).div_ceil(step);
        (leads.max(pre), lags.max(post.saturating_sub(1)))
    }

    /// The study's event study on this design: its window, [`Design::event_window`]'s leads and
    /// lags, and the study's level, small-sample correction and base.
    pub fn event_study(&self, study: &Study) -> crate::estimate::event::EventStudy {
        let (leads, lags) = self.event_window(study);
        crate::estimate::event::EventStudy {
            first: self.window.first,
            last: self.window.last,
            leads: Some(leads),
            lags: Some(lags),
            conf_level: study.conf_level,
            ssc: study.ssc,
            base: study.event_base,
        }
    }

    /// Months after the start (per treated unit) that enter the post window.
    pub fn is_post(&self, unit_start: Month, m: Month) -> bool {
        m >= unit_start && m <= self.window.last && !self.dropped.contains(&m)
    }
}
