//! Estimation: the effect of a trial on an outcome, with its uncertainty.
//!
//! Each method is a module with a params type and a `fit` that returns an [`Estimate`]. All of
//! them read the same [`Sample`]: the treated and comparison municipalities of one design, each
//! with its first treated month and its observations. Shared machinery (demeaning, variance
//! estimators) lives once, in [`demean`] and [`crate::inference`].

pub mod conformal;
pub mod cs;
pub mod demean;
pub mod did2x2;
pub mod drdid;
pub mod event;
pub mod imputation;
pub mod ols;
pub mod savings;
pub mod scm;
pub mod sdid;
pub mod sunab;
pub mod survival;
pub mod synth;
pub mod twfe;

use serde::{Deserialize, Serialize};

use crate::inference::{Inference, Interval};
use crate::period::Month;

/// Event time in periods of `step` months, from the months between a start and an observation:
/// 0 for the first treated period, −1 for the last one before it (months for monthly data).
pub fn periods_since(months: i32, step: u32) -> i32 {
    months.div_euclid(step.max(1) as i32)
}

/// One municipality's data in a design.
#[derive(Clone, Debug)]
pub struct SampleUnit {
    /// The unit's identifier: the municipality code for study data, a row number for ad hoc panels.
    pub code: u32,
    /// First treated month; `None` for comparison units.
    pub start: Option<Month>,
    /// Observations in month order, missing months left out.
    pub obs: Vec<(Month, f64)>,
    /// Cluster for standard errors; `None` = the unit is its own cluster (the default:
    /// municipalities are the level at which trials are assigned).
    pub cluster: Option<u32>,
}

/// The data one estimator sees.
#[derive(Clone, Debug)]
pub struct Sample {
    pub units: Vec<SampleUnit>,
    /// Months per period. 1 for monthly data; 3, 6 or 12 when each observation is a quarter,
    /// half-year or year filed under its last month and every start is the first month of a
    /// period. Event time is then counted in periods: see [`periods_since`].
    pub step: u32,
}

impl Default for Sample {
    fn default() -> Sample {
        Sample::monthly(Vec::new())
    }
}

impl Sample {
    pub fn monthly(units: Vec<SampleUnit>) -> Sample {
        Sample { units, step: 1 }
    }

    pub fn n_treated(&self) -> usize {
        self.units.iter().filter(|u| u.start.is_some()).count()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Difference in differences of pre- and post-window means.
    Did2x2,
    /// Two-way fixed effects (municipality and month) regression.
    Twfe,
    /// Event study: leads and lags of the start with unit and period effects.
    Event,
    /// Callaway–Sant'Anna group-time effects, aggregated.
    Cs,
    /// Borusyak–Jaravel–Spiess imputation: untreated outcomes imputed from a fit on the
    /// untreated observations.
    Bjs,
    /// Sun–Abraham interaction-weighted event study: cohort × event-time effects, averaged.
    Sunab,
    /// Synthetic control (pooled over the treated municipalities).
    Synth,
    /// Synthetic difference in differences.
    Sdid,
    /// Difference in differences on the mean duration of completed spells (the case file).
    CompletedDid,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Did2x2 => "did2x2",
            Method::Twfe => "twfe",
            Method::Event => "event",
            Method::Cs => "cs",
            Method::Bjs => "bjs",
            Method::Sunab => "sunab",
            Method::Synth => "synth",
            Method::Sdid => "sdid",
            Method::CompletedDid => "completed_did",
        }
    }
}

/// A fitted effect with its interval and the convention behind it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Estimate {
    pub method: Method,
    pub estimand: String,
    #[serde(flatten)]
    pub interval: Interval,
    pub inference: Inference,
    pub n_obs: usize,
    pub n_units: usize,
    pub n_treated: usize,
    pub n_control: usize,
}

/// The inference name of [`Estimate::agreeing_with`] on SDID and the 2×2 DiD.
pub const SDID_AND_RI: &str = "placebo ∪ RI";

impl Estimate {
    /// This estimate with the smallest interval holding both its own and `other`'s, and the
    /// larger of the two p-values: zero is excluded only when both intervals exclude it, so a
    /// verdict needs both to agree. Its size is at most the smaller of the two tests' sizes and
    /// its coverage at least the larger of their coverages.
    pub fn agreeing_with(&self, other: &Estimate, name: &str, description: String) -> Estimate {
        let (a, b) = (&self.interval, &other.interval);
        let mut e = self.clone();
        e.interval = Interval {
            estimate: a.estimate,
            se: f64::NAN,
            ci_low: a.ci_low.min(b.ci_low),
            ci_high: a.ci_high.max(b.ci_high),
            conf_level: a.conf_level,
            p_value: a.p_value.max(b.p_value),
        };
        e.inference = Inference {
            name: name.into(),
            description,
            clusters: self.inference.clusters.max(other.inference.clusters),
            df: f64::NAN,
            adjustment: f64::NAN,
        };
        e
    }
}

