//! Duration analyses: the study's `[[durations]]` sections on the case file.
//!
//! Spells are grouped by municipality (the component's participants vs the eligible comparison
//! municipalities, chosen as for savings) and by the month they start: *before* (the trial's
//! `pre_months` before the start) or *during* (from the start to the evaluation end). A
//! participant's own start sets its boundary; comparison municipalities use the component's
//! start. Spells still open when the data end are censored there.
//!
//! Estimates: Kaplan–Meier curves with Greenwood (exponential) intervals per group and period,
//! medians with intervals and restricted means; the log-rank test of trial vs comparison in each
//! period; a Cox regression on `trial`, `during` and `trial × during` (Efron ties) whose product
//! is a difference in differences on the hazard of ending a spell, with municipality-clustered
//! standard errors; and the difference in differences on mean durations of completed spells,
//! the figure registers such as Jobindsats publish ("varighed"), which ignores open spells.

use std::collections::BTreeMap;

use crate::design::eligible_pool;
use crate::estimate::ols::cr1;
use crate::estimate::survival::{EventTable, KmCurve, cox, kaplan_meier, logrank};
use crate::inference::Interval;
use crate::inference::cluster::SmallSample;
use crate::ingest::cases::{Cases, OPEN, day_number, from_day_number};
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::results::{CoxResult, CoxRow, CurvePoint, DurationResult, LogrankRow, SurvivalGroup};
use crate::study::{Durations, Study};

pub const COX_CONVENTION: &str = "Cox proportional hazards, Efron ties; Lin–Wei sandwich clustered by \
municipality (lifelines' robust variance) times G/(G−1); Student's t with G − 1 degrees of freedom";
pub const COMPLETED_CONVENTION: &str = "OLS of the duration of completed spells on trial, during and \
their product; CR1 clustered by municipality (G/(G−1)·(N−1)/(N−K), as fixest); t with G − 1 degrees \
of freedom. Completed spells only: spells still open when the data end are left out, which favours \
short spells in the later period";

struct Spell {
    unit: u32,
    treated: bool,
    during: bool,
    weeks: f64,
    ended: bool,
}

