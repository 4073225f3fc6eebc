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
use super::{CellProblem, IngestError, LeftOut, MAX_LISTED};
use crate::period::{Month, MonthRange};
use crate::registry::{Area, AreaKind, Code};
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
    /// Areas the files held that are not municipalities, left out: one note per file and kind.
    pub left_out: Vec<LeftOut>,
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
    let mut left_out = Vec::new();
    if let Some(path) = &study.data.panel {
        let read = if path.exists() {
            read_text_table(path, study.data.separator)
        } else {
            Err("no such file (`panel` under [data] is relative to the study file)".to_string())
        };
        match read {
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
                let mut areas = BTreeMap::new();
                obs = collect(study, &table, &mut problems, &mut has_n, &mut areas);
                left_out.extend(notes(path, areas));
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
                left_out.extend(notes(&s.file, d.left_out));
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
        panel.left_out = left_out;
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

/// One note per kind of area a file held that is not a municipality.
fn notes(path: &std::path::Path, areas: BTreeMap<AreaKind, BTreeSet<String>>) -> Vec<LeftOut> {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    areas
        .into_iter()
        .map(|(kind, names)| LeftOut { file: file.clone(), kind, names: names.into_iter().collect() })
        .collect()
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

/// The column `given` names, else the first whose header is one of `usual`.
fn find_column<'t>(
    table: &'t TextTable,
    given: Option<&str>,
    usual: &[&str],
) -> Option<(&'t str, &'t [Option<String>])> {
    let names = table.names();
    let i = match given {
        Some(g) => names.iter().position(|n| *n == g).or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(g))),
        None => usual.iter().find_map(|u| names.iter().position(|n| n.trim().eq_ignore_ascii_case(u))),
    }?;
    Some((names[i], table.columns[i].1.as_slice()))
}