/// Why a method could not produce an estimate from a sample: what the data lack, in words an
/// evaluator can act on.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EstimateError {
    #[error("no units")]
    NoUnits,
    #[error("no observations")]
    NoObservations,
    #[error("no treated municipality")]
    NoTreated,
    #[error("the treated municipalities start in different months; use cohort_changes")]
    DifferentStarts,
    #[error("no treated municipality has data both before and after its start")]
    NoTreatedBeforeAndAfter,
    #[error("only {0} comparison municipalities have data in both windows")]
    TooFewComparison(usize),
    #[error(
        "a regression with municipality and month effects needs treated and comparison units with data (found {treated} and {comparison})"
    )]
    NoTreatedOrComparison { treated: usize, comparison: usize },
    #[error("at least two clusters are needed")]
    TooFewClusters,
    #[error("{n} observations are too few for {k} regressors")]
    TooFewObservations { n: usize, k: usize },
    #[error("the regressors are collinear with each other or with the fixed effects")]
    Collinear,
    #[error(
        "the treatment indicator is collinear with the fixed effects (each treated municipality is treated in every period it has data for, or all municipalities are treated in the same periods)"
    )]
    TreatmentCollinear,
    #[error(
        "the outcome has no variation left after the fixed effects (a constant series, or as few observations as the model has parameters): its standard error is 0 and no interval can be given"
    )]
    NoResidualVariation,
    #[error("demeaning did not converge in {iterations} iterations (last change {change:e})")]
    NotConverged { iterations: usize, change: f64 },
    #[error("a placebo test needs a pre-period of at least 2 periods")]
    PlaceboTooShort,
    #[error("leads must be at least 1: period −1 is the reference")]
    NoLeads,
    #[error("no treated unit is observed in the period before its start (the reference)")]
    NoReferencePeriod,
    #[error("no treated unit is observed from its start on")]
    NoPostPeriod,
    #[error("{0} (an event study needs never-treated units or binned end points when every unit is treated)")]
    EventWithoutComparison(Box<EstimateError>),
    #[error("no unit is treated after the first period")]
    NoLateStart,
    #[error("no never-treated units and too few periods before the last cohort starts")]
    NoComparisonCohort,
    #[error("no cohort is left to estimate once the comparison cohort is set aside")]
    NoCohortLeft,
    #[error(
        "no group-time effect could be estimated after the start: every cohort lacks comparison units or post periods"
    )]
    NoPostEffect,
    #[error("no donors")]
    NoDonors,
    #[error("need at least 2 pre-periods and 1 post-period (T = {t}, T0 = {t0})")]
    SyntheticPeriods { t: usize, t0: usize },
    #[error(
        "fixed predictor weights: expected {expected} non-negative numbers (one per predictor row: {rows}), found {found}"
    )]
    FixedWeights { expected: usize, rows: String, found: usize },
    #[error(
        "the covariates separate the cohort from its comparison units (propensity scores reach 0 or 1): there is no overlap to compare on; leave a covariate out"
    )]
    NoOverlap,
    #[error("expected {0} covariate values per unit")]
    CovariateCount(usize),
    #[error("no predictors")]
    NoPredictors,
    #[error("predictor `{0}` is not a finite number for some unit")]
    PredictorNotFinite(String),
    #[error("need comparison and treated units and at least 2 pre-periods (N = {n}, N0 = {n0}, T = {t}, T0 = {t0})")]
    SdidShape { n: usize, n0: usize, t: usize, t0: usize },
    #[error(
        "placebo standard errors need more comparison units than treated units ({comparison} comparison, {treated} treated)"
    )]
    PlaceboUnits { comparison: usize, treated: usize },
    #[error("placebo standard errors need at least 2 replications")]
    PlaceboReps,
    /// A synthetic design with too few complete series.
    #[error("needs a treated unit and at least two donors with complete series")]
    SyntheticUnits,
    #[error("{0} differ in length")]
    LengthMismatch(&'static str),
    #[error("duration {duration} (spell {spell}) is not a non-negative number")]
    BadDuration { duration: f64, spell: usize },
    #[error("spell {spell} is in group {group} of {groups}")]
    BadGroup { spell: usize, group: usize, groups: usize },
    #[error("no spells")]
    NoSpells,
    #[error("the log-rank test needs at least two groups")]
    TooFewGroups,
    #[error("the log-rank covariance is singular (a group without events at risk?)")]
    SingularLogrank,
    #[error("Cox regression needs spells with one covariate row and count each")]
    CoxShape,
    #[error("Cox regression needs at least one ended spell")]
    NoEndedSpell,
    #[error("the Cox information matrix is singular")]
    SingularCox,
    #[error("one cluster id per spell is needed")]
    ClusterPerSpell,
    /// The inference (randomization, wild bootstrap) could not be carried out.
    #[error(transparent)]
    Inference(#[from] crate::inference::InferenceError),
}
