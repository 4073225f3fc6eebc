//! The synthetic designs on a balanced panel, with their inference, as `run` and
//! `frikommune estimate` both use them.
//!
//! [`SynthParams`] fits a synthetic control (Abadie, Diamond and Hainmueller 2010) to a treated
//! series and ranks its post/pre RMSPE ratio among the donors' placebo ratios (placebo in
//! space); the interval inverts that rank test for a constant effect (Firpo and Possebom 2018)
//! and is `None` on a side where the test cannot reject with so few placebos. [`SdidParams`]
//! fits synthetic difference in differences (Arkhangelsky et al. 2021) to the treated units as
//! one block started at the earliest start, with the placebo standard error and a normal
//! interval. Both return the finished [`Estimate`].

use super::scm::{PlaceboRun, ScFit, SyntheticControl, placebo_inference, placebo_interval, placebo_p_value};
use super::sdid::{self, Kind, SdidFit};
use super::{Estimate, Method};
use crate::design::balanced::Balanced;
use crate::inference::Interval;
use crate::period::Month;

/// A synthetic control and the level of its placebo interval.
pub struct SynthParams {
    pub control: SyntheticControl,
    pub conf_level: f64,
}

/// A synthetic control fitted to one treated series, with its placebo inference.
pub struct SynthFit {
    pub fit: ScFit,
    pub start: Month,
    /// Periods before the start.
    pub t0: usize,
    /// The finite placebo ratios the treated ratio is ranked among.
    pub placebo_ratios: Vec<f64>,
    pub p_value: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub conf_level: f64,
}

impl SynthParams {
    /// Placebo in space at `start`: every donor fitted against the others (in donor order, for
    /// any thread count). A caller fitting several series with one start reuses these.
    pub fn placebos(&self, b: &Balanced, start: Month) -> Vec<PlaceboRun> {
        let (y0, c0) = b.donor_slices();
        self.control.placebos(&y0, &c0, b.t0(start)).into_iter().filter_map(Result::ok).collect()
    }

    /// The synthetic control of the series `y1` (covariates `c1`) started at `start`, ranked
    /// among `placebos` (from [`SynthParams::placebos`] at the same start).
    pub fn fit(
        &self,
        b: &Balanced,
        y1: &[f64],
        c1: &[f64],
        start: Month,
        placebos: &[PlaceboRun],
    ) -> Result<SynthFit, String> {
        if b.donors.len() < 2 {
            return Err("needs at least two donors with complete series".into());
        }
        let (y0, c0) = b.donor_slices();
        let t0 = b.t0(start);
        let fit = self.control.fit(y1, c1, &y0, &c0, t0)?;
        let placebo_ratios: Vec<f64> = placebos.iter().map(|r| r.ratio).filter(|r| r.is_finite()).collect();
        let (low, high) = placebo_interval(&fit.gap, t0, &placebo_ratios, self.conf_level);
        Ok(SynthFit {
            p_value: placebo_p_value(fit.ratio, &placebo_ratios),
            ci_low: low.is_finite().then_some(low),
            ci_high: high.is_finite().then_some(high),
            fit,
            start,
            t0,
            placebo_ratios,
            conf_level: self.conf_level,
        })
    }

    /// The treated units' mean series against its synthetic control, from the earliest start,
    /// with the placebos at that start.
    pub fn fit_pooled(&self, b: &Balanced) -> Result<(SynthFit, Vec<PlaceboRun>), String> {
        let start = b.start().ok_or("needs a treated unit with a complete series")?;
        let (y1, c1) = b.treated_mean();
        let placebos = self.placebos(b, start);
        Ok((self.fit(b, &y1, &c1, start, &placebos)?, placebos))
    }
}

impl SynthFit {
    /// The estimate of this fit on `b`, described by `estimand`.
    pub fn estimate(&self, b: &Balanced, estimand: String) -> Estimate {
        Estimate {
            method: Method::Synth,
            estimand,
            interval: Interval {
                estimate: self.fit.estimate,
                se: f64::NAN,
                ci_low: self.ci_low.unwrap_or(f64::NAN),
                ci_high: self.ci_high.unwrap_or(f64::NAN),
                conf_level: self.conf_level,
                p_value: self.p_value,
            },
            inference: placebo_inference(self.placebo_ratios.len()),
            n_obs: b.n_obs(),
            n_units: b.donors.len() + b.treated.len(),
            n_treated: b.treated.len(),
            n_control: b.donors.len(),
        }
    }
}

/// Synthetic difference in differences with its placebo standard error.
pub struct SdidParams {
    /// Placebo replications of the standard error.
    pub reps: usize,
    pub seed: u64,
    pub conf_level: f64,
}

/// SDID fitted to the treated block of a balanced panel.
pub struct SdidResultFit {
    pub fit: SdidFit,
    /// The earliest start; every treated unit counts as started then.
    pub start: Month,
    pub t0: usize,
    /// The placebo standard error; `Err` says why it could not be had (the estimate stands).
    pub se: Result<f64, String>,
    /// Whether the treated units start in different periods.
    pub staggered: bool,
}

impl SdidParams {
    pub fn fit(&self, b: &Balanced) -> Result<SdidResultFit, String> {
        if b.donors.len() < 2 {
            return Err("needs at least two donors with complete series".into());
        }
        let start = b.start().ok_or("needs a treated unit with a complete series")?;
        let t0 = b.t0(start);
        let y: Vec<Vec<f64>> =
            b.donors.iter().map(|r| r.values.clone()).chain(b.treated.iter().map(|r| r.values.clone())).collect();
        let n0 = b.donors.len();
        let fit = sdid::fit(&y, n0, t0, Kind::Sdid)?;
        let se = sdid::placebo_se(&y, n0, t0, Kind::Sdid, self.reps, self.seed).map(|(se, _)| se);
        let staggered = b.treated.iter().any(|r| r.start != Some(start));
        Ok(SdidResultFit { fit, start, t0, se, staggered })
    }
}

impl SdidResultFit {
    /// The estimate on `b` with a normal interval from the placebo standard error, described by
    /// `estimand`.
    pub fn estimate(&self, b: &Balanced, p: &SdidParams, estimand: String) -> Estimate {
        let (n0, n1) = (b.donors.len(), b.treated.len());
        Estimate {
            method: Method::Sdid,
            estimand,
            interval: Interval::normal(self.fit.estimate, *self.se.as_ref().unwrap_or(&f64::NAN), p.conf_level),
            inference: sdid::placebo_inference(p.reps, n0, n1, p.seed),
            n_obs: b.n_obs(),
            n_units: n0 + n1,
            n_treated: n1,
            n_control: n0,
        }
    }
}
