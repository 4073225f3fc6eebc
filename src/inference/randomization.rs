//! Randomization (permutation) inference for a difference in mean changes.
//!
//! With a handful of treated municipalities, cluster-robust intervals are too narrow (see
//! `docs/montecarlo.md`). Randomization inference asks instead: had the same number of
//! municipalities been picked from the eligible ones, how often would the difference in mean
//! changes be at least as large as the one observed? (Fisher's sharp null of a constant effect
//! τ; Imbens & Rubin 2015, ch. 5; MacKinnon & Webb 2020 for DiD with few treated clusters.)
//!
//! Each assignment is reduced to per-unit summaries: the statistic for assignment A under the
//! null τ depends only on S_A = Σ_{i∈A} Δ_i and k_A = #(A ∩ treated), because removing τ from the
//! treated units' changes shifts S_A by −τ·k_A. Assignments are enumerated once; every τ of the
//! test inversion is then a pass over (S_A, k_A) pairs. When the number of assignments exceeds
//! `max_exact`, a Monte Carlo sample is drawn instead, replication r from ChaCha stream r, so
//! the result is the same for any thread count.

use rayon::prelude::*;

use super::InferenceError;
use crate::rng::Stream;
use crate::settings::{Level, Reps};

/// Settings for [`Randomization::test`].
#[derive(Clone, Copy, Debug)]
pub struct Randomization {
    /// Enumerate every assignment when there are at most this many.
    pub max_exact: u64,
    /// Monte Carlo draws otherwise.
    pub reps: Reps,
    pub seed: u64,
    pub conf_level: Level,
}

impl Default for Randomization {
    fn default() -> Self {
        Randomization { max_exact: 5_000_000, reps: Reps::DEFAULT, seed: 1, conf_level: Level::P95 }
    }
}

/// The outcome of a randomization test with its inverted interval.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomizationResult {
    pub estimate: f64,
    /// Two-sided p-value of τ = 0.
    pub p_value: f64,
    /// The set of τ not rejected at 1 − conf_level, as an interval.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Whether every assignment was enumerated.
    pub exact: bool,
    /// Assignments used (enumerated or drawn).
    pub assignments: u64,
}

