//! The canonical aggregate panel: municipality × month × outcome, held densely.
//!
//! Municipal panels are small (98 units × a few hundred months), so a dense unit-major matrix
//! per outcome with NaN for missing cells is both the simplest and the fastest representation.
//!
//! An outcome has one frequency. A quarterly, half-yearly or yearly value is filed under the last
//! month of its period (a year's value is known at its end), so every outcome shares the monthly
//! calendar and the months between two period ends are simply empty for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use super::periods::{Frequency, Period};
use super::polars_io::{TextTable, read_text_table};
use super::{CellProblem, IngestError, MAX_LISTED};
use crate::period::{Month, MonthRange};
use crate::registry::Code;
use crate::study::{Layout, Study, Unit};

/// One outcome's values (and, where declared, the persons behind each value).
#[derive(Clone, Debug)]
pub struct Series {
    /// NaN where missing or suppressed.
    pub values: Vec<f64>,
    pub n: Option<Vec<f64>>,
    /// Cells the source suppressed (`..`), as opposed to cells that are absent or empty.
    pub suppressed: Vec<bool>,
}

#[derive(Clone, Debug)]
pub struct Panel {
    pub months: MonthRange,
    pub units: Vec<Code>,
    pub series: BTreeMap<String, Series>,
    /// Per outcome, the first month its statistical table marks or declares provisional (its
    /// latest periods may still be revised).
    pub provisional: BTreeMap<String, Month>,
    /// Outcomes observed less often than monthly; the others are monthly.
    pub frequencies: BTreeMap<String, Frequency>,
}

impl Panel {
    /// How often `outcome` is observed.
    pub fn frequency(&self, outcome: &str) -> Frequency {
        self.frequencies.get(outcome).copied().unwrap_or_default()
    }

    /// The months under which `outcome` can have values: every month for a monthly outcome,
    /// the last month of each period otherwise.
    pub fn observation_months(&self, outcome: &str) -> Vec<Month> {
        let f = self.frequency(outcome);
        self.months.first.through(self.months.last).filter(|m| f.is_period_end(*m)).collect()
    }

    pub fn unit_index(&self, code: Code) -> Option<usize> {
        self.units.binary_search(&code).ok()
    }

    fn cell(&self, unit: usize, month: Month) -> Option<usize> {
        self.months.contains(month).then(|| unit * self.months.len() + month.since(self.months.first) as usize)
    }

    /// The value, or `None` when missing or suppressed.
    pub fn value(&self, outcome: &str, unit: usize, month: Month) -> Option<f64> {
        let s = self.series.get(outcome)?;
        let v = s.values[self.cell(unit, month)?];
        (!v.is_nan()).then_some(v)
    }

    /// Whether the source suppressed the cell (`..`) rather than leaving it empty.
    pub fn suppressed(&self, outcome: &str, unit: usize, month: Month) -> bool {
        self.series.get(outcome).zip(self.cell(unit, month)).is_some_and(|(s, i)| s.suppressed.get(i) == Some(&true))
    }

    /// Persons behind the value, when the outcome declares an `n_column`.
    pub fn persons(&self, outcome: &str, unit: usize, month: Month) -> Option<f64> {
        let s = self.series.get(outcome)?;
        let n = s.n.as_ref()?[self.cell(unit, month)?];
        (!n.is_nan()).then_some(n)
    }
}

struct Problems {
    list: Vec<CellProblem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, row: usize, column: &str, value: &str, expected: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_LISTED {
            self.list.push(CellProblem { row, column: column.into(), value: value.into(), expected: expected.into() });
        }
    }
}

