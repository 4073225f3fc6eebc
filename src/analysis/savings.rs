//! Savings analyses: the study's `[[savings]]` sections, on the panel or on the case file.
//!
//! Participants are every municipality in any of the listed components; each one's window runs
//! from its earliest start to the latest evaluation end among its components (clipped to the
//! data), and its pre-period is the `pre_months` before that start. Comparison municipalities
//! take part in no trial component active over those months and are not in the exposure
//! register then; they must have spending data in every month.
//!
//! Spending is monthly kr. per municipality: a panel outcome (kr., or counts times a tariff),
//! or the case file's per-case counts priced by each case's type and year. Case counts are
//! tallied as integers per municipality, month and tariff while the file streams, so the sums do
//! not depend on how the file was split between threads. With case data, a participant behind
//! fewer than `min_cell` cases in its window is left out, and so is a comparison municipality
//! behind fewer than `min_cell` cases over the months used; either is also left out when two
//! of its cases make more than 85 % of its spending there (the dominance rule, [`DOMINANCE_SHARE`]).

use std::collections::BTreeMap;

use crate::design::Exclusion;
use crate::estimate::savings::{Participant, SavingsEstimator};
use crate::ingest::Panel;
use crate::ingest::cases::{CaseRow, Reject, from_day_number};
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::results::{ImpliedSavings, SavingsResult, SavingsRow, SpendingPoint, TariffInfo};
use crate::study::{CaseCosts, CaseDate, CovidHandling, Savings, SavingsSource, Study, type_key};

pub const SE_CONVENTION: &str = "Conley–Taber: each participant's noise is taken from the comparison municipalities' \
placebo gaps (leave-one-out counterfactuals over the same windows; standard deviation with divisor n_C − 1); \
delta method from the log ratio to kr.; Student's t with n_C − 1 degrees of freedom";

/// Monthly spending in kr. per municipality.
pub struct Spending {
    pub months: MonthRange,
    units: Vec<Option<usize>>,
    /// units × months; `None` = missing or suppressed.
    values: Vec<Vec<Option<f64>>>,
    /// Cases behind each value (case-file spending only).
    cases: Option<Vec<Vec<u64>>>,
    /// The largest single-case amounts behind each value (case-file spending only).
    top: Option<Vec<Vec<[f64; DOMINANCE_CASES]>>>,
    /// Notes on the reading (case types skipped, the case file ending early).
    notes: Vec<String>,
    /// Case-file spending: the tariffs that priced at least one item.
    tariffs_used: Option<Vec<String>>,
}

impl Spending {
    fn index(&self, code: Code) -> Option<usize> {
        self.units.get(code as usize).copied().flatten()
    }

    fn value(&self, code: Code, m: Month) -> Option<f64> {
        let u = self.index(code)?;
        if !self.months.contains(m) {
            return None;
        }
        self.values[u][m.since(self.months.first) as usize]
    }

    /// Whether the dominance rule hides the sum over `range`: its two largest cases make more
    /// than 85 % of it (case-file spending only; a panel in kr. comes protected by its source).
    fn dominated(&self, code: Code, range: MonthRange) -> bool {
        let (Some(top), Some(u)) = (self.top.as_ref(), self.index(code)) else { return false };
        let mut largest = [0.0; DOMINANCE_CASES];
        let mut total = 0.0;
        for m in range.first.through(range.last).filter(|m| self.months.contains(*m)) {
            let t = m.since(self.months.first) as usize;
            total += self.values[u][t].unwrap_or(0.0);
            top[u][t].iter().for_each(|&v| keep_largest(&mut largest, v));
        }
        total > 0.0 && largest.iter().sum::<f64>() > DOMINANCE_SHARE * total
    }

    fn cases_in(&self, code: Code, range: MonthRange) -> Option<u64> {
        let (cases, u) = (self.cases.as_ref()?, self.index(code)?);
        Some(
            range
                .first
                .through(range.last)
                .filter(|m| self.months.contains(*m))
                .map(|m| cases[u][m.since(self.months.first) as usize])
                .sum(),
        )
    }

