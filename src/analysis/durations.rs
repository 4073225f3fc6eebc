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
//!
//! Scale: the case file is streamed once in parallel into a tally per analysis — counts by
//! municipality, group × period and duration in days (ended spells), or start day (open ones)
//! — so memory does not grow with the number of spells. Every estimate is computed from the
//! tally: Kaplan–Meier and log-rank from counts per distinct duration, Cox from counted rows
//! ([`crate::estimate::survival::cox_counted`], equal to the fit on the spells), and the
//! completed-spell DiD from per-municipality sums.

use std::collections::BTreeMap;

use crate::design::eligible_pool;
use crate::estimate::survival::{EventTable, KmCurve, cox_counted, kaplan_meier, logrank};
use crate::inference::Interval;
use crate::inference::cluster::cr1_factor;
use crate::ingest::cases::{OPEN, day_number, from_day_number};
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::results::{CoxResult, CoxRow, CurvePoint, DurationResult, LogrankRow, SurvivalGroup};
use crate::settings::MinCell;
use crate::study::{Durations, Study};

pub const COX_CONVENTION: &str = "Cox proportional hazards, Efron ties; Lin–Wei sandwich clustered by \
municipality (lifelines' robust variance) times G/(G−1); Student's t with G − 1 degrees of freedom";
pub const COMPLETED_CONVENTION: &str = "OLS of the duration of completed spells on trial, during and \
their product; CR1 clustered by municipality (G/(G−1)·(N−1)/(N−K), as fixest); t with G − 1 degrees \
of freedom. Completed spells only: spells still open when the data end are left out, which favours \
short spells in the later period";
pub const COMPLETED_RI_CONVENTION: &str = "Randomization inference for the completed-spell DiD: the trial \
label reassigned to as many municipalities with spells as took part (seeded draws, ChaCha stream r for draw r; \
every assignment when there are few enough), the spell-weighted DiD recomputed from per-municipality sums; a \
constant effect τ is tested by taking τ weeks off the trial municipalities' spells during the trial, and the \
interval collects the τ not rejected. Valid with few trial municipalities, where CR1 is too narrow";

/// Who and when one analysis counts: the role of each municipality and the day boundaries.
pub struct Plan {
    /// Per municipality code: dense cluster index, treated flag, boundary day (first day of
    /// its start month), first pre-period day.
    role: Vec<Option<Role>>,
    /// Last day of the evaluation window.
    eval_last_day: i32,
    /// Earliest first pre-period day: open spells are counted by start day from here.
    base_day: i32,
    treated_units: Vec<Code>,
    pool: Vec<Code>,
    excluded: Vec<crate::design::Exclusion>,
    clusters: usize,
    comp_start: Month,
    eval_last: Month,
    /// The case-type column among the pass's extra columns, and the types counted.
    case_type: Option<(usize, Vec<Vec<u8>>)>,
}

#[derive(Clone, Copy)]
struct Role {
    cluster: u32,
    treated: bool,
    boundary: i32,
    pre_first: i32,
}

/// Counts of one analysis's spells: per (cluster, cell) — cell = 2·treated + during — ended
/// spells by duration in days and open spells by start day (from the plan's base day).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    ended: Vec<Vec<u64>>,
    open: Vec<Vec<u64>>,
}

