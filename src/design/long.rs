//! Any long panel (one row per unit and period, read as text by [`crate::ingest::polars_io`]) →
//! an estimation [`Sample`] with its treatment, for ad hoc use (`frikommune estimate`) and for
//! reference checks on published data such as mpdta.
//!
//! Units get dense ids in sorted order and periods are ranked: numbers numerically, then ISO or
//! `YYYYMmm` months, then text; rank r becomes the month `ORIGIN + r`, so any ordered period
//! (years, quarters as numbers, months) works and event times count periods. [`LongSample::label`]
//! maps a month back to the input's period label.

use std::collections::{BTreeMap, BTreeSet};

use crate::estimate::{Sample, SampleUnit};
use crate::ingest::polars_io::TextTable;
use crate::period::Month;

/// Who is treated.
pub enum Treatment<'a> {
    /// A column holding each unit's first treated period (0 or empty = never treated).
    Cohort(&'a str),
    /// A 0/1 treatment column; the first period with 1 is the start.
    Indicator(&'a str),
    /// Listed units, all starting in one period.
    Listed { units: &'a [String], start: &'a str },
}

/// Column names of a long panel.
pub struct LongSpec<'a> {
    pub unit: &'a str,
    pub time: &'a str,
    pub outcome: &'a str,
    pub treatment: Treatment<'a>,
    /// A cluster column, constant within each unit (default: every unit its own cluster).
    pub cluster: Option<&'a str>,
}

pub struct LongSample {
    pub sample: Sample,
    /// The unit and period columns the sample was read from.
    pub unit_column: String,
    pub time_column: String,
    /// Period labels in rank order.
    pub periods: Vec<String>,
    /// Unit labels; unit `code` i of the sample is `units[i]`.
    pub units: Vec<String>,
}

/// The month standing for period rank 0.
pub const ORIGIN: Month = Month::january(2000);

impl LongSample {
    pub fn first(&self) -> Month {
        ORIGIN
    }

    pub fn last(&self) -> Month {
        ORIGIN.plus(self.periods.len() as i32 - 1)
    }

    /// The input's label of a period.
    pub fn label(&self, m: Month) -> &str {
        &self.periods[m.since(ORIGIN).clamp(0, self.periods.len() as i32 - 1) as usize]
    }

    /// A period's label as JSON: whole numbers (years) stay numbers.
    pub fn period_json(&self, m: Month) -> serde_json::Value {
        let p = self.label(m);
        p.parse::<i64>().map(serde_json::Value::from).unwrap_or_else(|_| p.into())
    }

    /// Each unit's mean of each of `columns` over its rows in the periods `from` (inclusive) to
    /// `until` (exclusive), indexed by the sample's unit id; `None` where a unit has no value
    /// there. `path` names the file in errors, which give row and column.
    pub fn unit_means(
        &self,
        table: &TextTable,
        path: &str,
        columns: &[String],
        from: Month,
        until: Month,
    ) -> Result<Vec<Vec<Option<f64>>>, String> {
        let mut sums = vec![vec![(0.0, 0usize); columns.len()]; self.units.len()];
        if !columns.is_empty() {
            let index: BTreeMap<&str, usize> = self.units.iter().enumerate().map(|(i, u)| (u.as_str(), i)).collect();
            let month: BTreeMap<&str, Month> =
                self.periods.iter().enumerate().map(|(i, p)| (p.as_str(), ORIGIN.plus(i as i32))).collect();
            let (units, times) = (table.column(&self.unit_column), table.column(&self.time_column));
            let (Some(units), Some(times)) = (units, times) else {
                return Err(format!("{path}: the unit and period columns are gone"));
            };
            for (ci, name) in columns.iter().enumerate() {
                let values = table.column(name).ok_or_else(|| {
                    format!("{path}: no column `{name}` for --predictors ({})", table.header_for_message())
                })?;
                for r in 0..table.rows {
                    let cell = |c: &[Option<String>]| c[r].as_deref().unwrap_or("").trim().to_string();
                    let text = cell(values);
                    let Some(&ui) = index.get(cell(units).as_str()) else { continue };
                    let Some(&m) = month.get(cell(times).as_str()) else { continue };
                    if m < from || m >= until || text.is_empty() || text == "NA" || text == ".." {
                        continue;
                    }
                    let v: f64 =
                        text.parse().ok().filter(|v: &f64| v.abs() <= crate::ingest::MAX_VALUE).ok_or_else(|| {
                            format!(
                                "{path}: row {}, column `{name}`: expected a number between -10^12 and 10^12, found `{text}`",
                                r + 2
                            )
                        })?;
                    sums[ui][ci].0 += v;
                    sums[ui][ci].1 += 1;
                }
            }
        }
        Ok(sums.into_iter().map(|u| u.into_iter().map(|(s, n)| (n > 0).then(|| s / n as f64)).collect()).collect())
    }
}