    /// A panel outcome in kr., or counts priced by `tariff`. The savings estimator works month by
    /// month, so an outcome observed by quarter or year gives no spending, with a note saying why.
    pub fn from_panel(study: &Study, panel: &Panel, outcome: &str, tariff: Option<&str>) -> Spending {
        let frequency = panel.frequency(outcome);
        if frequency != crate::ingest::periods::Frequency::Month {
            return Spending {
                months: panel.months,
                units: vec![None; 1000],
                values: Vec::new(),
                cases: None,
                top: None,
                notes: vec![format!(
                    "`{outcome}` is {} and savings are estimated month by month; give its monthly series, or take the effect on `{outcome}` from its analysis",
                    frequency.name()
                )],
                tariffs_used: None,
            };
        }
        let price = |m: Month| tariff.and_then(|k| study.tariffs.get(k)).map(|t| t.price(m.year())).unwrap_or(1.0);
        let mut units = vec![None; 1000];
        let mut values = Vec::with_capacity(panel.units.len());
        for (u, &code) in panel.units.iter().enumerate() {
            if let Some(slot) = units.get_mut(code as usize) {
                *slot = Some(values.len());
            }
            values.push(
                panel
                    .months
                    .first
                    .through(panel.months.last)
                    .map(|m| panel.value(outcome, u, m).map(|v| v * price(m)))
                    .collect(),
            );
        }
        Spending { months: panel.months, units, values, cases: None, top: None, notes: Vec::new(), tariffs_used: None }
    }
}

/// Participants' windows (earliest start, latest evaluation end) and the months a savings
/// analysis needs: from the earliest pre-period to the last window month.
fn windows(study: &Study, spec: &Savings) -> (BTreeMap<Code, (Month, Month)>, Option<MonthRange>) {
    let mut windows: BTreeMap<Code, (Month, Month)> = BTreeMap::new();
    for &(ti, ci) in &spec.components {
        let trial = &study.trials[ti];
        let comp = &trial.components[ci];
        let last = Month::of(trial.evaluation_end.min(comp.end));
        for p in &comp.participants {
            let start = Month::of(p.start);
            let e = windows.entry(p.code).or_insert((start, last));
            e.0 = e.0.min(start);
            e.1 = e.1.max(last);
        }
    }
    let first = windows.values().map(|w| w.0).min();
    let last = windows.values().map(|w| w.1).max();
    let span = first.zip(last).map(|(f, l)| MonthRange { first: f.plus(-(spec.pre_months as i32)), last: l });
    (windows, span)
}

/// Counts of one case-file savings analysis while the file streams: per municipality, month and
/// tariff, the items and the cases behind them.
pub struct CasePlan {
    months: MonthRange,
    /// First day (day number) of each month of `months`, and the day after the last.
    bounds: Vec<i32>,
    count_at: usize,
    type_at: Option<usize>,
    date: CaseDate,
    /// Normalised type value → index into `tariffs`.
    types: Vec<(Vec<u8>, usize)>,
    only_listed: bool,
    tariffs: Vec<String>,
    /// [tariff][month] → price in kr. (a case's amount is its items times this).
    prices: Vec<Vec<f64>>,
    /// What an unknown type should have been.
    expected_type: String,
}

/// The dominance rule for sums in kr.: a sum is not shown when its [`DOMINANCE_CASES`] largest
/// cases make more than [`DOMINANCE_SHARE`] of it (an (n, k) rule with n = 2, k = 85 %): one or
/// two large contributions would otherwise be readable from it.
pub const DOMINANCE_CASES: usize = 2;
pub const DOMINANCE_SHARE: f64 = 0.85;

/// The most items one case may hold: more is a data error, and it keeps every tally of
/// items far from overflowing.
pub const MAX_ITEMS_PER_CASE: u64 = 10_000;

