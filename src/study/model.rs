//! The validated study model: what an evaluation needs, with every name resolved, every date
//! parsed and every setting in range. Built only by [`super::Study::load`] and
//! [`super::Study::parse`]; later stages never re-check it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::estimate::cs::Control;
use crate::inference::cluster::SmallSample;
use crate::period::Month;
use crate::registry::{Code, LookupError, Registry};
use crate::settings::{Level, MinCell, Reps};

/// Report language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Da,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "da" => Some(Lang::Da),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }
}

/// The unit an outcome is measured in; decides formatting and plausibility checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A share in percent (0–100); differences are percentage points.
    Percent,
    Weeks,
    Dkk,
    Count,
}

/// Which direction of an outcome is favourable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub key: String,
    pub label: String,
    pub label_en: String,
    pub unit: Unit,
    pub better: Better,
    /// Equivalence margin ("på niveau med") in the outcome's unit.
    pub margin: Option<f64>,
    pub n_column: Option<String>,
    /// For cost outcomes: the tariff that prices the underlying count.
    pub price: Option<String>,
}

impl Outcome {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.label,
            Lang::En => &self.label_en,
        }
    }
}

/// Unit prices by year, indexed forward from the last given year.
#[derive(Clone, Debug, Serialize)]
pub struct Tariff {
    pub label: String,
    pub prices: BTreeMap<i32, f64>,
    pub yearly_index: f64,
}

impl Tariff {
    /// The price in `year`: the given price, or the nearest earlier one indexed forward (the
    /// earliest one indexed back for years before it).
    pub fn price(&self, year: i32) -> f64 {
        if let Some((&y, &p)) = self.prices.range(..=year).next_back() {
            return p * (1.0 + self.yearly_index).powi(year - y);
        }
        let (&y, &p) = self.prices.iter().next().expect("validated non-empty");
        p * (1.0 + self.yearly_index).powi(year - y)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Participant {
    pub code: Code,
    pub start: NaiveDate,
}

/// A part of a trial with its own participants, start and outcomes (e.g. the LÆ 265 part of
/// "Rehabiliteringsteams, JAF-sager og LÆ265").
#[derive(Clone, Debug, Serialize)]
pub struct Component {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub participants: Vec<Participant>,
    pub outcomes: Vec<String>,
    pub exclude: Vec<Code>,
}

impl Component {
    pub fn participates(&self, code: Code) -> bool {
        self.participants.iter().any(|p| p.code == code)
    }
}

/// Who a trial's participants are compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComparisonDesign {
    /// Every eligible non-participant.
    All,
    /// A named list of "sammenlignelige kommuner".
    List,
    /// Nearest neighbours on pre-period outcome and structure.
    Matching,
    /// Synthetic control per treated municipality and pooled, over all eligible donors.
    Synth,
    /// Synthetic difference in differences over all eligible donors.
    Sdid,
}

impl ComparisonDesign {
    pub fn key(self) -> &'static str {
        match self {
            ComparisonDesign::All => "all",
            ComparisonDesign::List => "list",
            ComparisonDesign::Matching => "matching",
            ComparisonDesign::Synth => "synth",
            ComparisonDesign::Sdid => "sdid",
        }
    }
}

/// A trial's comparison design, as declared in `[trials.comparison]`.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub design: ComparisonDesign,
    /// Leave out municipalities in the study's exposure register whose exposure began before
    /// the evaluation window ends.
    pub exclude_exposed: bool,
    /// `list`: the comparison municipalities.
    pub units: Vec<Code>,
    /// `matching`: neighbours per treated municipality, and whether one municipality may be
    /// the neighbour of several.
    pub k: usize,
    pub replace: bool,
    /// `matching`: `level`, `trend`, `population`, `region` or outcome keys (pre-period means).
    pub match_on: Vec<String>,
    /// `synth`: predictors.
    pub predictors: Vec<crate::estimate::scm::Predictor>,
    /// `synth`: fixed predictor weights (otherwise searched).
    pub v: Option<Vec<f64>>,
}

impl Default for Comparison {
    fn default() -> Comparison {
        Comparison {
            design: ComparisonDesign::All,
            exclude_exposed: true,
            units: Vec::new(),
            k: 3,
            replace: false,
            match_on: vec!["level".into(), "trend".into(), "population".into(), "region".into()],
            predictors: crate::estimate::scm::default_predictors(),
            v: None,
        }
    }
}

