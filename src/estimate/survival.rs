//! Durations: Kaplan–Meier survival curves with Greenwood intervals, median and restricted mean
//! durations, and the log-rank test.
//!
//! Everything works on counts per distinct time ([`EventTable`]): how many spells end (events)
//! and how many are censored at each time. Counts are all a register-scale stream needs to keep,
//! so the same code serves 10³ and 10⁸ cases; [`EventTable::from_spells`] builds the table from
//! raw durations.
//!
//! Conventions (those of lifelines, against which the fixtures check): the curve starts at time 0
//! with S = 1 and has a row at every distinct duration, event or censoring; S(t) = Π(1 − dᵢ/nᵢ);
//! the pointwise interval is the exponential Greenwood ("log(−log)") interval
//! exp(−exp(log(−log S) ∓ z·√(Σ dᵢ/(nᵢ(nᵢ − dᵢ)))/log S)); the median is the first time with
//! S ≤ ½ (infinite when the curve stays above), and its interval takes the same time on the
//! interval's lower and upper curves. The log-rank test compares observed with expected events
//! over every event time, with the hypergeometric covariance, χ² with (groups − 1) degrees of
//! freedom.

use super::EstimateError;
use crate::settings::MinCell;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Events and censorings per distinct time, sorted by time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventTable {
    pub time: Vec<f64>,
    pub events: Vec<u64>,
    pub censored: Vec<u64>,
}

impl EventTable {
    /// From spells: `durations[i]` with `ended[i]` true for an observed end, false for censored.
    pub fn from_spells(durations: &[f64], ended: &[bool]) -> Result<EventTable, EstimateError> {
        if durations.len() != ended.len() {
            return Err(EstimateError::LengthMismatch("durations and event flags"));
        }
        if let Some(i) = durations.iter().position(|d| !d.is_finite() || *d < 0.0) {
            return Err(EstimateError::BadDuration { duration: durations[i], spell: i + 1 });
        }
        // Non-negative doubles order like their bit patterns (−0 is made +0): sort the bits with
        // an LSD radix sort on 16-bit digits, skipping digits every key shares.
        let mut pairs: Vec<(u64, bool)> =
            durations.iter().map(|d| (d + 0.0).to_bits()).zip(ended.iter().copied()).collect();
        radix_sort(&mut pairs);
        let mut t = EventTable::default();
        for (bits, e) in pairs {
            let d = f64::from_bits(bits);
            if t.time.last() != Some(&d) {
                t.time.push(d);
                t.events.push(0);
                t.censored.push(0);
            }
            let k = t.time.len() - 1;
            if e {
                t.events[k] += 1;
            } else {
                t.censored[k] += 1;
            }
        }
        Ok(t)
    }

    pub fn n(&self) -> u64 {
        self.events.iter().sum::<u64>() + self.censored.iter().sum::<u64>()
    }

    /// One table per group from spells in one pass: `group[i]` in `0..k` is spell i's group.
    ///
    /// Register durations are heavily tied (whole days or weeks), so spells are counted per
    /// distinct duration in an open-addressing hash table and only the distinct values are
    /// sorted: one pass over the spells instead of a sort. With more distinct values than a
    /// sixteenth of the spells, each group is radix-sorted instead ([`EventTable::from_spells`]).
    pub fn grouped(
        durations: &[f64],
        ended: &[bool],
        group: &[usize],
        k: usize,
    ) -> Result<Vec<EventTable>, EstimateError> {
        let n = durations.len();
        if ended.len() != n || group.len() != n {
            return Err(EstimateError::LengthMismatch("durations, event flags and groups"));
        }
        if let Some(i) = group.iter().position(|g| *g >= k) {
            return Err(EstimateError::BadGroup { spell: i + 1, group: group[i], groups: k });
        }
        if let Some(i) = durations.iter().position(|d| !d.is_finite() || *d < 0.0) {
            return Err(EstimateError::BadDuration { duration: durations[i], spell: i + 1 });
        }
        let limit = (n / 16).max(1024);
        match count_distinct(durations, ended, group, k, limit) {
            Some((keys, counts)) => {
                let mut order: Vec<usize> = (0..keys.len()).collect();
                order.sort_unstable_by_key(|&j| keys[j]);
                let mut tables = vec![EventTable::default(); k];
                for j in order {
                    for (g, t) in tables.iter_mut().enumerate() {
                        let (e, c) = (counts[j * 2 * k + 2 * g], counts[j * 2 * k + 2 * g + 1]);
                        if e + c > 0 {
                            t.time.push(f64::from_bits(keys[j]));
                            t.events.push(e);
                            t.censored.push(c);
                        }
                    }
                }
                Ok(tables)
            }
            None => (0..k)
                .map(|g| {
                    let (d, e): (Vec<f64>, Vec<bool>) =
                        (0..n).filter(|&i| group[i] == g).map(|i| (durations[i], ended[i])).unzip();
                    EventTable::from_spells(&d, &e)
                })
                .collect(),
        }
    }
}