impl Plan {
    /// The plan of `spec`; `columns` are the extra columns the pass reads (the case-type column
    /// among them when `spec` filters by type).
    pub fn new(study: &Study, spec: &Durations, columns: &[String]) -> Plan {
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
        let mut role = vec![None; 1000];
        let mut cluster = 0u32;
        let day = |m: Month| day_number(m.first_day());
        for m in study.registry.all() {
            let (treated, boundary) = match start_of.get(&m.code) {
                Some(&s) => (true, s),
                None if pool.contains(&m.code) => (false, comp_start),
                None => continue,
            };
            if let Some(r) = role.get_mut(m.code as usize) {
                *r = Some(Role { cluster, treated, boundary: day(boundary), pre_first: day(boundary.plus(-pre)) });
                cluster += 1;
            }
        }
        Plan {
            role,
            eval_last_day: day_number(eval_last.last_day()),
            base_day: day(span.first),
            treated_units: start_of.keys().copied().collect(),
            pool,
            excluded,
            clusters: cluster as usize,
            comp_start,
            eval_last,
            case_type: (!spec.case_types.is_empty()).then(|| {
                let at = columns
                    .iter()
                    .position(|c| *c == study.data.case_type_column)
                    .expect("the pass reads the case-type column");
                (at, spec.case_types.iter().map(|t| t.trim().as_bytes().to_vec()).collect())
            }),
        }
    }

    /// Adds one spell to `tally` if the analysis counts it.
    pub fn add(&self, tally: &mut Tally, row: &crate::ingest::cases::CaseRow) {
        if let Some((at, types)) = &self.case_type
            && !types.iter().any(|t| t.as_slice() == row.extra[*at])
        {
            return;
        }
        let (code, start, end) = (row.municipality, row.start, row.end);
        let Some(Some(r)) = self.role.get(code as usize) else { return };
        let during = if start >= r.boundary && start <= self.eval_last_day {
            true
        } else if start < r.boundary && start >= r.pre_first {
            false
        } else {
            return;
        };
        if tally.ended.is_empty() {
            tally.ended = vec![Vec::new(); 4 * self.clusters];
            tally.open = vec![Vec::new(); 4 * self.clusters];
        }
        let slot = 4 * r.cluster as usize + 2 * r.treated as usize + during as usize;
        let (list, at) = if end == OPEN {
            (&mut tally.open[slot], (start - self.base_day) as usize)
        } else {
            (&mut tally.ended[slot], (end - start) as usize)
        };
        if list.len() <= at {
            list.resize(at + 1, 0);
        }
        list[at] += 1;
    }
}

impl Plan {
    /// Adds one spell given by its parts (the simulator's spells, for the Monte Carlo study):
    /// `kind` is its case type, read when the plan counts only some types (the plan must then
    /// have been made with the case-type column as the only extra column).
    pub fn add_spell(
        &self,
        tally: &mut Tally,
        municipality: Code,
        kind: &str,
        start: chrono::NaiveDate,
        end: Option<chrono::NaiveDate>,
    ) {
        let extra: [&[u8]; 1] = [kind.as_bytes()];
        let row = crate::ingest::cases::CaseRow {
            municipality,
            start: day_number(start),
            end: end.map_or(OPEN, day_number),
            extra: &extra,
        };
        self.add(tally, &row);
    }
}

/// The completed-spell DiD's CR1 and randomization-inference intervals on `tally`, for the
/// Monte Carlo study. With `placebo`, the participants' spells are left out and the comparison
/// clusters listed count as participants instead (nothing happened to them).
pub fn completed_intervals(
    plan: &Plan,
    tally: &Tally,
    observed_until: i32,
    placebo: Option<&[u32]>,
    reps: u64,
    seed: u64,
    level: crate::settings::Level,
) -> (Option<Interval>, Option<Interval>) {
    let mut rows = counted_rows(plan, tally, observed_until);
    if let Some(p) = placebo {
        rows.retain(|r| r.1 < 2);
        for r in rows.iter_mut().filter(|r| p.contains(&r.0)) {
            r.1 += 2;
        }
    }
    let mut used: Vec<u32> = rows.iter().map(|r| r.0).collect();
    used.sort_unstable();
    used.dedup();
    let mut notes = Vec::new();
    (completed_did(&rows, used.len(), level, &mut notes), completed_did_ri(&rows, reps, seed, level).map(|(i, _)| i))
}

