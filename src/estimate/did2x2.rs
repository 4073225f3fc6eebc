//! 2×2 difference in differences on window means.
//!
//! Estimand: the average effect on the treated over the post window (ATT), each treated
//! municipality weighted equally. For unit i and cohort c (units sharing a start month s_c),
//! Δ_i^c = mean of y over [s_c, post_last] − mean over [s_c − pre_months, s_c − 1]. Then
//! ATT = Σ_c w_c (mean_{i∈T_c} Δ_i^c − mean_{j∈C} Δ_j^c), w_c = n_c / n_T; with one cohort this is
//! the coefficient of a regression of Δ on a treatment dummy.
//!
//! Standard error: the cluster-robust (one cluster per municipality) variance of that regression,
//! written with influence functions so that it extends to several cohorts:
//! ψ_i = (Δ_i^c − m_{T_c}) / n_T for treated units, ψ_j = −Σ_c w_c (Δ_j^c − m_C^c) / n_C for
//! comparison units, V = Σ ψ² · G/(G−1) · (N−1)/(N−K) with N = G units and K = 2 (CR1 as fixest
//! and pyfixest compute it for `feols("dy ~ treated", vcov={"CRV1": "unit"})`), t(G−1) intervals.

use std::collections::BTreeMap;

use super::{Estimate, EstimateError, Method, Sample};
use crate::inference::cluster::SmallSample;
use crate::inference::randomization::Randomization;
use crate::inference::{Inference, Interval};
use crate::period::Month;

