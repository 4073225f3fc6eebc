//! Savings: spending a trial avoided, per participating municipality and in total, in DKK.
//!
//! **Counterfactual.** A participant's spending without the trial follows the comparison group's
//! development from its own pre-period level (a ratio, not an additive, difference in
//! differences, because spending scales with a municipality's size and seasonal and COVID swings
//! are proportional):
//!
//! ```text
//! Ŷ_it = ȳ_i,pre · D_t / D̄_pre          D_t = Σ_j∈comparison y_jt
//! ρ_i  = ln( Σ_t∈window y_it / Σ_t∈window Ŷ_it )
//! ```
//!
//! The same gap computed for each comparison municipality over the same windows, with itself
//! left out of `D`, is a placebo gap `ρ_j` (no trial, so it measures only noise and model
//! error). A participant's effect is `θ_i = ρ_i − mean_j ρ_j` (the double difference), its
//! counterfactual spending `C_i = A_i · e^{−θ_i}` (`A_i` actual spending in the window) and its
//! saving `S_i = C_i − A_i`. The total saving is `S = Σ_i S_i`.
//!
//! **Uncertainty** (few participants, so nothing rests on their own spread): the comparison
//! municipalities' placebo gaps stand in for each participant's noise, as in Conley and Taber
//! (2011). With `s` the standard deviation of the `n_C` placebo gaps (divisor `n_C − 1`),
//!
//! ```text
//! se(S_i) = s · C_i · √(1 + 1/n_C)          se(S) = s · √(Σ_i C_i² + (Σ_i C_i)² / n_C)
//! ```
//!
//! (delta method on `θ`), and intervals use Student's t with `n_C − 1` degrees of freedom.
//! Comparison municipalities are usually smaller, with noisier relative gaps, so the intervals
//! are conservative for large participants.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::period::{Month, MonthRange};

/// One participant's spending series and its periods.
#[derive(Clone, Debug)]
pub struct Participant {
    /// Spending per month over the input's months (`None` when missing or suppressed).
    pub series: Vec<Option<f64>>,
    /// Months that set the spending level.
    pub pre: MonthRange,
    /// Months over which savings are summed.
    pub window: MonthRange,
}

/// The savings estimator: inputs that are not series.
pub struct SavingsEstimator<'a> {
    /// Months the series cover.
    pub months: MonthRange,
    pub conf_level: crate::settings::Level,
    /// Whether a pre-period month may set the level (e.g. false for COVID months left out).
    pub baseline_month: &'a dyn Fn(Month) -> bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnitSavings {
    /// Spending in the window (months with data).
    pub actual: f64,
    pub counterfactual: f64,
    /// counterfactual − actual: positive when the trial saved money.
    pub savings: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// θ_i: the log ratio of actual to counterfactual spending.
    pub log_ratio: f64,
    /// Months of the window with data.
    pub months: usize,
}