/// Counts events and censorings per (distinct duration, group) in an open-addressing table:
/// the distinct durations' bit patterns and, per distinct value, `[events, censored]` for each
/// group. `None` when there are more than `limit` distinct values.
#[allow(clippy::type_complexity)]
fn count_distinct(
    durations: &[f64],
    ended: &[bool],
    group: &[usize],
    k: usize,
    limit: usize,
) -> Option<(Vec<u64>, Vec<u64>)> {
    let capacity = (2 * limit).next_power_of_two().max(64);
    let mask = capacity - 1;
    // Fibonacci hashing: the product's top bits depend on every bit of the key (durations in
    // whole weeks differ only in their top bits).
    let shift = 64 - capacity.trailing_zeros();
    const EMPTY: u32 = u32::MAX;
    let mut slots = vec![EMPTY; capacity];
    let mut keys: Vec<u64> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let (mut last_key, mut last_index) = (u64::MAX, 0usize);
    for i in 0..durations.len() {
        let key = (durations[i] + 0.0).to_bits();
        let j = if key == last_key {
            last_index
        } else {
            let mut h = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize;
            loop {
                let slot = slots[h];
                if slot == EMPTY {
                    if keys.len() == limit {
                        return None;
                    }
                    slots[h] = keys.len() as u32;
                    keys.push(key);
                    counts.resize(counts.len() + 2 * k, 0);
                    break keys.len() - 1;
                }
                if keys[slot as usize] == key {
                    break slot as usize;
                }
                h = (h + 1) & mask;
            }
        };
        (last_key, last_index) = (key, j);
        counts[j * 2 * k + 2 * group[i] + !ended[i] as usize] += 1;
    }
    Some((keys, counts))
}

/// LSD radix sort of (key, flag) pairs by key, 16 bits per pass; passes whose digit is the same
/// for every key are skipped. Stable, so equal keys keep their order.
fn radix_sort(pairs: &mut Vec<(u64, bool)>) {
    let (or, and) = pairs.iter().fold((0u64, u64::MAX), |(o, a), p| (o | p.0, a & p.0));
    let varying = or ^ and;
    let mut buffer = vec![(0u64, false); pairs.len()];
    for shift in (0..64).step_by(16) {
        if (varying >> shift) & 0xFFFF == 0 {
            continue;
        }
        let mut counts = vec![0usize; 1 << 16];
        for p in pairs.iter() {
            counts[((p.0 >> shift) & 0xFFFF) as usize] += 1;
        }
        let mut total = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = total;
            total += n;
        }
        for p in pairs.iter() {
            let digit = ((p.0 >> shift) & 0xFFFF) as usize;
            buffer[counts[digit]] = *p;
            counts[digit] += 1;
        }
        std::mem::swap(pairs, &mut buffer);
    }
}

/// A Kaplan–Meier curve with its pointwise interval, one row per distinct time (time 0 first).
#[derive(Clone, Debug, PartialEq)]
pub struct KmCurve {
    pub n: u64,
    pub events: u64,
    pub conf_level: f64,
    pub time: Vec<f64>,
    /// At risk just before each time.
    pub at_risk: Vec<u64>,
    pub observed: Vec<u64>,
    pub censored: Vec<u64>,
    pub survival: Vec<f64>,
    pub ci_low: Vec<f64>,
    pub ci_high: Vec<f64>,
}