/// Reads and validates the study's panel file and every `[[data.sources]]` table, and merges
/// them into one panel. Problems of all files are collected before anything is returned.
pub fn read_panel(study: &Study) -> Result<Panel, IngestError> {
    let mut errors = Vec::new();
    let mut obs: Vec<Obs> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut has_n = vec![false; study.outcomes.len()];
    if let Some(path) = &study.data.panel {
        match read_text_table(path, study.data.separator) {
            Err(message) => {
                let message = if message.contains("invalid utf-8") {
                    format!(
                        "{message}: the panel file must be UTF-8; save it as UTF-8, or read it as a [[data.sources]] table, which also takes Windows-1252"
                    )
                } else {
                    message
                };
                errors.push(IngestError::Read { path: path.clone(), message })
            }
            Ok(table) => {
                let mut problems = Problems { list: Vec::new(), total: 0 };
                obs = collect(study, &table, &mut problems, &mut has_n);
                if problems.total > 0 {
                    errors.push(IngestError::Invalid {
                        path: path.clone(),
                        problems: problems.list,
                        total: problems.total,
                    });
                }
            }
        }
        files.push(path.clone());
    }
    let mut provisional: BTreeMap<String, Month> = BTreeMap::new();
    for s in &study.data.sources {
        let file = files.len();
        files.push(s.file.clone());
        match super::sources::read_source(study, s) {
            Err(message) => errors.push(IngestError::Read { path: s.file.clone(), message }),
            Ok(d) if d.total_problems > 0 => errors.push(IngestError::Invalid {
                path: s.file.clone(),
                problems: d.problems,
                total: d.total_problems,
            }),
            Ok(d) => {
                if let Some(from) = d.provisional_from {
                    let e = provisional.entry(s.outcome.clone()).or_insert(from);
                    *e = (*e).min(from);
                }
                let frequency = d.frequency.unwrap_or_default();
                obs.extend(d.obs.into_iter().map(|o| Obs {
                    file,
                    row: o.line,
                    unit: o.unit,
                    month: o.month,
                    frequency,
                    outcome: o.outcome,
                    value: o.value,
                    n: f64::NAN,
                    missing: o.missing || o.suppressed,
                    suppressed: o.suppressed,
                }))
            }
        }
    }
    if errors.is_empty() {
        let mut problems: Vec<Problems> = files.iter().map(|_| Problems { list: Vec::new(), total: 0 }).collect();
        let mut panel = assemble(study, &obs, &has_n, &files, &mut problems);
        panel.provisional = provisional.into_iter().map(|(o, m)| (o, m.max(panel.months.first))).collect();
        for (path, p) in files.iter().zip(problems) {
            if p.total > 0 {
                errors.push(IngestError::Invalid { path: path.clone(), problems: p.list, total: p.total });
            }
        }
        if errors.is_empty() {
            return Ok(panel);
        }
    }
    Err(if errors.len() == 1 { errors.remove(0) } else { IngestError::Several(errors) })
}

/// One parsed observation before it is placed in the matrix.
struct Obs {
    /// Index of the file it came from (the panel first, then the sources).
    file: usize,
    row: usize,
    unit: Code,
    /// The last month of the observation's period.
    month: Month,
    frequency: Frequency,
    outcome: usize,
    value: f64,
    n: f64,
    /// The row is there but its value is empty or suppressed.
    missing: bool,
    /// The value is suppressed by the source (`..`).
    suppressed: bool,
}

/// A row's municipality, the month its value is filed under and the frequency of its period.
type Key = (Code, Month, Frequency);

/// A parsed `period` (and `frequency`) cell: the month and frequency, or what was expected.
type PeriodCell = Result<(Month, Frequency), String>;