/// n choose k as f64 (exact for the sizes that are enumerated).
pub fn binomial(n: u64, k: u64) -> f64 {
    let k = k.min(n - k.min(n));
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The studentised test enumerates its assignments up to this many (each costs a pass per
/// step of the test inversion), and draws `reps` of them beyond.
pub const STUDENTISED_EXACT: u64 = 200_000;

/// The strata that hold treated units, each as its units and its number of treated ones; the
/// other strata never hold a treated unit in any assignment.
fn strata_parts(treated: &[bool], strata: &[u32]) -> Vec<(Vec<usize>, usize)> {
    let mut by: std::collections::BTreeMap<u32, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, &s) in strata.iter().enumerate() {
        by.entry(s).or_default().push(i);
    }
    by.into_values()
        .map(|units| {
            let k = units.iter().filter(|&&i| treated[i]).count();
            (units, k)
        })
        .filter(|(_, k)| *k > 0)
        .collect()
}

/// A stratum's units and their actual cohorts (`None`: never treated).
type StratumCohorts = (Vec<usize>, Vec<Option<usize>>);

/// Assignment sums S_A grouped by overlap k_A with the actual treated set, each group sorted.
struct Assignments {
    groups: Vec<Vec<f64>>,
    count: usize,
    exact: bool,
}

impl Randomization {
    /// Tests the difference in mean `changes` between the units flagged `treated` and the rest.
    pub fn test(&self, changes: &[f64], treated: &[bool]) -> Result<RandomizationResult, InferenceError> {
        self.test_with(changes, treated, None)
    }

    /// [`Randomization::test`] with the treated units reassigned only within their strata: each
    /// assignment keeps every stratum's number of treated units (a region, a size class), as
    /// when participants are chosen by region or size. Exact when the product of the strata's
    /// binomial coefficients is at most `max_exact`, otherwise `reps` seeded draws. A stratum
    /// whose units are all treated cannot be reassigned: when no stratum can, every assignment
    /// is the observed one and no effect is rejected (an unbounded interval).
    pub fn test_in_strata(
        &self,
        changes: &[f64],
        treated: &[bool],
        strata: &[u32],
    ) -> Result<RandomizationResult, InferenceError> {
        if strata.len() != changes.len() {
            return Err(InferenceError::NoContrast { treated: treated.len(), units: changes.len() });
        }
        self.test_with(changes, treated, Some(strata))
    }

    fn test_with(
        &self,
        changes: &[f64],
        treated: &[bool],
        strata: Option<&[u32]>,
    ) -> Result<RandomizationResult, InferenceError> {
        let n = changes.len();
        let nt = treated.iter().filter(|t| **t).count();
        if nt == 0 || nt == n || n != treated.len() {
            return Err(InferenceError::NoContrast { treated: nt, units: n });
        }
        let nc = n - nt;
        let total: f64 = changes.iter().sum();
        let observed_sum: f64 = changes.iter().zip(treated).filter(|(_, t)| **t).map(|(d, _)| d).sum();
        let stat = |s: f64, tot: f64| s / nt as f64 - (tot - s) / nc as f64;
        let estimate = stat(observed_sum, total);
        let a = match strata {
            None => self.assignments(changes, treated, nt),
            Some(strata) => self.stratified_assignments(changes, treated, strata),
        };
        let groups = &a.groups;
        // p(τ): share of assignments whose |statistic| under the null τ is at least the observed.
        // With the assignments grouped by k_A and each group's S_A sorted, |stat| ≥ obs is "S_A at
        // or beyond two thresholds", counted by binary search, so each τ costs O(n_T · log N).
        let scale = 1.0 / nt as f64 + 1.0 / nc as f64;
        let p_at = |tau: f64| -> f64 {
            let tot = total - tau * nt as f64;
            let obs = stat(observed_sum - tau * nt as f64, tot).abs() - 1e-12 * (1.0 + tau.abs());
            let centre = tot / nc as f64;
            let mut hits = 0usize;
            for (k, g) in groups.iter().enumerate() {
                // stat = (S − τk)·scale − centre; |stat| ≥ obs ⇔ S ≥ hi or S ≤ lo.
                let shift = tau * k as f64;
                let hi = shift + (centre + obs) / scale;
                let lo = shift + (centre - obs) / scale;
                if lo >= hi {
                    hits += g.len();
                    continue;
                }
                hits += g.len() - g.partition_point(|s| *s < hi);
                hits += g.partition_point(|s| *s <= lo);
            }
            let hits = hits as f64;
            if a.exact { hits / a.count as f64 } else { (hits + 1.0) / (a.count as f64 + 1.0) }
        };
        let alpha = self.conf_level.alpha();
        let spread = {
            let mean = total / n as f64;
            (changes.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64).sqrt().max(1e-9)
        };
        let (ci_low, ci_high) = super::invert_test(estimate, spread, alpha, &p_at);
        Ok(RandomizationResult {
            estimate,
            p_value: p_at(0.0),
            ci_low,
            ci_high,
            exact: a.exact,
            assignments: a.count as u64,
        })
    }

    /// The studentised test: as [`Randomization::test_in_strata`] (plain when `strata` is
    /// `None`), with the difference in mean changes divided by its standard error from each
    /// unit's own noise, `variances[i]` (the sampling variance of unit i's change, e.g. from the
    /// spread of its monthly values around its window means):
    /// t_A = (mean_{A} Δ − mean_{not A} Δ) / √(Σ_{A} v / n_T² + Σ_{not A} v / n_C²).
    /// A participant much noisier than a typical municipality (a small island's monthly mean of a
    /// few spells) then counts as what it is in every assignment, so the test stays calibrated
    /// for the participants actually chosen, not only on average over random choices (Chung &
    /// Romano 2013 on studentised permutation tests; Ferman & Pinto 2019 on heteroskedastic DiD
    /// with few treated groups). The variances do not change under the null τ, so each
    /// assignment reduces to t_A(τ) = x_A − τ·g_A. Exact when there are at most
    /// [`STUDENTISED_EXACT`] (and `max_exact`) assignments, otherwise `reps` seeded draws.
    pub fn test_studentised(
        &self,
        changes: &[f64],
        variances: &[f64],
        treated: &[bool],
        strata: Option<&[u32]>,
    ) -> Result<RandomizationResult, InferenceError> {
        let n = changes.len();
        let nt = treated.iter().filter(|t| **t).count();
        if nt == 0 || nt == n || n != treated.len() || n != variances.len() || strata.is_some_and(|s| s.len() != n) {
            return Err(InferenceError::NoContrast { treated: nt, units: n });
        }
        let (ntf, ncf) = (nt as f64, (n - nt) as f64);
        let total: f64 = changes.iter().sum();
        let v_total: f64 = variances.iter().sum();
        // Units that may hold a start in some assignment, grouped by stratum with their counts.
        let parts: Vec<(Vec<usize>, usize)> = match strata {
            None => vec![((0..n).collect(), nt)],
            Some(strata) => strata_parts(treated, strata),
        };
        // (x_A, g_A) of an assignment from its sum S_A, overlap k_A and variance sum V_A.
        let reduce = |sum: f64, overlap: usize, v: f64| -> (f64, f64) {
            let se = (v / (ntf * ntf) + (v_total - v) / (ncf * ncf)).sqrt().max(1e-300);
            let base = sum / ntf - (total - sum) / ncf;
            let slope = overlap as f64 / ntf - (nt - overlap) as f64 / ncf;
            (base / se, slope / se)
        };
        let observed = {
            let pick = |x: &[f64]| x.iter().zip(treated).filter(|(_, t)| **t).map(|(v, _)| v).sum::<f64>();
            reduce(pick(changes), nt, pick(variances))
        };
        let count: f64 = parts.iter().map(|(u, k)| binomial(u.len() as u64, *k as u64)).product();
        let exact = count <= self.max_exact.min(STUDENTISED_EXACT) as f64;
        let summary = |chosen: &[usize]| {
            let sum = chosen.iter().map(|&i| changes[i]).sum::<f64>();
            let v = chosen.iter().map(|&i| variances[i]).sum::<f64>();
            reduce(sum, chosen.iter().filter(|&&i| treated[i]).count(), v)
        };
        let assignments: Vec<(f64, f64)> = if exact {
            // Every stratum's combinations, combined stratum by stratum.
            let mut acc: Vec<Vec<usize>> = vec![Vec::new()];
            for (units, k) in &parts {
                let mut combos: Vec<Vec<usize>> = Vec::new();
                let m = units.len();
                let mut idx: Vec<usize> = (0..*k).collect();
                loop {
                    combos.push(idx.iter().map(|&j| units[j]).collect());
                    let Some(pos) = (0..*k).rev().find(|&p| idx[p] < m - k + p) else { break };
                    idx[pos] += 1;
                    for q in pos + 1..*k {
                        idx[q] = idx[q - 1] + 1;
                    }
                }
                acc = acc
                    .iter()
                    .flat_map(|a| {
                        combos.iter().map(move |c| {
                            let mut v = a.clone();
                            v.extend_from_slice(c);
                            v
                        })
                    })
                    .collect();
            }
            acc.iter().map(|a| summary(a)).collect()
        } else {
            (0..self.reps.get())
                .into_par_iter()
                .map(|r| {
                    let mut stream = Stream::new(self.seed, r);
                    let mut chosen = Vec::with_capacity(nt);
                    for (units, k) in &parts {
                        let mut pool = units.clone();
                        let m = pool.len();
                        for i in 0..*k {
                            let j = i + ((stream.uniform() * (m - i) as f64) as usize).min(m - i - 1);
                            pool.swap(i, j);
                        }
                        chosen.extend_from_slice(&pool[..*k]);
                    }
                    summary(&chosen)
                })
                .collect()
        };
        let p_at = |tau: f64| -> f64 {
            let obs = (observed.0 - tau * observed.1).abs() - 1e-12 * (1.0 + tau.abs());
            let hits = assignments.iter().filter(|(x, g)| (x - tau * g).abs() >= obs).count() as f64;
            if exact { hits / assignments.len() as f64 } else { (hits + 1.0) / (assignments.len() as f64 + 1.0) }
        };
        let estimate = {
            let s: f64 = changes.iter().zip(treated).filter(|(_, t)| **t).map(|(d, _)| d).sum();
            s / ntf - (total - s) / ncf
        };
        let spread = {
            let mean = total / n as f64;
            (changes.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64).sqrt().max(1e-9)
        };
        let (ci_low, ci_high) = super::invert_test(estimate, spread, self.conf_level.alpha(), &p_at);
        Ok(RandomizationResult {
            estimate,
            p_value: p_at(0.0),
            ci_low,
            ci_high,
            exact,
            assignments: assignments.len() as u64,
        })
    }

    /// Staggered starts: `d[i][c]` is unit i's change in window means around cohort c's start,
    /// `w[i][c]` how much of that change a unit effect of 1 from the unit's own start would
    /// explain (post-window share minus pre-window share of treated months; 0 for untreated
    /// units), `cohort[i]` the unit's actual cohort. Each draw gives every cohort as many units
    /// as it has, at random (ChaCha stream r for draw r); the statistic is the cohort-size
    /// weighted difference of mean changes, treated minus all unassigned units. Under the sharp
    /// null of a constant effect τ the statistic of an assignment is T(0) − τ·V, linear in τ, so
    /// each draw is reduced to two numbers and every step of the test inversion costs O(draws).
    pub fn test_staggered(
        &self,
        d: &[Vec<f64>],
        w: &[Vec<f64>],
        cohort: &[Option<usize>],
    ) -> Result<RandomizationResult, InferenceError> {
        self.staggered(d, w, cohort, None)
    }

    /// [`Randomization::test_staggered`] within strata: each draw shuffles the start months
    /// among the units of each stratum only, so every stratum keeps its own cohort sizes (a
    /// region whose municipalities joined in two waves keeps both waves).
    pub fn test_staggered_in(
        &self,
        d: &[Vec<f64>],
        w: &[Vec<f64>],
        cohort: &[Option<usize>],
        strata: &[u32],
    ) -> Result<RandomizationResult, InferenceError> {
        if strata.len() != d.len() {
            return Err(InferenceError::NoContrast { treated: cohort.iter().flatten().count(), units: d.len() });
        }
        self.staggered(d, w, cohort, Some(strata))
    }

    fn staggered(
        &self,
        d: &[Vec<f64>],
        w: &[Vec<f64>],
        cohort: &[Option<usize>],
        strata: Option<&[u32]>,
    ) -> Result<RandomizationResult, InferenceError> {
        let n = d.len();
        let cohorts = d.first().map_or(0, Vec::len);
        let mut sizes = vec![0usize; cohorts];
        cohort.iter().flatten().for_each(|&c| sizes[c] += 1);
        let k: usize = sizes.iter().sum();
        if k == 0 || k >= n || sizes.contains(&0) {
            return Err(InferenceError::EmptyCohort { treated: k, units: n });
        }
        let nc = (n - k) as f64;
        let totals = |m: &[Vec<f64>]| -> Vec<f64> { (0..cohorts).map(|c| m.iter().map(|r| r[c]).sum()).collect() };
        let (td, tw) = (totals(d), totals(w));
        // The statistic of an assignment given as (unit, cohort) pairs, for one matrix.
        // An assignment calls its argument once per (unit, cohort) pair.
        type Assignment<'a> = &'a dyn Fn(&mut dyn FnMut(usize, usize));
        let stat = |m: &[Vec<f64>], tot: &[f64], assigned: Assignment| -> f64 {
            let mut own = vec![0.0; cohorts];
            let mut all = vec![0.0; cohorts];
            assigned(&mut |i, c| {
                own[c] += m[i][c];
                for (a, v) in all.iter_mut().zip(&m[i]) {
                    *a += v;
                }
            });
            (0..cohorts).map(|c| sizes[c] as f64 / k as f64 * (own[c] / sizes[c] as f64 - (tot[c] - all[c]) / nc)).sum()
        };
        let observed = |f: &mut dyn FnMut(usize, usize)| {
            for (i, c) in cohort.iter().enumerate() {
                if let Some(c) = c {
                    f(i, *c);
                }
            }
        };
        let (t_obs, v_obs) = (stat(d, &td, &observed), stat(w, &tw, &observed));
        // Within strata: each stratum's units and their actual cohorts, shuffled together.
        let groups: Option<Vec<StratumCohorts>> = strata.map(|strata| {
            let mut by: std::collections::BTreeMap<u32, Vec<usize>> = std::collections::BTreeMap::new();
            for (i, &st) in strata.iter().enumerate() {
                by.entry(st).or_default().push(i);
            }
            by.into_values()
                .map(|units| {
                    let labels = units.iter().map(|&i| cohort[i]).collect();
                    (units, labels)
                })
                .filter(|(_, labels): &StratumCohorts| labels.iter().any(Option::is_some))
                .collect()
        });
        let draws: Vec<(f64, f64)> = (0..self.reps.get())
            .map(|r| {
                let mut s = Stream::new(self.seed, r);
                let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(k);
                match &groups {
                    None => {
                        let mut pool: Vec<usize> = (0..n).collect();
                        for i in 0..k {
                            let j = i + ((s.uniform() * (n - i) as f64) as usize).min(n - i - 1);
                            pool.swap(i, j);
                        }
                        // The first sizes[0] drawn units form cohort 0, the next sizes[1] cohort 1, …
                        let mut at = 0;
                        for (c, &size) in sizes.iter().enumerate() {
                            pairs.extend(pool[at..at + size].iter().map(|&i| (i, c)));
                            at += size;
                        }
                    }
                    Some(groups) => {
                        for (units, labels) in groups {
                            let mut labels = labels.clone();
                            let m = labels.len();
                            for i in 0..m.saturating_sub(1) {
                                let j = i + ((s.uniform() * (m - i) as f64) as usize).min(m - i - 1);
                                labels.swap(i, j);
                            }
                            pairs.extend(units.iter().zip(&labels).filter_map(|(&i, c)| c.map(|c| (i, c))));
                        }
                    }
                }
                let assigned = |f: &mut dyn FnMut(usize, usize)| {
                    for &(i, c) in &pairs {
                        f(i, c);
                    }
                };
                (stat(d, &td, &assigned), stat(w, &tw, &assigned))
            })
            .collect();
        let p_at = |tau: f64| -> f64 {
            let obs = (t_obs - tau * v_obs).abs() - 1e-12 * (1.0 + tau.abs());
            let hits = draws.iter().filter(|(t, v)| (t - tau * v).abs() >= obs).count();
            (hits as f64 + 1.0) / (draws.len() as f64 + 1.0)
        };
        let spread = {
            let all: Vec<f64> = d.iter().flatten().copied().collect();
            let mean = all.iter().sum::<f64>() / all.len() as f64;
            (all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / all.len() as f64).sqrt().max(1e-9)
        };
        let (ci_low, ci_high) = super::invert_test(t_obs, spread, self.conf_level.alpha(), &p_at);
        Ok(RandomizationResult {
            estimate: t_obs,
            p_value: p_at(0.0),
            ci_low,
            ci_high,
            exact: false,
            assignments: self.reps.get(),
        })
    }

    /// Assignment sums grouped by overlap, each stratum keeping its number of treated units.
    fn stratified_assignments(&self, changes: &[f64], treated: &[bool], strata: &[u32]) -> Assignments {
        let parts = strata_parts(treated, strata);
        let nt: usize = parts.iter().map(|(_, k)| k).sum();
        let total: f64 = parts.iter().map(|(u, k)| binomial(u.len() as u64, *k as u64)).product();
        let exact = total <= self.max_exact as f64;
        let mut groups = vec![Vec::new(); nt + 1];
        if exact {
            // Every stratum's combinations as (sum, overlap), combined stratum by stratum.
            let mut acc: Vec<(f64, usize)> = vec![(0.0, 0)];
            for (units, k) in &parts {
                let mut combos = Vec::new();
                let mut idx: Vec<usize> = (0..*k).collect();
                let n = units.len();
                loop {
                    let sum: f64 = idx.iter().map(|&j| changes[units[j]]).sum();
                    combos.push((sum, idx.iter().filter(|&&j| treated[units[j]]).count()));
                    let Some(pos) = (0..*k).rev().find(|&p| idx[p] < n - k + p) else { break };
                    idx[pos] += 1;
                    for q in pos + 1..*k {
                        idx[q] = idx[q - 1] + 1;
                    }
                }
                acc = acc.iter().flat_map(|&(s, o)| combos.iter().map(move |&(cs, co)| (s + cs, o + co))).collect();
            }
            for (s, o) in acc {
                groups[o].push(s);
            }
        } else {
            for r in 0..self.reps.get() {
                let mut stream = Stream::new(self.seed, r);
                let (mut sum, mut overlap) = (0.0, 0);
                for (units, k) in &parts {
                    let mut pool = units.clone();
                    let n = pool.len();
                    for i in 0..*k {
                        let j = i + ((stream.uniform() * (n - i) as f64) as usize).min(n - i - 1);
                        pool.swap(i, j);
                    }
                    sum += pool[..*k].iter().map(|&i| changes[i]).sum::<f64>();
                    overlap += pool[..*k].iter().filter(|&&i| treated[i]).count();
                }
                groups[overlap].push(sum);
            }
        }
        groups.iter_mut().for_each(|g| g.par_sort_unstable_by(f64::total_cmp));
        let count = groups.iter().map(Vec::len).sum();
        Assignments { groups, count, exact }
    }

    fn assignments(&self, changes: &[f64], treated: &[bool], nt: usize) -> Assignments {
        let n = changes.len();
        let exact = binomial(n as u64, nt as u64) <= self.max_exact as f64;
        // Each task returns its assignments' sums grouped by overlap: all assignments whose
        // smallest unit is i0 (exact), or one block of draws (Monte Carlo).
        let tasks: Vec<Vec<Vec<f64>>> = if exact {
            (0..=n - nt)
                .into_par_iter()
                .map(|i0| {
                    let mut groups = vec![Vec::new(); nt + 1];
                    let mut idx: Vec<usize> = (i0..i0 + nt).collect();
                    loop {
                        let sum: f64 = idx.iter().map(|&i| changes[i]).sum();
                        groups[idx.iter().filter(|&&i| treated[i]).count()].push(sum);
                        // Next combination of the units after i0, in lexicographic order.
                        let Some(pos) = (1..nt).rev().find(|&p| idx[p] < n - nt + p) else { break };
                        idx[pos] += 1;
                        for q in pos + 1..nt {
                            idx[q] = idx[q - 1] + 1;
                        }
                    }
                    groups
                })
                .collect()
        } else {
            const BLOCK: u64 = 1024;
            (0..self.reps.get().div_ceil(BLOCK))
                .into_par_iter()
                .map(|b| {
                    let mut groups = vec![Vec::new(); nt + 1];
                    let mut pool: Vec<usize> = (0..n).collect();
                    for r in b * BLOCK..((b + 1) * BLOCK).min(self.reps.get()) {
                        let mut s = Stream::new(self.seed, r);
                        pool.iter_mut().enumerate().for_each(|(i, p)| *p = i);
                        // Partial Fisher–Yates: the first nt entries are a uniform draw without replacement.
                        for i in 0..nt {
                            let j = i + ((s.uniform() * (n - i) as f64) as usize).min(n - i - 1);
                            pool.swap(i, j);
                        }
                        let sum: f64 = pool[..nt].iter().map(|&i| changes[i]).sum();
                        groups[pool[..nt].iter().filter(|&&i| treated[i]).count()].push(sum);
                    }
                    groups
                })
                .collect()
        };
        let mut groups: Vec<Vec<f64>> = (0..=nt)
            .map(|k| {
                let mut g = Vec::with_capacity(tasks.iter().map(|t| t[k].len()).sum());
                tasks.iter().for_each(|t| g.extend_from_slice(&t[k]));
                g
            })
            .collect();
        drop(tasks);
        groups.iter_mut().for_each(|g| g.par_sort_unstable_by(f64::total_cmp));
        let count = groups.iter().map(Vec::len).sum();
        Assignments { groups, count, exact }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two strata of four units, one treated in each: 4 × 4 = 16 assignments, each keeping one
    /// treated unit per stratum; one stratum gives the same answer as the plain test; a stratum
    /// holding only treated units cannot be reassigned, so nothing is rejected.
    #[test]
    fn strata_keep_their_treated_counts() {
        let changes = [5.0, 1.0, 0.5, 0.0, 4.0, 1.5, 0.2, 0.1];
        let treated = [true, false, false, false, true, false, false, false];
        let ri = Randomization::default();
        let r = ri.test_in_strata(&changes, &treated, &[0, 0, 0, 0, 1, 1, 1, 1]).unwrap();
        assert!(r.exact);
        assert_eq!(r.assignments, 16);
        // The observed pair (5, 4) gives the largest difference of the 16; no other pair comes
        // as far from zero in either direction (the smallest, 0 and 0,1, gives −1,98 < 3,95).
        assert!((r.p_value - 1.0 / 16.0).abs() < 1e-12, "{}", r.p_value);
        let one = ri.test_in_strata(&changes, &treated, &[7; 8]).unwrap();
        let plain = ri.test(&changes, &treated).unwrap();
        assert_eq!((one.assignments, one.p_value), (plain.assignments, plain.p_value));
        assert!((one.ci_low - plain.ci_low).abs() < 1e-9 && (one.ci_high - plain.ci_high).abs() < 1e-9);
        // Every treated unit in a stratum of treated units only (a whole region as the trial).
        let confounded = ri.test_in_strata(&[5.0, 4.0, 1.0, 0.0], &[true, true, false, false], &[0, 0, 1, 1]).unwrap();
        assert_eq!(confounded.assignments, 1);
        assert_eq!(confounded.p_value, 1.0);
        assert!(confounded.ci_low == f64::NEG_INFINITY && confounded.ci_high == f64::INFINITY);
        // Monte Carlo within strata when enumeration is off: the draws keep the counts too.
        let mc = Randomization { max_exact: 1, reps: Reps::new(999).unwrap(), ..ri };
        let m = mc.test_in_strata(&changes, &treated, &[0, 0, 0, 0, 1, 1, 1, 1]).unwrap();
        assert!(!m.exact && (m.p_value - 1.0 / 16.0).abs() < 0.03, "{}", m.p_value);
    }

    /// The studentised test by brute force: eight units, two treated, 28 assignments, each
    /// t_A computed from scratch; with equal variances it is the plain test (the standard error
    /// is the same for every assignment); within strata likewise.
    #[test]
    fn studentised_by_brute_force() {
        let changes = [3.0, 2.5, 0.4, -0.3, 1.1, 0.0, -0.8, 0.6];
        let variances = [4.0, 0.5, 0.2, 0.3, 0.25, 0.4, 0.1, 0.3];
        let treated = [true, true, false, false, false, false, false, false];
        let ri = Randomization::default();
        let r = ri.test_studentised(&changes, &variances, &treated, None).unwrap();
        assert!(r.exact && r.assignments == 28);
        let t = |a: &[usize], tau: f64| {
            let y: Vec<f64> = changes.iter().zip(&treated).map(|(d, tr)| if *tr { d - tau } else { *d }).collect();
            let inside = |i: usize| a.contains(&i);
            let mean = |f: &dyn Fn(usize) -> bool| {
                let v: Vec<f64> = (0..8).filter(|&i| f(i)).map(|i| y[i]).collect();
                v.iter().sum::<f64>() / v.len() as f64
            };
            let v_in: f64 = a.iter().map(|&i| variances[i]).sum();
            let v_out: f64 = variances.iter().sum::<f64>() - v_in;
            (mean(&inside) - mean(&|i| !inside(i))) / (v_in / 4.0 + v_out / 36.0).sqrt()
        };
        let p_at = |tau: f64| {
            let obs = t(&[0, 1], tau).abs();
            let pairs: Vec<[usize; 2]> = (0..8).flat_map(|i| (i + 1..8).map(move |j| [i, j])).collect();
            pairs.iter().filter(|a| t(*a, tau).abs() >= obs - 1e-9).count() as f64 / 28.0
        };
        assert!((r.p_value - p_at(0.0)).abs() < 1e-12, "{} vs {}", r.p_value, p_at(0.0));
        // The interval's edges are where the brute-force p-function crosses α.
        assert!(p_at(r.ci_low + 1e-6) > 0.05 && p_at(r.ci_high - 1e-6) > 0.05);
        assert!(p_at(r.ci_low - 1e-3) <= 0.05 && p_at(r.ci_high + 1e-3) <= 0.05, "{r:?}");
        let same = [0.5; 8];
        let s = ri.test_studentised(&changes, &same, &treated, None).unwrap();
        let plain = ri.test(&changes, &treated).unwrap();
        assert!((s.p_value - plain.p_value).abs() < 1e-12);
        assert!((s.ci_low - plain.ci_low).abs() < 1e-6 && (s.ci_high - plain.ci_high).abs() < 1e-6, "{s:?} {plain:?}");
        let strata = [0, 1, 0, 1, 0, 1, 0, 1];
        let s = ri.test_studentised(&changes, &same, &treated, Some(&strata)).unwrap();
        let plain = ri.test_in_strata(&changes, &treated, &strata).unwrap();
        assert_eq!(s.assignments, 16);
        assert!((s.p_value - plain.p_value).abs() < 1e-12);
    }

    /// Participants chosen among the noisiest units: one of four treated units is five times as
    /// noisy as the rest. The plain difference, calibrated on assignments that rarely draw it,
    /// rejects a true null far too often for this treated set; the studentised statistic keeps
    /// close to its level (300 noise draws, 199 permutation draws each).
    #[test]
    fn studentised_keeps_its_level_for_a_noisy_participant() {
        let n = 40;
        let treated: Vec<bool> = (0..n).map(|i| i < 4).collect();
        let sd: Vec<f64> = (0..n).map(|i| if i == 0 { 5.0 } else { 1.0 }).collect();
        let variances: Vec<f64> = sd.iter().map(|s| s * s).collect();
        let ri = Randomization { max_exact: 0, reps: Reps::new(199).unwrap(), seed: 5, conf_level: Level::P95 };
        let (mut plain, mut studentised) = (0, 0);
        for r in 0..300 {
            let mut s = Stream::new(99, r);
            let changes: Vec<f64> = sd.iter().map(|sd| sd * s.normal()).collect();
            plain += usize::from(ri.test(&changes, &treated).unwrap().p_value < 0.05);
            studentised +=
                usize::from(ri.test_studentised(&changes, &variances, &treated, None).unwrap().p_value < 0.05);
        }
        let (plain, studentised) = (plain as f64 / 300.0, studentised as f64 / 300.0);
        assert!(plain > 0.15, "plain rejects {plain}");
        assert!(studentised < 0.09, "studentised rejects {studentised}");
    }

    /// Four units, two treated: six assignments. Changes 5, 4 (treated) and 1, 0: the observed
    /// difference 4 is the largest in absolute value together with its mirror image, so p = 2/6.
    #[test]
    fn exact_p_value_by_hand() {
        let r = Randomization::default().test(&[5.0, 4.0, 1.0, 0.0], &[true, true, false, false]).unwrap();
        assert!(r.exact);
        assert_eq!(r.assignments, 6);
        assert!((r.estimate - 4.0).abs() < 1e-12);
        assert!((r.p_value - 2.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn the_interval_contains_the_estimate_and_shrinks_with_more_units() {
        let mut changes: Vec<f64> = (0..30).map(|i| ((i * 7919) % 13) as f64 / 4.0).collect();
        let mut treated = vec![false; 30];
        for (i, t) in treated.iter_mut().enumerate().take(4) {
            *t = true;
            changes[i] += 3.0;
        }
        let r = Randomization::default().test(&changes, &treated).unwrap();
        assert!(r.exact && r.assignments == binomial(30, 4) as u64);
        assert!(r.ci_low < r.estimate && r.estimate < r.ci_high);
        assert!(r.p_value < 0.05, "p = {}", r.p_value);
        // The p-value at the interval's edges is at the level.
        assert!(r.ci_low < 3.0 && 3.0 < r.ci_high, "[{}, {}]", r.ci_low, r.ci_high);
    }

    #[test]
    fn monte_carlo_is_reproducible_and_close_to_exact() {
        let changes: Vec<f64> = (0..40).map(|i| ((i * 104729) % 17) as f64 + if i < 5 { 4.0 } else { 0.0 }).collect();
        let treated: Vec<bool> = (0..40).map(|i| i < 5).collect();
        let exact = Randomization::default().test(&changes, &treated).unwrap();
        let mc = Randomization { max_exact: 0, reps: Reps::new(20_000).unwrap(), ..Default::default() };
        let a = mc.test(&changes, &treated).unwrap();
        let b = mc.test(&changes, &treated).unwrap();
        assert!(!a.exact);
        assert_eq!(a, b, "same seed, same result");
        assert!((a.p_value - exact.p_value).abs() < 0.01, "{} vs {}", a.p_value, exact.p_value);
    }

    /// With one cohort and full exposure the staggered statistic is the plain difference in
    /// means, and its Monte Carlo p-value and interval approach the exact ones.
    #[test]
    fn staggered_with_one_cohort_agrees_with_the_exact_test() {
        let changes: Vec<f64> = (0..40).map(|i| ((i * 104729) % 17) as f64 + if i < 5 { 4.0 } else { 0.0 }).collect();
        let treated: Vec<bool> = (0..40).map(|i| i < 5).collect();
        let exact = Randomization::default().test(&changes, &treated).unwrap();
        let d: Vec<Vec<f64>> = changes.iter().map(|c| vec![*c]).collect();
        let w: Vec<Vec<f64>> = treated.iter().map(|t| vec![if *t { 1.0 } else { 0.0 }]).collect();
        let cohort: Vec<Option<usize>> = treated.iter().map(|t| t.then_some(0)).collect();
        let ri = Randomization { reps: Reps::new(20_000).unwrap(), ..Default::default() };
        let s = ri.test_staggered(&d, &w, &cohort).unwrap();
        assert!((s.estimate - exact.estimate).abs() < 1e-12);
        assert!((s.p_value - exact.p_value).abs() < 0.01, "{} vs {}", s.p_value, exact.p_value);
        assert!((s.ci_low - exact.ci_low).abs() < 0.3 && (s.ci_high - exact.ci_high).abs() < 0.3);
        assert_eq!(s, ri.test_staggered(&d, &w, &cohort).unwrap(), "same seed, same result");
    }

    /// Deterministic noise in [−1, 1) for unit `i` and window `k`.
    fn noise(i: usize, k: usize) -> f64 {
        (((i * 7 + k * 13) * 2_654_435_761usize) % 1000) as f64 / 500.0 - 1.0
    }

    /// Unit `i`'s cohort and its exposure in each cohort's windows when units `first..first + 4`
    /// form cohort 0 and the next four cohort 1. Cohort 0 starts first: a cohort-1 unit is
    /// untreated in part of cohort 0's post window.
    fn two_cohorts(i: usize, first: usize) -> (Option<usize>, Vec<f64>) {
        let c = match i.checked_sub(first) {
            Some(0..=3) => Some(0),
            Some(4..=7) => Some(1),
            _ => None,
        };
        let exposure = (0..2)
            .map(|window| match (c, window) {
                (Some(0), _) => 1.0,
                (Some(1), 0) => 0.5,
                (Some(1), _) => 1.0,
                _ => 0.0,
            })
            .collect();
        (c, exposure)
    }

    /// Two cohorts with a true effect of 2 from each unit's start: the interval holds 2, and a
    /// cohort without units is an error, not a panic.
    #[test]
    fn staggered_cohorts_cover_a_known_effect() {
        let n = 60;
        let mut d = Vec::new();
        let mut w = Vec::new();
        let mut cohort = Vec::new();
        for i in 0..n {
            let (c, exposure) = two_cohorts(i, 0);
            d.push((0..2).map(|k| noise(i, k) + 2.0 * exposure[k]).collect::<Vec<f64>>());
            w.push(exposure);
            cohort.push(c);
        }
        let r = Randomization { reps: Reps::new(4999).unwrap(), ..Default::default() }
            .test_staggered(&d, &w, &cohort)
            .unwrap();
        assert!(r.ci_low < 2.0 && 2.0 < r.ci_high, "[{}, {}]", r.ci_low, r.ci_high);
        assert!(r.p_value < 0.01, "{}", r.p_value);
        let none: Vec<Option<usize>> = vec![None; n];
        assert!(Randomization::default().test_staggered(&d, &w, &none).is_err());
    }

    /// Staggered starts within strata. Every unit of stratum 1 changed by 3 more than stratum 0
    /// (a regional shock), and both cohorts sit in stratum 1 with no effect at all: reshuffling
    /// over all units "finds" an effect, reshuffling within strata does not. Strata of treated
    /// units only cannot be reassigned: nothing is rejected.
    #[test]
    fn staggered_within_strata_keeps_a_regional_shock_out() {
        let n = 60;
        let (mut d, mut w, mut cohort, mut strata) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let stratum = (i >= 30) as u32;
            let (c, exposure) = two_cohorts(i, 30);
            d.push((0..2).map(|k| noise(i, k) / 4.0 + 3.0 * stratum as f64).collect::<Vec<f64>>());
            w.push(exposure);
            cohort.push(c);
            strata.push(stratum);
        }
        let ri = Randomization { reps: Reps::new(1999).unwrap(), ..Default::default() };
        let everywhere = ri.test_staggered(&d, &w, &cohort).unwrap();
        assert!(everywhere.p_value < 0.01 && everywhere.ci_low > 0.5, "{everywhere:?}");
        let within = ri.test_staggered_in(&d, &w, &cohort, &strata).unwrap();
        assert!(within.p_value > 0.1 && within.ci_low < 0.0 && 0.0 < within.ci_high, "{within:?}");
        assert_eq!(within, ri.test_staggered_in(&d, &w, &cohort, &strata).unwrap(), "same seed, same result");
        // Each treated unit alone in its stratum: no assignment differs from the observed one.
        let alone: Vec<u32> = (0..n as u32).map(|i| if (30..38).contains(&i) { 100 + i } else { 0 }).collect();
        let stuck = ri.test_staggered_in(&d, &w, &cohort, &alone).unwrap();
        assert_eq!(stuck.p_value, 1.0);
        assert!(stuck.ci_low.is_infinite() && stuck.ci_high.is_infinite(), "{stuck:?}");
    }
}