/// An entry of the exposure register: municipalities that took part in another reform or an
/// earlier trial network.
#[derive(Clone, Debug, Serialize)]
pub struct Exposure {
    pub name: String,
    pub municipalities: Vec<Code>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Trial {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub theme: String,
    pub theme_en: String,
    pub network: String,
    pub end: NaiveDate,
    pub evaluation_end: NaiveDate,
    pub pre_months: u32,
    /// Whether `pre_months` is the default (36) rather than the study's: then a yearly or
    /// half-yearly outcome gets at least [`Trial::DEFAULT_PRE_PERIODS`] periods where the data
    /// reach back that far.
    pub pre_months_default: bool,
    pub note: String,
    pub comparison: Comparison,
    pub components: Vec<Component>,
}

impl Trial {
    /// The pre-period a yearly or half-yearly outcome gets at least when the study does not set
    /// `pre_months`: three years are three data points, too few to see a trend or fit a
    /// synthetic control.
    pub const DEFAULT_PRE_PERIODS: u32 = 5;

    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.name,
            Lang::En => &self.name_en,
        }
    }
}

/// What to do with months inside a COVID window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CovidHandling {
    /// Keep the months; charts shade them and findings mention them.
    Include,
    /// Drop every month that overlaps a COVID window from estimation, for all units alike.
    Exclude,
}

#[derive(Clone, Debug, Serialize)]
pub struct DateWindow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub label: String,
}

impl DateWindow {
    pub fn overlaps_month(&self, m: Month) -> bool {
        self.start <= m.last_day() && m.first_day() <= self.end
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Covid {
    pub handling: CovidHandling,
    pub windows: Vec<DateWindow>,
}

impl Covid {
    pub fn touches(&self, m: Month) -> bool {
        self.windows.iter().any(|w| w.overlaps_month(m))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub date: NaiveDate,
    pub label: String,
    pub label_en: String,
}

/// Panel layout: one row per municipality × period × outcome (`long`, the canonical form) or one
/// column per outcome (`wide`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Long,
    Wide,
}

#[derive(Clone, Debug, Serialize)]
pub struct DataSpec {
    /// The panel file; `None` when the sources give every outcome.
    pub panel: Option<PathBuf>,
    pub layout: Layout,
    pub separator: u8,
    pub cases: Option<PathBuf>,
    /// The case file's column naming the kind of case.
    pub case_type_column: String,
    pub truth: Option<PathBuf>,
    /// The panel's latest months that are provisional (may still be revised).
    pub provisional_months: u32,
    /// Statistical tables (Statbank, Jobindsats, spreadsheets), each giving one outcome.
    pub sources: Vec<SourceSpec>,
    /// Area names mapped by the study: a combined area to the municipality it stands for, or
    /// to nothing (left out). Keys are lower case.
    pub areas: BTreeMap<String, Option<Code>>,
    /// The panel's column names (`[data] columns`); `None` where the panel's header is to be
    /// searched for the usual names.
    pub columns: PanelColumns,
}

/// A municipality attribute that randomization inference keeps fixed: the participants were
/// chosen by it, so placebo participants are drawn within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stratum {
    /// The five regions.
    Region,
    /// Population in this many classes of (nearly) equal counts over the registry, smallest
    /// first: `size` is three (small, middle, large), `size:5` quintiles.
    Size(u32),
}

impl Stratum {
    /// The most size classes a study may ask for: with 98 municipalities, ten classes of about
    /// ten still leave a few comparison municipalities per class.
    pub const MAX_SIZE_CLASSES: u32 = 10;

    /// `region`, `size` or `size:K` (2 ≤ K ≤ [`Stratum::MAX_SIZE_CLASSES`]).
    pub fn parse(text: &str) -> Option<Stratum> {
        match text {
            "region" => Some(Stratum::Region),
            "size" => Some(Stratum::Size(3)),
            _ => {
                let k: u32 = text.strip_prefix("size:")?.parse().ok()?;
                (2..=Self::MAX_SIZE_CLASSES).contains(&k).then_some(Stratum::Size(k))
            }
        }
    }