/// What a panel row's `period` (and, in the canonical layout, `frequency`) cell says: the month
/// the value is filed under (the last of its period) and the frequency, or what was expected.
fn panel_period(period: &str, frequency: Option<&str>) -> PeriodCell {
    const EXPECTED: &str = "a period such as 2019M01, 2019-01, 2019-01-01, 2019K1, 2019H1 or 2019";
    let p = Period::parse(period).ok_or_else(|| EXPECTED.to_string())?;
    let p = match frequency.map(|f| (f, Frequency::parse(f))) {
        None | Some(("", _)) => p,
        Some((_, None)) => return Err("a frequency: month, quarter, half or year".into()),
        // The canonical layout: the period is the period's first month, and the frequency says
        // how long it is.
        Some((_, Some(f))) => match p {
            Period::Month(first) => f.starting(first).ok_or_else(|| {
                format!(
                    "the first month of a {} period (January{}) for frequency `{}`",
                    f.name(),
                    match f {
                        Frequency::Quarter => ", April, July or October",
                        Frequency::Half => " or July",
                        _ => "",
                    },
                    f.periods_noun().trim_end_matches('s')
                )
            })?,
            other if other.frequency() == f => other,
            other => {
                return Err(format!(
                    "a {} period to match the row's frequency (`{other}` is {})",
                    f.name(),
                    other.frequency().name()
                ));
            }
        },
    };
    match p.frequency() {
        Frequency::Week => Err(format!(
            "{EXPECTED}: `{period}` is an ISO week, and weeks do not divide into months; sum or average the weeks into months first"
        )),
        Frequency::MovingYear => Err(format!(
            "{EXPECTED}: `{period}` is a moving year (QMAT), whose twelve months overlap the next one's eleven, so no before–after difference can be read from it; use the table's monthly version (YYYYMmm)"
        )),
        f => Ok((p.month(), f)),
    }
}

/// The observations of the panel file, its cells checked; `has_n` is set for outcomes with
/// persons per cell.
fn collect(study: &Study, table: &TextTable, problems: &mut Problems, has_n: &mut [bool]) -> Vec<Obs> {
    let names = table.names().join(", ");
    let require = |name: &str, problems: &mut Problems| -> Option<&[Option<String>]> {
        let col = table.column(name);
        if col.is_none() {
            let hint = [(';', ";"), ('\t', "\\t"), ('|', "|")]
                .iter()
                .find(|(c, _)| names.contains(*c))
                .map(|(_, s)| format!("; the header looks split by `{s}`: set separator = \"{s}\" in [data]"))
                .unwrap_or_default();
            problems.push(
                0,
                name,
                &super::shown(&names),
                format!("a column named `{name}` (the header has: {}){hint}", super::shown(&names)),
            );
        }
        col
    };
    let muni = require("municipality", problems);
    let period = require("period", problems);
    let outcomes = &study.outcomes;
    let mut obs: Vec<Obs> = Vec::new();

    let (Some(muni), Some(period)) = (muni, period) else {
        return obs;
    };
    let mut codes: HashMap<&str, Option<Code>> = HashMap::new();
    let frequency_col = table.column("frequency");
    let mut periods: HashMap<(&str, &str), PeriodCell> = HashMap::new();
    let mut row_keys: Vec<Option<Key>> = Vec::with_capacity(table.rows);
    for r in 0..table.rows {
        let line = r + 2;
        let m = muni[r].as_deref().unwrap_or("");
        let code = *codes.entry(m).or_insert_with(|| study.registry.resolve(m).ok());
        if code.is_none() {
            let hint = match study.registry.resolve(m) {
                Err(crate::registry::LookupError::Unknown { suggestion: Some(s) }) => format!(" (did you mean `{s}`?)"),
                _ => String::new(),
            };
            problems.push(line, "municipality", m, format!("a municipality code or name from the registry{hint}"));
        }
        let p = period[r].as_deref().unwrap_or("");
        let f = frequency_col.map(|c| c[r].as_deref().unwrap_or(""));
        let parsed = periods.entry((p, f.unwrap_or(""))).or_insert_with(|| panel_period(p, f));
        let month = match parsed {
            Ok(m) => Some(*m),
            Err(expected) => {
                let (column, value) = match f {
                    Some(f) if Frequency::parse(f).is_none() => ("frequency", f),
                    _ => ("period", p),
                };
                problems.push(line, column, value, expected.clone());
                None
            }
        };
        row_keys.push(code.zip(month).map(|(c, (m, f))| (c, m, f)));
    }

    match study.data.layout {
        Layout::Wide => {
            for (oi, outcome) in outcomes.iter().enumerate() {
                if from_sources(study, &outcome.key) {
                    continue;
                }
                let Some(values) = require(&outcome.key, problems) else { continue };
                let n_col = outcome.n_column.as_deref().and_then(|c| require(c, problems));
                for (r, key) in row_keys.iter().enumerate() {
                    let line = r + 2;
                    let value = parse_value(values[r].as_deref(), line, &outcome.key, outcome.unit, problems);
                    let suppressed = is_suppressed(values[r].as_deref());
                    let n = n_col.map(|c| {
                        parse_value(
                            c[r].as_deref(),
                            line,
                            outcome.n_column.as_deref().unwrap_or(""),
                            Unit::Count,
                            problems,
                        )
                    });
                    push_obs(&mut obs, line, *key, oi, value, n, suppressed);
                }
            }
        }
        Layout::Long => {
            let out_col = require("outcome", problems);
            let val_col = require("value", problems);
            let n_col = table.column("n");
            if let (Some(out_col), Some(val_col)) = (out_col, val_col) {
                let keys: Vec<String> = outcomes.iter().map(|o| o.key.clone()).collect();
                for (r, key) in row_keys.iter().enumerate() {
                    let line = r + 2;
                    let name = out_col[r].as_deref().unwrap_or("");
                    let Some(oi) = outcomes.iter().position(|o| o.key == name) else {
                        // Outcomes the study does not use are allowed; they are skipped.
                        if name.is_empty() {
                            problems.push(
                                line,
                                "outcome",
                                name,
                                format!("an outcome key{}", crate::study::nearest(name, &keys)),
                            );
                        }
                        continue;
                    };
                    let value = parse_value(val_col[r].as_deref(), line, "value", outcomes[oi].unit, problems);
                    let n = n_col.map(|c| parse_value(c[r].as_deref(), line, "n", Unit::Count, problems));
                    push_obs(&mut obs, line, *key, oi, value, n, is_suppressed(val_col[r].as_deref()));
                }
                for o in outcomes.iter().filter(|o| !from_sources(study, &o.key)) {
                    if !obs.iter().any(|x| outcomes[x.outcome].key == o.key) && problems.total == 0 {
                        problems.push(
                            0,
                            "outcome",
                            &o.key,
                            format!("rows for outcome `{}`, which the study declares", o.key),
                        );
                    }
                }
            }
        }
    }
    if obs.is_empty() && problems.total == 0 {
        problems.push(0, "period", "", "at least one data row");
    }
    for (i, o) in study.outcomes.iter().enumerate() {
        has_n[i] |= match study.data.layout {
            Layout::Wide => o.n_column.is_some(),
            Layout::Long => table.column("n").is_some(),
        };
    }
    obs
}