/// Per-unit summaries of a staggered design for randomization inference (see
/// [`Did2x2::cohort_changes`]).
#[derive(Clone, Debug)]
pub struct CohortChanges {
    pub starts: Vec<Month>,
    pub d: Vec<Vec<f64>>,
    pub w: Vec<Vec<f64>>,
    pub cohort: Vec<Option<usize>>,
    /// Each kept unit's code.
    pub codes: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
pub struct Did2x2 {
    pub pre_months: u32,
    pub post_last: Month,
    pub conf_level: crate::settings::Level,
    pub ssc: SmallSample,
}

/// Each kept unit's change in window means, the sampling variance of that change, whether it is
/// treated, and its code ([`Did2x2::unit_changes_with_noise`]).
#[derive(Clone, Debug, Default)]
pub struct NoisyChanges {
    pub changes: Vec<f64>,
    pub variances: Vec<f64>,
    pub treated: Vec<bool>,
    pub codes: Vec<u32>,
}

/// A window's mean, number of values and sample variance (NaN with one value).
#[derive(Clone, Copy, Debug)]
struct Moments {
    mean: f64,
    n: usize,
    s2: f64,
}

/// Each kept unit's change, whether it is treated, and its code.
type CodedChanges = (Vec<f64>, Vec<bool>, Vec<u32>);

fn window_mean(obs: &[(Month, f64)], first: Month, last: Month) -> Option<f64> {
    let (sum, n) =
        obs.iter().filter(|(m, _)| first <= *m && *m <= last).fold((0.0, 0usize), |(s, n), (_, v)| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

impl Did2x2 {
    /// Each unit's change in window means around the common start, and whether it is treated;
    /// units without data in both windows are left out. Only for designs where every treated
    /// unit starts in the same month (the input of randomization inference).
    pub fn unit_changes(&self, sample: &Sample) -> Result<(Vec<f64>, Vec<bool>), EstimateError> {
        self.coded_changes(sample).map(|(changes, treated, _)| (changes, treated))
    }

    /// [`Did2x2::unit_changes`] with each kept unit's code.
    fn coded_changes(&self, sample: &Sample) -> Result<CodedChanges, EstimateError> {
        let mut starts = sample.units.iter().filter_map(|u| u.start);
        let first = starts.next().ok_or(EstimateError::NoTreated)?;
        if starts.any(|s| s != first) {
            return Err(EstimateError::DifferentStarts);
        }
        let mut changes = Vec::new();
        let mut treated = Vec::new();
        let mut codes = Vec::new();
        for u in &sample.units {
            let pre = window_mean(&u.obs, first.plus(-(self.pre_months as i32)), first.plus(-1));
            let post = window_mean(&u.obs, first, self.post_last);
            if let (Some(a), Some(b)) = (pre, post) {
                changes.push(b - a);
                treated.push(u.start.is_some());
                codes.push(u.code);
            }
        }
        Ok((changes, treated, codes))
    }

    /// Staggered starts: each unit's change around every cohort's start (`d[i][c]`), the part of
    /// it a unit effect of 1 from the unit's own start explains (`w[i][c]`), and the unit's
    /// cohort. Units without data in every cohort's windows are left out.
    pub fn cohort_changes(&self, sample: &Sample) -> CohortChanges {
        let mut starts: Vec<Month> = sample.units.iter().filter_map(|u| u.start).collect();
        starts.sort();
        starts.dedup();
        let mut out = CohortChanges {
            d: Vec::new(),
            w: Vec::new(),
            cohort: Vec::new(),
            codes: Vec::new(),
            starts: starts.clone(),
        };
        let share = |obs: &[(Month, f64)], first: Month, last: Month, from: Option<Month>| -> f64 {
            let months: Vec<Month> = obs.iter().map(|o| o.0).filter(|m| first <= *m && *m <= last).collect();
            let treated = months.iter().filter(|m| from.is_some_and(|s| **m >= s)).count();
            treated as f64 / months.len().max(1) as f64
        };
        for u in &sample.units {
            let mut d = Vec::with_capacity(starts.len());
            let mut w = Vec::with_capacity(starts.len());
            for &c in &starts {
                let (pre_first, pre_last) = (c.plus(-(self.pre_months as i32)), c.plus(-1));
                let pre = window_mean(&u.obs, pre_first, pre_last);
                let post = window_mean(&u.obs, c, self.post_last);
                let (Some(a), Some(b)) = (pre, post) else { break };
                d.push(b - a);
                w.push(share(&u.obs, c, self.post_last, u.start) - share(&u.obs, pre_first, pre_last, u.start));
            }
            if d.len() == starts.len() {
                out.cohort.push(u.start.map(|s| starts.binary_search(&s).expect("listed")));
                out.codes.push(u.code);
                out.d.push(d);
                out.w.push(w);
            }
        }
        out
    }

    /// The same estimate with a randomization-inference interval and p-value instead of CR1
    /// ([`crate::inference::randomization`]). One common start: exact enumeration when
    /// feasible. Staggered starts: the starts are reassigned at random (Monte Carlo).
    pub fn fit_randomization(&self, sample: &Sample, ri: &Randomization) -> Result<Estimate, EstimateError> {
        self.fit_randomization_in(sample, ri, None)
    }

    /// [`Did2x2::fit_randomization`] with the starts reassigned only within strata:
    /// `strata` = (the stratum of a unit code, the strata's names for the description).
    ///
    /// With one common start the statistic is studentised by each unit's own noise
    /// ([`Randomization::test_studentised`]): on the rehabilitation trial's JAF durations (10
    /// North Jutland participants, one of them a small island) the plain difference in mean
    /// changes covered the true effect in 86.7 % of simulated trials, the studentised one in
    /// 95.8 %, at the same size (docs/montecarlo.md). Staggered starts use the plain difference.
    pub fn fit_randomization_in(
        &self,
        sample: &Sample,
        ri: &Randomization,
        strata: Option<(&(dyn Fn(u32) -> u32 + Sync), &str)>,
    ) -> Result<Estimate, EstimateError> {
        self.fit_ri(sample, ri, strata, true)
    }

    /// [`Did2x2::fit_randomization_in`] with the plain difference in mean changes as the
    /// statistic also for one common start: the convention before the studentised one, kept for
    /// the Monte Carlo comparison.
    pub fn fit_randomization_unstudentised_in(
        &self,
        sample: &Sample,
        ri: &Randomization,
        strata: Option<(&(dyn Fn(u32) -> u32 + Sync), &str)>,
    ) -> Result<Estimate, EstimateError> {
        self.fit_ri(sample, ri, strata, false)
    }

    fn fit_ri(
        &self,
        sample: &Sample,
        ri: &Randomization,
        strata: Option<(&(dyn Fn(u32) -> u32 + Sync), &str)>,
        studentised: bool,
    ) -> Result<Estimate, EstimateError> {
        // Draw r reassigns the same municipalities whatever order the sample lists them in
        // (`run` lists participants first, `estimate` the units of a file by label): units in
        // order of their codes.
        let mut ordered = sample.clone();
        ordered.units.sort_by_key(|u| u.code);
        let sample = &ordered;
        let mut e = self.fit(sample)?;
        let mut starts: Vec<Month> = sample.units.iter().filter_map(|u| u.start).collect();
        starts.sort();
        starts.dedup();
        let studentised = studentised && starts.len() == 1;
        let (r, n_units, n_treated) = if studentised {
            let c = self.unit_changes_with_noise(sample)?;
            let s: Option<Vec<u32>> = strata.map(|(of, _)| c.codes.iter().map(|&code| of(code)).collect());
            let r = ri.test_studentised(&c.changes, &c.variances, &c.treated, s.as_deref())?;
            (r, c.changes.len(), c.treated.iter().filter(|t| **t).count())
        } else if starts.len() == 1 {
            let (changes, treated, codes) = self.coded_changes(sample)?;
            let r = match strata {
                None => ri.test(&changes, &treated)?,
                Some((of, _)) => {
                    let s: Vec<u32> = codes.iter().map(|&c| of(c)).collect();
                    ri.test_in_strata(&changes, &treated, &s)?
                }
            };
            (r, changes.len(), treated.iter().filter(|t| **t).count())
        } else {
            let c = self.cohort_changes(sample);
            let r = match strata {
                None => ri.test_staggered(&c.d, &c.w, &c.cohort)?,
                Some((of, _)) => {
                    let s: Vec<u32> = c.codes.iter().map(|&code| of(code)).collect();
                    ri.test_staggered_in(&c.d, &c.w, &c.cohort, &s)?
                }
            };
            (r, c.d.len(), c.cohort.iter().flatten().count())
        };
        let how = if r.exact { "exact".to_string() } else { format!("Monte Carlo, seed {}", ri.seed) };
        let starts_text = if let Some((_, names)) = strata {
            if starts.len() == 1 {
                format!(
                    "the {n_treated} treated starts reassigned within strata ({names}), each stratum keeping its number,"
                )
            } else {
                format!(
                    "the {n_treated} treated units' {} start months reassigned within strata ({names}), each stratum keeping its cohort sizes,",
                    starts.len()
                )
            }
        } else if starts.len() == 1 {
            format!("the {n_treated} treated starts reassigned")
        } else {
            format!("the {n_treated} treated units' {} start months reassigned, cohort sizes kept,", starts.len())
        };
        e.interval = Interval {
            estimate: r.estimate,
            se: f64::NAN,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            conf_level: ri.conf_level.get(),
            p_value: r.p_value,
        };
        e.inference = Inference {
            name: "RI".into(),
            description: format!(
                "randomization inference: {starts_text} among the {} units, {} assignments ({how}); {}; sharp null of a constant effect, interval by test inversion; {}",
                n_units,
                r.assignments,
                if studentised {
                    "statistic: the difference in mean changes divided by its standard error from each unit's own period-to-period noise (studentised)"
                } else {
                    "statistic: the difference in mean changes"
                },
                if strata.is_some() {
                    "valid when the participants were drawn at random within these strata"
                } else {
                    "valid when the participants are like a random draw from these units: when they were chosen by region or size, declare `[inference] strata` (docs/montecarlo.md measures what happens otherwise)"
                }
            ),
            clusters: n_units,
            df: f64::NAN,
            adjustment: f64::NAN,
        };
        Ok(e)
    }

    /// Each kept unit's change (as [`Did2x2::unit_changes`]) with the sampling variance of that
    /// change from the unit's own monthly noise: s²_pre/m_pre + s²_post/m_post, the spread of its
    /// values around each window mean over the number of values. A window with a single value
    /// borrows the median s² of the units that have more. Serial correlation makes these too
    /// small by a factor much alike across municipalities, which the randomization distribution
    /// absorbs.
    pub fn unit_changes_with_noise(&self, sample: &Sample) -> Result<NoisyChanges, EstimateError> {
        let mut starts = sample.units.iter().filter_map(|u| u.start);
        let first = starts.next().ok_or(EstimateError::NoTreated)?;
        if starts.any(|s| s != first) {
            return Err(EstimateError::DifferentStarts);
        }
        let moments = |obs: &[(Month, f64)], a: Month, b: Month| -> Option<Moments> {
            let v: Vec<f64> = obs.iter().filter(|(m, _)| a <= *m && *m <= b).map(|o| o.1).collect();
            let n = v.len();
            (n > 0).then(|| {
                let mean = v.iter().sum::<f64>() / n as f64;
                let s2 =
                    if n > 1 { v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64 } else { f64::NAN };
                Moments { mean, n, s2 }
            })
        };
        let mut out = NoisyChanges::default();
        let mut windows: Vec<(Moments, Moments)> = Vec::new();
        for u in &sample.units {
            let pre = moments(&u.obs, first.plus(-(self.pre_months as i32)), first.plus(-1));
            let post = moments(&u.obs, first, self.post_last);
            if let (Some(a), Some(b)) = (pre, post) {
                out.changes.push(b.mean - a.mean);
                out.treated.push(u.start.is_some());
                out.codes.push(u.code);
                windows.push((a, b));
            }
        }
        let median = |s2: Vec<f64>| {
            let mut v: Vec<f64> = s2.into_iter().filter(|x| x.is_finite()).collect();
            v.sort_by(f64::total_cmp);
            if v.is_empty() { 0.0 } else { v[v.len() / 2] }
        };
        let pre_s2 = median(windows.iter().map(|w| w.0.s2).collect());
        let post_s2 = median(windows.iter().map(|w| w.1.s2).collect());
        let part = |m: &Moments, fallback: f64| (if m.s2.is_finite() { m.s2 } else { fallback }) / m.n as f64;
        out.variances = windows.iter().map(|(a, b)| part(a, pre_s2) + part(b, post_s2)).collect();
        Ok(out)
    }

    /// A placebo 2×2 inside the pre-period: every treated unit's start moved back by half the pre
    /// window, windows of that half length, and the placebo post window ending the month before
    /// the earliest real start. No effect can show up there, so a significant placebo estimate
    /// signals diverging pre-trends; with randomization inference the test holds its level with
    /// a handful of treated units, unlike the CR1 Wald test of event-study leads.
    pub fn placebo(&self, sample: &Sample) -> Result<(Did2x2, Sample), EstimateError> {
        // Half the pre-period in whole periods, so that the placebo starts fall where real ones can.
        let step = sample.step.max(1);
        let half = self.pre_months / step / 2 * step;
        if half == 0 {
            return Err(EstimateError::PlaceboTooShort);
        }
        let earliest = sample.units.iter().filter_map(|u| u.start).min().ok_or(EstimateError::NoTreated)?;
        let shifted = Sample {
            step: sample.step,
            units: sample
                .units
                .iter()
                .map(|u| {
                    let mut u = u.clone();
                    u.start = u.start.map(|s| s.plus(-(half as i32)));
                    u.obs.retain(|o| o.0 < earliest);
                    u
                })
                .collect(),
        };
        let placebo = Did2x2 { pre_months: half, post_last: earliest.plus(-1), ..*self };
        Ok((placebo, shifted))
    }

    pub fn fit(&self, sample: &Sample) -> Result<Estimate, EstimateError> {
        let change = |obs: &[(Month, f64)], start: Month| -> Option<f64> {
            let pre = window_mean(obs, start.plus(-(self.pre_months as i32)), start.plus(-1))?;
            let post = window_mean(obs, start, self.post_last)?;
            Some(post - pre)
        };
        // Cohorts: start month → treated changes.
        let mut cohorts: BTreeMap<Month, Vec<f64>> = BTreeMap::new();
        for u in &sample.units {
            if let Some(s) = u.start
                && let Some(d) = change(&u.obs, s)
            {
                cohorts.entry(s).or_default().push(d);
            }
        }
        let n_treated: usize = cohorts.values().map(Vec::len).sum();
        if n_treated == 0 {
            return Err(EstimateError::NoTreatedBeforeAndAfter);
        }
        let starts: Vec<Month> = cohorts.keys().copied().collect();
        // Comparison units need data in every cohort's windows.
        let controls: Vec<Vec<f64>> = sample
            .units
            .iter()
            .filter(|u| u.start.is_none())
            .filter_map(|u| starts.iter().map(|&s| change(&u.obs, s)).collect::<Option<Vec<f64>>>())
            .collect();
        let n_control = controls.len();
        if n_control < 2 {
            return Err(EstimateError::TooFewComparison(n_control));
        }
        let nt = n_treated as f64;
        let nc = n_control as f64;
        let mut att = 0.0;
        let mut psi2 = 0.0;
        let mut control_means = Vec::with_capacity(starts.len());
        for (ci, (_, deltas)) in cohorts.iter().enumerate() {
            let w = deltas.len() as f64 / nt;
            let mt = deltas.iter().sum::<f64>() / deltas.len() as f64;
            let mc = controls.iter().map(|c| c[ci]).sum::<f64>() / nc;
            att += w * (mt - mc);
            psi2 += deltas.iter().map(|d| ((d - mt) / nt).powi(2)).sum::<f64>();
            control_means.push((w, mc));
        }
        for c in &controls {
            let psi: f64 = control_means.iter().enumerate().map(|(ci, (w, mc))| -w * (c[ci] - mc) / nc).sum();
            psi2 += psi * psi;
        }
        let g = n_treated + n_control;
        let adjustment = self.ssc.factor(g, g, 2);
        let se = (psi2 * adjustment).sqrt();
        let inference = self.ssc.inference(g, adjustment);
        let n_obs = sample
            .units
            .iter()
            .map(|u| {
                let first = u
                    .start
                    .unwrap_or(starts[0])
                    .plus(-(self.pre_months as i32))
                    .min(starts[0].plus(-(self.pre_months as i32)));
                u.obs.iter().filter(|(m, _)| *m >= first && *m <= self.post_last).count()
            })
            .sum();
        Ok(Estimate {
            method: Method::Did2x2,
            estimand: "ATT over the post window: change in window means, treated minus comparison, treated municipalities weighted equally".into(),
            interval: Interval::t_based(att, se, inference.df, self.conf_level),
            inference,
            n_obs,
            n_units: g,
            n_treated,
            n_control,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::SampleUnit;

    fn unit(code: u32, start: Option<Month>, values: &[f64]) -> SampleUnit {
        let m0 = Month::new(2020, 1).unwrap();
        SampleUnit {
            code,
            start,
            obs: values.iter().enumerate().map(|(i, v)| (m0.plus(i as i32), *v)).collect(),
            cluster: None,
        }
    }

    /// Hand-checkable: treated units rise by 3 and 5, controls by 1, 2 and 0 → ATT = 4 − 1 = 3.
    #[test]
    fn hand_checked_single_cohort() {
        let s = Some(Month::new(2020, 3).unwrap());
        let sample = Sample {
            step: 1,
            units: vec![
                unit(1, s, &[1.0, 1.0, 4.0, 4.0]),
                unit(2, s, &[0.0, 0.0, 5.0, 5.0]),
                unit(3, None, &[2.0, 2.0, 3.0, 3.0]),
                unit(4, None, &[0.0, 0.0, 2.0, 2.0]),
                unit(5, None, &[1.0, 1.0, 1.0, 1.0]),
            ],
        };
        let fit = Did2x2 {
            pre_months: 2,
            post_last: Month::new(2020, 4).unwrap(),
            conf_level: crate::settings::Level::P95,
            ssc: SmallSample::Fixest,
        }
        .fit(&sample)
        .unwrap();
        assert!((fit.interval.estimate - 3.0).abs() < 1e-12);
        // ψ: treated (−1/2, 1/2) → 0.5; controls −(0, 1, −1)/3 → 2/9. V0 = 0.5 + 2/9 = 13/18.
        let expected = (13.0 / 18.0 * 5.0 / 3.0f64).sqrt();
        assert!((fit.interval.se - expected).abs() < 1e-12, "{} vs {expected}", fit.interval.se);
        assert_eq!((fit.n_treated, fit.n_control), (2, 3));
    }

    #[test]
    fn adding_a_constant_to_a_unit_changes_nothing() {
        let s = Some(Month::new(2020, 3).unwrap());
        let base = |shift: f64| Sample {
            step: 1,
            units: vec![
                unit(1, s, &[1.0, 2.0, 4.0, 4.5]),
                unit(2, None, &[2.0 + shift, 2.5 + shift, 3.0 + shift, 3.5 + shift]),
                unit(3, None, &[0.0, 0.1, 2.0, 2.2]),
            ],
        };
        let p = Did2x2 {
            pre_months: 2,
            post_last: Month::new(2020, 4).unwrap(),
            conf_level: crate::settings::Level::P95,
            ssc: SmallSample::Fixest,
        };
        let a = p.fit(&base(0.0)).unwrap();
        let b = p.fit(&base(100.0)).unwrap();
        assert!((a.interval.estimate - b.interval.estimate).abs() < 1e-9);
        assert!((a.interval.se - b.interval.se).abs() < 1e-9);
    }
}
