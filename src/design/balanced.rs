//! The balanced panel the synthetic designs work on: a row per unit over one list of periods,
//! complete in every period, with each unit's covariates.
//!
//! Built from a study's design and panel (the treated municipalities and the eligible pool as
//! donors, over the window's observed periods) by `run`, or from any long sample (treated units
//! and never-treated donors over a pre-window) by `frikommune estimate`. Either way a unit
//! lacking a period or a covariate is not in the matrix; the constructor says who, and each
//! caller decides whether that is a note or an error.

use super::Design;
use crate::estimate::Sample;
use crate::ingest::Panel;
use crate::period::Month;
use crate::registry::Code;
use crate::study::Study;

/// One unit's complete series.
#[derive(Clone, Debug)]
pub struct Row {
    /// The unit's id: a municipality code, or the dense id of a long sample.
    pub id: u32,
    /// The first treated period; `None` for donors.
    pub start: Option<Month>,
    /// A value per period of [`Balanced::periods`].
    pub values: Vec<f64>,
    /// The covariates the synthetic control matches on, in the order they were asked for.
    pub covariates: Vec<f64>,
}

/// A balanced matrix of treated units and donors.
#[derive(Clone, Debug)]
pub struct Balanced {
    pub periods: Vec<Month>,
    pub treated: Vec<Row>,
    pub donors: Vec<Row>,
    /// Treated units left out for lack of a period or covariate.
    pub incomplete_treated: Vec<u32>,
    /// Donor candidates left out for the same reason.
    pub incomplete_donors: usize,
}

impl Balanced {
    /// From units with their starts and observations: each unit's values at `periods` and its
    /// covariates (`None` where one is missing). Units with a start are treated, the others
    /// donors.
    pub fn from_sample(sample: &Sample, periods: Vec<Month>, covariates: impl Fn(u32) -> Option<Vec<f64>>) -> Balanced {
        let mut b = Balanced {
            periods,
            treated: Vec::new(),
            donors: Vec::new(),
            incomplete_treated: Vec::new(),
            incomplete_donors: 0,
        };
        for u in &sample.units {
            let values: Option<Vec<f64>> =
                b.periods.iter().map(|m| u.obs.binary_search_by_key(m, |o| o.0).ok().map(|k| u.obs[k].1)).collect();
            let row = values.zip(covariates(u.code)).map(|(values, covariates)| Row {
                id: u.code,
                start: u.start,
                values,
                covariates,
            });
            match (row, u.start.is_some()) {
                (Some(r), true) => b.treated.push(r),
                (Some(r), false) => b.donors.push(r),
                (None, true) => b.incomplete_treated.push(u.code),
                (None, false) => b.incomplete_donors += 1,
            }
        }
        b
    }

    /// From a study's design: its treated municipalities and every eligible municipality of
    /// the pool as a donor, over the window's observed periods (dropped COVID periods left out),
    /// with the design's `covariates` (pre-period level, trend, population, …).
    pub fn from_design(study: &Study, panel: &Panel, design: &Design, covariates: &[String]) -> Balanced {
        let sample = design.sample_with(panel, &design.pool);
        let covariates = |id: u32| -> Option<Vec<f64>> {
            Some(covariates.iter().map(|c| design.variable(study, panel, id as Code, c).unwrap_or(f64::NAN)).collect())
        };
        Balanced::from_sample(&sample, design.observation_months(), covariates)
    }

    /// The earliest start of the treated units.
    pub fn start(&self) -> Option<Month> {
        self.treated.iter().filter_map(|r| r.start).min()
    }

    /// The number of periods before `start`.
    pub fn t0(&self, start: Month) -> usize {
        self.periods.iter().filter(|p| **p < start).count()
    }

    /// The donors' series and covariates as slices, for the estimators.
    pub fn donor_slices(&self) -> (Vec<&[f64]>, Vec<&[f64]>) {
        (
            self.donors.iter().map(|r| r.values.as_slice()).collect(),
            self.donors.iter().map(|r| r.covariates.as_slice()).collect(),
        )
    }

    /// The treated units' mean series and mean covariates.
    pub fn treated_mean(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.treated.len().max(1) as f64;
        let k = self.treated.first().map_or(0, |r| r.covariates.len());
        (
            (0..self.periods.len()).map(|s| self.treated.iter().map(|r| r.values[s]).sum::<f64>() / n).collect(),
            (0..k).map(|i| self.treated.iter().map(|r| r.covariates[i]).sum::<f64>() / n).collect(),
        )
    }

    /// Observations in the matrix.
    pub fn n_obs(&self) -> usize {
        self.periods.len() * (self.donors.len() + self.treated.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::SampleUnit;

    #[test]
    fn incomplete_units_are_named_and_left_out() {
        let jan = Month::january(2020);
        let unit = |code, start, months: &[i32]| SampleUnit {
            code,
            start,
            obs: months.iter().map(|&k| (jan.plus(k), k as f64 + code as f64)).collect(),
            cluster: None,
        };
        let sample = Sample::monthly(vec![
            unit(1, Some(jan.plus(2)), &[0, 1, 2, 3]),
            unit(2, Some(jan.plus(2)), &[0, 2, 3]),
            unit(3, None, &[0, 1, 2, 3]),
            unit(4, None, &[0, 1, 2]),
            unit(5, None, &[0, 1, 2, 3]),
        ]);
        let periods: Vec<Month> = jan.through(jan.plus(3)).collect();
        let b = Balanced::from_sample(&sample, periods, |id| (id != 5).then(|| vec![id as f64]));
        assert_eq!(b.treated.iter().map(|r| r.id).collect::<Vec<_>>(), [1]);
        assert_eq!(b.donors.iter().map(|r| r.id).collect::<Vec<_>>(), [3]);
        assert_eq!(b.incomplete_treated, [2]);
        assert_eq!(b.incomplete_donors, 2);
        assert_eq!(b.start(), Some(jan.plus(2)));
        assert_eq!(b.t0(jan.plus(2)), 2);
        assert_eq!(b.treated_mean(), (vec![1.0, 2.0, 3.0, 4.0], vec![1.0]));
        assert_eq!(b.n_obs(), 8);
    }
}