/// Each outcome's frequency: the first one its rows give. A row of another frequency is a
/// problem of its file, reported once per file and frequency.
fn frequencies(
    study: &Study,
    obs: &[Obs],
    files: &[PathBuf],
    problems: &mut [Problems],
) -> BTreeMap<String, Frequency> {
    let mut first: BTreeMap<usize, (Frequency, usize, usize)> = BTreeMap::new();
    let mut reported: BTreeSet<(usize, usize, Frequency)> = BTreeSet::new();
    for o in obs {
        let &mut (f, file, row) = first.entry(o.outcome).or_insert((o.frequency, o.file, o.row));
        if o.frequency != f && reported.insert((o.outcome, o.file, o.frequency)) {
            let at = line_in(file, row, o.file, files);
            problems[o.file].push(
                o.row,
                "period",
                &period_code(o.frequency, o.month),
                format!(
                    "one frequency per outcome: `{}` is {} from {at}, and this row is {}",
                    study.outcomes[o.outcome].key,
                    f.name(),
                    o.frequency.name()
                ),
            );
        }
    }
    first
        .into_iter()
        .filter(|(_, (f, ..))| *f != Frequency::Month)
        .map(|(o, (f, ..))| (study.outcomes[o].key.clone(), f))
        .collect()
}

/// Where an earlier row is, seen from a problem in file `here`: "line 4", or "line 4 of <path>"
/// when it is in another file.
fn line_in(file: usize, line: usize, here: usize, files: &[PathBuf]) -> String {
    if file == here { format!("line {line}") } else { format!("line {line} of {}", files[file].display()) }
}

