//! Results: the one serde model every writer reads.
//!
//! The pipeline computes a [`Results`] once; `results.json`, `results.csv`, the charts and the
//! reports are all renderings of it, and `frikommune report results.json` re-renders without
//! re-estimating. Ordering is fixed (study order of trials, components and outcomes; methods in a
//! fixed order) and no timestamps are stored, so identical inputs give byte-identical files.

pub mod csv;
pub mod findings;

use serde::{Deserialize, Serialize};

pub use findings::{Caveat, Finding, Verdict};

use crate::design::{BalanceRow, Exclusion, MatchPair, TreatedUnit};
use crate::estimate::Estimate;
use crate::estimate::cs::CsFit;
use crate::estimate::event::EventRow;
use crate::inference::wald::WaldTest;
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::study::{Better, ComparisonDesign, CovidHandling, Lang, Unit};

/// 10: `event_study.base` (the event study measured from the period before the start or from the
/// pre-period mean).
/// 13: `event_study.sensitivity.smoothness` (Rambachan–Roth Δ^SD fixed-length intervals).
pub const SCHEMA_VERSION: u32 = 14;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    /// `frikommune <version>`
    pub tool: String,
    pub study: StudyInfo,
    pub outcomes: Vec<OutcomeInfo>,
    pub trials: Vec<TrialInfo>,
    pub analyses: Vec<Analysis>,
    /// Savings analyses (`[[savings]]` in the study), in study order.
    #[serde(default)]
    pub savings: Vec<SavingsResult>,
    /// Duration analyses on case-level spells (`[[durations]]`), in study order.
    #[serde(default)]
    pub durations: Vec<DurationResult>,
    /// What each analysis lets an evaluator say: verdict, adjusted p-values, caveats.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// The forest plot of the findings.
    #[serde(default)]
    pub forest_chart: Option<ChartFiles>,
    /// Trial components × outcomes that cannot be evaluated yet: they start after the data end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Pending>,
    /// Every value hidden to protect persons, and why ([`crate::disclosure::protect`]); absent
    /// in results not yet protected.
    #[serde(default)]
    pub disclosure: Option<Vec<crate::disclosure::Suppression>>,
}

impl Pending {
    /// The data's last period as a period code: `2021` for yearly data, `2021M12` monthly.
    pub fn data_end_code(&self) -> String {
        let f = self.frequency;
        f.starting(f.period_start(self.data_end)).map_or_else(|| self.data_end.to_string(), |p| p.code())
    }
}