pub fn durations(study: &Study, cases: &Cases, spec: &Durations) -> DurationResult {
    let trial = &study.trials[spec.trial];
    let comp = &trial.components[spec.component];
    let pre = trial.pre_months as i32;
    let eval_last = Month::of(trial.evaluation_end.min(comp.end));
    let start_of: BTreeMap<Code, Month> = comp.participants.iter().map(|p| (p.code, Month::of(p.start))).collect();
    let comp_start = Month::of(comp.start);
    let span = MonthRange {
        first: start_of.values().min().copied().unwrap_or(comp_start).min(comp_start).plus(-pre),
        last: eval_last,
    };
    let (pool, excluded) = eligible_pool(study, span, &|c| start_of.contains_key(&c));
    let mut notes = Vec::new();
    let observed_until = cases.observed_until;

    // Spells in the analysis, with a dense cluster index per municipality.
    let mut index: BTreeMap<Code, u32> = BTreeMap::new();
    let mut spells = Vec::new();
    let in_pool: std::collections::HashSet<Code> = pool.iter().copied().collect();
    for i in 0..cases.len() {
        let code = cases.municipality[i];
        let (treated, boundary) = match start_of.get(&code) {
            Some(&s) => (true, s),
            None if in_pool.contains(&code) => (false, comp_start),
            None => continue,
        };
        let start = from_day_number(cases.start[i]);
        let m = Month::of(start);
        let during = if m >= boundary && m <= eval_last {
            true
        } else if m < boundary && m >= boundary.plus(-pre) {
            false
        } else {
            continue;
        };
        let ended = cases.end[i] != OPEN;
        let last = if ended { cases.end[i] } else { observed_until };
        let next = index.len() as u32;
        let unit = *index.entry(code).or_insert(next);
        spells.push(Spell { unit, treated, during, weeks: (last - cases.start[i]) as f64 / 7.0, ended });
    }
    let eval_end_day = day_number(eval_last.last_day());
    if observed_until < eval_end_day {
        notes.push(format!(
            "the case file ends on {}, before the evaluation window ends; later spells are missing",
            from_day_number(observed_until)
        ));
    }

    let min_cell = study.min_cell as u64;
    let suppress = |n: u64| (n >= min_cell).then_some(n);
    let mut groups = Vec::new();
    let mut tables: BTreeMap<(bool, bool), EventTable> = BTreeMap::new();
    // One pass over the spells: groups 0–3 = trial × 2 + during.
    let weeks: Vec<f64> = spells.iter().map(|s| s.weeks).collect();
    let ended: Vec<bool> = spells.iter().map(|s| s.ended).collect();
    let cell: Vec<usize> = spells.iter().map(|s| 2 * s.treated as usize + s.during as usize).collect();
    let mut all = EventTable::grouped(&weeks, &ended, &cell, 4).unwrap_or_default();
    for (treated, during) in [(true, false), (true, true), (false, false), (false, true)] {
        let chosen: Vec<&Spell> = spells.iter().filter(|s| s.treated == treated && s.during == during).collect();
        let (first, last) = if during { (comp_start, eval_last) } else { (comp_start.plus(-pre), comp_start.plus(-1)) };
        let mut g = SurvivalGroup {
            group: if treated { "trial" } else { "comparison" }.into(),
            period: if during { "during" } else { "before" }.into(),
            first,
            last,
            n: suppress(chosen.len() as u64),
            events: None,
            median: None,
            median_ci_low: None,
            median_ci_high: None,
            restricted_mean: None,
            completed_mean: None,
            completed: None,
            curve: Vec::new(),
            curve_ends: None,
        };
        let table = all.get_mut(2 * treated as usize + during as usize).map(std::mem::take).unwrap_or_default();
        if g.n.is_some()
            && let Ok(km) = kaplan_meier(&table, study.conf_level)
        {
            fill_group(&mut g, &km, min_cell, spec.horizon_weeks);
            let done: Vec<f64> = chosen.iter().filter(|s| s.ended).map(|s| s.weeks).collect();
            g.completed = suppress(done.len() as u64);
            if g.completed.is_some() {
                g.completed_mean = Some(done.iter().sum::<f64>() / done.len() as f64);
            }
            tables.insert((treated, during), table);
        }
        groups.push(g);
    }
    if groups.iter().any(|g| g.n.is_none()) {
        notes.push(format!("groups with fewer than {min_cell} spells are suppressed"));
    }

    let mut logrank_rows = Vec::new();
    for during in [false, true] {
        if let (Some(a), Some(b)) = (tables.get(&(true, during)), tables.get(&(false, during))) {
            match logrank(&[a.clone(), b.clone()]) {
                Ok(t) => logrank_rows.push(LogrankRow {
                    period: if during { "during" } else { "before" }.into(),
                    stat: t.stat,
                    df: t.df,
                    p_value: t.p_value,
                }),
                Err(e) => notes.push(format!("log-rank test: {e}")),
            }
        }
    }

    let clusters = index.len();
    let treated_n = spells.iter().filter(|s| s.treated).count();
    let cox_result = if treated_n == 0 || treated_n == spells.len() {
        notes.push("Cox regression: needs spells in both groups".into());
        None
    } else {
        let x: Vec<Vec<f64>> = spells
            .iter()
            .map(|s| {
                let (t, d) = (s.treated as u8 as f64, s.during as u8 as f64);
                vec![t, d, t * d]
            })
            .collect();
        let cluster: Vec<u32> = spells.iter().map(|s| s.unit).collect();
        match cox(&weeks, &ended, &x, Some(&cluster)) {
            Ok(fit) => {
                let g = fit.clusters as f64;
                let factor = (g / (g - 1.0)).sqrt();
                let rows = ["trial", "during", "trial × during"]
                    .iter()
                    .enumerate()
                    .map(|(k, name)| {
                        let i = Interval::t_based(fit.beta[k], fit.se[k] * factor, g - 1.0, study.conf_level);
                        CoxRow {
                            name: name.to_string(),
                            estimate: i.estimate,
                            se: i.se,
                            hazard_ratio: i.estimate.exp(),
                            ci_low: i.ci_low.exp(),
                            ci_high: i.ci_high.exp(),
                            p_value: i.p_value,
                        }
                    })
                    .collect();
                Some(CoxResult {
                    rows,
                    clusters: fit.clusters,
                    spells: spells.len(),
                    convention: COX_CONVENTION.into(),
                })
            }
            Err(e) => {
                notes.push(format!("Cox regression: {e}"));
                None
            }
        }
    };

    // Difference in differences on completed spells, clustered by municipality.
    let done: Vec<&Spell> = spells.iter().filter(|s| s.ended).collect();
    let completed_did = if done.iter().any(|s| s.treated) && done.iter().any(|s| !s.treated) {
        let col = |f: &dyn Fn(&Spell) -> f64| done.iter().map(|s| f(s)).collect::<Vec<f64>>();
        let x = vec![
            vec![1.0; done.len()],
            col(&|s| s.treated as u8 as f64),
            col(&|s| s.during as u8 as f64),
            col(&|s| (s.treated && s.during) as u8 as f64),
        ];
        let y = col(&|s| s.weeks);
        let cl: Vec<u32> = done.iter().map(|s| s.unit).collect();
        match cr1(&x, &y, &cl, clusters, 0, SmallSample::Fixest) {
            Ok(fit) => Some(Interval::t_based(fit.beta[3], fit.se(3), clusters as f64 - 1.0, study.conf_level)),
            Err(e) => {
                notes.push(format!("completed-spell DiD: {}", e.0));
                None
            }
        }
    } else {
        None
    };

    DurationResult {
        key: spec.key.clone(),
        name: spec.name.clone(),
        name_en: spec.name_en.clone(),
        trial: trial.key.clone(),
        component: comp.key.clone(),
        conf_level: study.conf_level,
        min_cell: study.min_cell,
        horizon_weeks: spec.horizon_weeks,
        observed_until: from_day_number(observed_until).to_string(),
        pre_months: trial.pre_months,
        treated_units: start_of.keys().copied().collect(),
        comparison_units: pool,
        excluded,
        groups,
        logrank: logrank_rows,
        cox: cox_result,
        completed_did,
        completed_did_convention: COMPLETED_CONVENTION.into(),
        notes,
        chart: None,
    }
}