/// The code of the period of frequency `f` that ends in `last`.
fn period_code(f: Frequency, last: Month) -> String {
    match f {
        Frequency::Month => last.to_string(),
        _ => f.starting(f.period_start(last)).map_or_else(|| last.to_string(), |p| p.code()),
    }
}

/// A municipality's series must have a row for every period between its first and last: an
/// absent row is a gap (a missing value is written as an empty cell or `..`).
fn gaps(study: &Study, obs: &[Obs], frequencies: &BTreeMap<String, Frequency>, problems: &mut [Problems]) {
    let mut rows: BTreeMap<(usize, Code), (usize, usize, BTreeSet<Month>)> = BTreeMap::new();
    for o in obs {
        let e = rows.entry((o.outcome, o.unit)).or_insert((o.file, o.row, BTreeSet::new()));
        e.2.insert(o.month);
    }
    for ((outcome, unit), (file, row, months)) in rows {
        let key = &study.outcomes[outcome].key;
        let f = frequencies.get(key).copied().unwrap_or_default();
        let (Some(&first), Some(&last)) = (months.first(), months.last()) else { continue };
        let absent: Vec<Month> = first.through(last).filter(|m| f.is_period_end(*m) && !months.contains(m)).collect();
        if let (Some(&a), Some(&b)) = (absent.first(), absent.last()) {
            let noun = f.periods_noun();
            let (a, b) = (period_code(f, a), period_code(f, b));
            let span = if a == b { a } else { format!("{a} … {b}, {} {noun}", absent.len()) };
            problems[file].push(
                row,
                "period",
                &span,
                format!(
                    "a row for every {} from {} to {} for municipality {unit} ({}), outcome `{key}`; write an empty value or `..` for a missing {}",
                    noun.trim_end_matches('s'),
                    period_code(f, first),
                    period_code(f, last),
                    study.registry.name(unit),
                    noun.trim_end_matches('s'),
                ),
            );
        }
    }
}

/// Whether a `[[data.sources]]` table gives `outcome` (then the panel file need not).
fn from_sources(study: &Study, outcome: &str) -> bool {
    study.data.sources.iter().any(|s| s.outcome == outcome)
}

/// Places the observations of every file in the dense matrix; a municipality, month and
/// outcome given twice (in one file or two) is a problem of the later file.
fn assemble(study: &Study, all: &[Obs], has_n: &[bool], files: &[PathBuf], problems: &mut [Problems]) -> Panel {
    let outcomes = &study.outcomes;
    let frequencies = frequencies(study, all, files, problems);
    gaps(study, all, &frequencies, problems);
    let obs: Vec<&Obs> = all.iter().filter(|o| !o.missing).collect();
    if obs.is_empty() {
        return empty();
    }
    // From the first month of the earliest period.
    let first = obs.iter().map(|o| o.frequency.period_start(o.month)).min().expect("non-empty");
    let last = obs.iter().map(|o| o.month).max().expect("non-empty");
    let units: Vec<Code> = obs.iter().map(|o| o.unit).collect::<BTreeSet<_>>().into_iter().collect();
    let months = MonthRange { first, last };
    let cells = units.len() * months.len();
    let mut series: Vec<Series> = outcomes
        .iter()
        .enumerate()
        .map(|(i, _)| Series {
            values: vec![f64::NAN; cells],
            n: has_n[i].then(|| vec![f64::NAN; cells]),
            suppressed: vec![false; cells],
        })
        .collect();
    // Cells the source suppressed (`..`): kept apart from cells that are simply missing.
    for o in all.iter().filter(|o| o.suppressed && months.contains(o.month)) {
        if let Ok(u) = units.binary_search(&o.unit) {
            series[o.outcome].suppressed[u * months.len() + o.month.since(first) as usize] = true;
        }
    }
    // Where each cell was filled: (file + 1, line); 0 = empty.
    let mut seen: Vec<Vec<(u32, u32)>> = outcomes.iter().map(|_| vec![(0, 0); cells]).collect();
    for &o in &obs {
        let u = units.binary_search(&o.unit).expect("unit collected");
        let idx = u * months.len() + o.month.since(first) as usize;
        let (file, line) = seen[o.outcome][idx];
        if file != 0 {
            let at = line_in(file as usize - 1, line as usize, o.file, files);
            problems[o.file].push(
                o.row,
                "period",
                &period_code(o.frequency, o.month),
                format!(
                    "one value per municipality, period and outcome (municipality {} already has `{}` for {} on {at})",
                    o.unit,
                    outcomes[o.outcome].key,
                    period_code(o.frequency, o.month)
                ),
            );
            continue;
        }
        seen[o.outcome][idx] = (o.file as u32 + 1, o.row as u32);
        series[o.outcome].values[idx] = o.value;
        if let Some(n) = series[o.outcome].n.as_mut() {
            n[idx] = o.n;
        }
    }
    for (i, o) in outcomes.iter().enumerate() {
        if series[i].values.iter().all(|v| v.is_nan()) && !obs.iter().any(|x| x.outcome == i) {
            problems[0].push(0, "outcome", &o.key, format!("data for outcome `{}`, which the study declares", o.key));
        }
    }
    Panel {
        months,
        units,
        series: outcomes.iter().map(|o| o.key.clone()).zip(series).collect(),
        provisional: BTreeMap::new(),
        frequencies,
    }
}