impl LongSample {
    /// Each unit's stratum for randomization inference within strata: the values of `columns`
    /// (e.g. a region and a size class), which must be the same on every row of a unit and
    /// present on at least one. Strata are numbered in the sorted order of their values, indexed
    /// by the sample's unit id.
    pub fn unit_strata(&self, table: &TextTable, path: &str, columns: &[String]) -> Result<Vec<u32>, String> {
        let values = self.unit_constants(table, path, columns, "--strata", "stratum", &|_, _, _| Ok(()))?;
        let keys: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(ui, v)| {
                v.iter()
                    .zip(columns)
                    .map(|(x, name)| {
                        x.as_ref().map(|(text, _)| text.clone()).ok_or_else(|| {
                            format!("{path}: column `{name}`: unit `{}` has no value on any row", self.units[ui])
                        })
                    })
                    .collect::<Result<Vec<String>, String>>()
                    .map(|parts| parts.join("\u{1f}"))
            })
            .collect::<Result<_, _>>()?;
        let distinct: BTreeSet<&String> = keys.iter().collect();
        let ids: BTreeMap<&String, u32> = distinct.into_iter().enumerate().map(|(i, k)| (k, i as u32)).collect();
        Ok(keys.iter().map(|k| ids[k]).collect())
    }

    /// Each unit's values of the numeric `columns` (covariates such as a log population), which
    /// must be the same on every row of a unit; `None` where a unit has no value on any row.
    /// Indexed by the sample's unit id.
    pub fn unit_covariates(
        &self,
        table: &TextTable,
        path: &str,
        columns: &[String],
    ) -> Result<Vec<Vec<Option<f64>>>, String> {
        let number = |text: &str| text.parse::<f64>().ok().filter(|v| v.abs() <= crate::ingest::MAX_VALUE);
        let check = |text: &str, row: usize, name: &str| match number(text) {
            Some(_) => Ok(()),
            None => Err(format!(
                "{path}: row {row}, column `{name}`: expected a number between -10^12 and 10^12, found `{text}`"
            )),
        };
        let values = self.unit_constants(table, path, columns, "--covariates", "value", &check)?;
        Ok(values.into_iter().map(|v| v.into_iter().map(|x| x.and_then(|(text, _)| number(&text))).collect()).collect())
    }

    /// The text of `columns` per unit with the file row it was first seen on, each cell passed
    /// by `check` (text, file row, column) and checked to be the same on every row of the unit
    /// (`flag` and `what` name it in messages); missing cells (empty, `NA`, `..`) are skipped.
    fn unit_constants(
        &self,
        table: &TextTable,
        path: &str,
        columns: &[String],
        flag: &str,
        what: &str,
        check: &dyn Fn(&str, usize, &str) -> Result<(), String>,
    ) -> Result<Vec<Vec<Option<Seen>>>, String> {
        let index: BTreeMap<&str, usize> = self.units.iter().enumerate().map(|(i, u)| (u.as_str(), i)).collect();
        let Some(units) = table.column(&self.unit_column) else {
            return Err(format!("{path}: the unit column is gone"));
        };
        let mut values: Vec<Vec<Option<Seen>>> = vec![vec![None; columns.len()]; self.units.len()];
        for (ci, name) in columns.iter().enumerate() {
            let column = table
                .column(name)
                .ok_or_else(|| format!("{path}: no column `{name}` for {flag} ({})", table.header_for_message()))?;
            for r in 0..table.rows {
                let cell = |c: &[Option<String>]| c[r].as_deref().unwrap_or("").trim().to_string();
                let (unit, text) = (cell(units), cell(column));
                let Some(&ui) = index.get(unit.as_str()) else { continue };
                if text.is_empty() || text == "NA" || text == ".." {
                    continue;
                }
                check(&text, r + 2, name)?;
                match &values[ui][ci] {
                    Some((seen, _)) if *seen != text => {
                        return Err(format!(
                            "{path}: row {}, column `{name}`: unit `{unit}` changes {what} from `{seen}` to `{text}`; a {what} must be constant within a unit",
                            r + 2
                        ));
                    }
                    Some(_) => {}
                    None => values[ui][ci] = Some((text, r + 2)),
                }
            }
        }
        Ok(values)
    }
}