/// Medians, restricted mean and the weekly curve, each shown only where at least `min_cell`
/// spells are at risk.
fn fill_group(g: &mut SurvivalGroup, km: &KmCurve, min_cell: u64, horizon: f64) {
    g.events = (km.events >= min_cell).then_some(km.events);
    // A quantile is shown only when at least `min_cell` spells end exactly there (no
    // percentile unless enough persons share the value).
    let shown = |t: f64| t.is_finite() && km.events_at(t) >= min_cell;
    let median = km.median();
    let (lo, hi) = km.median_ci();
    g.median = shown(median).then_some(median);
    g.median_ci_low = shown(lo).then_some(lo);
    g.median_ci_high = shown(hi).then_some(hi);
    g.restricted_mean = (km.at_risk_at(horizon) >= min_cell).then(|| km.restricted_mean(horizon));
    let last = km.time.last().copied().unwrap_or(0.0);
    let grid: Vec<f64> = (0..=last.ceil() as usize).map(|w| w as f64).collect();
    for (&week, show) in grid.iter().zip(km.disclosable(&grid, min_cell)) {
        if !show {
            continue;
        }
        // S(t) is the value after the last step at or before t.
        let k = km.time.partition_point(|x| *x <= week);
        let (s, l, h) =
            if k == 0 { (1.0, 1.0, 1.0) } else { (km.survival[k - 1], km.ci_low[k - 1], km.ci_high[k - 1]) };
        g.curve.push(CurvePoint { weeks: week, survival: s, ci_low: l, ci_high: h, at_risk: km.at_risk_at(week) });
    }
    g.curve_ends = g.curve.last().map(|p| p.weeks);
}