    /// As the study file writes it.
    pub fn key(self) -> String {
        match self {
            Stratum::Region => "region".into(),
            Stratum::Size(3) => "size".into(),
            Stratum::Size(k) => format!("size:{k}"),
        }
    }
}

impl Serialize for Stratum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl Study {
    /// Every municipality's stratum under the study's `strata` (all 0 when there are none): one
    /// number per combination of region and size class.
    pub fn strata_map(&self) -> std::collections::BTreeMap<Code, u32> {
        let all = self.registry.all();
        let mut regions: Vec<&str> = all.iter().map(|m| m.region.as_str()).collect();
        regions.sort();
        regions.dedup();
        let mut sizes: Vec<u32> = all.iter().map(|m| m.population).collect();
        sizes.sort();
        all.iter()
            .map(|m| {
                let key = self.strata.iter().fold(0u32, |key, s| {
                    key * 1000
                        + match s {
                            Stratum::Region => regions.iter().position(|r| *r == m.region).unwrap_or(0) as u32,
                            Stratum::Size(k) => {
                                let rank = sizes.partition_point(|&p| p < m.population);
                                (*k as usize * rank / sizes.len().max(1)) as u32
                            }
                        }
                });
                (m.code, key)
            })
            .collect()
    }
}

/// The panel's own names for its columns (`[data] columns`), each `None` when not given.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PanelColumns {
    pub municipality: Option<String>,
    pub period: Option<String>,
    pub frequency: Option<String>,
    pub outcome: Option<String>,
    pub value: Option<String>,
    pub n: Option<String>,
}

/// One `[[data.sources]]` table.
#[derive(Clone, Debug, Serialize)]
pub struct SourceSpec {
    pub file: PathBuf,
    /// The study outcome its values measure.
    pub outcome: String,
    /// Workbook sheet (default: the first).
    pub sheet: Option<String>,
    /// The value column when there are several.
    pub measure: Option<String>,
    /// One value of each other dimension, by column name.
    pub filter: Vec<(String, String)>,
    pub separator: Option<u8>,
    /// `,` or `.`; detected over the whole column when `None`.
    pub decimal: Option<char>,
    pub encoding: Option<String>,
    /// The table's latest months that are provisional: registers revise their latest figures
    /// (Jobindsats' efterregistrering), so the default is 1. Values marked with a trailing `*`
    /// are provisional too.
    pub provisional: u32,
    /// The area column's header (or its letter, `E`, when the header is blank); searched for
    /// when `None`.
    pub area_column: Option<String>,
    /// The period column's header (or letter), for a table long in time; searched for when `None`.
    pub period_column: Option<String>,
}

/// How one trial component changes one outcome in simulated data.
#[derive(Clone, Debug, Serialize)]
pub struct SimEffect {
    pub trial: usize,
    pub component: usize,
    pub outcome: String,
    pub size: EffectSize,
    pub ramp_months: u32,
}

#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectSize {
    Additive(f64),
    Relative(f64),
}

#[derive(Clone, Debug, Serialize)]
pub struct Simulation {
    pub seed: u64,
    pub first: Month,
    pub last: Month,
    pub certificate_savings_dkk: Option<f64>,
    /// (trial, component) indices whose savings are calibrated.
    pub certificate_components: Vec<(usize, usize)>,
    pub effects: Vec<SimEffect>,
    pub jaf_inflow_per_1000: f64,
}

/// A savings analysis: the spending that a set of trial components avoided, per participating
/// municipality and in total, against a counterfactual from the comparison group's development.
#[derive(Clone, Debug, Serialize)]
pub struct Savings {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub source: SavingsSource,
    /// (trial, component) indices.
    pub components: Vec<(usize, usize)>,
    pub pre_months: u32,
}

/// Where a savings analysis finds its spending.
#[derive(Clone, Debug, Serialize)]
pub enum SavingsSource {
    /// Monthly values of a panel outcome: spending in DKK, or counts priced by `tariff`.
    Panel { outcome: String, tariff: Option<String> },
    /// Per-case counts in the case file, priced by type and year.
    Cases(CaseCosts),
}

/// Spending from the case file: each case's `count_column` items, priced by the tariff of its
/// type, in the month of its start (or end).
#[derive(Clone, Debug, Serialize)]
pub struct CaseCosts {
    pub count_column: String,
    pub type_column: Option<String>,
    /// Type value → tariff key. Without a type column: one entry with an empty value. With
    /// `only_listed`, other types are skipped; otherwise any other non-empty type is an error.
    pub prices: Vec<(String, String)>,
    pub only_listed: bool,
    pub date: CaseDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseDate {
    Start,
    End,
}

/// A type value as written in a case file or a tariff label, compared without case and spaces
/// ("LÆ 265" = "læ265").
pub fn type_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

impl Savings {
    /// The tariff keys this analysis prices with, without repeats.
    pub fn tariff_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = match &self.source {
            SavingsSource::Panel { tariff, .. } => tariff.iter().cloned().collect(),
            SavingsSource::Cases(c) => c.prices.iter().map(|(_, t)| t.clone()).collect(),
        };
        keys.sort();
        keys.dedup();
        keys
    }
}