/// A unit's value of a column as written, and the file row it was first seen on.
type Seen = (String, usize);

/// Builds the sample; `path` names the file in error messages, which give row and column.
pub fn long_sample(table: &TextTable, path: &str, spec: &LongSpec) -> Result<LongSample, String> {
    let column = |name: &str| {
        table.column(name).ok_or_else(|| format!("{path}: no column `{name}` ({})", table.header_for_message()))
    };
    let units = column(spec.unit)?;
    let times = column(spec.time)?;
    let ys = column(spec.outcome)?;
    let clusters = match spec.cluster {
        Some(c) if c != spec.unit => Some((c, column(c)?)),
        _ => None,
    };
    let treatment_column = match &spec.treatment {
        Treatment::Cohort(c) | Treatment::Indicator(c) => Some(column(c)?),
        Treatment::Listed { .. } => None,
    };
    let text = |c: &Option<String>| c.as_deref().unwrap_or("").trim().to_string();

    // Periods in their natural order: numbers numerically, otherwise months, otherwise text.
    let period_key = |s: &str| -> (u8, f64, String) {
        if let Ok(v) = s.parse::<f64>() {
            (0, v, String::new())
        } else if let Some(m) = Month::parse(s) {
            (1, m.since(ORIGIN) as f64, String::new())
        } else {
            (2, 0.0, s.to_string())
        }
    };
    let mut periods: Vec<String> = times.iter().map(text).collect::<BTreeSet<_>>().into_iter().collect();
    periods.sort_by(|a, b| {
        let (ka, kb) = (period_key(a), period_key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(ka.2.cmp(&kb.2))
    });
    let rank: BTreeMap<String, Month> =
        periods.iter().enumerate().map(|(i, p)| (p.clone(), ORIGIN.plus(i as i32))).collect();
    let month_of = |p: &str| -> Option<Month> {
        rank.get(p.trim()).copied().or_else(|| {
            // Cohort values such as "2004" match the period "2004" also when written "2004.0".
            let v = p.trim().parse::<f64>().ok()?;
            periods.iter().find(|q| q.parse::<f64>().ok() == Some(v)).and_then(|q| rank.get(q).copied())
        })
    };

    // "periods 1, 2, …, 12" for messages about a period that is not there.
    let span = match periods.as_slice() {
        [] => "no periods".to_string(),
        [only] => format!("only `{only}`"),
        [a, b] => format!("`{a}` and `{b}`"),
        [a, b, .., z] => format!("`{a}`, `{b}`, … `{z}`"),
    };

    type UnitRows = (Option<Month>, Vec<(Month, f64)>, Option<u32>);
    let mut by_unit: BTreeMap<String, UnitRows> = BTreeMap::new();
    let mut cluster_ids: BTreeMap<String, u32> = BTreeMap::new();
    for r in 0..table.rows {
        let line = r + 2;
        let u = text(&units[r]);
        let t = month_of(&text(&times[r])).expect("every period is ranked");
        let y_text = text(&ys[r]);
        if y_text.is_empty() || y_text == "NA" || y_text == ".." {
            continue;
        }
        // Beyond ±10^12 no municipal outcome lies, and values up to 1,8e308 made every sum and
        // interval infinite while the estimate still printed.
        let y: f64 = y_text.parse().ok().filter(|v: &f64| v.abs() <= crate::ingest::MAX_VALUE).ok_or_else(|| {
            format!(
                "{path}: row {line}, column `{}`: expected a number between -10^12 and 10^12, found `{y_text}`",
                spec.outcome
            )
        })?;
        let entry = by_unit.entry(u.clone()).or_default();
        entry.1.push((t, y));
        if let Some((col, values)) = &clusters {
            let c = text(&values[r]);
            let next = cluster_ids.len() as u32;
            let id = *cluster_ids.entry(c.clone()).or_insert(next);
            match entry.2 {
                Some(prev) if prev != id => {
                    return Err(format!(
                        "{path}: row {line}, column `{col}`: unit `{u}` changes cluster to `{c}`; a cluster must be constant within a unit"
                    ));
                }
                _ => entry.2 = Some(id),
            }
        }
        match (&spec.treatment, treatment_column) {
            (Treatment::Cohort(col), Some(values)) => {
                let c = text(&values[r]);
                let start = if c.is_empty() || c.parse::<f64>().ok() == Some(0.0) {
                    None
                } else {
                    Some(month_of(&c).ok_or_else(|| {
                        format!(
                            "{path}: row {line}, column `{col}`: `{c}` is not one of the periods in `{}` ({span}); a cohort is the period a unit starts in, empty or 0 for never",
                            spec.time
                        )
                    })?)
                };
                entry.0 = start.or(entry.0);
            }
            (Treatment::Indicator(col), Some(values)) => {
                let d = text(&values[r]);
                match d.as_str() {
                    "1" | "1.0" | "true" | "TRUE" => entry.0 = Some(entry.0.map_or(t, |s| s.min(t))),
                    "0" | "0.0" | "false" | "FALSE" => {}
                    _ => return Err(format!("{path}: row {line}, column `{col}`: expected 0 or 1, found `{d}`")),
                }
            }
            _ => {}
        }
    }
    if let Treatment::Listed { units, start } = &spec.treatment {
        let m = month_of(start)
            .ok_or_else(|| format!("--start `{start}` is not one of the periods in `{}` ({span})", spec.time))?;
        for u in units.iter() {
            if !by_unit.contains_key(u.trim()) {
                let some: Vec<&str> = by_unit.keys().take(5).map(String::as_str).collect();
                return Err(format!(
                    "--treated: no unit `{u}` in column `{}` of {path} (it has {} units: {}{})",
                    spec.unit,
                    by_unit.len(),
                    some.join(", "),
                    if by_unit.len() > 5 { ", …" } else { "" }
                ));
            }
            let entry = by_unit.get_mut(u.trim()).expect("checked above");
            entry.0 = Some(m);
        }
    }
    let unit_labels: Vec<String> = by_unit.keys().cloned().collect();
    let sample = Sample {
        step: 1,
        units: by_unit
            .into_values()
            .enumerate()
            .map(|(i, (start, mut obs, cluster))| {
                obs.sort_by_key(|(m, _)| *m);
                SampleUnit { code: i as u32, start, obs, cluster }
            })
            .collect(),
    };
    Ok(LongSample {
        sample,
        unit_column: spec.unit.to_string(),
        time_column: spec.time.to_string(),
        periods,
        units: unit_labels,
    })
}