/// The Kaplan–Meier estimate from an event table.
pub fn kaplan_meier(table: &EventTable, level: crate::settings::Level) -> Result<KmCurve, EstimateError> {
    let n = table.n();
    if n == 0 {
        return Err(EstimateError::NoSpells);
    }
    let z = crate::inference::normal_quantile(0.5 + level.get() / 2.0);
    let conf_level = level.get();
    let mut curve = KmCurve {
        n,
        events: table.events.iter().sum(),
        conf_level,
        time: vec![0.0],
        at_risk: vec![n],
        observed: vec![0],
        censored: vec![0],
        survival: vec![1.0],
        ci_low: vec![1.0],
        ci_high: vec![1.0],
    };
    // Spells of length 0 enter the row at time 0.
    let mut start = 0;
    if table.time.first() == Some(&0.0) {
        curve.observed[0] = table.events[0];
        curve.censored[0] = table.censored[0];
        start = 1;
    }
    let (mut log_s, mut greenwood, mut at_risk) = (0.0f64, 0.0f64, n);
    let push_bounds = |curve: &mut KmCurve, log_s: f64, greenwood: f64| {
        let (low, high) = if log_s == 0.0 {
            (1.0, 1.0)
        } else if log_s == f64::NEG_INFINITY {
            (0.0, 0.0)
        } else {
            let centre = (-log_s).ln();
            let half = z * greenwood.sqrt() / log_s;
            ((-(centre - half).exp()).exp(), (-(centre + half).exp()).exp())
        };
        curve.ci_low.push(low);
        curve.ci_high.push(high);
    };
    if start == 1 {
        let d = table.events[0];
        log_s += ((at_risk - d) as f64).ln() - (at_risk as f64).ln();
        if at_risk > d {
            greenwood += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
        }
        curve.survival[0] = log_s.exp();
        curve.ci_low.pop();
        curve.ci_high.pop();
        push_bounds(&mut curve, log_s, greenwood);
        at_risk -= d + table.censored[0];
    }
    for k in start..table.time.len() {
        let (d, c) = (table.events[k], table.censored[k]);
        curve.time.push(table.time[k]);
        curve.at_risk.push(at_risk);
        curve.observed.push(d);
        curve.censored.push(c);
        if d > 0 {
            log_s += ((at_risk - d) as f64).ln() - (at_risk as f64).ln();
            if at_risk > d {
                greenwood += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
            }
        }
        curve.survival.push(log_s.exp());
        push_bounds(&mut curve, log_s, greenwood);
        at_risk -= d + c;
    }
    Ok(curve)
}

impl KmCurve {
    /// The first time at which `curve` is at or below `q` (infinite if never).
    fn first_at_or_below(&self, curve: &[f64], q: f64) -> f64 {
        curve.iter().position(|s| *s <= q).map_or(f64::INFINITY, |k| self.time[k])
    }

    /// The first time with S(t) ≤ 1 − p (p = 0.5: the median); infinite if not reached.
    pub fn quantile(&self, p: f64) -> f64 {
        self.first_at_or_below(&self.survival, 1.0 - p)
    }

    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// The median's interval: the same time on the lower and the upper interval curves.
    pub fn median_ci(&self) -> (f64, f64) {
        (self.first_at_or_below(&self.ci_low, 0.5), self.first_at_or_below(&self.ci_high, 0.5))
    }

    /// Restricted mean duration up to `tau`: the area under the step curve on [0, tau].
    pub fn restricted_mean(&self, tau: f64) -> f64 {
        let mut area = 0.0;
        for k in 0..self.time.len() {
            let from = self.time[k];
            if from >= tau {
                break;
            }
            let to = self.time.get(k + 1).copied().unwrap_or(f64::INFINITY).min(tau);
            area += self.survival[k] * (to - from);
        }
        area
    }
}

impl KmCurve {
    /// Spells with duration ≥ `t` (at risk just before `t`).
    pub fn at_risk_at(&self, t: f64) -> u64 {
        let k = self.time.partition_point(|x| *x < t);
        self.at_risk.get(k).copied().unwrap_or(0)
    }

    /// Events at exactly `t` (a quantile at `t` rests on them).
    pub fn events_at(&self, t: f64) -> u64 {
        let k = self.time.partition_point(|x| *x < t);
        if self.time.get(k) == Some(&t) { self.observed[k] } else { 0 }
    }

    /// A quantile (the median or a bound of its interval) as it may be published: only when at
    /// least `min_cell` spells end exactly there, so no percentile rests on fewer persons;
    /// `None` otherwise and when it is not reached.
    pub fn disclosable_quantile(&self, t: f64, min_cell: MinCell) -> Option<f64> {
        (t.is_finite() && min_cell.allows(self.events_at(t))).then_some(t)
    }

    /// Which points of `grid` (increasing times) a curve may show under a minimum cell size.
    ///
    /// A shown point reveals the number at risk and the survival there, so two shown points
    /// reveal the spells that ended and were censored between them. A point is shown only while
    /// at least `min_cell` are at risk and when, since the last shown point, the events, the
    /// censorings and the exits are each either none or at least `min_cell` (secondary
    /// suppression: no small count can be had by differencing). The first point is always
    /// shown when enough are at risk. The returned flags stop at the first point with too few
    /// at risk; later points are all hidden.
    pub fn disclosable(&self, grid: &[f64], min_cell: MinCell) -> Vec<bool> {
        let min_cell = min_cell.get();
        // Prefix sums over rows: events with time ≤ t, exits and censorings with time < t.
        let cum = |values: &[u64]| -> Vec<u64> {
            values
                .iter()
                .scan(0u64, |acc, v| {
                    *acc += v;
                    Some(*acc)
                })
                .collect()
        };
        let (events, censored) = (cum(&self.observed), cum(&self.censored));
        let upto = |c: &[u64], t: f64, inclusive: bool| -> u64 {
            let k =
                if inclusive { self.time.partition_point(|x| *x <= t) } else { self.time.partition_point(|x| *x < t) };
            if k == 0 { 0 } else { c[k - 1] }
        };
        let ok = |d: u64| d == 0 || d >= min_cell;
        let mut shown = vec![false; grid.len()];
        let mut last: Option<(u64, u64, u64)> = None;
        for (i, &t) in grid.iter().enumerate() {
            let r = self.at_risk_at(t);
            if r < min_cell {
                break;
            }
            let (e, c) = (upto(&events, t, true), upto(&censored, t, false));
            let show = match last {
                None => true,
                Some((e0, c0, r0)) => ok(e - e0) && ok(c - c0) && ok(r0 - r),
            };
            if show {
                shown[i] = true;
                last = Some((e, c, r));
            }
        }
        shown
    }
}

