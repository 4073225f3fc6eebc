//! `frikommune survival`: Kaplan–Meier curves by group with medians, the log-rank test and Cox
//! regression on any file of spells (one row per case), like a lifelines one-liner.
//!
//! Confidentiality (`--min-cell`, default 5): group counts below it are shown as `..` (`null`)
//! and such a group's curve is left out; a curve row is shown only when the events, censorings
//! and exits since the last shown row are each none or at least min-cell, so no small count can
//! be had by differencing rows (hidden rows are left out, their times too); the number of
//! events is shown only when the censored spells (n − events) are none or at least min-cell; a
//! median or median bound is shown only when at least min-cell spells end exactly there; and
//! output that holds what looks like a CPR number is refused.

use std::collections::BTreeMap;

/// The most groups `--group` may split the spells into.
const MAX_GROUPS: usize = 1_000;
use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::json;

use frikommune::error::Error;
use frikommune::estimate::survival::{EventTable, KmCurve, cox, kaplan_meier, logrank};
use frikommune::ingest::polars_io::read_text_table;
use frikommune::progress::Progress as _;
use frikommune::settings::{Level, MinCell};

use super::Output;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// A file of spells (CSV, or Parquet when it ends in `.parquet`): one row per case.
    #[arg(long)]
    data: PathBuf,
    /// Column with each spell's duration (a non-negative number).
    #[arg(long)]
    duration: String,
    /// Column with 1 (the spell ended) or 0 (censored, still ongoing).
    #[arg(long)]
    event: String,
    /// Column with the group (curves per group and the log-rank test across groups).
    #[arg(long)]
    group: Option<String>,
    /// Cox regression on these numeric columns, comma-separated (Efron ties).
    #[arg(long, value_delimiter = ',')]
    cox: Option<Vec<String>>,
    /// Cluster column for cluster-robust Cox standard errors (e.g. the municipality).
    #[arg(long, requires = "cox")]
    cluster: Option<String>,
    #[arg(long, default_value = "0.95")]
    conf_level: Level,
    /// Curve rows and medians resting on fewer spells than this are suppressed.
    #[arg(long, default_value = "5")]
    min_cell: MinCell,
    #[arg(long, default_value = ",")]
    separator: char,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn bad(message: impl std::fmt::Display) -> Error {
    Error::Usage(message.to_string())
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let sep = u8::try_from(args.separator).map_err(|_| bad("--separator must be one ASCII character"))?;
    let path = args.data.display().to_string();
    // Reading and fitting are the long steps on a large panel: a bar each (closed when `bars` drops).
    let bars = super::progress::Bars::new(out);
    bars.stage("reading", 1);
    let table = read_text_table(&args.data, sep).map_err(|m| bad(format!("could not read {path}: {m}")))?;
    bars.stage("estimating", 1);
    let column = |name: &str| {
        table.column(name).ok_or_else(|| bad(format!("{path}: no column `{name}` ({})", table.header_for_message())))
    };
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
    let number = |col: &str, r: usize, v: &Option<String>| -> frikommune::Result<f64> {
        let t = text(v);
        t.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad(format!("{path}: row {}, column `{col}`: expected a number, found `{t}`", r + 2)))
    };
    let durations_col = column(&args.duration)?;
    let events_col = column(&args.event)?;
    let mut durations = Vec::with_capacity(table.rows);
    let mut ended = Vec::with_capacity(table.rows);
    for r in 0..table.rows {
        let d = number(&args.duration, r, &durations_col[r])?;
        if !(0.0..=frikommune::ingest::MAX_VALUE).contains(&d) {
            return Err(bad(format!(
                "{path}: row {}, column `{}`: expected a duration that is not negative and at most 10^12, found `{}`",
                r + 2,
                args.duration,
                text(&durations_col[r])
            )));
        }
        durations.push(d);
        ended.push(match text(&events_col[r]).as_str() {
            "1" | "1.0" | "true" | "TRUE" => true,
            "0" | "0.0" | "false" | "FALSE" => false,
            other => {
                return Err(bad(format!(
                    "{path}: row {}, column `{}`: expected 1 (ended) or 0 (censored), found `{other}`",
                    r + 2,
                    args.event
                )));
            }
        });
    }
    if durations.is_empty() {
        return Err(bad(format!("{path}: no spells")));
    }
    // Groups in sorted order; without --group, one group "all".
    let labels: Vec<String> = match &args.group {
        Some(g) => column(g)?.iter().map(text).collect(),
        None => vec!["all".into(); durations.len()],
    };
    let mut index: BTreeMap<&str, usize> = labels.iter().map(|l| (l.as_str(), 0)).collect();
    // A curve, a row and a log-rank column per group: a column of ids is not a grouping.
    if index.len() > MAX_GROUPS {
        return Err(bad(format!(
            "--group `{}` has {} different values; at most {MAX_GROUPS} groups are compared (is it an id column?)",
            args.group.as_deref().unwrap_or(""),
            index.len()
        )));
    }
    for (i, v) in index.values_mut().enumerate() {
        *v = i;
    }
    let group: Vec<usize> = labels.iter().map(|l| index[l.as_str()]).collect();
    let group_tables = EventTable::grouped(&durations, &ended, &group, index.len()).map_err(bad)?;
    let mut tables = Vec::new();
    let mut groups_json = Vec::new();
    let mut lines = vec![format!(
        "{:<20} {:>8} {:>8} {:>10} {:>22}",
        "group",
        "n",
        "events",
        "median",
        format!("{:.0}% CI", args.conf_level.get() * 100.0)
    )];
    for (name, t) in index.keys().zip(group_tables) {
        let km = kaplan_meier(&t, args.conf_level).map_err(bad)?;
        let shown = |time: f64| km.disclosable_quantile(time, args.min_cell);
        let (lo, hi) = km.median_ci();
        let (median, median_lo, median_hi) = (shown(km.median()), shown(lo), shown(hi));
        let show = |v: Option<f64>, raw: f64| match v {
            Some(x) => format!("{x}"),
            None if raw.is_finite() => "..".into(),
            None => "not reached".into(),
        };
        let small = !args.min_cell.allows(km.n);
        // n − events is the number of censored spells: events are hidden when that is small.
        let events_shown = frikommune::disclosure::open_spells_shown(km.n, km.events, args.min_cell.get());
        let events = (events_shown && !small).then_some(km.events);
        let count = |v: Option<u64>| match v {
            Some(v) if args.min_cell.allows(v) => v.to_string(),
            _ => "..".into(),
        };
        lines.push(format!(
            "{name:<20} {:>8} {:>8} {:>10} {:>22}",
            count(Some(km.n)),
            count(events),
            show(median, km.median()),
            format!("[{}, {}]", show(median_lo, lo), show(median_hi, hi))
        ));
        let count = |v: Option<u64>| v.filter(|&v| args.min_cell.allows(v));
        groups_json.push(json!({
            "group": name,
            "n": count(Some(km.n)),
            "events": count(events),
            "median": median,
            "median_ci_low": median_lo,
            "median_ci_high": median_hi,
            "curve": if small { Vec::new() } else { curve_json(&km, args.min_cell) },
        }));
        tables.push(t);
    }
    let mut object = json!({ "conf_level": args.conf_level, "min_cell": args.min_cell, "groups": groups_json });
    if tables.len() > 1 {
        let test = logrank(&tables).map_err(bad)?;
        lines.push(format!("log-rank    χ²({}) = {:.4}, p = {:.4}", test.df, test.stat, test.p_value));
        object["logrank"] = json!({"stat": test.stat, "df": test.df, "p_value": test.p_value});
    }
    if let Some(covariates) = &args.cox {
        let cols: Vec<_> = covariates.iter().map(|c| column(c)).collect::<Result<_, _>>()?;
        let x: Vec<Vec<f64>> = (0..table.rows)
            .map(|r| covariates.iter().zip(&cols).map(|(name, col)| number(name, r, &col[r])).collect())
            .collect::<Result<_, _>>()?;
        let clusters: Option<Vec<u32>> = match &args.cluster {
            Some(c) => {
                let mut ids: BTreeMap<String, u32> = BTreeMap::new();
                Some(
                    column(c)?
                        .iter()
                        .map(|v| {
                            let next = ids.len() as u32;
                            *ids.entry(text(v)).or_insert(next)
                        })
                        .collect(),
                )
            }
            None => None,
        };
        let fit = cox(&durations, &ended, &x, clusters.as_deref()).map_err(bad)?;
        let se_kind = if fit.clusters > 0 {
            format!("cluster-robust (Lin–Wei sandwich, {} clusters, no small-sample factor)", fit.clusters)
        } else {
            "model-based (inverse information)".to_string()
        };
        lines.push(String::new());
        lines.push(format!("Cox proportional hazards (Efron ties); standard errors {se_kind}"));
        lines.push(format!("{:<20} {:>12} {:>10} {:>10}", "covariate", "log HR", "se", "p-value"));
        let rows: Vec<_> = covariates
            .iter()
            .enumerate()
            .map(|(k, name)| {
                lines.push(format!("{name:<20} {:>12.6} {:>10.6} {:>10.4}", fit.beta[k], fit.se[k], fit.p_value[k]));
                json!({"name": name, "estimate": fit.beta[k], "se": fit.se[k], "p_value": fit.p_value[k]})
            })
            .collect();
        object["cox"] = json!({
            "ties": "efron",
            "se": se_kind,
            "clusters": fit.clusters,
            "log_likelihood": fit.log_likelihood,
            "rows": rows,
        });
    }
    // Nothing that looks like a CPR number leaves the tool (e.g. a person id used as a group).
    let text = match args.format {
        Format::Json => object.to_string(),
        Format::Table => lines.join("\n"),
    };
    frikommune::output::check_no_identifiers("the survival output", text.as_bytes())?;
    out.say(text);
    Ok(())
}

/// The curve's rows that may be shown. A hidden row is left out whole: its time alone would be
/// the length of a few persons' spells.
fn curve_json(km: &KmCurve, min_cell: MinCell) -> Vec<serde_json::Value> {
    let shown = km.disclosable(&km.time, min_cell);
    (0..km.time.len())
        .filter(|&k| shown[k])
        .map(|k| {
            json!({
                "time": km.time[k],
                "at_risk": km.at_risk[k],
                "survival": km.survival[k],
                "ci_low": km.ci_low[k],
                "ci_high": km.ci_high[k],
            })
        })
        .collect()
}
