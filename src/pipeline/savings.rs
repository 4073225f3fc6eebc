//! Savings analyses: the study's `[[savings]]` sections on the panel.
//!
//! Participants are every municipality in any of the listed components; each one's window runs
//! from its earliest start to the latest evaluation end among its components (clipped to the
//! data), and its pre-period is the `pre_months` before that start. Comparison municipalities
//! take part in no trial component active over those months and are not in the exposure
//! register then; they must have spending data in every month.

use std::collections::BTreeMap;

use crate::design::Exclusion;
use crate::estimate::savings::{Participant, SavingsEstimator};
use crate::ingest::Panel;
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::results::{SavingsResult, SavingsRow, SpendingPoint, TariffInfo};
use crate::study::{CovidHandling, Savings, Study};

pub const SE_CONVENTION: &str = "Conley–Taber: each participant's noise is taken from the comparison municipalities' \
placebo gaps (leave-one-out counterfactuals over the same windows; standard deviation with divisor n_C − 1); \
delta method from the log ratio to kr.; Student's t with n_C − 1 degrees of freedom";

pub fn savings(study: &Study, panel: &Panel, spec: &Savings) -> SavingsResult {
    let mut notes = Vec::new();
    let tariff = spec.tariff.as_ref().and_then(|k| study.tariffs.get(k).map(|t| (k, t)));
    let price = |m: Month| tariff.map(|(_, t)| t.price(m.year())).unwrap_or(1.0);

    // Participants, their start and last window month.
    let mut windows: BTreeMap<Code, (Month, Month)> = BTreeMap::new();
    for &(ti, ci) in &spec.components {
        let trial = &study.trials[ti];
        let comp = &trial.components[ci];
        let last = Month::of(trial.evaluation_end.min(comp.end)).min(panel.months.last);
        for p in &comp.participants {
            let start = Month::of(p.start);
            let e = windows.entry(p.code).or_insert((start, last));
            e.0 = e.0.min(start);
            e.1 = e.1.max(last);
        }
    }
    let mut participants = Vec::new();
    let mut codes = Vec::new();
    for (&code, &(start, last)) in &windows {
        let pre = MonthRange { first: start.plus(-(spec.pre_months as i32)), last: start.plus(-1) };
        let Some(u) = panel.unit_index(code) else {
            notes.push(format!("{code} {} has no data and is left out", study.registry.name(code)));
            continue;
        };
        if pre.first < panel.months.first || last < start {
            notes.push(format!(
                "{code} {}: its pre-period ({}–{}) or window ({start}–{last}) lies outside the data ({}–{}); left out",
                study.registry.name(code),
                pre.first,
                pre.last,
                panel.months.first,
                panel.months.last
            ));
            continue;
        }
        let series = panel
            .months
            .first
            .through(panel.months.last)
            .map(|m| panel.value(&spec.outcome, u, m).map(|v| v * price(m)))
            .collect::<Vec<_>>();
        let missing = start.through(last).filter(|m| series[m.since(panel.months.first) as usize].is_none()).count();
        if missing > 0 {
            notes.push(format!(
                "{code} {}: {missing} months of the window lack data (suppressed or missing) and are not counted",
                study.registry.name(code)
            ));
        }
        participants.push(Participant { series, pre, window: MonthRange { first: start, last } });
        codes.push(code);
    }
    let span = match (participants.iter().map(|p| p.pre.first).min(), participants.iter().map(|p| p.window.last).max())
    {
        (Some(a), Some(b)) => MonthRange { first: a, last: b },
        _ => MonthRange { first: panel.months.first, last: panel.months.last },
    };

    // Comparison municipalities.
    let (pool, mut excluded) = crate::design::eligible_pool(study, span, &|c| windows.contains_key(&c));
    let mut comparison = Vec::new();
    let mut comparison_units = Vec::new();
    for code in pool {
        let series: Option<Vec<f64>> = panel.unit_index(code).and_then(|u| {
            panel
                .months
                .first
                .through(panel.months.last)
                .map(|mo| {
                    if span.contains(mo) { panel.value(&spec.outcome, u, mo).map(|v| v * price(mo)) } else { Some(1.0) }
                })
                .collect()
        });
        match series {
            Some(s) => {
                comparison.push(s);
                comparison_units.push(code);
            }
            None => excluded.push(Exclusion { code, reason: "no-data".into() }),
        }
    }

    let exclude_covid = study.covid.handling == CovidHandling::Exclude;
    let baseline = |m: Month| !(exclude_covid && study.covid.touches(m));
    let estimator = SavingsEstimator { months: panel.months, conf_level: study.conf_level, baseline_month: &baseline };
    let fit = if participants.is_empty() {
        Err("no participant has data".to_string())
    } else {
        estimator.fit(&participants, &comparison)
    };
    let mut result = SavingsResult {
        key: spec.key.clone(),
        name: spec.name.clone(),
        name_en: spec.name_en.clone(),
        outcome: spec.outcome.clone(),
        tariff: tariff.map(|(k, t)| TariffInfo {
            key: k.clone(),
            label: t.label.clone(),
            prices: (span.first.year()..=span.last.year()).map(|y| (y, t.price(y))).collect(),
        }),
        components: spec
            .components
            .iter()
            .map(|&(t, c)| format!("{}.{}", study.trials[t].key, study.trials[t].components[c].key))
            .collect(),
        pre_months: spec.pre_months,
        conf_level: study.conf_level,
        n_comparison: comparison_units.len(),
        comparison_units,
        excluded,
        units: Vec::new(),
        total: None,
        placebo_sd: f64::NAN,
        df: f64::NAN,
        se_convention: SE_CONVENTION.into(),
        monthly: Vec::new(),
        notes,
        chart: None,
        units_chart: None,
    };
    match fit {
        Ok(fit) => {
            let row =
                |unit: Option<Code>, name: String, start, last, u: &crate::estimate::savings::UnitSavings| SavingsRow {
                    unit,
                    name,
                    start,
                    last,
                    actual: u.actual,
                    counterfactual: u.counterfactual,
                    savings: u.savings,
                    se: u.se,
                    ci_low: u.ci_low,
                    ci_high: u.ci_high,
                    share: u.savings / u.counterfactual,
                };
            result.units = codes
                .iter()
                .zip(&participants)
                .zip(&fit.units)
                .map(|((&code, p), u)| {
                    row(Some(code), study.registry.name(code).to_string(), p.window.first, p.window.last, u)
                })
                .collect();
            let first = participants.iter().map(|p| p.window.first).min().expect("non-empty");
            result.total = Some(row(None, String::new(), first, span.last, &fit.total));
            result.placebo_sd = fit.placebo_sd;
            result.df = fit.df;
            result.monthly = fit
                .monthly
                .iter()
                .map(|&(period, actual, counterfactual)| SpendingPoint { period, actual, counterfactual })
                .collect();
        }
        Err(e) => result.notes.push(format!("savings: {e}")),
    }
    result
}