/// A χ² test.
#[derive(Clone, Debug, PartialEq)]
pub struct ChiTest {
    pub stat: f64,
    pub df: usize,
    pub p_value: f64,
}

/// The log-rank test of equal survival across groups, from each group's event table.
pub fn logrank(groups: &[EventTable]) -> Result<ChiTest, EstimateError> {
    let k = groups.len();
    if k < 2 {
        return Err(EstimateError::TooFewGroups);
    }
    // Merge the distinct times of all groups.
    let mut times: Vec<f64> = groups.iter().flat_map(|g| g.time.iter().copied()).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut at_risk: Vec<f64> = groups.iter().map(|g| g.n() as f64).collect();
    let mut cursor = vec![0usize; k];
    let mut u = vec![0.0; k];
    let mut v = vec![vec![0.0; k]; k];
    for &t in &times {
        let mut d = vec![0.0; k];
        let mut c = vec![0.0; k];
        for g in 0..k {
            if cursor[g] < groups[g].time.len() && groups[g].time[cursor[g]] == t {
                d[g] = groups[g].events[cursor[g]] as f64;
                c[g] = groups[g].censored[cursor[g]] as f64;
                cursor[g] += 1;
            }
        }
        let (dt, nt): (f64, f64) = (d.iter().sum(), at_risk.iter().sum());
        if dt > 0.0 && nt > 0.0 {
            for i in 0..k {
                u[i] += d[i] - dt * at_risk[i] / nt;
                if nt > 1.0 {
                    let factor = dt * (nt - dt) / (nt * nt * (nt - 1.0));
                    for j in 0..k {
                        let delta = if i == j { nt * at_risk[i] } else { 0.0 };
                        v[i][j] += factor * (delta - at_risk[i] * at_risk[j]);
                    }
                }
            }
        }
        for g in 0..k {
            at_risk[g] -= d[g] + c[g];
        }
    }
    // χ² = U′V⁻U on the first k − 1 groups (the k-th is determined).
    let m = k - 1;
    let mut a: Vec<f64> = (0..m * m).map(|ij| v[ij / m][ij % m]).collect();
    let mut b: Vec<f64> = u[..m].to_vec();
    let x = solve(&mut a, &mut b, m).ok_or(EstimateError::SingularLogrank)?;
    let stat: f64 = u[..m].iter().zip(&x).map(|(p, q)| p * q).sum();
    let chi = ChiSquared::new(m as f64).map_err(|_| EstimateError::SingularLogrank)?;
    Ok(ChiTest { stat, df: m, p_value: 1.0 - chi.cdf(stat) })
}

