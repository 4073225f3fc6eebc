//! Disclosure control across outputs: no value hidden for having too few persons behind it can
//! be had back by combining the values that are shown.
//!
//! Primary suppression happens where the persons are known: a group mean of the trend behind
//! fewer than `min_cell` persons ([`crate::analysis`]), a count of spells, a median or a curve
//! point of the durations ([`crate::estimate::survival::KmCurve::disclosable`]). Everything
//! published beside such a value is then a way back to it, and [`protect`] closes those ways
//! on the finished results, before any output is written:
//!
//! - **Windows.** The DiD, the balance table's level and trend, the placebo halves and the
//!   headline of the event study are averages over the pre-period or the evaluation window. If
//!   the treated mean is hidden in any period of a window, it is hidden in every period of that
//!   window, so that the averages (a handful of equations over many periods) cannot be solved
//!   for the hidden one.
//! - **Relative to a hidden period.** An event-study coefficient, a Callaway–Sant'Anna ATT(g,t)
//!   or one of its event-time or calendar aggregates is the treated mean of one period minus
//!   that of a base period, less the (published) comparison difference. It is hidden when
//!   either period is hidden; when the event study's reference period is hidden (with the
//!   pre-period-mean base: any pre-period event time), every coefficient is.
//! - **Margins.** A synthetic control's series per treated municipality is hidden in a period
//!   where any of them is hidden (the pooled series is their mean), and wherever the trend's
//!   treated mean is hidden; each series, hidden in one period of its pre-period or evaluation
//!   window, is hidden in all of it (its estimate and RMSPE average over them).
//! - **Differencing counts.** A group of spells shows its number of spells and of completed
//!   spells only when the open spells between them (n − completed) are none or at least
//!   `min_cell`; otherwise the completed count is hidden. The Cox fit's total of spells is
//!   hidden when a group's count is.
//!
//! Every hidden value is listed in `results.disclosure` (what, how many, which rule); a
//! results file that has been through [`protect`] carries that list, and is not changed again.

use serde::{Deserialize, Serialize};

use crate::period::Month;
use crate::results::{Analysis, DurationResult, Results};

/// Why values are hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Fewer than `min_cell` persons (or spells) are behind the value.
    Persons,
    /// Shown, the value would give back a hidden one by differencing or by solving averages.
    Differencing,
}

/// One kind of hidden value in one output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// Where in results.json, e.g. `analyses[rehab.jaf.jaf_duration_weeks].event_study.rows`.
    pub output: String,
    /// How many values are hidden there.
    pub cells: usize,
    pub rule: Rule,
}

/// Hides every value that would give back a suppressed one, and lists what is hidden in
/// `results.disclosure`. Results already protected are left as they are.
pub fn protect(results: &mut Results) {
    if results.disclosure.is_some() {
        return;
    }
    let mut audit = Vec::new();
    for a in &mut results.analyses {
        protect_analysis(a, &mut audit);
    }
    for d in &mut results.durations {
        protect_durations(d, &mut audit);
    }
    results.disclosure = Some(audit);
}

fn note(audit: &mut Vec<Suppression>, output: String, cells: usize, rule: Rule) {
    if cells > 0 {
        audit.push(Suppression { output, cells, rule });
    }
}

