//! The study: everything an evaluation needs, read from one TOML file and validated once.
//!
//! [`Study::load`] parses `study.toml` ([`raw`]), resolves municipality names to codes, parses
//! dates, and checks that trials, outcomes and settings fit together. Every problem found is
//! reported at once, each with the file, line, column and key it concerns. After loading, the
//! model cannot be inconsistent: later stages never re-check it.

mod raw;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::estimate::cs::Control;
use crate::inference::cluster::SmallSample;

use crate::period::{Month, parse_date};
use crate::registry::{Code, LookupError, Registry, edit_distance};

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
    pub note: String,
    pub comparison: Comparison,
    pub components: Vec<Component>,
}

impl Trial {
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
    pub conf_level: f64,
    /// Seed and Monte Carlo draws of randomization inference.
    pub seed: u64,
    pub reps: u64,
    /// Event-study window in months: leads before −1 and lags after 0 beyond these are binned.
    pub event_leads: u32,
    pub event_lags: u32,
    /// Multiplier-bootstrap draws for Callaway–Sant'Anna's simultaneous bands.
    pub band_reps: u64,
    /// Small-sample correction of every cluster-robust variance.
    pub ssc: SmallSample,
    /// Comparison units of Callaway–Sant'Anna.
    pub cs_control: Control,
    /// Placebo replications of the SDID standard error.
    pub sdid_reps: u32,
    pub min_cell: u32,
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
            return Ok(mapped.map(crate::registry::Area::Municipality).unwrap_or(crate::registry::Area::Skip));
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

/// One problem in a study file, located by line and column.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error("could not read study file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}\n  | {snippet}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String, snippet: String },
    #[error("{}", format_problems(path, problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
}

fn format_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!("{} has {} problem(s):", path.display(), problems.len());
    for p in problems {
        out.push_str(&format!("\n  {}:{}:{}: {}: {}", path.display(), p.line, p.column, p.key, p.message));
    }
    out
}

impl Study {
    /// Reads and validates a study file. Relative data paths are resolved against the study
    /// file's folder.
    pub fn load(path: &Path) -> Result<Study, StudyError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| StudyError::Read { path: path.to_path_buf(), source })?;
        Study::parse(&text, path)
    }

    /// Parses study text; `path` is used for messages and to resolve relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Study, StudyError> {
        let lines = LineIndex::new(text);
        let file: raw::StudyFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| lines.locate(s.start)).unwrap_or((1, 1));
            StudyError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: with_nearest_field(e.message().trim()),
                snippet: lines.line_text(line).to_string(),
            }
        })?;
        let mut v = Validator { lines: &lines, problems: Vec::new() };
        let study = v.study(file, path);
        if v.problems.is_empty() {
            Ok(study.expect("no problems means a study"))
        } else {
            Err(StudyError::Invalid { path: path.to_path_buf(), problems: v.problems })
        }
    }
}

struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.text.get(start..offset.min(self.text.len())).map(|s| s.chars().count()).unwrap_or(0);
        (line, column + 1)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let end = self.starts.get(line).map(|e| e - 1).unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or("").trim_end()
    }
}