#[derive(Clone, Debug, Default)]
pub struct CaseTally {
    /// [(code · months + month) · tariffs + tariff] → items.
    items: Vec<u64>,
    /// [code · months + month] → cases with a date in that month.
    cases: Vec<u64>,
    /// [code · months + month] → the largest amounts (kr.) of single cases, largest first.
    top: Vec<[f64; DOMINANCE_CASES]>,
    /// Items of types not listed in `types`.
    skipped: u64,
}

impl CasePlan {
    /// The plan for `spec`, whose source is the case file; `columns` are the extra columns the
    /// pass reads (the plan finds its own among them).
    pub fn new(study: &Study, spec: &Savings, costs: &CaseCosts, columns: &[String]) -> CasePlan {
        let (_, span) = windows(study, spec);
        let months = span.unwrap_or(MonthRange {
            first: Month::of(chrono::NaiveDate::MIN),
            last: Month::of(chrono::NaiveDate::MIN),
        });
        let mut bounds: Vec<i32> =
            months.first.through(months.last).map(|m| crate::ingest::cases::day_number(m.first_day())).collect();
        bounds.push(crate::ingest::cases::day_number(months.last.last_day()) + 1);
        let at = |name: &str| columns.iter().position(|c| c == name).expect("the pass reads every column a plan needs");
        let mut tariffs: Vec<String> = costs.prices.iter().map(|(_, t)| t.clone()).collect();
        tariffs.sort();
        tariffs.dedup();
        let types = costs
            .prices
            .iter()
            .map(|(v, t)| (v.as_bytes().to_vec(), tariffs.iter().position(|x| x == t).expect("listed")))
            .collect();
        let expected_type = format!(
            "a type with a tariff ({}), or empty when the count is 0",
            tariffs
                .iter()
                .map(|k| format!("{k} = \"{}\"", study.tariffs.get(k).map(|t| t.label.as_str()).unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let prices = tariffs
            .iter()
            .map(|k| {
                months
                    .first
                    .through(months.last)
                    .map(|m| study.tariffs.get(k).map_or(0.0, |t| t.price(m.year())))
                    .collect()
            })
            .collect();
        CasePlan {
            months,
            bounds,
            prices,
            count_at: at(&costs.count_column),
            type_at: costs.type_column.as_deref().map(at),
            date: costs.date,
            types,
            only_listed: costs.only_listed,
            tariffs,
            expected_type,
        }
    }

    /// Adds one case; a count that is not a whole number ≥ 0, or an unknown type, is rejected.
    pub fn add(&self, tally: &mut CaseTally, row: &CaseRow) -> Result<(), Reject> {
        let text = row.extra[self.count_at];
        let count: u64 = if text.is_empty() {
            0
        } else {
            std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse().ok())
                .filter(|&n| n <= MAX_ITEMS_PER_CASE)
                .ok_or_else(|| Reject {
                    column: self.count_at,
                    expected: format!("a whole number of items from 0 to {MAX_ITEMS_PER_CASE} (or empty for none)"),
                })?
        };
        let tariff = match self.type_at {
            None => 0,
            Some(at) => {
                let value = row.extra[at];
                if value.is_empty() {
                    if count == 0 {
                        return Ok(());
                    }
                    return Err(Reject { column: at, expected: self.expected_type.clone() });
                }
                let key = type_key(&String::from_utf8_lossy(value));
                match self.types.iter().find(|(v, _)| v.as_slice() == key.as_bytes()) {
                    Some(&(_, t)) => t,
                    None if self.only_listed => {
                        tally.skipped += count;
                        return Ok(());
                    }
                    None => return Err(Reject { column: at, expected: self.expected_type.clone() }),
                }
            }
        };
        let day = match self.date {
            CaseDate::Start => row.start,
            CaseDate::End if row.end == crate::ingest::cases::OPEN => return Ok(()),
            CaseDate::End => row.end,
        };
        if day < self.bounds[0] || day >= *self.bounds.last().expect("non-empty") {
            return Ok(());
        }
        let nm = self.bounds.len() - 1;
        if tally.cases.is_empty() {
            tally.cases = vec![0; 1000 * nm];
            tally.items = vec![0; 1000 * nm * self.tariffs.len()];
            tally.top = vec![[0.0; DOMINANCE_CASES]; 1000 * nm];
        }
        let month = self.bounds.partition_point(|&b| b <= day) - 1;
        let cell = row.municipality as usize * nm + month;
        tally.cases[cell] += 1;
        tally.items[cell * self.tariffs.len() + tariff] += count;
        keep_largest(&mut tally.top[cell], count as f64 * self.prices[tariff][month]);
        Ok(())
    }

    /// Spending per municipality and month in kr.: items times the price of their tariff in the
    /// month's year. Months after the case file's last date are missing.
    pub fn spending(&self, study: &Study, tally: &CaseTally, observed_until: i32) -> Spending {
        let nm = self.bounds.len() - 1;
        let nt = self.tariffs.len();
        let mut notes = Vec::new();
        let observed = from_day_number(observed_until);
        let last_full =
            if Month::of(observed).last_day() == observed { Month::of(observed) } else { Month::of(observed).plus(-1) };
        if last_full < self.months.last {
            notes.push(format!("the case file ends on {observed}; months after {last_full} are missing"));
        }
        if tally.skipped > 0 {
            notes.push(format!("{} items of types not listed in `types` are not counted", tally.skipped));
        }
        let mut units = vec![None; 1000];
        let (mut values, mut cases, mut top) = (Vec::new(), Vec::new(), Vec::new());
        for m in study.registry.all() {
            let c = m.code as usize;
            if c >= 1000 {
                continue;
            }
            units[c] = Some(values.len());
            let row: Vec<Option<f64>> = self
                .months
                .first
                .through(self.months.last)
                .enumerate()
                .map(|(t, month)| {
                    (month <= last_full).then(|| {
                        (0..nt)
                            .map(|k| {
                                let n = tally.items.get((c * nm + t) * nt + k).copied().unwrap_or(0);
                                n as f64 * study.tariffs[&self.tariffs[k]].price(month.year())
                            })
                            .sum()
                    })
                })
                .collect();
            values.push(row);
            cases.push((0..nm).map(|t| tally.cases.get(c * nm + t).copied().unwrap_or(0)).collect());
            top.push((0..nm).map(|t| tally.top.get(c * nm + t).copied().unwrap_or_default()).collect());
        }
        let used = (0..nt)
            .filter(|&k| tally.items.iter().skip(k).step_by(nt.max(1)).any(|&n| n > 0))
            .map(|k| self.tariffs[k].clone())
            .collect();
        Spending {
            months: self.months,
            units,
            values,
            cases: Some(cases),
            top: Some(top),
            notes,
            tariffs_used: Some(used),
        }
    }
}

/// For each of `spec`'s components, the saving its cost analyses imply: −ATT × treated
/// municipality-months of the post window, with each estimate's own interval scaled the same
/// way. Cost analyses are those of the component whose outcome is in kr.
pub fn implied_savings(study: &Study, analyses: &[crate::results::Analysis], spec: &Savings) -> Vec<ImpliedSavings> {
    let mut out = Vec::new();
    for &(ti, ci) in &spec.components {
        let (trial, comp) = (&study.trials[ti], &study.trials[ti].components[ci]);
        for a in analyses.iter().filter(|a| a.trial == trial.key && a.component == comp.key) {
            if study.outcome(&a.outcome).is_none_or(|o| o.unit != crate::study::Unit::Dkk) {
                continue;
            }
            let d = &a.design;
            let unit_months: usize = d
                .treated
                .iter()
                .map(|t| {
                    d.post.first.max(t.start).through(d.post.last).filter(|m| !d.dropped_months.contains(m)).count()
                })
                .sum();
            let n = unit_months as f64;
            for e in &a.estimates {
                let i = &e.interval;
                out.push(ImpliedSavings {
                    analysis: a.id.clone(),
                    method: e.method.key().to_string(),
                    inference: e.inference.name.clone(),
                    unit_months,
                    savings: -i.estimate * n,
                    ci_low: -i.ci_high * n,
                    ci_high: -i.ci_low * n,
                    p_value: i.p_value,
                });
            }
        }
    }
    out
}

impl CaseTally {
    /// Adds `other` (integer counts: the order of merging does not matter).
    pub fn merge(&mut self, other: CaseTally) {
        if self.cases.is_empty() {
            let skipped = self.skipped;
            *self = other;
            self.skipped += skipped;
            return;
        }
        self.skipped += other.skipped;
        if other.cases.is_empty() {
            return;
        }
        self.cases.iter_mut().zip(other.cases).for_each(|(a, b)| *a += b);
        self.items.iter_mut().zip(other.items).for_each(|(a, b)| *a += b);
        for (a, b) in self.top.iter_mut().zip(other.top) {
            b.into_iter().for_each(|v| keep_largest(a, v));
        }
    }
}

/// Puts `v` among the largest amounts `top` keeps (largest first); the result does not depend
/// on the order amounts arrive in.
fn keep_largest(top: &mut [f64; DOMINANCE_CASES], v: f64) {
    if let Some(i) = top.iter().position(|&t| v > t) {
        top[i..].rotate_right(1);
        top[i] = v;
    }
}

/// The savings of `spec` on `spending` (from [`Spending::from_panel`] or [`CasePlan::spending`]).
pub fn savings(study: &Study, spending: &Spending, spec: &Savings) -> SavingsResult {
    let mut notes = spending.notes.clone();
    let data = spending.months;
    let (mut windows, _) = windows(study, spec);
    for w in windows.values_mut() {
        w.1 = w.1.min(data.last);
    }
    let min_cell = study.min_cell.get();
    let mut participants = Vec::new();
    let mut codes = Vec::new();
    for (&code, &(start, last)) in &windows {
        let pre = MonthRange { first: start.plus(-(spec.pre_months as i32)), last: start.plus(-1) };
        if spending.index(code).is_none() {
            notes.push(format!("{code} {} has no data and is left out", study.registry.name(code)));
            continue;
        }
        if spending.cases_in(code, MonthRange { first: start, last }).is_some_and(|n| n < min_cell) {
            notes.push(format!(
                "{code} {}: fewer than {min_cell} cases in its window; left out (suppressed)",
                study.registry.name(code)
            ));
            continue;
        }
        if spending.dominated(code, MonthRange { first: start, last }) {
            notes.push(format!(
                "{code} {}: two cases make more than {:.0} % of its spending in the window; left out (dominance rule)",
                study.registry.name(code),
                DOMINANCE_SHARE * 100.0
            ));
            continue;
        }
        if pre.first < data.first || last < start {
            notes.push(format!(
                "{code} {}: its pre-period ({}–{}) or window ({start}–{last}) lies outside the data ({}–{}); left out",
                study.registry.name(code),
                pre.first,
                pre.last,
                data.first,
                data.last
            ));
            continue;
        }
        let series = data.first.through(data.last).map(|m| spending.value(code, m)).collect::<Vec<_>>();
        let missing = start.through(last).filter(|m| series[m.since(data.first) as usize].is_none()).count();
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
        _ => data,
    };

    // Comparison municipalities.
    let (pool, mut excluded) = crate::design::eligible_pool(study, span, &|c| windows.contains_key(&c));
    let mut comparison = Vec::new();
    let mut comparison_units = Vec::new();
    for code in pool {
        if spending.cases_in(code, span).is_some_and(|n| n < min_cell) {
            excluded.push(Exclusion { code, reason: "few-cases".into() });
            continue;
        }
        if spending.dominated(code, span) {
            excluded.push(Exclusion { code, reason: "dominance".into() });
            continue;
        }
        let series: Option<Vec<f64>> = data
            .first
            .through(data.last)
            .map(|mo| if span.contains(mo) { spending.value(code, mo) } else { Some(1.0) })
            .collect();
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
    let estimator = SavingsEstimator { months: data, conf_level: study.conf_level, baseline_month: &baseline };
    let fit = if participants.is_empty() {
        Err("no participant has data".to_string())
    } else {
        estimator.fit(&participants, &comparison)
    };
    let mut result = SavingsResult {
        key: spec.key.clone(),
        name: spec.name.clone(),
        name_en: spec.name_en.clone(),
        source: match &spec.source {
            SavingsSource::Panel { .. } => "panel".into(),
            SavingsSource::Cases(_) => "cases".into(),
        },
        outcome: match &spec.source {
            SavingsSource::Panel { outcome, .. } => outcome.clone(),
            SavingsSource::Cases(c) => c.count_column.clone(),
        },
        tariffs: spending
            .tariffs_used
            .clone()
            .unwrap_or_else(|| spec.tariff_keys())
            .iter()
            .filter_map(|k| study.tariffs.get(k).map(|t| (k, t)))
            .map(|(k, t)| TariffInfo {
                key: k.clone(),
                label: t.label.clone(),
                prices: (span.first.year()..=span.last.year()).map(|y| (y, t.price(y))).collect(),
            })
            .collect(),
        components: spec
            .components
            .iter()
            .map(|&(t, c)| format!("{}.{}", study.trials[t].key, study.trials[t].components[c].key))
            .collect(),
        pre_months: spec.pre_months,
        conf_level: study.conf_level.get(),
        n_comparison: comparison_units.len(),
        comparison_units,
        excluded,
        units: Vec::new(),
        total: None,
        placebo_sd: f64::NAN,
        df: f64::NAN,
        se_convention: SE_CONVENTION.into(),
        monthly: Vec::new(),
        by_analysis: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cases::{OPEN, day_number};
    use chrono::NaiveDate;

    fn example() -> Study {
        Study::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/study.toml")).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> i32 {
        day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    /// Items land in the month of their date, priced by their type's tariff in that year; types
    /// outside `types` are skipped and counted; open cases have no end date to count by; the
    /// tallies merge to the same sums in either order.
    #[test]
    fn case_items_are_priced_by_type_month_and_year() {
        let study = example();
        let spec = study.savings[0].clone();
        let columns = vec!["certificates".to_string(), "certificate_type".to_string()];
        let listed = CaseCosts {
            count_column: "certificates".into(),
            type_column: Some("certificate_type".into()),
            prices: vec![(type_key("LÆ 265"), "lae265".into()), (type_key("LÆ 285"), "lae285".into())],
            only_listed: true,
            date: CaseDate::Start,
        };
        let plan = CasePlan::new(&study, &spec, &listed, &columns);
        let row = |code, start, end, n: &'static [u8], kind: &'static [u8]| {
            let extra: &'static [&'static [u8]] = Box::leak(vec![n, kind].into_boxed_slice());
            CaseRow { municipality: code, start, end, extra }
        };
        let rows = [
            row(851, day(2017, 3, 1), day(2017, 5, 1), b"2", b"L\xc3\x86 265"),
            row(851, day(2017, 3, 31), OPEN, b"1", b"l\xc3\xa6265"),
            row(851, day(2017, 3, 15), OPEN, b"4", b"LAE 285"),
            row(851, day(2017, 4, 1), OPEN, b"3", b"L\xc3\x86 285"),
            row(851, day(2017, 4, 2), OPEN, b"", b""),
        ];
        let (mut a, mut b) = (CaseTally::default(), CaseTally::default());
        for (i, r) in rows.iter().enumerate() {
            plan.add(if i % 2 == 0 { &mut a } else { &mut b }, r).unwrap();
        }
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(b);
        ba.merge(a);
        assert_eq!((ab.items.clone(), ab.cases.clone(), ab.skipped), (ba.items, ba.cases, ba.skipped));
        assert_eq!(ab.skipped, 4, "LAE 285 is not a listed type");
        let spending = plan.spending(&study, &ab, day(2024, 12, 31));
        let march = Month::new(2017, 3).unwrap();
        let lae265 = &study.tariffs["lae265"];
        let lae285 = &study.tariffs["lae285"];
        assert_eq!(spending.value(851, march), Some(3.0 * lae265.price(2017)));
        assert_eq!(spending.value(851, march.plus(1)), Some(3.0 * lae285.price(2017)));
        assert_eq!(spending.value(851, march.plus(2)), Some(0.0));
        // Cases behind the spending: those with priced items (not the skipped or empty ones).
        assert_eq!(spending.cases_in(851, MonthRange { first: march, last: march.plus(1) }), Some(3));

        // By end date: only the closed case counts, in May.
        let by_end = CaseCosts { date: CaseDate::End, ..listed.clone() };
        let plan = CasePlan::new(&study, &spec, &by_end, &columns);
        let mut t = CaseTally::default();
        for r in &rows {
            plan.add(&mut t, r).unwrap();
        }
        let spending = plan.spending(&study, &t, day(2024, 12, 31));
        assert_eq!(spending.value(851, march.plus(2)), Some(2.0 * lae265.price(2017)));
        assert_eq!(spending.value(851, march), Some(0.0));

        // Without `types`, an unknown type is an error that names the known ones; a count
        // without a type too.
        let strict = CaseCosts { only_listed: false, ..listed };
        let plan = CasePlan::new(&study, &spec, &strict, &columns);
        let e = plan.add(&mut CaseTally::default(), &rows[2]).unwrap_err();
        assert_eq!(e.column, 1);
        assert!(e.expected.contains("lae265 = \"LÆ 265\""), "{}", e.expected);
        assert!(plan.add(&mut CaseTally::default(), &row(851, day(2017, 3, 1), OPEN, b"2", b"")).is_err());
        assert!(plan.add(&mut CaseTally::default(), &row(851, day(2017, 3, 1), OPEN, b"-2", b"lae265")).is_err());
    }

    /// Months after the case file's last full month are missing, not zero.
    #[test]
    fn months_after_the_case_file_ends_are_missing() {
        let study = example();
        let spec = study.savings[0].clone();
        let SavingsSource::Cases(costs) = &spec.source else { panic!("the example's savings read the cases") };
        let columns = vec!["certificates".to_string(), "certificate_type".to_string()];
        let plan = CasePlan::new(&study, &spec, costs, &columns);
        let spending = plan.spending(&study, &CaseTally::default(), day(2019, 6, 15));
        assert_eq!(spending.value(851, Month::new(2019, 5).unwrap()), Some(0.0));
        assert_eq!(spending.value(851, Month::new(2019, 6).unwrap()), None);
        assert!(spending.notes[0].contains("2019-06-15"), "{:?}", spending.notes);
    }

    /// The two largest amounts are kept whatever order the cases (and the threads' tallies)
    /// arrive in, and a window whose two largest cases make more than 85 % of it is dominated.
    #[test]
    fn the_dominance_rule_sees_the_two_largest_cases() {
        let amounts = [5.0, 900.0, 10.0, 300.0, 10.0, 7.0];
        let mut forward = [0.0; DOMINANCE_CASES];
        amounts.iter().for_each(|&v| keep_largest(&mut forward, v));
        let mut backward = [0.0; DOMINANCE_CASES];
        amounts.iter().rev().for_each(|&v| keep_largest(&mut backward, v));
        assert_eq!(forward, [900.0, 300.0]);
        assert_eq!(forward, backward);
        let month = Month::new(2020, 1).unwrap();
        let spending = |top: [f64; DOMINANCE_CASES], total: f64| {
            let mut units = vec![None; 1000];
            units[851] = Some(0);
            Spending {
                months: MonthRange { first: month, last: month },
                units,
                values: vec![vec![Some(total)]],
                cases: Some(vec![vec![6]]),
                top: Some(vec![vec![top]]),
                notes: Vec::new(),
                tariffs_used: None,
            }
        };
        let range = MonthRange { first: month, last: month };
        assert!(spending(forward, amounts.iter().sum()).dominated(851, range), "1 200 of 1 232 kr. in two cases");
        assert!(!spending([10.0, 10.0], 60.0).dominated(851, range), "two cases of 10 in 60 kr.");
        assert!(!spending([0.0, 0.0], 0.0).dominated(851, range));
    }
}