/// A trial component × outcome that starts after the data end, so nothing can be said of it yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub trial: String,
    pub component: String,
    pub outcome: String,
    /// The last period of the data (filed under its last month).
    pub data_end: Month,
    /// The day the last participant starts (ISO).
    pub start: String,
    /// "the trial" when every participant starts together, else the last one to start.
    pub who: String,
    /// The outcome's frequency, to name the data's end in its own periods.
    pub frequency: crate::ingest::periods::Frequency,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudyInfo {
    pub name: String,
    pub title: String,
    pub title_en: String,
    /// True when the data are simulated; every report page then says so.
    pub synthetic: bool,
    /// The languages the documents are written in, the main one (top of the folder) first;
    /// the others sit in `<lang>/` beside it.
    pub languages: Vec<Lang>,
    pub conf_level: f64,
    /// Cells behind fewer persons than this are suppressed.
    pub min_cell: crate::settings::MinCell,
    pub panel_file: String,
    pub data_months: MonthRange,
    /// The first provisional month (the source may still revise it and later ones), if any.
    #[serde(default)]
    pub provisional_from: Option<Month>,
    /// Areas the data files held that are not municipalities (the whole country, regions,
    /// provinces, Christiansø …), left out: one note per file and kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<crate::ingest::LeftOut>,
    pub covid_handling: CovidHandling,
    pub covid_windows: Vec<DateSpan>,
    pub events: Vec<EventInfo>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DateSpan {
    pub start: String,
    pub end: String,
    pub label: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventInfo {
    pub date: String,
    pub label: String,
    pub label_en: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutcomeInfo {
    pub key: String,
    pub label: String,
    pub label_en: String,
    pub unit: Unit,
    pub better: Better,
    pub margin: Option<f64>,
    /// How often the data observe the outcome (`month`, `quarter`, `half` or `year`): a count
    /// or an amount is per municipality per period.
    #[serde(default)]
    pub frequency: crate::ingest::periods::Frequency,
    /// The first month of this outcome's data that the source may still revise.
    #[serde(default)]
    pub provisional_from: Option<Month>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrialInfo {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub theme: String,
    pub theme_en: String,
    pub network: String,
    pub end: String,
    pub evaluation_end: String,
    pub note: String,
    pub components: Vec<ComponentInfo>,
}

impl ComponentInfo {
    pub fn name(&self, lang: Lang) -> &str {
        if lang == Lang::Da { &self.name } else { &self.name_en }
    }
}

impl TrialInfo {
    pub fn name(&self, lang: Lang) -> &str {
        if lang == Lang::Da { &self.name } else { &self.name_en }
    }

    pub fn theme(&self, lang: Lang) -> &str {
        if lang == Lang::Da { &self.theme } else { &self.theme_en }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComponentInfo {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub start: String,
    pub end: String,
    pub participants: Vec<ParticipantInfo>,
    pub outcomes: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParticipantInfo {
    pub code: Code,
    pub name: String,
    pub start: String,
}

/// One trial component × outcome: its design, estimates, trend and chart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Analysis {
    /// `trial.component.outcome`
    pub id: String,
    pub trial: String,
    pub component: String,
    pub outcome: String,
    pub design: DesignInfo,
    pub estimates: Vec<Estimate>,
    /// Estimation failures, in words (e.g. too few comparison units with data).
    pub problems: Vec<String>,
    /// Leads and lags of the start (months), with the joint pre-trend test.
    pub event_study: Option<EventStudyResult>,
    /// Callaway–Sant'Anna ATT(g,t) and its aggregations.
    pub cs: Option<CsFit>,
    /// Borusyak–Jaravel–Spiess imputation by horizon (periods since the start), with the
    /// few-cluster interval and the reference one (empty in results before schema 11).
    #[serde(default)]
    pub imputation: Vec<crate::estimate::imputation::HorizonRow>,
    /// Placebo 2×2 inside the pre-period with randomization inference: the pre-trend test that
    /// holds its level with few treated municipalities.
    pub placebo: Option<Estimate>,
    /// Synthetic control (design `synth`).
    pub synth: Option<SynthResult>,
    /// Synthetic difference in differences (design `sdid`).
    pub sdid: Option<SdidResult>,
    pub trend: Vec<TrendPoint>,
    pub chart: Option<ChartFiles>,
    pub event_chart: Option<ChartFiles>,
    /// The event study's sensitivity to parallel trends (absent in results before schema 10).
    #[serde(default)]
    pub sensitivity_chart: Option<ChartFiles>,
    pub synth_chart: Option<ChartFiles>,
    pub gap_chart: Option<ChartFiles>,
    pub weights_chart: Option<ChartFiles>,
}

impl Results {
    /// Notes for the terminal, in English: trials that cannot be evaluated yet, and areas the
    /// data held that are not municipalities.
    pub fn notes(&self) -> Vec<String> {
        let pending = self.pending.iter().map(|p| crate::design::DesignError::NotYet(Box::new(p.clone())).to_string());
        let left_out = self.study.left_out.iter().map(|n| n.to_string());
        pending.chain(left_out).collect()
    }

    /// Every chart of the run: the analyses' and the savings'.
    pub fn charts(&self) -> impl Iterator<Item = &ChartFiles> {
        self.analyses
            .iter()
            .flat_map(|a| a.charts())
            .chain(self.savings.iter().flat_map(|s| [&s.chart, &s.units_chart].into_iter().flatten()))
            .chain(self.durations.iter().flat_map(|d| d.chart.iter()))
            .chain(self.forest_chart.iter())
    }
}

impl Analysis {
    /// Every chart of the analysis.
    pub fn charts(&self) -> impl Iterator<Item = &ChartFiles> {
        [
            &self.chart,
            &self.event_chart,
            &self.sensitivity_chart,
            &self.synth_chart,
            &self.gap_chart,
            &self.weights_chart,
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventStudyResult {
    /// Event times before −leads and after lags are binned into the end points; in periods of
    /// the outcome (see [`DesignInfo::frequency`]).
    pub leads: u32,
    pub lags: u32,
    /// What the coefficients are measured from (`period_before` in results before schema 10).
    #[serde(default)]
    pub base: crate::estimate::event::EventBase,
    pub rows: Vec<EventRow>,
    pub pretrend: Option<WaldTest>,
    /// How far parallel trends may fail before the post-period mean's interval holds 0
    /// (Rambachan–Roth, relative magnitudes); absent when a coefficient it rests on is hidden.
    #[serde(default)]
    pub sensitivity: Option<crate::inference::honest::Sensitivity>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DesignInfo {
    /// The comparison design: `all`, `list`, `matching`, `synth` or `sdid`.
    pub comparison: ComparisonDesign,
    pub treated: Vec<TreatedUnit>,
    /// Eligible comparison municipalities (the donor pool of synthetic designs).
    pub n_pool: usize,
    pub pool_units: Vec<Code>,
    /// The municipalities the DiD estimators compare with.
    pub n_comparison: usize,
    pub comparison_units: Vec<Code>,
    pub excluded: Vec<Exclusion>,
    /// `matching`: treated–comparison pairs.
    pub matches: Vec<MatchPair>,
    /// The comparison weights behind the balance table's "after" column: equal for `all`,
    /// `list` and `matching`, the pooled synthetic control's for `synth`, SDID's unit weights
    /// for `sdid`. Only positive weights are listed.
    pub weights: Vec<UnitWeight>,
    pub balance: Vec<BalanceRow>,
    /// Pre-period fit: the root mean squared gap over the pre-period months between the treated
    /// mean and the comparison — for DiD designs the equally weighted comparison mean shifted by
    /// the mean pre-period gap (what parallel trends needs), for `synth` the pooled synthetic
    /// control (levels), for `sdid` its time-weight-shifted comparison.
    pub pre_rmspe: Option<f64>,
    pub notes: Vec<String>,
    /// How often the outcome is observed: `month`, `quarter`, `half` or `year`. Event times are
    /// counted in these periods, and a start is moved to the first month of its period.
    #[serde(default)]
    pub frequency: crate::ingest::periods::Frequency,
    pub pre: MonthRange,
    pub post: MonthRange,
    pub dropped_months: Vec<Month>,
    /// What the data can carry: cohorts, never-treated count, periods before and after each
    /// start, gaps, regions and the warnings drawn from them (see [`crate::design::profile`]).
    #[serde(default)]
    pub profile: Option<crate::design::profile::Profile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitWeight {
    pub unit: Code,
    pub name: String,
    pub weight: f64,
}

/// Synthetic control for one treated municipality, or pooled for the trial group (the mean of
/// the treated municipalities' series, started at the earliest start).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SynthUnit {
    /// `None` for the pooled synthetic control.
    pub unit: Option<Code>,
    pub name: String,
    pub start: Month,
    /// Donor weights (positive ones).
    pub weights: Vec<UnitWeight>,
    /// Predictor weights, in the order of [`SynthResult::predictors`].
    pub v: Vec<f64>,
    /// The W-given-V fit error on the standardised predictors, (x₁ − X₀w)′V(x₁ − X₀w): zero
    /// when the treated's predictors lie inside the donors' hull, where the donor weights are
    /// not unique.
    #[serde(default = "crate::inference::not_a_number", deserialize_with = "crate::inference::nan_if_null")]
    pub w_fit: f64,
    /// Pre-period MSPE the predictor weights minimise, and the search effort behind it.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub loss: f64,
    pub evaluations: usize,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub pre_rmspe: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub post_rmspe: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub post_pre_ratio: f64,
    /// Mean post-period gap, with the placebo-in-space rank p-value and the interval from
    /// inverting that test (bounds are `null` when the placebos are too few for the level).
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub estimate: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub p_value: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n_placebos: usize,
    /// The conformal interval of a constant effect over the post window (Chernozhukov–Wüthrich–Zhu,
    /// moving-block permutations; absent in results before schema 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conformal: Option<crate::estimate::conformal::EffectInterval>,
    /// The treated series (`null` where suppressed) and its synthetic counterpart.
    pub treated: Vec<Option<f64>>,
    pub synthetic: Vec<f64>,
}

/// A placebo run: a donor as if treated at the pooled start.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlaceboGap {
    pub unit: Code,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub pre_rmspe: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub post_pre_ratio: f64,
    /// Gap per period (`null` where the donor's value is suppressed).
    pub gap: Vec<Option<f64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeaveOneOut {
    pub dropped: Code,
    pub name: String,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub estimate: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub pre_rmspe: f64,
}

/// The pooled synthetic control with its start moved back into the pre-period.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlaceboInTime {
    pub start: Month,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub estimate: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub pre_rmspe: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub post_pre_ratio: f64,
    /// Its rank among the donors' ratios at the same placebo start.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub p_value: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SynthResult {
    /// Expanded predictor rows (blocks, last month, covariates).
    pub predictors: Vec<String>,
    /// The months of every series (the window, dropped months left out).
    pub periods: Vec<Month>,
    /// Donors: pool municipalities with data in every month of the window.
    pub donors: Vec<Code>,
    pub pooled: SynthUnit,
    pub units: Vec<SynthUnit>,
    /// The pooled start's placebo runs, for the gap chart.
    pub placebos: Vec<PlaceboGap>,
    pub placebo_in_time: Option<PlaceboInTime>,
    pub leave_one_out: Vec<LeaveOneOut>,
    /// Per-period conformal intervals of the pooled gap (Chernozhukov–Wüthrich–Zhu), one per
    /// post period whose treated mean may be shown (empty in results before schema 12).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conformal: Vec<ConformalPeriod>,
}

/// One post period's conformal interval of the pooled synthetic-control gap; unbounded ends
/// are written `null`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConformalPeriod {
    pub period: Month,
    pub estimate: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_low: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_high: f64,
    pub status: crate::estimate::conformal::Status,
}

/// An interval from randomization inference and how it was computed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RandomizedInterval {
    pub interval: crate::inference::Interval,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimeWeight {
    pub period: Month,
    pub weight: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SdidResult {
    pub start: Month,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub estimate: f64,
    /// Placebo standard error and its number of replications.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub se: f64,
    pub reps: usize,
    pub weights: Vec<UnitWeight>,
    /// Pre-period weights (positive ones).
    pub time_weights: Vec<TimeWeight>,
    pub periods: Vec<Month>,
    /// Mean of the treated series (`null` where suppressed) and the SDID-weighted comparison
    /// series shifted by the weighted pre-period difference (the parallel counterfactual).
    pub treated: Vec<Option<f64>>,
    pub counterfactual: Vec<f64>,
}

/// Spell durations in one trial component's municipalities and the comparison municipalities,
/// before and during the component (see [`crate::pipeline`]'s durations module).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DurationResult {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub trial: String,
    pub component: String,
    pub conf_level: f64,
    /// Counts, medians and curve points resting on fewer spells than this are suppressed.
    pub min_cell: crate::settings::MinCell,
    pub horizon_weeks: f64,
    /// Spells are censored here if still open.
    pub observed_until: String,
    pub pre_months: u32,
    pub treated_units: Vec<Code>,
    pub comparison_units: Vec<Code>,
    pub excluded: Vec<Exclusion>,
    /// Trial and comparison × before and during.
    pub groups: Vec<SurvivalGroup>,
    /// Trial vs comparison within each period.
    pub logrank: Vec<LogrankRow>,
    /// Cox regression on trial, during and their product; the product's hazard ratio is the
    /// difference in differences on the hazard of ending a spell.
    pub cox: Option<CoxResult>,
    /// Difference in differences on the mean duration of completed spells (weeks).
    pub completed_did: Option<crate::inference::Interval>,
    pub completed_did_convention: String,
    /// The same DiD by randomization inference over the municipalities: the interval that
    /// decides the duration finding with few trial municipalities.
    #[serde(default)]
    pub completed_did_ri: Option<RandomizedInterval>,
    /// Which direction of the duration is favourable, and the equivalence margin in weeks: the
    /// findings judge the completed-spell DiD by them.
    pub better: crate::study::Better,
    pub margin: Option<f64>,
    pub notes: Vec<String>,
    pub chart: Option<ChartFiles>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SurvivalGroup {
    /// `trial` or `comparison`.
    pub group: String,
    /// `before` or `during`.
    pub period: String,
    /// Spells starting in these months.
    pub first: Month,
    pub last: Month,
    /// `None` when suppressed (fewer than `min_cell`).
    pub n: Option<u64>,
    pub events: Option<u64>,
    /// Median duration in weeks with its interval (`None` when not reached or suppressed).
    pub median: Option<f64>,
    pub median_ci_low: Option<f64>,
    pub median_ci_high: Option<f64>,
    /// Restricted mean duration up to the horizon (weeks).
    pub restricted_mean: Option<f64>,
    /// Mean duration of the completed spells and their number.
    pub completed_mean: Option<f64>,
    pub completed: Option<u64>,
    /// The curve at whole weeks while at least `min_cell` spells are at risk.
    pub curve: Vec<CurvePoint>,
    /// The last week shown: later points rest on fewer than `min_cell` spells.
    pub curve_ends: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CurvePoint {
    pub weeks: f64,
    pub survival: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub at_risk: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogrankRow {
    pub period: String,
    pub stat: f64,
    pub df: usize,
    pub p_value: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoxResult {
    pub rows: Vec<CoxRow>,
    pub clusters: usize,
    /// Spells in the fit; `None` where a group's count is hidden (the total would give it back).
    pub spells: Option<usize>,
    pub convention: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoxRow {
    pub name: String,
    pub estimate: f64,
    pub se: f64,
    pub hazard_ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
}

/// Spending avoided by a set of trial components (see [`crate::estimate::savings`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavingsResult {
    pub key: String,
    pub name: String,
    pub name_en: String,
    /// `panel` (a panel outcome) or `cases` (per-case counts in the case file).
    pub source: String,
    /// The panel outcome, or the case file's count column.
    pub outcome: String,
    /// The tariffs that priced counts, with their prices per year of the windows.
    pub tariffs: Vec<TariffInfo>,
    /// `trial.component` keys.
    pub components: Vec<String>,
    pub pre_months: u32,
    pub conf_level: f64,
    pub n_comparison: usize,
    pub comparison_units: Vec<Code>,
    pub excluded: Vec<Exclusion>,
    /// Per participating municipality, in registry order.
    pub units: Vec<SavingsRow>,
    /// All participants together.
    pub total: Option<SavingsRow>,
    /// Standard deviation of the comparison municipalities' placebo gaps (log scale) and the
    /// t distribution's degrees of freedom.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub placebo_sd: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub df: f64,
    /// The small-sample convention of the standard errors, in words.
    pub se_convention: String,
    /// Summed over participants per month: actual and counterfactual spending.
    pub monthly: Vec<SpendingPoint>,
    /// The same saving as each listed component's own cost analysis implies, with that
    /// analysis's intervals: a cross-check per component (components share participants, so
    /// these do not add up to the total).
    #[serde(default)]
    pub by_analysis: Vec<ImpliedSavings>,
    /// Participants left out, months not counted, failures; `total` is `None` when it failed.
    pub notes: Vec<String>,
    pub chart: Option<ChartFiles>,
    pub units_chart: Option<ChartFiles>,
}

/// −ATT × treated municipality-months of one cost analysis: the saving its estimate implies,
/// with the interval of the inference the estimate used (CR1, wild bootstrap, randomization).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImpliedSavings {
    /// `trial.component.outcome`
    pub analysis: String,
    pub method: String,
    pub inference: String,
    /// Treated municipality-months in the post window (each from its own start; months left
    /// out of estimation not counted).
    pub unit_months: usize,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub savings: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_low: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub ci_high: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub p_value: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TariffInfo {
    pub key: String,
    pub label: String,
    /// (year, price in DKK) for every year the windows touch.
    pub prices: Vec<(i32, f64)>,
}

/// One row of a savings table, in DKK. `unit` is `None` (and `name` empty) for the total.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavingsRow {
    pub unit: Option<Code>,
    pub name: String,
    /// First and last month summed.
    pub start: Month,
    pub last: Month,
    pub actual: f64,
    pub counterfactual: f64,
    pub savings: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// savings / counterfactual.
    pub share: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpendingPoint {
    pub period: Month,
    pub actual: f64,
    pub counterfactual: f64,
}

/// Group means in one month. A mean is `None` (shown as `..`) when no unit has data or when the
/// persons behind it are fewer than the study's `min_cell`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrendPoint {
    pub period: Month,
    pub treated: Option<f64>,
    pub comparison: Option<f64>,
    pub treated_suppressed: bool,
    pub comparison_suppressed: bool,
    /// The treated mean is hidden not for its own persons but because it would give back a
    /// hidden one (see [`crate::disclosure`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub treated_protected: bool,
    /// Cells of the treated and comparison municipalities that the data source suppressed
    /// (`..`) this month, and which are therefore not in the means.
    #[serde(default)]
    pub source_suppressed: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChartFiles {
    pub png: String,
    pub svg: String,
    pub alt: String,
}