/// Keeps an observation whose keys and value parsed; missing values and bad rows are left out
/// (bad rows were reported by the parsers).
fn push_obs(
    obs: &mut Vec<Obs>,
    row: usize,
    key: Option<Key>,
    outcome: usize,
    value: Option<Option<f64>>,
    n: Option<Option<Option<f64>>>,
    suppressed: bool,
) {
    match (key, value) {
        (Some((unit, month, frequency)), Some(Some(value))) => obs.push(Obs {
            file: 0,
            row,
            unit,
            month,
            frequency,
            outcome,
            value,
            n: n.flatten().flatten().unwrap_or(f64::NAN),
            missing: false,
            suppressed: false,
        }),
        // A row whose value is empty or `..`: it counts for the gap check, and a suppressed
        // value is marked as such.
        (Some((unit, month, frequency)), Some(None)) => obs.push(Obs {
            file: 0,
            row,
            unit,
            month,
            frequency,
            outcome,
            value: f64::NAN,
            n: f64::NAN,
            missing: true,
            suppressed,
        }),
        _ => {}
    }
}

fn empty() -> Panel {
    let m = Month::new(2000, 1).expect("valid");
    Panel {
        months: MonthRange { first: m, last: m },
        units: Vec::new(),
        series: BTreeMap::new(),
        provisional: BTreeMap::new(),
        frequencies: BTreeMap::new(),
    }
}

/// Whether a panel cell is `..`, Statbank's mark for a suppressed value.
fn is_suppressed(cell: Option<&str>) -> bool {
    cell.is_some_and(|c| c.trim() == "..")
}

/// Parses one numeric cell. Empty, `NA` and `..` (suppressed) are missing (`Some(None)` is not
/// needed: missing is `Ok` with NaN upstream), anything else must be a finite number in range.
fn parse_value(
    cell: Option<&str>,
    line: usize,
    column: &str,
    unit: Unit,
    problems: &mut Problems,
) -> Option<Option<f64>> {
    let text = cell.unwrap_or("").trim();
    if text.is_empty() || text == ".." || text.eq_ignore_ascii_case("na") {
        return Some(None);
    }
    let Ok(v) = text.parse::<f64>() else {
        problems.push(line, column, text, "a number (use `.` as the decimal mark; empty or `..` for missing)");
        return None;
    };
    if !v.is_finite() {
        problems.push(line, column, text, "a finite number");
        return None;
    }
    let ok = match unit {
        Unit::Percent => (0.0..=100.0).contains(&v),
        Unit::Weeks | Unit::Dkk | Unit::Count => v >= 0.0,
    };
    if !ok {
        let expected = match unit {
            Unit::Percent => "a share in percent between 0 and 100",
            _ => "a value that is not negative",
        };
        problems.push(line, column, text, expected);
        return None;
    }
    Some(Some(v))
}