/// The observations of the panel file, its cells checked; `has_n` is set for outcomes with
/// persons per cell; areas that are not municipalities are left out and noted in `left_out`.
fn collect(
    study: &Study,
    table: &TextTable,
    problems: &mut Problems,
    has_n: &mut [bool],
    left_out: &mut BTreeMap<AreaKind, BTreeSet<String>>,
) -> Vec<Obs> {
    let names = super::shown(&table.names().join(", "));
    let given = &study.data.columns;
    // The header split by another delimiter than `separator` says which to set.
    let split_hint = [(';', ";"), ('\t', "\\t"), ('|', "|")]
        .iter()
        .find(|(c, _)| names.contains(*c) && table.columns.len() == 1)
        .map(|(_, s)| format!("; the header looks split by `{s}`: set separator = \"{s}\" under [data]"))
        .unwrap_or_default();
    // A column that is missing: what it holds, and the key that names it.
    let missing = |role: &str, key: &str, given: Option<&str>, usual: &[&str], also: &str, problems: &mut Problems| {
        let expected = match given {
            Some(g) => format!(
                "a column `{g}` (set by `columns.{key}` under [data]){}",
                crate::study::nearest(g, &table.names().iter().map(|s| s.to_string()).collect::<Vec<_>>())
            ),
            None => format!(
                "a column with the {role} ({}): name yours under [data] with columns = {{ {key} = \"<header>\" }}{also}{split_hint}",
                usual.join(", ")
            ),
        };
        problems.push(0, given.unwrap_or(key), &names, expected);
    };
    let muni = find_column(table, given.municipality.as_deref(), super::AREA_HEADERS);
    if muni.is_none() {
        missing("municipality", "municipality", given.municipality.as_deref(), super::AREA_HEADERS, "", problems);
    }
    let period = find_column(table, given.period.as_deref(), super::PERIOD_HEADERS);
    if period.is_none() {
        missing("period", "period", given.period.as_deref(), super::PERIOD_HEADERS, "", problems);
    }
    let outcomes = &study.outcomes;
    let mut obs: Vec<Obs> = Vec::new();

    let (Some((muni_name, muni)), Some((period_name, period))) = (muni, period) else {
        return obs;
    };
    let mut codes: HashMap<&str, Option<Code>> = HashMap::new();
    let frequency_col = find_column(table, given.frequency.as_deref(), &["frequency", "frekvens"]);
    let mut periods: HashMap<(&str, &str), PeriodCell> = HashMap::new();
    let mut row_keys: Vec<Option<Key>> = Vec::with_capacity(table.rows);
    for r in 0..table.rows {
        let line = r + 2;
        let m = muni[r].as_deref().unwrap_or("");
        let code = *codes.entry(m).or_insert_with(|| match study.resolve_area(m) {
            Ok(Area::Municipality(c)) => Some(c),
            Ok(Area::Aggregate(kind)) => {
                left_out.entry(kind).or_default().insert(m.to_string());
                None
            }
            Err(why) => {
                problems.push(line, muni_name, m, super::area_expected(m, why));
                None
            }
        });
        let p = period[r].as_deref().unwrap_or("");
        let f = frequency_col.map(|(_, c)| c[r].as_deref().unwrap_or(""));
        let parsed = periods.entry((p, f.unwrap_or(""))).or_insert_with(|| panel_period(p, f));
        let month = match parsed {
            Ok(m) => Some(*m),
            Err(expected) => {
                let (column, value) = match (f, frequency_col) {
                    (Some(f), Some((name, _))) if Frequency::parse(f).is_none() => (name, f),
                    _ => (period_name, p),
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
                let Some((_, values)) = find_column(table, Some(&outcome.key), &[]) else {
                    missing(
                        &format!("values of outcome `{}`", outcome.key),
                        &outcome.key,
                        Some(&outcome.key),
                        &[],
                        "",
                        problems,
                    );
                    continue;
                };
                let n_col = match outcome.n_column.as_deref() {
                    Some(c) => match find_column(table, Some(c), &[]) {
                        Some((_, col)) => Some(col),
                        None => {
                            problems.push(0, c, &names, format!("a column `{c}` (the outcome's `n_column`)"));
                            None
                        }
                    },
                    None => None,
                };
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
            let n_col = find_column(table, given.n.as_deref(), &["n"]);
            if given.n.is_some() && n_col.is_none() {
                missing("persons behind each value", "n", given.n.as_deref(), &[], "", problems);
            }
            let out_col = find_column(table, given.outcome.as_deref(), &["outcome", "udfald", "variable"]);
            // The outcomes this file must give (the others come from [[data.sources]]).
            let from_panel: Vec<usize> =
                (0..outcomes.len()).filter(|&i| !from_sources(study, &outcomes[i].key)).collect();
            let used: Vec<&str> = [
                Some(muni_name),
                Some(period_name),
                frequency_col.map(|c| c.0),
                out_col.map(|c| c.0),
                n_col.map(|c| c.0),
            ]
            .into_iter()
            .flatten()
            .collect();
            // The value column: named, or the usual name, or — with one outcome and no outcome
            // column — the one column left (`municipality,year,empl`).
            let val_col = find_column(table, given.value.as_deref(), super::VALUE_HEADERS).or_else(|| {
                let rest: Vec<usize> =
                    (0..table.columns.len()).filter(|&i| !used.contains(&table.columns[i].0.as_str())).collect();
                match (given.value.as_deref(), out_col, rest.as_slice()) {
                    (None, None, [one]) if from_panel.len() == 1 => {
                        Some((table.columns[*one].0.as_str(), table.columns[*one].1.as_slice()))
                    }
                    _ => None,
                }
            });
            if given.outcome.is_some() && out_col.is_none() {
                missing("outcome", "outcome", given.outcome.as_deref(), &[], "", problems);
            }
            let wide_hint = "; or, when the file has one column per outcome named by the outcome keys, set layout = \"wide\" under [data]";
            if val_col.is_none() {
                missing("values", "value", given.value.as_deref(), super::VALUE_HEADERS, wide_hint, problems);
            }
            // Without an outcome column every row is of the one outcome the panel gives.
            let single = match (out_col, from_panel.as_slice()) {
                (Some(_), _) => None,
                (None, [one]) => Some(*one),
                (None, _) => {
                    if given.outcome.is_none() {
                        let keys: Vec<&str> = from_panel.iter().map(|&i| outcomes[i].key.as_str()).collect();
                        missing(
                            &format!("outcome of each row (the panel gives {})", keys.join(", ")),
                            "outcome",
                            None,
                            &["outcome"],
                            wide_hint,
                            problems,
                        );
                    }
                    return obs;
                }
            };
            if let Some((val_name, val_col)) = val_col {
                let keys: Vec<String> = outcomes.iter().map(|o| o.key.clone()).collect();
                for (r, key) in row_keys.iter().enumerate() {
                    let line = r + 2;
                    let oi = match (single, out_col) {
                        (Some(oi), _) => oi,
                        (None, Some((out_name, out_col))) => {
                            let name = out_col[r].as_deref().unwrap_or("");
                            let Some(oi) = outcomes.iter().position(|o| o.key == name) else {
                                // Outcomes the study does not use are allowed; they are skipped.
                                if name.is_empty() {
                                    problems.push(
                                        line,
                                        out_name,
                                        name,
                                        format!("an outcome key{}", crate::study::nearest(name, &keys)),
                                    );
                                }
                                continue;
                            };
                            oi
                        }
                        (None, None) => unreachable!("returned above"),
                    };
                    let value = parse_value(val_col[r].as_deref(), line, val_name, outcomes[oi].unit, problems);
                    let n = n_col.map(|(n_name, c)| parse_value(c[r].as_deref(), line, n_name, Unit::Count, problems));
                    push_obs(&mut obs, line, *key, oi, value, n, is_suppressed(val_col[r].as_deref()));
                }
                for &i in &from_panel {
                    let o = &outcomes[i];
                    if !obs.iter().any(|x| x.outcome == i) && problems.total == 0 {
                        let column = out_col.map_or("outcome", |c| c.0);
                        problems.push(
                            0,
                            column,
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
            Layout::Long => find_column(table, study.data.columns.n.as_deref(), &["n"]).is_some(),
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

/// Where an earlier row is, seen from a problem in file `here`: "row 4", or "row 4 of <path>"
/// when it is in another file.
fn line_in(file: usize, line: usize, here: usize, files: &[PathBuf]) -> String {
    if file == here { format!("row {line}") } else { format!("row {line} of {}", files[file].display()) }
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

/// A row that gives cells already given.
struct Repeated {
    unit: Code,
    period: String,
    /// Where the cells were first given ("row 4" or "row 4 of <path>").
    first_at: String,
    outcomes: Vec<String>,
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
    // A row given twice is one problem naming its outcomes (a wide row repeats each of them).
    let mut repeated: BTreeMap<(usize, usize), Repeated> = BTreeMap::new();
    for &o in &obs {
        let u = units.binary_search(&o.unit).expect("unit collected");
        let idx = u * months.len() + o.month.since(first) as usize;
        let (file, line) = seen[o.outcome][idx];
        if file != 0 {
            let entry = repeated.entry((o.file, o.row)).or_insert_with(|| Repeated {
                unit: o.unit,
                period: period_code(o.frequency, o.month),
                first_at: line_in(file as usize - 1, line as usize, o.file, files),
                outcomes: Vec::new(),
            });
            entry.outcomes.push(outcomes[o.outcome].key.clone());
            continue;
        }
        seen[o.outcome][idx] = (o.file as u32 + 1, o.row as u32);
        series[o.outcome].values[idx] = o.value;
        if let Some(n) = series[o.outcome].n.as_mut() {
            n[idx] = o.n;
        }
    }
    for ((file, row), Repeated { unit, period, first_at: at, outcomes: keys }) in repeated {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        let keys = match keys.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => keys.concat(),
        };
        problems[file].push(
            row,
            "period",
            &period,
            format!(
                "one value per municipality, period and outcome (municipality {unit} already has {} for {period} on {at})",
                keys
            ),
        );
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
        left_out: Vec::new(),
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
        left_out: Vec::new(),
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
    if !super::in_range(v, unit) {
        problems.push(line, column, text, super::range_expected(unit));
        return None;
    }
    Some(Some(v))
}