impl UnitSavings {
    /// The saving `counterfactual − actual` with the interval ± `q`·`se`.
    fn new(actual: f64, counterfactual: f64, se: f64, q: f64, log_ratio: f64, months: usize) -> UnitSavings {
        let savings = counterfactual - actual;
        UnitSavings {
            actual,
            counterfactual,
            savings,
            se,
            ci_low: savings - q * se,
            ci_high: savings + q * se,
            log_ratio,
            months,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SavingsFit {
    pub units: Vec<UnitSavings>,
    pub total: UnitSavings,
    /// Placebo gaps of the comparison municipalities (after removing their mean).
    pub placebo_gaps: Vec<f64>,
    /// Their standard deviation `s`.
    pub placebo_sd: f64,
    pub df: f64,
    pub n_comparison: usize,
    /// Summed over participants, per month from the earliest pre-period month to the last
    /// window month: (month, actual, counterfactual), both over the participants with data.
    pub monthly: Vec<(Month, f64, f64)>,
}

impl SavingsEstimator<'_> {
    /// `comparison`: complete spending series of the comparison municipalities.
    pub fn fit(&self, treated: &[Participant], comparison: &[Vec<f64>]) -> Result<SavingsFit, String> {
        let nm = self.months.len();
        let n_c = comparison.len();
        if n_c < 3 {
            return Err(format!("{n_c} comparison municipalities; savings need at least 3 for the placebo gaps"));
        }
        if treated.is_empty() {
            return Err("no participants".into());
        }
        if comparison.iter().any(|s| s.len() != nm || s.iter().any(|v| !v.is_finite())) {
            return Err("comparison series must be complete".into());
        }
        for p in treated {
            if p.series.len() != nm || p.pre.first < self.months.first || p.window.last > self.months.last {
                return Err(format!("periods {}–{} lie outside the data", p.pre.first, p.window.last));
            }
        }
        let total: Vec<f64> = (0..nm).map(|t| comparison.iter().map(|s| s[t]).sum()).collect();
        let idx = |m: Month| m.since(self.months.first) as usize;

        // Gaps of the participants against the full comparison sum.
        let mut rho = Vec::with_capacity(treated.len());
        for p in treated {
            rho.push(self.gap(&p.series, &total, p, &idx).ok_or_else(|| {
                format!(
                    "no months with data in the pre-period {}–{} or the window {}–{}",
                    p.pre.first, p.pre.last, p.window.first, p.window.last
                )
            })?);
        }
        // Placebo gaps: each comparison municipality over each participant's periods, itself
        // left out of the comparison sum.
        let mut placebo = vec![vec![0.0; treated.len()]; n_c];
        for (j, s) in comparison.iter().enumerate() {
            let others: Vec<f64> = total.iter().zip(s).map(|(a, b)| a - b).collect();
            let series: Vec<Option<f64>> = s.iter().map(|v| Some(*v)).collect();
            for (i, p) in treated.iter().enumerate() {
                placebo[j][i] = self
                    .gap(&series, &others, p, &idx)
                    .ok_or("a comparison municipality has no spending in a period")?
                    .0;
            }
        }
        let bias: Vec<f64> =
            (0..treated.len()).map(|i| placebo.iter().map(|g| g[i]).sum::<f64>() / n_c as f64).collect();
        // Each comparison municipality's gap averaged over the participants' periods, weighted by
        // the participants' actual spending, and centred.
        let weight_sum: f64 = rho.iter().map(|g| g.1).sum();
        let gaps: Vec<f64> = placebo
            .iter()
            .map(|g| g.iter().zip(&rho).zip(&bias).map(|((pj, ri), b)| (pj - b) * ri.1 / weight_sum).sum())
            .collect();
        let var = gaps.iter().map(|g| g * g).sum::<f64>() / (n_c - 1) as f64;
        let s = var.sqrt();
        let df = (n_c - 1) as f64;
        let q = StudentsT::new(0.0, 1.0, df).map_err(|e| e.to_string())?.inverse_cdf(0.5 + self.conf_level.get() / 2.0);

        let mut units = Vec::with_capacity(treated.len());
        let mut monthly = std::collections::BTreeMap::<Month, (f64, f64)>::new();
        for (i, p) in treated.iter().enumerate() {
            let (r, actual, months) = rho[i];
            let theta = r - bias[i];
            let counterfactual = actual * (-theta).exp();
            let se = s * counterfactual * (1.0 + 1.0 / n_c as f64).sqrt();
            units.push(UnitSavings::new(actual, counterfactual, se, q, theta, months));
            // Monthly counterfactual: the ratio prediction scaled by the placebo bias, so that it
            // sums to C_i over the window.
            let (level, base) = self.baseline(&p.series, &total, p, &idx).expect("checked by gap");
            for m in p.pre.first.through(p.window.last) {
                if let Some(y) = p.series[idx(m)] {
                    let fitted = level * total[idx(m)] / base * bias[i].exp();
                    let e = monthly.entry(m).or_default();
                    e.0 += y;
                    e.1 += fitted;
                }
            }
        }
        let actual: f64 = units.iter().map(|u| u.actual).sum();
        let counterfactual: f64 = units.iter().map(|u| u.counterfactual).sum();
        let squares: f64 = units.iter().map(|u| u.counterfactual * u.counterfactual).sum();
        let se = s * (squares + counterfactual * counterfactual / n_c as f64).sqrt();
        let months = units.iter().map(|u| u.months).sum();
        let total = UnitSavings::new(actual, counterfactual, se, q, (actual / counterfactual).ln(), months);
        Ok(SavingsFit {
            units,
            total,
            placebo_gaps: gaps,
            placebo_sd: s,
            df,
            n_comparison: n_c,
            monthly: monthly.into_iter().map(|(m, (a, c))| (m, a, c)).collect(),
        })
    }

    /// Mean spending of the unit and of the comparison sum over the pre-period months where the
    /// unit has data.
    fn baseline(
        &self,
        series: &[Option<f64>],
        comparison: &[f64],
        p: &Participant,
        idx: &dyn Fn(Month) -> usize,
    ) -> Option<(f64, f64)> {
        let (mut y, mut d, mut n) = (0.0, 0.0, 0usize);
        for m in p.pre.first.through(p.pre.last).filter(|m| (self.baseline_month)(*m)) {
            if let Some(v) = series[idx(m)] {
                y += v;
                d += comparison[idx(m)];
                n += 1;
            }
        }
        (n > 0 && d > 0.0 && y > 0.0).then(|| (y / n as f64, d / n as f64))
    }

    /// (ρ, actual spending in the window, months with data) for one series.
    fn gap(
        &self,
        series: &[Option<f64>],
        comparison: &[f64],
        p: &Participant,
        idx: &dyn Fn(Month) -> usize,
    ) -> Option<(f64, f64, usize)> {
        let (level, base) = self.baseline(series, comparison, p, idx)?;
        let (mut actual, mut fitted, mut n) = (0.0, 0.0, 0usize);
        for m in p.window.first.through(p.window.last) {
            if let Some(v) = series[idx(m)] {
                actual += v;
                fitted += level * comparison[idx(m)] / base;
                n += 1;
            }
        }
        (n > 0 && actual > 0.0 && fitted > 0.0).then(|| ((actual / fitted).ln(), actual, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    fn months() -> MonthRange {
        MonthRange { first: Month::new(2015, 1).unwrap(), last: Month::new(2019, 12).unwrap() }
    }

    /// Spending proportional to size × a common month factor × noise; the trial removes `cut` of
    /// the participants' spending from 2018.
    fn world(seed: u64, cut: f64, noise: f64) -> (Vec<Participant>, Vec<Vec<f64>>, f64) {
        let ms = months();
        let start = Month::new(2018, 1).unwrap();
        let common: Vec<f64> = ms
            .first
            .through(ms.last)
            .enumerate()
            .map(|(t, m)| {
                (1.0 + 0.01 * t as f64)
                    * if m.month() == 7 { 0.7 } else { 1.0 }
                    * if m.year() == 2019 { 0.8 } else { 1.0 }
            })
            .collect();
        let mut s = Stream::new(seed, 0);
        let series = |size: f64, s: &mut Stream| -> Vec<f64> {
            common.iter().map(|c| size * c * (1.0 + noise * s.normal())).collect()
        };
        let comparison: Vec<Vec<f64>> = (0..30).map(|k| series(50_000.0 + 2_000.0 * k as f64, &mut s)).collect();
        let mut truth = 0.0;
        let treated = (0..5)
            .map(|k| {
                let y = series(80_000.0 * (k + 1) as f64, &mut s);
                let series = ms
                    .first
                    .through(ms.last)
                    .zip(&y)
                    .map(|(m, v)| {
                        if m >= start {
                            truth += v * cut;
                            Some(v * (1.0 - cut))
                        } else {
                            Some(*v)
                        }
                    })
                    .collect();
                Participant {
                    series,
                    pre: MonthRange { first: start.plus(-36), last: start.plus(-1) },
                    window: MonthRange { first: start, last: ms.last },
                }
            })
            .collect();
        (treated, comparison, truth)
    }

    #[test]
    fn without_noise_the_saving_is_exact() {
        let (treated, comparison, truth) = world(1, 0.2, 0.0);
        let est =
            SavingsEstimator { months: months(), conf_level: crate::settings::Level::P95, baseline_month: &|_| true };
        let fit = est.fit(&treated, &comparison).unwrap();
        assert!((fit.total.savings - truth).abs() < 1e-6 * truth, "{} vs {truth}", fit.total.savings);
        assert!(fit.placebo_sd < 1e-12);
        let sum: f64 = fit.units.iter().map(|u| u.savings).sum();
        assert!((sum - fit.total.savings).abs() < 1e-6);
        // The monthly counterfactual adds up to the window's counterfactual.
        let window: f64 = fit.monthly.iter().filter(|(m, _, _)| m.year() >= 2018).map(|(_, _, c)| c).sum();
        assert!((window - fit.total.counterfactual).abs() < 1e-6 * window);
    }

    #[test]
    fn intervals_cover_at_about_their_level() {
        let est = SavingsEstimator {
            months: months(),
            conf_level: crate::settings::Level::new(0.9).unwrap(),
            baseline_month: &|_| true,
        };
        let (mut covered, mut null_covered) = (0, 0);
        let reps = 200;
        for seed in 0..reps {
            let (treated, comparison, truth) = world(seed, 0.1, 0.05);
            let fit = est.fit(&treated, &comparison).unwrap();
            covered += (fit.total.ci_low <= truth && truth <= fit.total.ci_high) as u32;
            let (treated, comparison, _) = world(seed + 10_000, 0.0, 0.05);
            let fit = est.fit(&treated, &comparison).unwrap();
            null_covered += (fit.total.ci_low <= 0.0 && 0.0 <= fit.total.ci_high) as u32;
        }
        // Same-sized noise in treated and comparison units: coverage near 90 %.
        for c in [covered, null_covered] {
            let rate = c as f64 / reps as f64;
            assert!((0.83..=0.97).contains(&rate), "coverage {rate}");
        }
    }

    #[test]
    fn too_few_comparison_units_is_an_error() {
        let (treated, comparison, _) = world(1, 0.2, 0.0);
        let est =
            SavingsEstimator { months: months(), conf_level: crate::settings::Level::P95, baseline_month: &|_| true };
        assert!(est.fit(&treated, &comparison[..2]).is_err());
    }
}