/// The clusters of `tally` that hold spells: (participants', comparison municipalities').
pub fn clusters_with_spells(plan: &Plan, tally: &Tally, observed_until: i32) -> (Vec<u32>, Vec<u32>) {
    let rows = counted_rows(plan, tally, observed_until);
    let pick = |treated: bool| {
        let mut c: Vec<u32> = rows.iter().filter(|r| (r.1 >= 2) == treated).map(|r| r.0).collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    (pick(true), pick(false))
}

impl Tally {
    /// Adds `other` (counts are integers: the order of merging does not matter).
    pub fn merge(&mut self, other: Tally) {
        if self.ended.is_empty() {
            *self = other;
            return;
        }
        for (mine, theirs) in self.ended.iter_mut().zip(other.ended).chain(self.open.iter_mut().zip(other.open)) {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            mine.iter_mut().zip(theirs).for_each(|(a, b)| *a += b);
        }
    }
}

/// (cluster, cell, duration in days, ended, count) for every non-empty count.
fn counted_rows(plan: &Plan, tally: &Tally, observed_until: i32) -> Vec<(u32, usize, i32, bool, u64)> {
    let mut rows = Vec::new();
    for slot in 0..tally.ended.len() {
        let (c, cell) = ((slot / 4) as u32, slot % 4);
        for (days, &n) in tally.ended[slot].iter().enumerate() {
            if n > 0 {
                rows.push((c, cell, days as i32, true, n));
            }
        }
        for (offset, &n) in tally.open[slot].iter().enumerate() {
            if n > 0 {
                rows.push((c, cell, observed_until - (plan.base_day + offset as i32), false, n));
            }
        }
    }
    rows
}

pub fn durations(study: &Study, plan: &Plan, tally: &Tally, observed_until: i32, spec: &Durations) -> DurationResult {
    let trial = &study.trials[spec.trial];
    let comp = &trial.components[spec.component];
    let pre = trial.pre_months as i32;
    let (comp_start, eval_last) = (plan.comp_start, plan.eval_last);
    let mut notes = Vec::new();
    let eval_end_day = day_number(eval_last.last_day());
    if observed_until < eval_end_day {
        notes.push(format!(
            "the case file ends on {}, before the evaluation window ends; later spells are missing",
            from_day_number(observed_until)
        ));
    }
    let rows = counted_rows(plan, tally, observed_until);
    let weeks = |days: i32| days as f64 / 7.0;

    let min_cell = study.min_cell;
    let suppress = |n: u64| min_cell.allows(n).then_some(n);
    // Event tables per cell from counts per duration.
    let mut per_cell: Vec<BTreeMap<i32, (u64, u64)>> = vec![BTreeMap::new(); 4];
    for &(_, cell, days, ended, n) in &rows {
        let e = per_cell[cell].entry(days).or_default();
        if ended { e.0 += n } else { e.1 += n }
    }
    let mut groups = Vec::new();
    let mut tables: BTreeMap<(bool, bool), EventTable> = BTreeMap::new();
    for (treated, during) in [(true, false), (true, true), (false, false), (false, true)] {
        let cell = &per_cell[2 * treated as usize + during as usize];
        let table = EventTable {
            time: cell.keys().map(|d| weeks(*d)).collect(),
            events: cell.values().map(|v| v.0).collect(),
            censored: cell.values().map(|v| v.1).collect(),
        };
        let (first, last) = if during { (comp_start, eval_last) } else { (comp_start.plus(-pre), comp_start.plus(-1)) };
        let mut g = SurvivalGroup {
            group: if treated { "trial" } else { "comparison" }.into(),
            period: if during { "during" } else { "before" }.into(),
            first,
            last,
            n: suppress(table.n()),
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
        if g.n.is_some()
            && let Ok(km) = kaplan_meier(&table, study.conf_level)
        {
            fill_group(&mut g, &km, min_cell, spec.horizon_weeks);
            let done: u64 = table.events.iter().sum();
            g.completed = suppress(done);
            if g.completed.is_some() {
                let sum: f64 = table.time.iter().zip(&table.events).map(|(t, e)| t * *e as f64).sum();
                g.completed_mean = Some(sum / done as f64);
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

    // Municipalities with spells: the clusters of the Cox and DiD variances.
    let mut used: Vec<u32> = rows.iter().map(|r| r.0).collect();
    used.sort_unstable();
    used.dedup();
    let clusters = used.len();
    let treated_rows = rows.iter().filter(|r| r.1 >= 2).count();
    let cox_result = if treated_rows == 0 || treated_rows == rows.len() {
        notes.push("Cox regression: needs spells in both groups".into());
        None
    } else {
        let x: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| {
                let (t, d) = ((r.1 >= 2) as u8 as f64, (r.1 % 2) as f64);
                vec![t, d, t * d]
            })
            .collect();
        let durations: Vec<f64> = rows.iter().map(|r| weeks(r.2)).collect();
        let ended: Vec<bool> = rows.iter().map(|r| r.3).collect();
        let count: Vec<u64> = rows.iter().map(|r| r.4).collect();
        let cluster: Vec<u32> = rows.iter().map(|r| r.0).collect();
        match cox_counted(&durations, &ended, &x, &count, Some(&cluster)) {
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
                let spells = count.iter().sum::<u64>() as usize;
                Some(CoxResult {
                    rows,
                    clusters: fit.clusters,
                    spells: Some(spells),
                    convention: COX_CONVENTION.into(),
                })
            }
            Err(e) => {
                notes.push(format!("Cox regression: {e}"));
                None
            }
        }
    };

    DurationResult {
        key: spec.key.clone(),
        name: spec.name.clone(),
        name_en: spec.name_en.clone(),
        trial: trial.key.clone(),
        component: comp.key.clone(),
        conf_level: study.conf_level.get(),
        min_cell: study.min_cell,
        horizon_weeks: spec.horizon_weeks,
        observed_until: from_day_number(observed_until).to_string(),
        pre_months: trial.pre_months,
        treated_units: plan.treated_units.clone(),
        comparison_units: plan.pool.clone(),
        excluded: plan.excluded.clone(),
        groups,
        logrank: logrank_rows,
        cox: cox_result,
        completed_did: completed_did(&rows, clusters, study.conf_level, &mut notes),
        completed_did_convention: COMPLETED_CONVENTION.into(),
        completed_did_ri: completed_did_ri(&rows, study.reps.get(), study.seed, study.conf_level).map(|(i, how)| {
            crate::results::RandomizedInterval { interval: i, description: format!("{COMPLETED_RI_CONVENTION}; {how}") }
        }),
        better: spec.better,
        margin: spec.margin,
        notes,
        chart: None,
    }
}

/// The DiD on mean durations of ended spells: OLS of weeks on the four cells (≡ intercept,
/// trial, during, trial × during), CR1 by municipality, computed from per-municipality sums.
fn completed_did(
    rows: &[(u32, usize, i32, bool, u64)],
    clusters: usize,
    conf: crate::settings::Level,
    notes: &mut Vec<String>,
) -> Option<Interval> {
    // Per cell: count and sum; per (cluster, cell): count and sum.
    let mut n = [0f64; 4];
    let mut sum = [0f64; 4];
    let mut by_cluster: BTreeMap<u32, [(f64, f64); 4]> = BTreeMap::new();
    for &(c, cell, days, _, k) in rows.iter().filter(|r| r.3) {
        let (k, y) = (k as f64, days as f64 / 7.0);
        n[cell] += k;
        sum[cell] += k * y;
        let e = by_cluster.entry(c).or_default();
        e[cell].0 += k;
        e[cell].1 += k * y;
    }
    if n.contains(&0.0) {
        notes.push("completed-spell DiD: a group has no ended spells".into());
        return None;
    }
    let mean: Vec<f64> = (0..4).map(|p| sum[p] / n[p]).collect();
    // Cells: 0 comparison-before, 1 comparison-during, 2 trial-before, 3 trial-during.
    let a = [1.0, -1.0, -1.0, 1.0];
    let estimate = a[3] * mean[3] + a[2] * mean[2] + a[1] * mean[1] + a[0] * mean[0];
    // Cluster scores of the cell means: s_cp = Σ_i∈c,p (y_i − μ_p); β = a′μ, so
    // var = c · Σ_c (Σ_p a_p s_cp / N_p)².
    let meat: f64 = by_cluster
        .values()
        .map(|cells| (0..4).map(|p| a[p] * (cells[p].1 - cells[p].0 * mean[p]) / n[p]).sum::<f64>().powi(2))
        .sum();
    let total: f64 = n.iter().sum();
    let factor = cr1_factor(clusters, total as usize, 4);
    let se = (factor * meat).sqrt();
    Some(Interval::t_based(estimate, se, clusters as f64 - 1.0, conf))
}

/// Per municipality with spells: (ended spells before, their weeks, ended spells during, their
/// weeks), and whether it took part.
type ClusterSums = Vec<([f64; 4], bool)>;

fn cluster_sums(rows: &[(u32, usize, i32, bool, u64)]) -> ClusterSums {
    let mut by_cluster: BTreeMap<u32, ([f64; 4], bool)> = BTreeMap::new();
    for &(c, cell, days, ended, k) in rows {
        let e = by_cluster.entry(c).or_default();
        e.1 = cell >= 2;
        if ended {
            let (k, y) = (k as f64, days as f64 / 7.0);
            let during = cell % 2;
            e.0[2 * during] += k;
            e.0[2 * during + 1] += k * y;
        }
    }
    by_cluster.into_values().collect()
}

/// The completed-spell DiD by randomization inference ([`COMPLETED_RI_CONVENTION`]) and how
/// many assignments it used; `None` when no municipality took part or every one did.
///
/// Each assignment A is reduced to five sums: spells and weeks before and during in A, and
/// m_A, the spells during the trial of A's actual participants. Taking τ off the actual
/// participants' spells during the trial moves A's weeks during by −τ·m_A and the total by
/// −τ·N(trial, during), so every τ of the inversion costs O(assignments).
fn completed_did_ri(
    rows: &[(u32, usize, i32, bool, u64)],
    reps: u64,
    seed: u64,
    level: crate::settings::Level,
) -> Option<(Interval, String)> {
    use crate::inference::randomization::binomial;
    use crate::rng::Stream;
    let sums = cluster_sums(rows);
    let g = sums.len();
    let k = sums.iter().filter(|c| c.1).count();
    if k == 0 || k == g {
        return None;
    }
    let total = |treated_only: bool| {
        let mut t = [0f64; 4];
        for c in sums.iter().filter(|c| c.1 || !treated_only) {
            (0..4).for_each(|j| t[j] += c.0[j]);
        }
        t
    };
    let all = total(false);
    let observed_during = total(true)[2];
    // (n_b, s_b, n_d, s_d, m) per assignment.
    let sum_of = |members: &[usize]| {
        let mut a = [0f64; 5];
        for &i in members {
            (0..4).for_each(|j| a[j] += sums[i].0[j]);
            if sums[i].1 {
                a[4] += sums[i].0[2];
            }
        }
        a
    };
    let count = binomial(g as u64, k as u64);
    let exact = count <= 200_000.0;
    let mut assignments: Vec<[f64; 5]> = Vec::new();
    if exact {
        let mut idx: Vec<usize> = (0..k).collect();
        loop {
            assignments.push(sum_of(&idx));
            // Next k-subset in lexicographic order.
            let Some(i) = (0..k).rev().find(|&i| idx[i] < g - k + i) else { break };
            idx[i] += 1;
            for j in i + 1..k {
                idx[j] = idx[j - 1] + 1;
            }
        }
    } else {
        for r in 0..reps {
            let mut rng = Stream::new(seed, r);
            let mut order: Vec<usize> = (0..g).collect();
            for j in 0..k {
                let pick = (j + (rng.uniform() * (g - j) as f64) as usize).min(g - 1);
                order.swap(j, pick);
            }
            assignments.push(sum_of(&order[..k]));
        }
    }
    let did = |a: &[f64; 5], tau: f64| -> f64 {
        let (sd, total_d) = (a[3] - tau * a[4], all[3] - tau * observed_during);
        let (nb_c, nd_c) = (all[0] - a[0], all[2] - a[2]);
        if a[0] <= 0.0 || a[2] <= 0.0 || nb_c <= 0.0 || nd_c <= 0.0 {
            return f64::NAN;
        }
        (sd / a[2] - a[1] / a[0]) - ((total_d - sd) / nd_c - (all[1] - a[1]) / nb_c)
    };
    let observed = {
        let members: Vec<usize> = (0..g).filter(|&i| sums[i].1).collect();
        sum_of(&members)
    };
    let estimate = did(&observed, 0.0);
    if !estimate.is_finite() {
        return None;
    }
    let p_at = |tau: f64| -> f64 {
        let obs = did(&observed, tau).abs() - 1e-12 * (1.0 + tau.abs());
        let (mut hits, mut used) = (0usize, 0usize);
        for a in &assignments {
            let d = did(a, tau);
            if d.is_finite() {
                used += 1;
                hits += (d.abs() >= obs) as usize;
            }
        }
        if exact { hits as f64 / used.max(1) as f64 } else { (hits + 1) as f64 / (used + 1) as f64 }
    };
    let alpha = level.alpha();
    let spread = {
        let mean_b = all[1] / all[0];
        let mean_d = all[3] / all[2];
        (mean_b.abs() + mean_d.abs()).max(1.0) / 10.0
    };
    let (ci_low, ci_high) = crate::inference::invert_test(estimate, spread, alpha, &p_at);
    let how = if exact {
        format!("{} assignments (exact)", assignments.len())
    } else {
        format!("{} draws, seed {seed}", assignments.len())
    };
    Some((Interval { estimate, se: f64::NAN, ci_low, ci_high, conf_level: level.get(), p_value: p_at(0.0) }, how))
}

/// Medians, restricted mean and the weekly curve, each shown only where at least `min_cell`
/// spells are at risk.
fn fill_group(g: &mut SurvivalGroup, km: &KmCurve, min_cell: MinCell, horizon: f64) {
    g.events = min_cell.allows(km.events).then_some(km.events);
    let (lo, hi) = km.median_ci();
    g.median = km.disclosable_quantile(km.median(), min_cell);
    g.median_ci_low = km.disclosable_quantile(lo, min_cell);
    g.median_ci_high = km.disclosable_quantile(hi, min_cell);
    g.restricted_mean = min_cell.allows(km.at_risk_at(horizon)).then(|| km.restricted_mean(horizon));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::ols::cr1;
    use crate::inference::cluster::SmallSample;

    /// The DiD from per-municipality sums equals OLS with CR1 on the spells written out.
    #[test]
    fn completed_did_from_sums_equals_ols_on_spells() {
        let mut s = crate::rng::Stream::new(4, 0);
        let mut rows = Vec::new();
        for c in 0..12u32 {
            for cell in 0..4usize {
                if c < 4 && cell < 2 || c >= 4 && cell >= 2 {
                    continue; // trial municipalities 0–3, comparison 4–11
                }
                for _ in 0..6 {
                    rows.push((
                        c,
                        cell,
                        (s.uniform() * 300.0) as i32,
                        s.uniform() < 0.9,
                        1 + (s.uniform() * 3.0) as u64,
                    ));
                }
            }
        }
        let mut notes = Vec::new();
        let did = completed_did(&rows, 12, crate::settings::Level::P95, &mut notes).unwrap();
        let spells: Vec<_> = rows.iter().filter(|r| r.3).flat_map(|r| std::iter::repeat_n(r, r.4 as usize)).collect();
        let col = |f: &dyn Fn(usize) -> f64| spells.iter().map(|r| f(r.1)).collect::<Vec<f64>>();
        let x = vec![
            col(&|_| 1.0),
            col(&|p| (p >= 2) as u8 as f64),
            col(&|p| (p % 2) as f64),
            col(&|p| (p == 3) as u8 as f64),
        ];
        let y: Vec<f64> = spells.iter().map(|r| r.2 as f64 / 7.0).collect();
        let cl: Vec<u32> = spells.iter().map(|r| r.0).collect();
        let fit = cr1(&x, &y, &cl, 12, 0, SmallSample::Fixest).unwrap();
        assert!((did.estimate - fit.beta[3]).abs() < 1e-9, "{} vs {}", did.estimate, fit.beta[3]);
        assert!((did.se - fit.se(3)).abs() < 1e-9, "{} vs {}", did.se, fit.se(3));
    }

    /// Randomization inference against brute force: every 4 of 12 municipalities relabelled as
    /// the trial, the spell-level DiD of means recomputed from the spells; the p-value of τ = 0
    /// and of τ at the estimate equal the shares counted by hand, and the interval's ends are
    /// where the test starts rejecting.
    #[test]
    fn completed_did_randomization_equals_relabelling_the_spells() {
        let mut s = crate::rng::Stream::new(9, 0);
        let mut rows = Vec::new();
        for c in 0..12u32 {
            for during in 0..2usize {
                let cell = 2 * (c < 4) as usize + during;
                for _ in 0..5 {
                    let shorter = if c < 4 && during == 1 { 40 } else { 0 };
                    let days = 60 + (s.uniform() * 300.0) as i32 - shorter;
                    rows.push((c, cell, days, s.uniform() < 0.9, 1 + (s.uniform() * 3.0) as u64));
                }
            }
        }
        let level = crate::settings::Level::P95;
        let (ri, how) = completed_did_ri(&rows, 999, 1, level).unwrap();
        assert!(how.contains("495 assignments (exact)"), "{how}");
        // The spell-level DiD with trial = `members`, τ weeks off the real trial's spells during.
        let did = |members: &[u32], tau: f64| {
            let (mut n, mut sum) = ([0f64; 4], [0f64; 4]);
            for &(c, cell, days, _, k) in rows.iter().filter(|r| r.3) {
                let y = days as f64 / 7.0 - if cell == 3 { tau } else { 0.0 };
                let p = 2 * members.contains(&c) as usize + cell % 2;
                n[p] += k as f64;
                sum[p] += k as f64 * y;
            }
            (sum[3] / n[3] - sum[2] / n[2]) - (sum[1] / n[1] - sum[0] / n[0])
        };
        let brute = |tau: f64| {
            let observed = did(&[0, 1, 2, 3], tau).abs();
            let mut hits = 0;
            let mut count = 0;
            for a in 0..12u32 {
                for b in a + 1..12 {
                    for c in b + 1..12 {
                        for d in c + 1..12 {
                            count += 1;
                            hits += (did(&[a, b, c, d], tau).abs() >= observed - 1e-12 * (1.0 + tau.abs())) as usize;
                        }
                    }
                }
            }
            hits as f64 / count as f64
        };
        assert!((ri.estimate - did(&[0, 1, 2, 3], 0.0)).abs() < 1e-9);
        assert!((ri.p_value - brute(0.0)).abs() < 1e-12, "{} vs {}", ri.p_value, brute(0.0));
        assert!((brute(ri.estimate) - 1.0).abs() < 1e-12);
        assert!(ri.ci_low < ri.estimate && ri.estimate < ri.ci_high);
        let step = 1e-3 * (ri.ci_high - ri.ci_low);
        assert!(brute(ri.ci_high - step) > level.alpha() && brute(ri.ci_high + step) <= level.alpha());
        assert!(brute(ri.ci_low + step) > level.alpha() && brute(ri.ci_low - step) <= level.alpha());
    }
}