/// The solution of a small dense system (row-major `a`), or `None` when singular.
fn solve(a: &mut [f64], b: &mut [f64], m: usize) -> Option<Vec<f64>> {
    super::synth::solve_dense(a, b, m)?;
    Some(b.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-computed curve: durations 1, 2, 2 (censored), 3, 4 (censored), 5.
    #[test]
    fn curve_median_and_restricted_mean_by_hand() {
        let t =
            EventTable::from_spells(&[1.0, 2.0, 2.0, 3.0, 4.0, 5.0], &[true, true, false, true, false, true]).unwrap();
        let km = kaplan_meier(&t, crate::settings::Level::P95).unwrap();
        assert_eq!(km.time, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(km.at_risk, vec![6, 6, 5, 3, 2, 1]);
        // S: 1, 5/6, 5/6·4/5 = 2/3, 2/3·2/3 = 4/9, 4/9, 0.
        let expected = [1.0, 5.0 / 6.0, 2.0 / 3.0, 4.0 / 9.0, 4.0 / 9.0, 0.0];
        for (s, e) in km.survival.iter().zip(expected) {
            assert!((s - e).abs() < 1e-12, "{s} vs {e}");
        }
        assert_eq!(km.median(), 3.0);
        // Area: 1·1 + 5/6·1 + 2/3·1 + 4/9·1 + 4/9·1 = 3.3888…
        assert!((km.restricted_mean(5.0) - (1.0 + 5.0 / 6.0 + 2.0 / 3.0 + 8.0 / 9.0)).abs() < 1e-12);
        assert!(km.ci_low.iter().zip(&km.survival).zip(&km.ci_high).all(|((l, s), h)| l <= s && s <= h));
    }

    /// The one-pass grouped tables equal the per-group sorted ones, for tied and untied data.
    #[test]
    fn grouped_tables_equal_per_group_tables() {
        let mut s = crate::rng::Stream::new(5, 0);
        for tied in [true, false] {
            let n = 50_000;
            let d: Vec<f64> =
                (0..n).map(|_| if tied { (s.uniform() * 300.0).ceil() } else { s.uniform() * 300.0 }).collect();
            let e: Vec<bool> = (0..n).map(|_| s.uniform() > 0.3).collect();
            let g: Vec<usize> = (0..n).map(|_| (s.uniform() * 3.0) as usize).collect();
            let tables = EventTable::grouped(&d, &e, &g, 3).unwrap();
            for (k, t) in tables.iter().enumerate() {
                let (dk, ek): (Vec<f64>, Vec<bool>) = (0..n).filter(|&i| g[i] == k).map(|i| (d[i], e[i])).unzip();
                assert_eq!(t, &EventTable::from_spells(&dk, &ek).unwrap(), "tied = {tied}, group {k}");
            }
        }
        assert!(EventTable::grouped(&[1.0], &[true], &[2], 2).is_err());
    }

    /// Differences between shown points never reveal fewer than `min_cell` exits, events or
    /// censorings.
    #[test]
    fn shown_points_cannot_be_differenced_into_small_cells() {
        let mut s = crate::rng::Stream::new(9, 0);
        let n = 400;
        let d: Vec<f64> = (0..n).map(|_| (s.uniform() * 60.0).ceil()).collect();
        let e: Vec<bool> = (0..n).map(|_| s.uniform() > 0.2).collect();
        let km = kaplan_meier(&EventTable::from_spells(&d, &e).unwrap(), crate::settings::Level::P95).unwrap();
        let grid: Vec<f64> = (0..=60).map(f64::from).collect();
        let shown = km.disclosable(&grid, MinCell::DST);
        let points: Vec<f64> = grid.iter().zip(&shown).filter(|(_, s)| **s).map(|(t, _)| *t).collect();
        assert!(points.len() > 3 && points[0] == 0.0);
        let count = |lo: f64, hi: f64, event: bool| -> usize {
            d.iter().zip(&e).filter(|(x, ev)| **x > lo && **x <= hi && **ev == event).count()
        };
        for w in points.windows(2) {
            let (events, cens_and_exits) = (count(w[0], w[1], true), km.at_risk_at(w[0]) - km.at_risk_at(w[1]));
            assert!(events == 0 || events >= 5, "{events} events in ({}, {}]", w[0], w[1]);
            assert!(cens_and_exits == 0 || cens_and_exits >= 5);
        }
        // Hidden points exist: at this size some weeks have fewer than 5 exits.
        assert!(points.len() < grid.iter().filter(|t| km.at_risk_at(**t) >= 5).count());
        assert!(points.iter().all(|t| km.at_risk_at(*t) >= 5));
    }

    /// A table of counts fits exactly as the spells written out one by one.
    #[test]
    fn counted_rows_fit_as_the_spells_they_stand_for() {
        let mut s = crate::rng::Stream::new(3, 0);
        let (mut d, mut e, mut x, mut cl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..3000 {
            let (a, b) = ((s.uniform() < 0.4) as u8 as f64, (s.uniform() < 0.5) as u8 as f64);
            d.push((s.uniform() * 12.0 / (1.0 + 0.5 * a)).ceil());
            e.push(s.uniform() < 0.8);
            x.push(vec![a, b, a * b]);
            cl.push((s.uniform() * 4.0) as u32);
        }
        let spells = cox(&d, &e, &x, Some(&cl)).unwrap();
        let mut counted: std::collections::BTreeMap<(u64, bool, Vec<u64>, u32), u64> = Default::default();
        for i in 0..d.len() {
            let key = (d[i].to_bits(), e[i], x[i].iter().map(|v| v.to_bits()).collect(), cl[i]);
            *counted.entry(key).or_default() += 1;
        }
        assert!(counted.len() < d.len() / 2);
        let rows: Vec<_> = counted.into_iter().collect();
        let fit = cox_counted(
            &rows.iter().map(|r| f64::from_bits(r.0.0)).collect::<Vec<_>>(),
            &rows.iter().map(|r| r.0.1).collect::<Vec<_>>(),
            &rows.iter().map(|r| r.0.2.iter().map(|b| f64::from_bits(*b)).collect()).collect::<Vec<_>>(),
            &rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            Some(&rows.iter().map(|r| r.0.3).collect::<Vec<_>>()),
        )
        .unwrap();
        for k in 0..3 {
            assert!((fit.beta[k] - spells.beta[k]).abs() < 1e-9, "beta {k}");
            assert!((fit.se[k] - spells.se[k]).abs() < 1e-9, "se {k}");
        }
        assert!((fit.log_likelihood - spells.log_likelihood).abs() < 1e-7);
        assert_eq!(fit.clusters, spells.clusters);
    }

    /// Two identical groups: no evidence of a difference.
    #[test]
    fn logrank_of_identical_groups_is_zero() {
        let t = EventTable::from_spells(&[1.0, 2.0, 3.0, 4.0], &[true, false, true, true]).unwrap();
        let r = logrank(&[t.clone(), t]).unwrap();
        assert!(r.stat.abs() < 1e-12 && (r.p_value - 1.0).abs() < 1e-12 && r.df == 1);
    }
}

/// A Cox proportional-hazards fit.
#[derive(Clone, Debug, PartialEq)]
pub struct CoxFit {
    pub beta: Vec<f64>,
    /// Model-based (inverse information) or, with clusters, cluster-robust standard errors.
    pub se: Vec<f64>,
    pub p_value: Vec<f64>,
    pub log_likelihood: f64,
    pub iterations: usize,
    /// Number of clusters behind a robust variance (0: model-based).
    pub clusters: usize,
}

/// Cox proportional hazards by Newton–Raphson on Efron's partial likelihood for tied times.
///
/// `x[i]` is spell i's covariate row. Standard errors: the inverse information; with `cluster`
/// ids, the sandwich V·(Σ_c s_c s_c′)·V of Lin and Wei (1989), s_c the summed score residuals of
/// cluster c in Efron's form, as the fit (R's `coxph(..., cluster =)`; no small-sample factor).
/// Wald p-values from the normal distribution.
pub fn cox(
    durations: &[f64],
    ended: &[bool],
    x: &[Vec<f64>],
    cluster: Option<&[u32]>,
) -> Result<CoxFit, EstimateError> {
    cox_counted(durations, ended, x, &vec![1; durations.len()], cluster)
}

/// [`cox`] on counted rows: row i stands for `count[i]` identical spells (same duration, end,
/// covariates and cluster). The fit equals the one on the spells written out one by one, so
/// register-scale data with a few covariate patterns can be fitted from a table of counts.
pub fn cox_counted(
    durations: &[f64],
    ended: &[bool],
    x: &[Vec<f64>],
    count: &[u64],
    cluster: Option<&[u32]>,
) -> Result<CoxFit, EstimateError> {
    let n = durations.len();
    let p = x.first().map_or(0, Vec::len);
    if n == 0 || p == 0 || ended.len() != n || x.len() != n || count.len() != n || x.iter().any(|r| r.len() != p) {
        return Err(EstimateError::CoxShape);
    }
    if !ended.iter().zip(count).any(|(e, c)| *e && *c > 0) {
        return Err(EstimateError::NoEndedSpell);
    }
    let wt: Vec<f64> = count.iter().map(|c| *c as f64).collect();
    let total: f64 = wt.iter().sum();
    // Spells in decreasing time; risk sets grow as time goes down.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| durations[b].total_cmp(&durations[a]).then(a.cmp(&b)));
    // Centre the covariates (the fit is invariant; the sums stay well scaled).
    let means: Vec<f64> = (0..p).map(|k| x.iter().zip(&wt).map(|(r, c)| c * r[k]).sum::<f64>() / total).collect();
    let xc: Vec<Vec<f64>> = x.iter().map(|r| r.iter().zip(&means).map(|(v, m)| v - m).collect()).collect();

    let eval = |beta: &[f64]| -> (f64, Vec<f64>, Vec<Vec<f64>>) {
        let (mut ll, mut grad, mut hess) = (0.0, vec![0.0; p], vec![vec![0.0; p]; p]);
        let (mut s0, mut s1, mut s2) = (0.0, vec![0.0; p], vec![vec![0.0; p]; p]);
        let mut k = 0;
        while k < n {
            // The spells tied at this time.
            let t = durations[order[k]];
            let mut end = k;
            let (mut d0, mut d1, mut d2, mut d) = (0.0, vec![0.0; p], vec![vec![0.0; p]; p], 0u64);
            while end < n && durations[order[end]] == t {
                let i = order[end];
                let eta: f64 = xc[i].iter().zip(beta).map(|(a, b)| a * b).sum();
                let w = wt[i] * eta.exp();
                s0 += w;
                for a in 0..p {
                    s1[a] += w * xc[i][a];
                    for b in 0..p {
                        s2[a][b] += w * xc[i][a] * xc[i][b];
                    }
                }
                if ended[i] {
                    d += count[i];
                    ll += wt[i] * eta;
                    d0 += w;
                    for a in 0..p {
                        grad[a] += wt[i] * xc[i][a];
                        d1[a] += w * xc[i][a];
                        for b in 0..p {
                            d2[a][b] += w * xc[i][a] * xc[i][b];
                        }
                    }
                }
                end += 1;
            }
            // Efron: the l-th of d tied events sees the risk set less l/d of the tied events'
            // weight. The sums over l reduce to five scalar sums, so a time with thousands of
            // tied events (register data) costs O(d) scalar work, not O(d·p²).
            let (mut a0, mut a1, mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for l in 0..d {
                let f = l as f64 / d as f64;
                let inv = 1.0 / (s0 - f * d0);
                ll += inv.ln();
                a0 += inv;
                a1 += f * inv;
                b0 += inv * inv;
                b1 += f * inv * inv;
                b2 += f * f * inv * inv;
            }
            if d > 0 {
                for a in 0..p {
                    grad[a] -= s1[a] * a0 - d1[a] * a1;
                    for b in 0..p {
                        hess[a][b] -= s2[a][b] * a0 - d2[a][b] * a1;
                        hess[a][b] += s1[a] * s1[b] * b0 - (s1[a] * d1[b] + d1[a] * s1[b]) * b1 + d1[a] * d1[b] * b2;
                    }
                }
            }
            k = end;
        }
        (ll, grad, hess)
    };

    let mut beta = vec![0.0; p];
    let (mut ll, mut grad, mut hess) = eval(&beta);
    let mut iterations = 0;
    for it in 1..=100 {
        iterations = it;
        // Newton step: solve (−H) δ = g, halving the step while the likelihood falls.
        let mut a: Vec<f64> = (0..p * p).map(|ij| -hess[ij / p][ij % p]).collect();
        let mut g = grad.clone();
        let step = solve(&mut a, &mut g, p).ok_or(EstimateError::SingularCox)?;
        let mut scale = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let (ll_new, g_new, h_new) = eval(&trial);
            if ll_new.is_finite() && ll_new >= ll - 1e-12 * ll.abs() {
                beta = trial;
                (ll, grad, hess) = (ll_new, g_new, h_new);
                accepted = true;
                break;
            }
            scale /= 2.0;
        }
        // Converged when the gradient vanishes or the step no longer moves β: with millions of
        // spells the gradient's rounding noise exceeds any absolute threshold.
        let moved = step.iter().zip(&beta).any(|(s, b)| (scale * s).abs() > 1e-10 * b.abs().max(1.0));
        if !accepted || !moved || grad.iter().all(|g| g.abs() < 1e-10) {
            break;
        }
    }
    // V = (−H)⁻¹, column by column.
    let mut v = vec![vec![0.0; p]; p];
    for c in 0..p {
        let mut a: Vec<f64> = (0..p * p).map(|ij| -hess[ij / p][ij % p]).collect();
        let mut e = vec![0.0; p];
        e[c] = 1.0;
        let col = solve(&mut a, &mut e, p).ok_or(EstimateError::SingularCox)?;
        for r in 0..p {
            v[r][c] = col[r];
        }
    }
    let (variance, clusters) = match cluster {
        None => (v.clone(), 0),
        Some(ids) => {
            if ids.len() != n {
                return Err(EstimateError::ClusterPerSpell);
            }
            let residuals = score_residuals(durations, ended, &xc, &wt, &beta, &order);
            let mut sums: BTreeMapU32 = BTreeMapU32::new();
            for (i, r) in residuals.iter().enumerate() {
                let s = sums.entry(ids[i]).or_insert_with(|| vec![0.0; p]);
                s.iter_mut().zip(r).for_each(|(a, b)| *a += wt[i] * b);
            }
            let mut meat = vec![vec![0.0; p]; p];
            for s in sums.values() {
                for a in 0..p {
                    for b in 0..p {
                        meat[a][b] += s[a] * s[b];
                    }
                }
            }
            let vm: Vec<Vec<f64>> =
                (0..p).map(|a| (0..p).map(|b| (0..p).map(|c| v[a][c] * meat[c][b]).sum()).collect()).collect();
            let sandwich = (0..p).map(|a| (0..p).map(|b| (0..p).map(|c| vm[a][c] * v[c][b]).sum()).collect()).collect();
            (sandwich, sums.len())
        }
    };
    let se: Vec<f64> = (0..p).map(|k| variance[k][k].sqrt()).collect();
    let p_value = beta
        .iter()
        .zip(&se)
        .map(|(b, s)| crate::inference::Interval::normal(*b, *s, crate::settings::Level::P95).p_value)
        .collect();
    Ok(CoxFit { beta, se, p_value, log_likelihood: ll, iterations, clusters })
}

type BTreeMapU32 = std::collections::BTreeMap<u32, Vec<f64>>;

/// Score residuals in Efron's form, each row's for one spell of its kind (multiply by its
/// count), as R's `residuals(coxph(..., ties = "efron"), type = "score")`: the d events tied at
/// a time t are d steps l = 0…d−1, step l seeing the risk set less l/d of the tied events'
/// weight, S0_l = S0 − (l/d)·D0 with mean x̄_l = (S1 − (l/d)·D1)/S0_l and hazard 1/S0_l. A spell
/// ending at t takes x_i − (1/d)Σ_l x̄_l and is at risk in step l with weight (1 − l/d); every
/// other spell at risk takes part in every step:
///
/// r_i = δ_i(x_i − x̄_i) − e^{x_iβ} [Σ_{t_j < t_i} Σ_l (x_i − x̄_l)/S0_l + Σ_l c_il (x_i − x̄_l)/S0_l at t_i],
///
/// c_il = 1 − l/d if the spell ends at t_i, else 1. Without ties this is Breslow's form. The sums
/// over l reduce to the five scalar sums of the fit, so the residuals cost O(n·p) after sorting.
fn score_residuals(
    durations: &[f64],
    ended: &[bool],
    xc: &[Vec<f64>],
    wt: &[f64],
    beta: &[f64],
    order: &[usize],
) -> Vec<Vec<f64>> {
    let (n, p) = (xc.len(), beta.len());
    let w: Vec<f64> = xc.iter().map(|r| r.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>().exp()).collect();
    // Per distinct time, going down in time: the risk-set sums, then Efron's steps.
    struct Time {
        t: f64,
        /// Σ_l 1/S0_l and Σ_l x̄_l/S0_l: what a spell at risk through every step takes.
        full: (f64, Vec<f64>),
        /// Σ_l (1 − l/d)/S0_l and Σ_l (1 − l/d) x̄_l/S0_l: what a spell ending here takes.
        ending: (f64, Vec<f64>),
        /// (1/d) Σ_l x̄_l: the mean an ending spell's own covariates are measured from.
        xbar: Vec<f64>,
    }
    let mut times: Vec<Time> = Vec::new();
    let (mut s0, mut s1) = (0.0, vec![0.0; p]);
    let mut k = 0;
    while k < n {
        let t = durations[order[k]];
        let (mut d0, mut d1, mut d) = (0.0, vec![0.0; p], 0.0);
        while k < n && durations[order[k]] == t {
            let i = order[k];
            let wi = wt[i] * w[i];
            s0 += wi;
            s1.iter_mut().zip(&xc[i]).for_each(|(a, b)| *a += wi * b);
            if ended[i] {
                d += wt[i];
                d0 += wi;
                d1.iter_mut().zip(&xc[i]).for_each(|(a, b)| *a += wi * b);
            }
            k += 1;
        }
        let (mut a0, mut a1, mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let steps = d.round() as u64;
        for l in 0..steps {
            let f = l as f64 / d;
            let inv = 1.0 / (s0 - f * d0);
            a0 += inv;
            a1 += f * inv;
            b0 += inv * inv;
            b1 += f * inv * inv;
            b2 += f * f * inv * inv;
        }
        // Σ_l x̄_l/S0_l = S1·b0 − D1·b1; Σ_l (1 − l/d) x̄_l/S0_l = S1·(b0 − b1) − D1·(b1 − b2).
        let full = (a0, (0..p).map(|c| s1[c] * b0 - d1[c] * b1).collect());
        let ending = (a0 - a1, (0..p).map(|c| s1[c] * (b0 - b1) - d1[c] * (b1 - b2)).collect());
        let xbar = if steps > 0 { (0..p).map(|c| (s1[c] * a0 - d1[c] * a1) / d).collect() } else { vec![0.0; p] };
        times.push(Time { t, full, ending, xbar });
    }
    // Cumulative sums in increasing time, over the times strictly before each one.
    times.reverse();
    let mut before = Vec::with_capacity(times.len());
    let (mut a, mut b) = (0.0, vec![0.0; p]);
    for time in &times {
        before.push((a, b.clone()));
        a += time.full.0;
        b.iter_mut().zip(&time.full.1).for_each(|(acc, x)| *acc += x);
    }
    (0..n)
        .map(|i| {
            let j = times.partition_point(|t| t.t < durations[i]);
            let (here, (a_before, b_before)) = (&times[j], &before[j]);
            let (a_here, b_here) = if ended[i] { &here.ending } else { &here.full };
            (0..p)
                .map(|c| {
                    let own = if ended[i] { xc[i][c] - here.xbar[c] } else { 0.0 };
                    own - w[i] * (xc[i][c] * (a_before + a_here) - (b_before[c] + b_here[c]))
                })
                .collect()
        })
        .collect()
}