fn protect_analysis(a: &mut Analysis, audit: &mut Vec<Suppression>) {
    let id = a.id.clone();
    let at = |part: &str| format!("analyses[{id}].{part}");
    let primary = a.trend.iter().filter(|p| p.treated_suppressed).count();
    note(audit, at("trend.treated"), primary, Rule::Persons);
    let primary = a.trend.iter().filter(|p| p.comparison_suppressed).count();
    note(audit, at("trend.comparison"), primary, Rule::Persons);

    // Windows: one hidden period hides the treated mean in the whole window.
    let mut widened = 0;
    for window in [a.design.pre, a.design.post] {
        let inside = |m: Month| window.contains(m);
        if a.trend.iter().any(|p| p.treated_suppressed && inside(p.period)) {
            for p in a.trend.iter_mut().filter(|p| inside(p.period) && !p.treated_suppressed) {
                if p.treated.take().is_some() {
                    widened += 1;
                }
                p.treated_suppressed = true;
                p.treated_protected = true;
            }
        }
    }
    note(audit, at("trend.treated"), widened, Rule::Differencing);
    let hidden: Vec<Month> = a.trend.iter().filter(|p| p.treated_suppressed).map(|p| p.period).collect();
    let is_hidden = |m: Month| hidden.contains(&m);
    let step = a.design.frequency.step().unwrap_or(1) as i32;
    let starts: Vec<Month> = a.design.treated.iter().map(|t| t.start).collect();
    let later = |m: Month, periods: i32| m.plus(periods * step);

    if let Some(es) = &a.event_study {
        let thin = es.rows.iter().filter(|r| r.suppressed).count();
        note(audit, at("event_study.rows"), thin, Rule::Persons);
    }
    if let Some(cs) = &a.cs {
        let thin = cs.cells.iter().filter(|c| c.suppressed).count();
        note(audit, at("cs.cells"), thin, Rule::Persons);
    }
    let thin = a.imputation.iter().filter(|r| r.suppressed).count();
    note(audit, at("imputation"), thin, Rule::Persons);
    // An imputation horizon holds the treated values h periods after each start, measured from
    // unit effects fitted on every pre-period: a hidden pre-period hides every horizon.
    let pre_hidden = starts.iter().any(|&s| hidden.iter().any(|&m| m < s));
    let mut cells = 0;
    for row in &mut a.imputation {
        let at_row =
            starts.iter().any(|&s| hidden.iter().any(|&m| m >= s && m.since(s).div_euclid(step) == row.rel_time));
        if pre_hidden || at_row {
            let n = hide(&mut row.interval, &mut row.suppressed);
            if n > 0 {
                hide(&mut row.reference, &mut false);
            }
            cells += n;
        }
    }
    note(audit, at("imputation"), cells, Rule::Differencing);
    if let Some(es) = &mut a.event_study {
        let (leads, lags) = (es.leads as i32, es.lags as i32);
        // The event times (binned at the end points) that hold a hidden period of some unit.
        let hidden_times: Vec<i32> = starts
            .iter()
            .flat_map(|&s| hidden.iter().map(move |&m| m.since(s).div_euclid(step).clamp(-leads, lags)))
            .collect();
        // The base: the reference period, or with the pre-period-mean base every pre-period
        // event time (each coefficient is measured from their mean).
        let reference_hidden = es.rows.iter().any(|r| {
            let in_base = match es.base {
                crate::estimate::event::EventBase::PeriodBefore => r.reference,
                crate::estimate::event::EventBase::PreMean => r.rel_time <= -1,
            };
            in_base && hidden_times.contains(&r.rel_time)
        });
        let mut cells = 0;
        for row in es.rows.iter_mut().filter(|r| !r.reference) {
            if reference_hidden || hidden_times.contains(&row.rel_time) {
                cells += hide(&mut row.interval, &mut row.suppressed);
            }
        }
        note(audit, at("event_study.rows"), cells, Rule::Differencing);
        // The sensitivity sets are sums of the coefficients: with one hidden, they go too.
        if es.rows.iter().any(|r| r.suppressed) && es.sensitivity.take().is_some() {
            note(audit, at("event_study.sensitivity"), 1, Rule::Differencing);
        }
    }

    if let Some(cs) = &mut a.cs {
        // ATT(g,t) compares period t with the period before g (after the start) or before t.
        let base = |g: Month, t: Month| crate::estimate::cs::base_period(g, t, step);
        let mut cells = 0;
        for c in &mut cs.cells {
            if is_hidden(c.time) || is_hidden(base(c.group, c.time)) {
                cells += hide(&mut c.interval, &mut c.suppressed);
            }
        }
        note(audit, at("cs.cells"), cells, Rule::Differencing);
        let cohorts: Vec<Month> = {
            let mut g: Vec<Month> = cs.cells.iter().map(|c| c.group).collect();
            g.sort();
            g.dedup();
            g
        };
        let mut cells = 0;
        for row in &mut cs.dynamic.rows {
            let e = row.label as i32;
            if cohorts.iter().any(|&g| is_hidden(later(g, e)) || is_hidden(base(g, later(g, e)))) {
                cells += hide(&mut row.interval, &mut row.suppressed);
                (row.band_low, row.band_high) = (f64::NAN, f64::NAN);
            }
        }
        note(audit, at("cs.dynamic.rows"), cells, Rule::Differencing);
        let mut cells = 0;
        for row in &mut cs.calendar.rows {
            let Some(t) = crate::estimate::cs::month_of_label(row.label) else { continue };
            if is_hidden(t) || cohorts.iter().filter(|&&g| g <= t).any(|&g| is_hidden(base(g, t))) {
                cells += hide(&mut row.interval, &mut row.suppressed);
                (row.band_low, row.band_high) = (f64::NAN, f64::NAN);
            }
        }
        note(audit, at("cs.calendar.rows"), cells, Rule::Differencing);
    }

    if let Some(synth) = &mut a.synth {
        let periods = synth.periods.clone();
        let before: usize = synth_series(synth).map(|(_, series)| series.iter().filter(|v| v.is_some()).count()).sum();
        // Until nothing changes: a month hidden for the trial group, or for any one municipality,
        // is hidden for all (the pooled series is their mean); and a series hidden in one month
        // of its pre-period or of its evaluation window is hidden in all of it (its estimate
        // and pre-period RMSPE are averages over them).
        loop {
            let mut hide_at: Vec<bool> = periods.iter().map(|&m| is_hidden(m)).collect();
            for (_, series) in synth_series(synth) {
                for (k, value) in series.iter().enumerate() {
                    hide_at[k] |= value.is_none();
                }
            }
            let mut changed = false;
            for (start, series) in synth_series(synth) {
                for (value, &h) in series.iter_mut().zip(&hide_at) {
                    changed |= h && value.take().is_some();
                }
                for post in [false, true] {
                    let inside: Vec<usize> = (0..periods.len()).filter(|&k| (periods[k] >= start) == post).collect();
                    if inside.iter().any(|&k| series[k].is_none()) {
                        for &k in &inside {
                            changed |= series[k].take().is_some();
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let after: usize = synth_series(synth).map(|(_, series)| series.iter().filter(|v| v.is_some()).count()).sum();
        note(audit, at("synth.treated"), before - after, Rule::Differencing);
    }
    if let Some(sdid) = &mut a.sdid {
        let mut cells = 0;
        for (value, &m) in sdid.treated.iter_mut().zip(&sdid.periods) {
            if is_hidden(m) && value.take().is_some() {
                cells += 1;
            }
        }
        note(audit, at("sdid.treated"), cells, Rule::Differencing);
    }
}

/// The treated series of a synthetic control (pooled, then per municipality), with their starts.
fn synth_series(synth: &mut crate::results::SynthResult) -> impl Iterator<Item = (Month, &mut Vec<Option<f64>>)> {
    std::iter::once((synth.pooled.start, &mut synth.pooled.treated))
        .chain(synth.units.iter_mut().map(|u| (u.start, &mut u.treated)))
}

/// Blanks an interval (written `null`) and flags it; 1 if it was shown.
pub(crate) fn hide(interval: &mut crate::inference::Interval, flag: &mut bool) -> usize {
    if *flag {
        return 0;
    }
    *flag = true;
    for v in
        [&mut interval.estimate, &mut interval.se, &mut interval.ci_low, &mut interval.ci_high, &mut interval.p_value]
    {
        *v = f64::NAN;
    }
    1
}

/// May a group show both its spells (`n`) and its completed ones (`events`)? Only when the
/// open spells between them are none or at least `min_cell`.
pub fn open_spells_shown(n: u64, events: u64, min_cell: u64) -> bool {
    let open = n.saturating_sub(events);
    open == 0 || open >= min_cell
}

fn protect_durations(d: &mut DurationResult, audit: &mut Vec<Suppression>) {
    let min_cell = d.min_cell.get();
    let key = d.key.clone();
    let at = |part: &str| format!("durations[{key}].{part}");
    let (mut primary, mut differencing) = (0, 0);
    for g in &mut d.groups {
        primary += usize::from(g.n.is_none()) + usize::from(g.n.is_some() && g.events.is_none());
        if let (Some(n), Some(events)) = (g.n, g.events)
            && !open_spells_shown(n, events, min_cell)
        {
            g.events = None;
            g.completed = None;
            differencing += 1;
        }
    }
    note(audit, at("groups"), primary, Rule::Persons);
    note(audit, at("groups.events"), differencing, Rule::Differencing);
    // The Cox fit's number of spells is the groups' total: less the shown groups, a hidden one.
    if d.groups.iter().any(|g| g.n.is_none())
        && let Some(cox) = &mut d.cox
        && cox.spells.take().is_some()
    {
        note(audit, at("cox.spells"), 1, Rule::Differencing);
    }
}
