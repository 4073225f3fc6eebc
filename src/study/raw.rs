//! The study file as written: serde structs that mirror `study.toml` one to one.
//!
//! Nothing here is trusted yet. Values that later checks must point back at (municipalities,
//! dates, outcome keys) are kept `Spanned` so an error can name the line and column.
//! [`super::Study::load`] turns this into the validated model.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    pub study: StudySection,
    pub data: DataSection,
    #[serde(default)]
    pub inference: InferenceSection,
    #[serde(default)]
    pub confidentiality: ConfidentialitySection,
    #[serde(default)]
    pub covid: CovidSection,
    #[serde(default)]
    pub events: Vec<EventSection>,
    pub outcomes: Vec<OutcomeSection>,
    #[serde(default)]
    pub tariffs: BTreeMap<String, TariffSection>,
    pub trials: Vec<TrialSection>,
    /// Municipalities exposed to other reforms or earlier trials, left out of comparison groups.
    #[serde(default)]
    pub exposures: Vec<ExposureSection>,
    /// Savings analyses: spending avoided by a set of trial components, in DKK.
    #[serde(default)]
    pub savings: Vec<SavingsSection>,
    /// Duration analyses on the case file: spells in trial and comparison municipalities, before
    /// and during a trial component.
    #[serde(default)]
    pub durations: Vec<DurationSection>,
    pub simulation: Option<SimulationSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationSection {
    pub key: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    /// `trial.component` whose participants' spells are compared.
    pub component: Spanned<String>,
    /// Restricted mean duration up to this many weeks (default 104).
    pub horizon_weeks: Option<Spanned<f64>>,
    /// Only spells whose case-type column (`[data] case_type_column`) holds one of these.
    pub case_types: Option<Vec<String>>,
    /// `lower` (default: shorter spells are better) or `higher`.
    pub better: Option<Spanned<String>>,
    /// Equivalence margin in weeks for the findings ("på niveau med").
    pub margin: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsSection {
    pub key: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    /// `panel` (default): a panel outcome; `cases`: per-case counts in the case file.
    pub source: Option<Spanned<String>>,
    /// source = "panel": a spending outcome (unit `dkk`), or a count outcome priced by `tariff`.
    pub outcome: Option<Spanned<String>>,
    /// The tariff that prices a count outcome, or every case's count when there is no
    /// `type_column`.
    pub tariff: Option<Spanned<String>>,
    /// source = "cases": the column with the number of items (certificates) in each case.
    pub count_column: Option<Spanned<String>>,
    /// source = "cases": the column with each case's item type, priced by the tariff whose key
    /// or label it names (or by `types`).
    pub type_column: Option<Spanned<String>>,
    /// source = "cases": type value → tariff key. Only these types count when given.
    pub types: Option<BTreeMap<String, Spanned<String>>>,
    /// source = "cases": the case date that places its items in a month, `start` (default) or `end`.
    pub date: Option<Spanned<String>>,
    /// `trial.component` keys whose participants' spending is compared with its counterfactual.
    pub components: Vec<Spanned<String>>,
    /// Months before each municipality's start that set its spending level (default: the
    /// largest `pre_months` of the components' trials).
    pub pre_months: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureSection {
    pub name: String,
    pub municipalities: Vec<Spanned<String>>,
    pub start: Spanned<String>,
    pub end: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSection {
    /// all | list | matching | synth | sdid
    pub design: Option<Spanned<String>>,
    /// Leave out municipalities in the exposure register (default true).
    pub exclude_exposed: Option<bool>,
    /// design = "list": the comparison municipalities.
    #[serde(default)]
    pub units: Vec<Spanned<String>>,
    /// design = "matching": neighbours per treated municipality.
    pub k: Option<Spanned<i64>>,
    /// design = "matching": may a municipality match several treated ones.
    pub replace: Option<bool>,
    /// design = "matching": level, trend, population, region or outcome keys.
    #[serde(default)]
    pub match_on: Vec<Spanned<String>>,
    /// design = "synth": blocks:B, mean, last, population or outcome keys.
    #[serde(default)]
    pub predictors: Vec<Spanned<String>>,
    /// design = "synth": fixed predictor weights instead of the search.
    pub v: Option<Spanned<Vec<f64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySection {
    pub name: Spanned<String>,
    pub title: String,
    pub title_en: Option<String>,
    #[serde(default)]
    pub synthetic: bool,
    /// `"da"`, `"en"`, or a list such as `["da", "en"]`: the first is the main language, the
    /// others are written beside it.
    #[serde(default)]
    pub language: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// The panel file (wide or long CSV, or Parquet); optional when `sources` give every outcome.
    pub panel: Option<Spanned<String>>,
    #[serde(default)]
    pub layout: Option<Spanned<String>>,
    pub cases: Option<Spanned<String>>,
    pub truth: Option<Spanned<String>>,
    pub municipalities: Option<Spanned<String>>,
    pub separator: Option<Spanned<String>>,
    /// The case file's column naming the kind of case (default `case_type`).
    pub case_type_column: Option<String>,
    /// The latest months of the panel that the source may still revise (Jobindsats'
    /// "foreløbige tal"); default 0.
    pub provisional_months: Option<Spanned<i64>>,
    /// Statistical tables, each giving one outcome: Statbank, Jobindsats, spreadsheets.
    #[serde(default)]
    pub sources: Vec<SourceSection>,
    /// Area names of the data files mapped to a municipality ("" = leave the rows out).
    #[serde(default)]
    pub areas: BTreeMap<String, Spanned<String>>,
    /// The panel's column names, when they are not the canonical ones.
    pub columns: Option<Spanned<ColumnsSection>>,
}

/// `[data] columns = { municipality = "…", period = "…", … }`: the panel's own column names.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnsSection {
    pub municipality: Option<String>,
    pub period: Option<String>,
    pub frequency: Option<String>,
    pub outcome: Option<String>,
    pub value: Option<String>,
    pub n: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSection {
    pub file: Spanned<String>,
    pub outcome: Spanned<String>,
    pub sheet: Option<String>,
    pub measure: Option<String>,
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    pub separator: Option<Spanned<String>>,
    pub decimal: Option<Spanned<String>>,
    pub encoding: Option<Spanned<String>>,
    /// The table's latest months that are provisional (default 1).
    pub provisional: Option<Spanned<i64>>,
    /// The column naming the area, when its header is none of the usual ones (or blank).
    pub area_column: Option<String>,
    /// The column holding the period, when the table is long in time.
    pub period_column: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceSection {
    pub conf_level: Option<Spanned<f64>>,
    /// Seed of the randomization-inference draws.
    pub seed: Option<u64>,
    /// Monte Carlo draws when the assignments are too many to enumerate.
    pub reps: Option<Spanned<i64>>,
    /// Event study: months before the start shown separately (earlier ones binned).
    pub event_leads: Option<Spanned<i64>>,
    /// Event study: months from the start shown separately (later ones binned).
    pub event_lags: Option<Spanned<i64>>,
    /// Multiplier-bootstrap draws for the simultaneous bands of Callaway–Sant'Anna.
    pub band_reps: Option<Spanned<i64>>,
    /// Small-sample correction of cluster-robust variances: "fixest" (CR1), "cluster", "none".
    pub ssc: Option<Spanned<String>>,
    /// Callaway–Sant'Anna comparison units: "never" (treated) or "notyet" (treated).
    pub cs_control: Option<Spanned<String>>,
    /// Callaway–Sant'Anna with units lacking a period: "drop" them or "keep" them.
    pub cs_unbalanced: Option<Spanned<String>>,
    /// Callaway–Sant'Anna's doubly robust covariates: "level", "trend", "population", "region".
    #[serde(default)]
    pub cs_covariates: Vec<Spanned<String>>,
    pub event_base: Option<Spanned<String>>,
    /// Placebo replications of the SDID standard error.
    pub sdid_reps: Option<Spanned<i64>>,
    /// Per-period conformal intervals for synthetic-control designs.
    pub synth_conformal: Option<bool>,
    /// Municipality attributes within which randomization inference reassigns the start:
    /// "region", "size" (three size classes), "size:K" (K classes).
    #[serde(default)]
    pub strata: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidentialitySection {
    pub min_cell: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CovidSection {
    pub handling: Option<Spanned<String>>,
    #[serde(default)]
    pub windows: Vec<WindowSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSection {
    pub start: Spanned<String>,
    pub end: Spanned<String>,
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSection {
    pub date: Spanned<String>,
    pub label: String,
    pub label_en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSection {
    pub key: Spanned<String>,
    pub label: String,
    pub label_en: Option<String>,
    pub unit: Spanned<String>,
    pub better: Spanned<String>,
    pub margin: Option<Spanned<f64>>,
    /// Column holding the number of persons behind each value (for suppression).
    pub n_column: Option<String>,
    /// Cost outcomes: the tariff (key of `[tariffs]`) that prices the count outcome.
    pub price: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffSection {
    pub label: String,
    /// Price in DKK per year, e.g. `{ 2013 = 1544 }`; missing years are indexed from the
    /// nearest earlier year with `yearly_index`.
    pub prices: BTreeMap<String, f64>,
    #[serde(default)]
    pub yearly_index: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSection {
    pub key: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    #[serde(default)]
    pub theme: String,
    pub theme_en: Option<String>,
    #[serde(default)]
    pub network: String,
    /// The day the freedom ended (after any extension).
    pub end: Spanned<String>,
    /// Last day of the evaluation window; defaults to `end` (or the data's last month).
    pub evaluation_end: Option<Spanned<String>>,
    /// Months before the start that form the pre-period.
    pub pre_months: Option<Spanned<i64>>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub comparison: ComparisonSection,
    pub components: Vec<ComponentSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSection {
    pub key: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub start: Spanned<String>,
    /// Overrides the trial's `end` for this component.
    pub end: Option<Spanned<String>>,
    pub participants: Vec<Spanned<String>>,
    /// Participants that started on another day than `start`.
    #[serde(default)]
    pub starts: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub outcomes: Vec<Spanned<String>>,
    /// Municipalities left out of the comparison group.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSection {
    pub seed: u64,
    pub first: Spanned<String>,
    pub last: Spanned<String>,
    /// Total true saving (DKK) of the certificate components over their evaluation windows;
    /// the simulator scales their relative effects to hit it.
    pub certificate_savings_dkk: Option<f64>,
    #[serde(default)]
    pub certificate_components: Vec<Spanned<String>>,
    #[serde(default)]
    pub effects: Vec<EffectSection>,
    /// JAF inflow per 1,000 inhabitants per month.
    pub jaf_inflow_per_1000: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectSection {
    /// `trial.component`
    pub component: Spanned<String>,
    pub outcome: Spanned<String>,
    /// Additive effect at full strength, in the outcome's unit.
    pub effect: Option<f64>,
    /// Relative effect at full strength (−0.1 = 10 % lower); used for counts and durations.
    pub relative: Option<f64>,
    #[serde(default = "default_ramp")]
    pub ramp_months: u32,
}

fn default_ramp() -> u32 {
    12
}