struct Validator<'a> {
    lines: &'a LineIndex<'a>,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn report<T>(&mut self, spanned: &Spanned<T>, key: impl Into<String>, message: impl Into<String>) {
        let (line, column) = self.lines.locate(spanned.span().start);
        self.problems.push(Problem { line, column, key: key.into(), message: message.into() });
    }

    fn date(&mut self, s: &Spanned<String>, key: &str) -> Option<NaiveDate> {
        let d = parse_date(s.get_ref());
        if d.is_none() {
            self.report(s, key, format!("expected a date YYYY-MM-DD, found `{}`", s.get_ref()));
        }
        d
    }

    fn month(&mut self, s: &Spanned<String>, key: &str) -> Option<Month> {
        let m = Month::parse(s.get_ref());
        if m.is_none() {
            self.report(s, key, format!("expected a month YYYY-MM, found `{}`", s.get_ref()));
        }
        m
    }

    fn municipality(&mut self, registry: &Registry, s: &Spanned<String>, key: &str) -> Option<Code> {
        match registry.resolve(s.get_ref()) {
            Ok(code) => Some(code),
            Err(LookupError::Unknown { suggestion }) => {
                let hint = suggestion.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                self.report(
                    s,
                    key,
                    format!(
                        "unknown municipality `{}`: expected a name or 3-digit code from the registry{hint}",
                        s.get_ref()
                    ),
                );
                None
            }
            Err(LookupError::Ambiguous { names }) => {
                self.report(s, key, format!("`{}` names several municipalities: {}", s.get_ref(), names.join(", ")));
                None
            }
        }
    }

    fn choice<T: Copy>(&mut self, s: &Spanned<String>, key: &str, options: &[(&str, T)]) -> Option<T> {
        let found = options.iter().find(|(name, _)| *name == s.get_ref().as_str()).map(|(_, v)| *v);
        if found.is_none() {
            let names: Vec<_> = options.iter().map(|(n, _)| format!("`{n}`")).collect();
            self.report(s, key, format!("expected one of {}, found `{}`", names.join(", "), s.get_ref()));
        }
        found
    }

    /// The `[[data.sources]]` tables, their outcomes checked against the study's.
    fn sources(
        &mut self,
        data: &raw::DataSection,
        outcome_keys: &[String],
        resolve: &dyn Fn(&str) -> PathBuf,
    ) -> Vec<SourceSpec> {
        let mut out = Vec::new();
        for (i, s) in data.sources.iter().enumerate() {
            let key = format!("data.sources[{i}]");
            if !outcome_keys.contains(s.outcome.get_ref()) {
                self.report(
                    &s.outcome,
                    format!("{key}.outcome"),
                    format!(
                        "no outcome `{}` in [[outcomes]]{}",
                        s.outcome.get_ref(),
                        nearest(s.outcome.get_ref(), outcome_keys)
                    ),
                );
            }
            let separator = match &s.separator {
                Some(c) if c.get_ref() == "\\t" || c.get_ref() == "\t" => Some(b'\t'),
                Some(c) if c.get_ref().len() == 1 => Some(c.get_ref().as_bytes()[0]),
                Some(c) => {
                    self.report(c, format!("{key}.separator"), "expected one character such as `;`, `,` or `\\t`");
                    None
                }
                None => None,
            };
            let decimal = match &s.decimal {
                Some(d) if d.get_ref() == "," || d.get_ref() == "." => d.get_ref().chars().next(),
                Some(d) => {
                    self.report(d, format!("{key}.decimal"), format!("expected `,` or `.`, found `{}`", d.get_ref()));
                    None
                }
                None => None,
            };
            let encoding = match &s.encoding {
                Some(e) => match e.get_ref().to_ascii_lowercase().as_str() {
                    "utf-8" | "utf8" | "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                        Some(e.get_ref().clone())
                    }
                    other => {
                        self.report(
                            e,
                            format!("{key}.encoding"),
                            format!("expected `utf-8` or `windows-1252`, found `{other}`"),
                        );
                        None
                    }
                },
                None => None,
            };
            let provisional = match &s.provisional {
                Some(n) if (0..=120).contains(n.get_ref()) => *n.get_ref() as u32,
                Some(n) => {
                    self.report(n, format!("{key}.provisional"), "expected a number of months from 0 to 120");
                    0
                }
                None => 1,
            };
            out.push(SourceSpec {
                file: resolve(s.file.get_ref()),
                outcome: s.outcome.get_ref().clone(),
                sheet: s.sheet.clone(),
                measure: s.measure.clone(),
                filter: s.filter.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                separator,
                decimal,
                encoding,
                provisional,
            });
        }
        out
    }

    /// `language = "da"` or `language = ["da", "en"]`: distinct languages, the main one first.
    fn languages(&mut self, value: &Spanned<toml::Value>) -> Option<Vec<Lang>> {
        let expected = "expected `\"da\"`, `\"en\"` or a list of them such as `[\"da\", \"en\"]`";
        let names: Vec<&str> = match value.get_ref() {
            toml::Value::String(s) => vec![s.as_str()],
            toml::Value::Array(items) if !items.is_empty() => match items.iter().map(|v| v.as_str()).collect() {
                Some(names) => names,
                None => {
                    self.report(value, "study.language", expected);
                    return None;
                }
            },
            _ => {
                self.report(value, "study.language", expected);
                return None;
            }
        };
        let mut out = Vec::new();
        for name in names {
            match Lang::parse(name) {
                Some(l) if out.contains(&l) => {
                    self.report(value, "study.language", format!("`{name}` is listed twice"));
                    return None;
                }
                Some(l) => out.push(l),
                None => {
                    self.report(value, "study.language", format!("{expected}, found `{name}`"));
                    return None;
                }
            }
        }
        Some(out)
    }

    fn study(&mut self, file: raw::StudyFile, path: &Path) -> Option<Study> {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &str| dir.join(p);

        let name = file.study.name.get_ref().clone();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.report(&file.study.name, "study.name", "expected a folder-safe name (letters, digits, `-`, `_`)");
        }
        let provisional_months = match &file.data.provisional_months {
            Some(n) if !(0..=120).contains(n.get_ref()) => {
                self.report(n, "data.provisional_months", "expected a number of months from 0 to 120");
                None
            }
            Some(n) => Some(*n.get_ref() as u32),
            None => Some(0),
        };
        let languages = match &file.study.language {
            Some(l) => self.languages(l),
            None => Some(vec![Lang::Da]),
        };

        let registry = match &file.data.municipalities {
            None => Registry::embedded(),
            Some(p) => match std::fs::read_to_string(resolve(p.get_ref())) {
                Ok(text) => Registry::from_csv(&text).unwrap_or_else(|e| {
                    self.report(p, "data.municipalities", format!("invalid registry {}: {e}", p.get_ref()));
                    Registry::embedded()
                }),
                Err(e) => {
                    self.report(p, "data.municipalities", format!("could not read {}: {e}", p.get_ref()));
                    Registry::embedded()
                }
            },
        };
        let layout = match &file.data.layout {
            Some(l) => self.choice(l, "data.layout", &[("long", Layout::Long), ("wide", Layout::Wide)]),
            None => Some(Layout::Long),
        };
        let separator = match &file.data.separator {
            Some(s) if s.get_ref().len() == 1 => Some(s.get_ref().as_bytes()[0]),
            Some(s) => {
                self.report(s, "data.separator", "expected a single character such as `,` or `;`");
                None
            }
            None => Some(b','),
        };

        let conf_level = match &file.inference.conf_level {
            Some(c) if !(0.5..1.0).contains(c.get_ref()) => {
                self.report(
                    c,
                    "inference.conf_level",
                    format!("expected a level between 0.5 and 1, found {}", c.get_ref()),
                );
                0.95
            }
            Some(c) => *c.get_ref(),
            None => 0.95,
        };
        let reps = match &file.inference.reps {
            Some(r) if !(99..=10_000_000).contains(r.get_ref()) => {
                self.report(r, "inference.reps", "expected between 99 and 10,000,000 draws");
                9_999
            }
            Some(r) => *r.get_ref() as u64,
            None => 9_999,
        };
        let mut whole =
            |v: &Option<Spanned<i64>>, key: &str, range: std::ops::RangeInclusive<i64>, default: i64| match v {
                Some(x) if !range.contains(x.get_ref()) => {
                    self.report(
                        x,
                        format!("inference.{key}"),
                        format!("expected a whole number from {} to {}", range.start(), range.end()),
                    );
                    default as u32
                }
                Some(x) => *x.get_ref() as u32,
                None => default as u32,
            };
        let event_leads = whole(&file.inference.event_leads, "event_leads", 1..=240, 12);
        let event_lags = whole(&file.inference.event_lags, "event_lags", 0..=240, 24);
        let band_reps = whole(&file.inference.band_reps, "band_reps", 99..=100_000, 999);
        let sdid_reps = whole(&file.inference.sdid_reps, "sdid_reps", 2..=100_000, 200);
        let ssc = match file.inference.ssc.as_ref().map(|s| (s, s.get_ref().as_str())) {
            None | Some((_, "fixest")) => SmallSample::Fixest,
            Some((_, "cluster")) => SmallSample::Cluster,
            Some((_, "none")) => SmallSample::None,
            Some((s, other)) => {
                self.report(
                    s,
                    "inference.ssc",
                    format!("expected \"fixest\", \"cluster\" or \"none\", found \"{other}\""),
                );
                SmallSample::Fixest
            }
        };
        let cs_control = match file.inference.cs_control.as_ref().map(|s| (s, s.get_ref().as_str())) {
            None | Some((_, "never")) => Control::Never,
            Some((_, "notyet")) => Control::NotYet,
            Some((s, other)) => {
                self.report(s, "inference.cs_control", format!("expected \"never\" or \"notyet\", found \"{other}\""));
                Control::Never
            }
        };
        let min_cell = match &file.confidentiality.min_cell {
            Some(n) if *n.get_ref() < 1 => {
                self.report(n, "confidentiality.min_cell", "expected a whole number of persons, at least 1");
                5
            }
            Some(n) => *n.get_ref() as u32,
            None => 5,
        };

        let handling = match &file.covid.handling {
            Some(h) => self.choice(
                h,
                "covid.handling",
                &[("include", CovidHandling::Include), ("exclude", CovidHandling::Exclude)],
            ),
            None => Some(CovidHandling::Include),
        };
        let mut windows = Vec::new();
        for (i, w) in file.covid.windows.iter().enumerate() {
            let key = format!("covid.windows[{i}]");
            let (s, e) = (self.date(&w.start, &format!("{key}.start")), self.date(&w.end, &format!("{key}.end")));
            if let (Some(start), Some(end)) = (s, e) {
                if end < start {
                    self.report(
                        &w.end,
                        format!("{key}.end"),
                        format!("the window ends ({end}) before it starts ({start})"),
                    );
                }
                windows.push(DateWindow { start, end, label: w.label.clone().unwrap_or_else(|| "COVID-19".into()) });
            }
        }
        let mut events = Vec::new();
        for (i, ev) in file.events.iter().enumerate() {
            if let Some(date) = self.date(&ev.date, &format!("events[{i}].date")) {
                let label_en = ev.label_en.clone().unwrap_or_else(|| ev.label.clone());
                events.push(Event { date, label: ev.label.clone(), label_en });
            }
        }

        let mut tariffs = BTreeMap::new();
        for (key, t) in &file.tariffs {
            let mut prices = BTreeMap::new();
            for (year, price) in &t.prices {
                match year.parse::<i32>() {
                    Ok(y) if *price > 0.0 => {
                        prices.insert(y, *price);
                    }
                    _ => self.problems.push(Problem {
                        line: 1,
                        column: 1,
                        key: format!("tariffs.{key}.prices"),
                        message: format!("expected `YEAR = positive price`, found `{year} = {price}`"),
                    }),
                }
            }
            if prices.is_empty() {
                self.problems.push(Problem {
                    line: 1,
                    column: 1,
                    key: format!("tariffs.{key}"),
                    message: "a tariff needs at least one price".into(),
                });
            }
            tariffs.insert(key.clone(), Tariff { label: t.label.clone(), prices, yearly_index: t.yearly_index });
        }

        let mut outcomes: Vec<Outcome> = Vec::new();
        for (i, o) in file.outcomes.iter().enumerate() {
            let key = format!("outcomes[{i}]");
            if outcomes.iter().any(|x| &x.key == o.key.get_ref()) {
                self.report(&o.key, format!("{key}.key"), format!("outcome `{}` is declared twice", o.key.get_ref()));
            }
            let unit = self.choice(
                &o.unit,
                &format!("{key}.unit"),
                &[("percent", Unit::Percent), ("weeks", Unit::Weeks), ("dkk", Unit::Dkk), ("count", Unit::Count)],
            );
            let better = self.choice(
                &o.better,
                &format!("{key}.better"),
                &[("higher", Better::Higher), ("lower", Better::Lower)],
            );
            if let Some(m) = &o.margin
                && m.get_ref().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            {
                self.report(m, format!("{key}.margin"), "expected a positive equivalence margin");
            }
            if let Some(p) = &o.price
                && !tariffs.contains_key(p.get_ref())
            {
                self.report(p, format!("{key}.price"), format!("no tariff `{}` in [tariffs]", p.get_ref()));
            }
            if let (Some(unit), Some(better)) = (unit, better) {
                outcomes.push(Outcome {
                    key: o.key.get_ref().clone(),
                    label: o.label.clone(),
                    label_en: o.label_en.clone().unwrap_or_else(|| o.label.clone()),
                    unit,
                    better,
                    margin: o.margin.as_ref().map(|m| *m.get_ref()),
                    n_column: o.n_column.clone(),
                    price: o.price.as_ref().map(|p| p.get_ref().clone()),
                });
            }
        }
        let outcome_keys: Vec<String> = file.outcomes.iter().map(|o| o.key.get_ref().clone()).collect();
        let sources = self.sources(&file.data, &outcome_keys, &resolve);
        let mut areas = BTreeMap::new();
        for (name, target) in &file.data.areas {
            let code = if target.get_ref().trim().is_empty() {
                Some(None)
            } else {
                self.municipality(&registry, target, &format!("data.areas.\"{name}\"")).map(Some)
            };
            if let Some(code) = code {
                areas.insert(name.trim().to_lowercase(), code);
            }
        }
        if file.data.panel.is_none() && file.data.sources.is_empty() {
            self.problems.push(Problem {
                line: 1,
                column: 1,
                key: "data.panel".into(),
                message: "the study needs data: a `panel` file or at least one [[data.sources]]".into(),
            });
        }
        for (what, empty) in [("outcomes", file.outcomes.is_empty()), ("trials", file.trials.is_empty())] {
            if empty {
                self.problems.push(Problem {
                    line: 1,
                    column: 1,
                    key: what.into(),
                    message: format!("a study needs at least one [[{what}]] table"),
                });
            }
        }

        let mut trials: Vec<Trial> = Vec::new();
        let mut trial_keys = BTreeSet::new();
        for (ti, t) in file.trials.iter().enumerate() {
            let key = format!("trials[{ti}]");
            if !trial_keys.insert(t.key.get_ref().clone()) {
                self.report(&t.key, format!("{key}.key"), format!("trial key `{}` is used twice", t.key.get_ref()));
            }
            let end = self.date(&t.end, &format!("{key}.end"));
            let evaluation_end = match &t.evaluation_end {
                Some(e) => self.date(e, &format!("{key}.evaluation_end")),
                None => end,
            };
            let pre_months = match &t.pre_months {
                Some(p) if !(1..=240).contains(p.get_ref()) => {
                    self.report(p, format!("{key}.pre_months"), "expected between 1 and 240 months");
                    None
                }
                Some(p) => Some(*p.get_ref() as u32),
                None => Some(36),
            };
            let mut components = Vec::new();
            for (ci, c) in t.components.iter().enumerate() {
                let ckey = format!("{key}.components[{ci}]");
                let start = self.date(&c.start, &format!("{ckey}.start"));
                let cend = match &c.end {
                    Some(e) => self.date(e, &format!("{ckey}.end")),
                    None => end,
                };
                if let (Some(s), Some(e)) = (start, cend)
                    && e < s
                {
                    let at = c.end.as_ref().unwrap_or(&t.end);
                    self.report(at, format!("{ckey}.end"), format!("the trial ends ({e}) before it starts ({s})"));
                }
                let mut participants: Vec<Participant> = Vec::new();
                for (pi, p) in c.participants.iter().enumerate() {
                    if let Some(code) = self.municipality(&registry, p, &format!("{ckey}.participants[{pi}]")) {
                        if participants.iter().any(|x| x.code == code) {
                            self.report(
                                p,
                                format!("{ckey}.participants[{pi}]"),
                                format!("`{}` is listed twice", p.get_ref()),
                            );
                        }
                        participants.push(Participant { code, start: start.unwrap_or_default() });
                    }
                }
                if c.participants.is_empty() {
                    self.report(&c.key, format!("{ckey}.participants"), "a component needs at least one participant");
                }
                for (who, when) in &c.starts {
                    let skey = format!("{ckey}.starts.{who}");
                    let code = match registry.resolve(who) {
                        Ok(code) => Some(code),
                        Err(_) => {
                            self.report(when, &skey, format!("unknown municipality `{who}`"));
                            None
                        }
                    };
                    let date = self.date(when, &skey);
                    if let (Some(code), Some(date)) = (code, date) {
                        match participants.iter_mut().find(|p| p.code == code) {
                            Some(p) => p.start = date,
                            None => self.report(when, &skey, format!("`{who}` is not a participant of this component")),
                        }
                        if let Some(e) = cend
                            && e < date
                        {
                            self.report(when, &skey, format!("starts ({date}) after the trial ends ({e})"));
                        }
                    }
                }
                let mut outs = Vec::new();
                for (oi, o) in c.outcomes.iter().enumerate() {
                    if outcome_keys.contains(o.get_ref()) {
                        outs.push(o.get_ref().clone());
                    } else {
                        let hint = nearest(o.get_ref(), &outcome_keys);
                        self.report(
                            o,
                            format!("{ckey}.outcomes[{oi}]"),
                            format!("no outcome `{}` is declared{hint}", o.get_ref()),
                        );
                    }
                }
                let mut exclude = Vec::new();
                for (ei, e) in c.exclude.iter().enumerate() {
                    if let Some(code) = self.municipality(&registry, e, &format!("{ckey}.exclude[{ei}]")) {
                        exclude.push(code);
                    }
                }
                if let (Some(start), Some(cend)) = (start, cend) {
                    components.push(Component {
                        key: c.key.get_ref().clone(),
                        name: c.name.clone(),
                        name_en: c.name_en.clone().unwrap_or_else(|| c.name.clone()),
                        start,
                        end: cend,
                        participants,
                        outcomes: outs,
                        exclude,
                    });
                }
            }
            if let (Some(end), Some(evaluation_end), Some(pre_months)) = (end, evaluation_end, pre_months) {
                trials.push(Trial {
                    key: t.key.get_ref().clone(),
                    name: t.name.clone(),
                    name_en: t.name_en.clone().unwrap_or_else(|| t.name.clone()),
                    theme: t.theme.clone(),
                    theme_en: t.theme_en.clone().unwrap_or_else(|| t.theme.clone()),
                    network: t.network.clone(),
                    end,
                    evaluation_end,
                    pre_months,
                    note: t.note.clone(),
                    comparison: self.comparison(&t.comparison, &registry, &outcome_keys, &key),
                    components,
                });
            }
        }

        let simulation =
            file.simulation.as_ref().and_then(|s| self.simulation(s, &file.trials, &trials, &outcome_keys));
        let savings =
            self.savings(&file.savings, &file.trials, &trials, &outcomes, &tariffs, file.data.cases.is_some());
        let mut durations = Vec::new();
        for (i, d) in file.durations.iter().enumerate() {
            let key = format!("durations[{i}]");
            if file.data.cases.is_none() {
                self.report(&d.key, &key, "a duration analysis needs a case file: set `cases` in [data]");
            }
            let horizon_weeks = match &d.horizon_weeks {
                Some(h) if !(h.get_ref().is_finite() && *h.get_ref() > 0.0) => {
                    self.report(h, format!("{key}.horizon_weeks"), "expected a positive number of weeks");
                    104.0
                }
                Some(h) => *h.get_ref(),
                None => 104.0,
            };
            let better = match &d.better {
                Some(b) => {
                    self.choice(b, &format!("{key}.better"), &[("higher", Better::Higher), ("lower", Better::Lower)])
                }
                None => Some(Better::Lower),
            };
            if let Some(m) = &d.margin
                && m.get_ref().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            {
                self.report(m, format!("{key}.margin"), "expected a positive equivalence margin in weeks");
            }
            if let Some((trial, component)) =
                self.component_ref(&d.component, &format!("{key}.component"), &file.trials, &trials)
                && let Some(better) = better
            {
                durations.push(Durations {
                    key: d.key.get_ref().clone(),
                    name: d.name.clone(),
                    name_en: d.name_en.clone().unwrap_or_else(|| d.name.clone()),
                    trial,
                    component,
                    horizon_weeks,
                    case_types: d.case_types.clone().unwrap_or_default(),
                    better,
                    margin: d.margin.as_ref().map(|m| *m.get_ref()),
                });
            }
        }
        let mut exposures = Vec::new();
        for (i, e) in file.exposures.iter().enumerate() {
            let key = format!("exposures[{i}]");
            let municipalities: Vec<Code> = e
                .municipalities
                .iter()
                .enumerate()
                .filter_map(|(mi, m)| self.municipality(&registry, m, &format!("{key}.municipalities[{mi}]")))
                .collect();
            let start = self.date(&e.start, &format!("{key}.start"));
            let end = e.end.as_ref().and_then(|d| self.date(d, &format!("{key}.end")));
            if let Some(start) = start {
                exposures.push(Exposure { name: e.name.clone(), municipalities, start, end });
            }
        }

        Some(Study {
            path: path.to_path_buf(),
            name,
            title: file.study.title.clone(),
            title_en: file.study.title_en.clone().unwrap_or_else(|| file.study.title.clone()),
            synthetic: file.study.synthetic,
            languages: languages?,
            data: DataSpec {
                panel: file.data.panel.as_ref().map(|p| resolve(p.get_ref())),
                layout: layout?,
                separator: separator?,
                cases: file.data.cases.as_ref().map(|p| resolve(p.get_ref())),
                case_type_column: file.data.case_type_column.clone().unwrap_or_else(|| "case_type".into()),
                truth: file.data.truth.as_ref().map(|p| resolve(p.get_ref())),
                provisional_months: provisional_months?,
                sources,
                areas,
            },
            registry,
            conf_level,
            seed: file.inference.seed.unwrap_or(1),
            reps,
            event_leads,
            event_lags,
            band_reps: band_reps as u64,
            ssc,
            cs_control,
            sdid_reps,
            min_cell,
            covid: Covid { handling: handling?, windows },
            events,
            outcomes,
            tariffs,
            trials,
            exposures,
            savings,
            durations,
            simulation,
        })
    }

    fn comparison(
        &mut self,
        c: &raw::ComparisonSection,
        registry: &Registry,
        outcome_keys: &[String],
        trial_key: &str,
    ) -> Comparison {
        let key = format!("{trial_key}.comparison");
        let mut out = Comparison::default();
        if let Some(d) = &c.design
            && let Some(design) = self.choice(
                d,
                &format!("{key}.design"),
                &[
                    ("all", ComparisonDesign::All),
                    ("list", ComparisonDesign::List),
                    ("matching", ComparisonDesign::Matching),
                    ("synth", ComparisonDesign::Synth),
                    ("sdid", ComparisonDesign::Sdid),
                ],
            )
        {
            out.design = design;
        }
        out.exclude_exposed = c.exclude_exposed.unwrap_or(true);
        out.units = c
            .units
            .iter()
            .enumerate()
            .filter_map(|(i, u)| self.municipality(registry, u, &format!("{key}.units[{i}]")))
            .collect();
        if out.design == ComparisonDesign::List
            && out.units.len() < 2
            && let Some(d) = &c.design
        {
            self.report(d, format!("{key}.units"), "design = \"list\" needs at least two municipalities in `units`");
        }
        if let Some(k) = &c.k {
            if (1..=20).contains(k.get_ref()) {
                out.k = *k.get_ref() as usize;
            } else {
                self.report(k, format!("{key}.k"), "expected between 1 and 20 neighbours per treated municipality");
            }
        }
        out.replace = c.replace.unwrap_or(false);
        let mut covariate_names: Vec<String> = vec!["population".into()];
        covariate_names.extend(outcome_keys.iter().cloned());
        if !c.match_on.is_empty() {
            let mut allowed: Vec<String> = vec!["level".into(), "trend".into(), "region".into()];
            allowed.extend(covariate_names.iter().cloned());
            out.match_on.clear();
            for (i, m) in c.match_on.iter().enumerate() {
                if allowed.contains(m.get_ref()) {
                    out.match_on.push(m.get_ref().clone());
                } else {
                    let hint = nearest(m.get_ref(), &allowed);
                    self.report(
                        m,
                        format!("{key}.match_on[{i}]"),
                        format!(
                            "`{}` is not a matching variable: expected level, trend, population, region or an outcome key{hint}",
                            m.get_ref()
                        ),
                    );
                }
            }
        }
        if !c.predictors.is_empty() {
            out.predictors.clear();
            for (i, p) in c.predictors.iter().enumerate() {
                match crate::estimate::scm::Predictor::parse(p.get_ref()) {
                    Ok(crate::estimate::scm::Predictor::Covariate(name)) if !covariate_names.contains(&name) => {
                        let hint = nearest(&name, &covariate_names);
                        self.report(
                            p,
                            format!("{key}.predictors[{i}]"),
                            format!(
                                "`{name}` is not a predictor: expected blocks:B, mean, last, population or an outcome key{hint}"
                            ),
                        );
                    }
                    Ok(pred) => out.predictors.push(pred),
                    Err(e) => self.report(p, format!("{key}.predictors[{i}]"), e),
                }
            }
        }
        if let Some(v) = &c.v {
            if v.get_ref().iter().any(|x| !x.is_finite() || *x < 0.0) || v.get_ref().iter().sum::<f64>() <= 0.0 {
                self.report(v, format!("{key}.v"), "expected non-negative predictor weights, not all zero");
            } else {
                out.v = Some(v.get_ref().clone());
            }
        }
        out
    }

    /// Resolves `trial.component` to indices, reporting an unknown one with the nearest valid key.
    fn component_ref(
        &mut self,
        spec: &Spanned<String>,
        key: &str,
        raw_trials: &[raw::TrialSection],
        trials: &[Trial],
    ) -> Option<(usize, usize)> {
        let (tk, ck) = spec.get_ref().split_once('.').unwrap_or((spec.get_ref(), ""));
        let found = trials
            .iter()
            .enumerate()
            .find(|(_, t)| t.key == tk)
            .and_then(|(ti, t)| t.components.iter().position(|c| c.key == ck).map(|ci| (ti, ci)));
        if found.is_none() {
            let all: Vec<String> = raw_trials
                .iter()
                .flat_map(|t| t.components.iter().map(move |c| format!("{}.{}", t.key.get_ref(), c.key.get_ref())))
                .collect();
            let hint = nearest(spec.get_ref(), &all);
            self.report(spec, key, format!("no component `{}` (expected `trial.component`){hint}", spec.get_ref()));
        }
        found
    }

    fn savings(
        &mut self,
        sections: &[raw::SavingsSection],
        raw_trials: &[raw::TrialSection],
        trials: &[Trial],
        outcomes: &[Outcome],
        tariffs: &BTreeMap<String, Tariff>,
        has_cases: bool,
    ) -> Vec<Savings> {
        let mut out = Vec::new();
        for (i, s) in sections.iter().enumerate() {
            let key = format!("savings[{i}]");
            if out.iter().any(|o: &Savings| &o.key == s.key.get_ref()) {
                self.report(&s.key, format!("{key}.key"), format!("savings key `{}` is used twice", s.key.get_ref()));
            }
            let source = match s.source.as_ref().map(|x| x.get_ref().as_str()) {
                None | Some("panel") => self.panel_spending(s, &key, outcomes, tariffs),
                Some("cases") => self.case_spending(s, &key, tariffs, has_cases),
                Some(other) => {
                    let hint = nearest(other, &["panel".to_string(), "cases".to_string()]);
                    self.report(
                        s.source.as_ref().expect("matched Some"),
                        format!("{key}.source"),
                        format!("expected `panel` or `cases`, found `{other}`{hint}"),
                    );
                    None
                }
            };
            let Some(source) = source else { continue };
            let mut components = Vec::new();
            for (j, c) in s.components.iter().enumerate() {
                if let Some(tc) = self.component_ref(c, &format!("{key}.components[{j}]"), raw_trials, trials) {
                    components.push(tc);
                }
            }
            if s.components.is_empty() {
                self.report(&s.key, format!("{key}.components"), "name at least one `trial.component`");
            }
            let pre_months = match &s.pre_months {
                Some(n) if !(6..=120).contains(n.get_ref()) => {
                    self.report(n, format!("{key}.pre_months"), "expected a number of months from 6 to 120");
                    36
                }
                Some(n) => *n.get_ref() as u32,
                None => components.iter().map(|&(t, _)| trials[t].pre_months).max().unwrap_or(36),
            };
            out.push(Savings {
                key: s.key.get_ref().clone(),
                name: s.name.clone(),
                name_en: s.name_en.clone().unwrap_or_else(|| s.name.clone()),
                source,
                components,
                pre_months,
            });
        }
        out
    }

    /// A tariff key, reported with the nearest valid key when it is not in [tariffs].
    fn tariff_ref(&mut self, t: &Spanned<String>, key: &str, tariffs: &BTreeMap<String, Tariff>) -> Option<String> {
        if tariffs.contains_key(t.get_ref()) {
            return Some(t.get_ref().clone());
        }
        let keys: Vec<String> = tariffs.keys().cloned().collect();
        let hint = nearest(t.get_ref(), &keys);
        self.report(t, key, format!("no tariff `{}` in [tariffs]{hint}", t.get_ref()));
        None
    }

    /// `[[savings]]` with source = "panel": an outcome in kr., or a count outcome and its tariff.
    fn panel_spending(
        &mut self,
        s: &raw::SavingsSection,
        key: &str,
        outcomes: &[Outcome],
        tariffs: &BTreeMap<String, Tariff>,
    ) -> Option<SavingsSource> {
        for (field, given) in [
            ("count_column", s.count_column.is_some()),
            ("type_column", s.type_column.is_some()),
            ("types", s.types.is_some()),
            ("date", s.date.is_some()),
        ] {
            if given {
                self.report(&s.key, format!("{key}.{field}"), format!("`{field}` belongs to source = \"cases\""));
            }
        }
        let Some(o) = &s.outcome else {
            self.report(&s.key, format!("{key}.outcome"), "name the outcome that holds the spending or counts");
            return None;
        };
        let Some(outcome) = outcomes.iter().find(|x| &x.key == o.get_ref()) else {
            let keys: Vec<String> = outcomes.iter().map(|o| o.key.clone()).collect();
            let hint = nearest(o.get_ref(), &keys);
            self.report(o, format!("{key}.outcome"), format!("no outcome `{}` is declared{hint}", o.get_ref()));
            return None;
        };
        let tariff = match (&s.tariff, outcome.unit) {
            (None, Unit::Dkk) => None,
            (None, _) => {
                self.report(
                    o,
                    format!("{key}.tariff"),
                    format!(
                        "outcome `{}` is not in kr.: name the tariff that prices it (`tariff = \"…\"`)",
                        outcome.key
                    ),
                );
                None
            }
            (Some(t), Unit::Dkk) => {
                self.report(
                    t,
                    format!("{key}.tariff"),
                    format!("outcome `{}` is already in kr.; leave out `tariff`", outcome.key),
                );
                None
            }
            (Some(t), _) => self.tariff_ref(t, &format!("{key}.tariff"), tariffs),
        };
        Some(SavingsSource::Panel { outcome: outcome.key.clone(), tariff })
    }

    /// `[[savings]]` with source = "cases": a count column priced by one tariff, or by the tariff
    /// of each case's type.
    fn case_spending(
        &mut self,
        s: &raw::SavingsSection,
        key: &str,
        tariffs: &BTreeMap<String, Tariff>,
        has_cases: bool,
    ) -> Option<SavingsSource> {
        if !has_cases {
            self.report(&s.key, key, "source = \"cases\" needs a case file: set `cases` in [data]");
        }
        if let Some(o) = &s.outcome {
            self.report(o, format!("{key}.outcome"), "source = \"cases\" reads the case file; leave out `outcome`");
        }
        let Some(count_column) = &s.count_column else {
            self.report(&s.key, format!("{key}.count_column"), "name the case-file column with each case's count");
            return None;
        };
        let date = match s.date.as_ref().map(|d| d.get_ref().as_str()) {
            None | Some("start") => CaseDate::Start,
            Some("end") => CaseDate::End,
            Some(other) => {
                self.report(
                    s.date.as_ref().expect("matched Some"),
                    format!("{key}.date"),
                    format!("expected `start` or `end`, found `{other}`"),
                );
                CaseDate::Start
            }
        };
        let mut prices = Vec::new();
        let only_listed = s.types.is_some();
        match (&s.type_column, &s.tariff, &s.types) {
            (None, Some(t), None) => {
                prices.extend(self.tariff_ref(t, &format!("{key}.tariff"), tariffs).map(|t| (String::new(), t)))
            }
            (None, None, _) => {
                self.report(
                    &s.key,
                    format!("{key}.tariff"),
                    "name a `tariff`, or a `type_column` whose types name tariffs",
                );
                return None;
            }
            (None, _, Some(_)) => {
                self.report(&s.key, format!("{key}.types"), "`types` needs a `type_column`");
                return None;
            }
            (Some(_), Some(t), _) => {
                self.report(
                    t,
                    format!("{key}.tariff"),
                    "with a `type_column` each type names its tariff; leave out `tariff`",
                );
                return None;
            }
            (Some(_), None, Some(types)) => {
                for (value, t) in types {
                    if let Some(t) = self.tariff_ref(t, &format!("{key}.types.{value}"), tariffs) {
                        prices.push((type_key(value), t));
                    }
                }
            }
            (Some(_), None, None) => {
                if tariffs.is_empty() {
                    self.report(
                        &s.key,
                        format!("{key}.type_column"),
                        "types are priced by [tariffs], and there are none",
                    );
                }
                for (k, t) in tariffs {
                    prices.push((type_key(k), k.clone()));
                    prices.push((type_key(&t.label), k.clone()));
                }
                prices.sort();
                prices.dedup();
            }
        }
        Some(SavingsSource::Cases(CaseCosts {
            count_column: count_column.get_ref().clone(),
            type_column: s.type_column.as_ref().map(|c| c.get_ref().clone()),
            prices,
            only_listed,
            date,
        }))
    }

    fn simulation(
        &mut self,
        s: &raw::SimulationSection,
        raw_trials: &[raw::TrialSection],
        trials: &[Trial],
        outcome_keys: &[String],
    ) -> Option<Simulation> {
        let first = self.month(&s.first, "simulation.first");
        let last = self.month(&s.last, "simulation.last");
        let find = |v: &mut Self, spec: &Spanned<String>, key: &str| v.component_ref(spec, key, raw_trials, trials);
        let mut certificate_components = Vec::new();
        for (i, c) in s.certificate_components.iter().enumerate() {
            if let Some(tc) = find(self, c, &format!("simulation.certificate_components[{i}]")) {
                certificate_components.push(tc);
            }
        }
        let mut effects = Vec::new();
        for (i, e) in s.effects.iter().enumerate() {
            let key = format!("simulation.effects[{i}]");
            let tc = find(self, &e.component, &format!("{key}.component"));
            if !outcome_keys.contains(e.outcome.get_ref()) {
                self.report(
                    &e.outcome,
                    format!("{key}.outcome"),
                    format!("no outcome `{}` is declared", e.outcome.get_ref()),
                );
            }
            let size = match (e.effect, e.relative) {
                (Some(a), None) => Some(EffectSize::Additive(a)),
                (None, Some(r)) => Some(EffectSize::Relative(r)),
                _ => {
                    self.report(&e.component, &key, "give exactly one of `effect` (additive) or `relative`");
                    None
                }
            };
            if let (Some((trial, component)), Some(size)) = (tc, size) {
                effects.push(SimEffect {
                    trial,
                    component,
                    outcome: e.outcome.get_ref().clone(),
                    size,
                    ramp_months: e.ramp_months.max(1),
                });
            }
        }
        let (first, last) = (first?, last?);
        if last < first {
            self.report(&s.last, "simulation.last", "the simulated period ends before it starts");
        }
        Some(Simulation {
            seed: s.seed,
            first,
            last,
            certificate_savings_dkk: s.certificate_savings_dkk,
            certificate_components,
            effects,
            jaf_inflow_per_1000: s.jaf_inflow_per_1000.unwrap_or(0.15),
        })
    }
}

/// The TOML reader's "unknown field `x`, expected one of `a`, `b`" with the nearest valid key
/// named first: "unknown field `pre_month` (did you mean `pre_months`?), expected one of …".
fn with_nearest_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message.to_string() };
    let Some((field, expected)) = rest.split_once('`') else { return message.to_string() };
    let candidates: Vec<String> = expected.split('`').skip(1).step_by(2).map(str::to_string).collect();
    let hint = nearest(field, &candidates);
    if hint.is_empty() { message.to_string() } else { format!("unknown field `{field}`{hint}{expected}") }
}

/// " (did you mean `x`?)" when a candidate is close to `key`.
pub(crate) fn nearest(key: &str, candidates: &[String]) -> String {
    candidates
        .iter()
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.line, self.column, self.key, self.message)
    }
}