/// A duration analysis: spells from the case file, by group (the component's participants vs
/// eligible comparison municipalities) and period (starting before vs during the component).
#[derive(Clone, Debug, Serialize)]
pub struct Durations {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub trial: usize,
    pub component: usize,
    pub horizon_weeks: f64,
    /// Only cases of these types (empty: every case).
    pub case_types: Vec<String>,
    /// Which direction of the duration is favourable (default: shorter).
    pub better: Better,
    /// Equivalence margin in weeks.
    pub margin: Option<f64>,
}

/// The covariates Callaway–Sant'Anna can be doubly robust in (`[inference] cs_covariates`)
/// besides the outcome keys (another outcome's pre-period mean): the outcome's pre-period level
/// and trend, the log population and the region (one indicator per region but the first among
/// the municipalities).
pub const CS_COVARIATES: &[&str] = &["level", "trend", "population", "region"];

/// A validated study.
#[derive(Clone, Debug)]
pub struct Study {
    pub path: PathBuf,
    pub name: String,
    pub title: String,
    pub title_en: String,
    pub synthetic: bool,
    /// Report languages, the main one first (never empty).
    pub languages: Vec<Lang>,
    pub data: DataSpec,
    pub registry: Registry,
    pub conf_level: Level,
    /// Seed and Monte Carlo draws of randomization inference.
    pub seed: u64,
    pub reps: Reps,
    /// Event-study window in months: leads before −1 and lags after 0 beyond these are binned.
    pub event_leads: u32,
    pub event_lags: u32,
    /// Multiplier-bootstrap draws for Callaway–Sant'Anna's simultaneous bands.
    pub band_reps: Reps,
    /// Small-sample correction of every cluster-robust variance.
    pub ssc: SmallSample,
    /// Comparison units of Callaway–Sant'Anna.
    pub cs_control: Control,
    /// Callaway–Sant'Anna with municipalities lacking a period: left out, or kept.
    pub cs_unbalanced: crate::estimate::cs::Unbalanced,
    /// Callaway–Sant'Anna's doubly robust covariates ([`CS_COVARIATES`]); empty: none.
    pub cs_covariates: Vec<String>,
    /// Per-period conformal intervals for synthetic-control designs (each costs a hundred and
    /// more synthetic-control fits per post period, so they run when asked for).
    pub synth_conformal: bool,
    /// What the event-study coefficients are measured from.
    pub event_base: crate::estimate::event::EventBase,
    /// Attributes within which randomization inference reassigns the start (empty: over every
    /// eligible municipality).
    pub strata: Vec<Stratum>,
    /// Placebo replications of the SDID standard error.
    pub sdid_reps: u32,
    pub min_cell: MinCell,
    pub covid: Covid,
    pub events: Vec<Event>,
    pub outcomes: Vec<Outcome>,
    pub tariffs: BTreeMap<String, Tariff>,
    pub trials: Vec<Trial>,
    pub exposures: Vec<Exposure>,
    pub savings: Vec<Savings>,
    pub durations: Vec<Durations>,
    pub simulation: Option<Simulation>,
}

impl Study {
    pub fn outcome(&self, key: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.key == key)
    }

    /// What an area cell of a data file names: the study's `[data] areas` first, then the
    /// registry.
    pub fn resolve_area(&self, text: &str) -> Result<crate::registry::Area, LookupError> {
        if let Some(mapped) = self.data.areas.get(&text.trim().to_lowercase()) {
            return Ok(mapped
                .map(crate::registry::Area::Municipality)
                .unwrap_or(crate::registry::Area::Aggregate(crate::registry::AreaKind::Mapped)));
        }
        self.registry.classify(text)
    }

    /// The data files, for messages: the panel and every source.
    pub fn data_files(&self) -> String {
        let files: Vec<String> = self
            .data
            .panel
            .iter()
            .chain(self.data.sources.iter().map(|s| &s.file))
            .map(|p| p.display().to_string())
            .collect();
        files.join(", ")
    }

    /// The main report language.
    pub fn language(&self) -> Lang {
        self.languages[0]
    }

    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.title,
            Lang::En => &self.title_en,
        }
    }
}
