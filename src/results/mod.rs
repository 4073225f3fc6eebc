//! Results: the one serde model every writer reads.
//!
//! The pipeline computes a [`Results`] once; `results.json`, `results.csv`, the charts and the
//! reports are all renderings of it, and `frikommune report results.json` re-renders without
//! re-estimating. Ordering is fixed (study order of trials, components and outcomes; methods in a
//! fixed order) and no timestamps are stored, so identical inputs give byte-identical files.

pub mod csv;

use serde::{Deserialize, Serialize};

use crate::design::{Exclusion, TreatedUnit};
use crate::estimate::Estimate;
use crate::estimate::cs::CsFit;
use crate::estimate::event::EventRow;
use crate::inference::wald::WaldTest;
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::study::{Better, CovidHandling, Lang, Unit};

pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    /// `frikommune <version>`
    pub tool: String,
    pub study: StudyInfo,
    pub outcomes: Vec<OutcomeInfo>,
    pub trials: Vec<TrialInfo>,
    pub analyses: Vec<Analysis>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudyInfo {
    pub name: String,
    pub title: String,
    pub title_en: String,
    /// True when the data are simulated; every report page then says so.
    pub synthetic: bool,
    pub language: Lang,
    pub conf_level: f64,
    /// Cells behind fewer persons than this are suppressed.
    pub min_cell: u32,
    pub panel_file: String,
    pub data_months: MonthRange,
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrialInfo {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub theme: String,
    pub network: String,
    pub end: String,
    pub evaluation_end: String,
    pub note: String,
    pub components: Vec<ComponentInfo>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComponentInfo {
    pub key: String,
    pub name: String,
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
    /// Placebo 2×2 inside the pre-period with randomization inference: the pre-trend test that
    /// holds its level with few treated municipalities.
    pub placebo: Option<Estimate>,
    pub trend: Vec<TrendPoint>,
    pub chart: Option<ChartFiles>,
    pub event_chart: Option<ChartFiles>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventStudyResult {
    /// Event times before −leads and after lags are binned into the end points.
    pub leads: u32,
    pub lags: u32,
    pub rows: Vec<EventRow>,
    pub pretrend: Option<WaldTest>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DesignInfo {
    pub comparison: String,
    pub treated: Vec<TreatedUnit>,
    pub n_comparison: usize,
    pub comparison_units: Vec<Code>,
    pub excluded: Vec<Exclusion>,
    pub pre: MonthRange,
    pub post: MonthRange,
    pub dropped_months: Vec<Month>,
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChartFiles {
    pub png: String,
    pub svg: String,
    pub alt: String,
}
