//! `frikommune estimate`: one estimator on any long panel, like a `feols` one-liner.
//!
//! The panel is read as text (columns may have dots in their names) and turned into a sample by
//! [`frikommune::ingest::long`]: units get dense ids and periods their rank, so any ordered period
//! (years, months, quarters as numbers or ISO months) works. Treatment comes from a cohort column
//! (first treated period, 0 or empty = never), a 0/1 treatment column, or a list of treated units
//! with one start.

use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::json;

use frikommune::error::Error;
use frikommune::estimate::Estimate;
use frikommune::estimate::Method;
use frikommune::estimate::cs::{self, CallawaySantAnna, Control, CsFit};
use frikommune::estimate::did2x2::Did2x2;
use frikommune::estimate::event::{EventFit, EventStudy};
use frikommune::estimate::scm::{
    Predictor, SyntheticControl, VChoice, default_predictors, placebo_interval, placebo_p_value,
};
use frikommune::estimate::sdid::{self, Kind};
use frikommune::estimate::twfe::Twfe;
use frikommune::inference::Interval;
use frikommune::inference::cluster::SmallSample;
use frikommune::inference::multiplier::Multiplier;
use frikommune::inference::randomization::Randomization;
use frikommune::inference::wald::WaldTest;
use frikommune::inference::wild::{Weights, WildBootstrap};
use frikommune::ingest::long::{LongSpec, Treatment, long_sample};
use frikommune::ingest::polars_io::read_text_table;
use frikommune::period::Month;
use frikommune::pipeline::Progress as _;

use super::Output;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum MethodArg {
    Did2x2,
    Twfe,
    Event,
    Cs,
    /// Synthetic control (placebo-in-space inference).
    Synth,
    /// Synthetic difference in differences (placebo standard error).
    Sdid,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum InferenceArg {
    Cr1,
    Wild,
    Ri,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum SscArg {
    /// G/(G−1)·(N−1)/(N−K), fixest's default (CR1).
    Fixest,
    /// G/(G−1) only.
    Cluster,
    /// None (CR0).
    None,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ControlArg {
    Never,
    Notyet,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum WeightsArg {
    Rademacher,
    Webb,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// A long panel (CSV): one row per unit and period.
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    unit: String,
    #[arg(long)]
    time: String,
    #[arg(long)]
    outcome: String,
    /// Column with each unit's first treated period (0 or empty = never treated).
    #[arg(long, conflicts_with_all = ["treat", "treated"])]
    cohort: Option<String>,
    /// Column with a 0/1 treatment indicator.
    #[arg(long, conflicts_with_all = ["cohort", "treated"])]
    treat: Option<String>,
    /// Comma-separated treated units (with --start).
    #[arg(long, value_delimiter = ',', requires = "start")]
    treated: Option<Vec<String>>,
    /// First treated period of the --treated units.
    #[arg(long)]
    start: Option<String>,
    #[arg(long, value_enum, default_value = "twfe")]
    method: MethodArg,
    /// Comparison units for --method cs: never treated, or not yet treated.
    #[arg(long, value_enum, default_value = "never")]
    control: ControlArg,
    /// Event study: bin event times before -LEADS into -LEADS.
    #[arg(long)]
    leads: Option<u32>,
    /// Event study: bin event times after LAGS into LAGS.
    #[arg(long)]
    lags: Option<u32>,
    /// Small-sample correction of the cluster-robust variance (did2x2, twfe, event).
    #[arg(long, value_enum, default_value = "fixest")]
    ssc: SscArg,
    /// Cluster column, constant within each unit (default: the unit).
    #[arg(long)]
    cluster: Option<String>,
    /// cr1 (default for did2x2, twfe, event), wild (twfe) or ri (did2x2); cs always uses its
    /// influence function.
    #[arg(long, value_enum)]
    inference: Option<InferenceArg>,
    /// Wild bootstrap weights.
    #[arg(long, value_enum, default_value = "rademacher")]
    weights: WeightsArg,
    /// Draws for randomization inference, the wild bootstrap and cs's multiplier bootstrap.
    #[arg(long, default_value_t = 9_999)]
    reps: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 0.95)]
    conf_level: f64,
    /// Synthetic control predictors, comma-separated: blocks:B (pre-period means over B blocks),
    /// mean, last, or a column name (its pre-period mean per unit).
    #[arg(long, value_delimiter = ',')]
    predictors: Option<Vec<String>>,
    /// Synthetic control and SDID: use only the PRE_WINDOW periods before the (earliest) start as
    /// the pre-period (default: every period before it).
    #[arg(long)]
    pre_window: Option<u32>,
    /// Column separator.
    #[arg(long, default_value = ",")]
    separator: char,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn bad(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    if args.method != MethodArg::Cs && args.control != ControlArg::Never {
        return Err(bad("--control goes with --method cs"));
    }
    if args.method != MethodArg::Event && (args.leads.is_some() || args.lags.is_some()) {
        return Err(bad("--leads and --lags go with --method event"));
    }
    let synthetic = matches!(args.method, MethodArg::Synth | MethodArg::Sdid);
    if args.predictors.is_some() && args.method != MethodArg::Synth {
        return Err(bad("--predictors goes with --method synth"));
    }
    if args.pre_window.is_some() && !synthetic {
        return Err(bad("--pre-window goes with --method synth or sdid"));
    }
    if synthetic && (args.inference.is_some() || args.cluster.is_some()) {
        return Err(bad(
            "--method synth and sdid have their own inference (placebos); leave out --inference and --cluster",
        ));
    }
    if !(0.5..1.0).contains(&args.conf_level) {
        return Err(bad("--conf-level must be between 0.5 and 1"));
    }
    let sep = u8::try_from(args.separator).map_err(|_| bad("--separator must be one ASCII character"))?;
    let path = args.data.display().to_string();
    // Reading and fitting are the long steps on a large panel: a bar each (closed when `bars` drops).
    let bars = super::progress::Bars::new(out);
    bars.stage("reading", 1);
    let table = read_text_table(&args.data, sep).map_err(|m| bad(format!("could not read {path}: {m}")))?;
    bars.stage("estimating", 1);
    let treatment = match (&args.cohort, &args.treat, &args.treated) {
        (Some(c), _, _) => Treatment::Cohort(c),
        (_, Some(t), _) => Treatment::Indicator(t),
        (_, _, Some(list)) => Treatment::Listed { units: list, start: args.start.as_deref().unwrap_or_default() },
        _ => return Err(bad("say who is treated: --cohort COL, --treat COL, or --treated LIST --start PERIOD")),
    };
    let spec = LongSpec {
        unit: &args.unit,
        time: &args.time,
        outcome: &args.outcome,
        treatment,
        cluster: args.cluster.as_deref(),
    };
    let long = long_sample(&table, &path, &spec).map_err(bad)?;
    let sample = &long.sample;
    let (first, last) = (long.first(), long.last());
    let earliest = sample.units.iter().filter_map(|u| u.start).min().ok_or_else(|| bad("no unit is treated"))?;
    let fail = |e: frikommune::estimate::EstimateError| bad(e.0);
    let ssc = match args.ssc {
        SscArg::Fixest => SmallSample::Fixest,
        SscArg::Cluster => SmallSample::Cluster,
        SscArg::None => SmallSample::None,
    };
    let did =
        Did2x2 { pre_months: earliest.since(first).max(1) as u32, post_last: last, conf_level: args.conf_level, ssc };
    // Periods back to the input's labels: numbers stay numbers in JSON.
    let label = |m: Month| -> serde_json::Value {
        let p = long.label(m);
        p.parse::<i64>().map(serde_json::Value::from).unwrap_or_else(|_| p.into())
    };
    let mut extra = serde_json::Map::new();
    let mut table_rows: Vec<String> = Vec::new();
    let estimate: Estimate = match (args.method, args.inference) {
        (MethodArg::Synth, _) => {
            let predictors = match &args.predictors {
                Some(list) => list.iter().map(|p| Predictor::parse(p)).collect::<Result<Vec<_>, _>>().map_err(bad)?,
                None => default_predictors(),
            };
            let panel = SyntheticPanel::new(
                &long,
                &table,
                &path,
                (&args.unit, &args.time),
                args.pre_window,
                &Predictor::covariates(&predictors),
            )?;
            panel.synth(&long, predictors, args.conf_level, &mut extra, &mut table_rows)?
        }
        (MethodArg::Sdid, _) => {
            let panel = SyntheticPanel::new(&long, &table, &path, (&args.unit, &args.time), args.pre_window, &[])?;
            panel.sdid(
                &long,
                args.reps.min(100_000) as usize,
                args.seed,
                args.conf_level,
                &mut extra,
                &mut table_rows,
            )?
        }
        (MethodArg::Twfe, None | Some(InferenceArg::Cr1)) => {
            Twfe { first, last, conf_level: args.conf_level, ssc }.fit(sample).map_err(fail)?
        }
        (MethodArg::Did2x2, None | Some(InferenceArg::Cr1)) => did.fit(sample).map_err(fail)?,
        (MethodArg::Did2x2, Some(InferenceArg::Ri)) => {
            if args.cluster.as_ref().is_some_and(|c| c != &args.unit) {
                return Err(bad("randomization inference permutes units; --cluster does not apply"));
            }
            let ri =
                Randomization { reps: args.reps, seed: args.seed, conf_level: args.conf_level, ..Default::default() };
            did.fit_randomization(sample, &ri).map_err(fail)?
        }
        (MethodArg::Twfe, Some(InferenceArg::Wild)) => {
            let weights = match args.weights {
                WeightsArg::Rademacher => Weights::Rademacher,
                WeightsArg::Webb => Weights::Webb,
            };
            let wb = WildBootstrap { reps: args.reps, seed: args.seed, weights, conf_level: args.conf_level };
            Twfe { first, last, conf_level: args.conf_level, ssc }.fit_wild(sample, &wb).map_err(fail)?
        }
        (MethodArg::Event, None | Some(InferenceArg::Cr1)) => {
            let es = EventStudy { first, last, leads: args.leads, lags: args.lags, conf_level: args.conf_level, ssc };
            let fit = es.fit(sample).map_err(fail)?;
            event_output(&fit, &mut extra, &mut table_rows);
            fit.estimate
        }
        (MethodArg::Cs, None) => {
            let control = match args.control {
                ControlArg::Never => Control::Never,
                ControlArg::Notyet => Control::NotYet,
            };
            let boot = Multiplier { reps: args.reps, seed: args.seed };
            let fit = CallawaySantAnna { control, conf_level: args.conf_level, bootstrap: Some(boot) }
                .fit(sample)
                .map_err(fail)?;
            cs_output(&fit, &label, &mut extra, &mut table_rows);
            fit.headline()
        }
        (MethodArg::Cs, Some(_)) => {
            return Err(bad(
                "--method cs has its own inference (influence function, multiplier bootstrap bands); leave out --inference",
            ));
        }
        (MethodArg::Twfe, Some(InferenceArg::Ri)) | (MethodArg::Event, Some(InferenceArg::Ri)) => {
            return Err(bad("--inference ri goes with --method did2x2"));
        }
        (_, Some(InferenceArg::Wild)) => return Err(bad("--inference wild goes with --method twfe")),
    };
    let i = &estimate.interval;
    match args.format {
        Format::Json => {
            let mut object = json!({
                "method": estimate.method.key(),
                "estimand": estimate.estimand,
                "estimate": i.estimate,
                "se": finite(i.se),
                "ci_low": i.ci_low,
                "ci_high": i.ci_high,
                "p_value": finite(i.p_value),
                "conf_level": i.conf_level,
                "inference": estimate.inference.name,
                "inference_description": estimate.inference.description,
                "clusters": estimate.inference.clusters,
                "small_sample_factor": finite(estimate.inference.adjustment),
                "n_obs": estimate.n_obs,
                "n_units": estimate.n_units,
                "n_treated": estimate.n_treated,
            });
            object.as_object_mut().expect("an object").extend(extra);
            out.say(object.to_string())
        }
        Format::Table => {
            out.say(format!("method      {}", estimate.method.key()));
            out.say(format!("estimand    {}", estimate.estimand));
            out.say(format!("estimate    {:.6}", i.estimate));
            out.say(format!("se          {:.6}", i.se));
            out.say(format!("{:.0}% CI     [{:.6}, {:.6}]", i.conf_level * 100.0, i.ci_low, i.ci_high));
            out.say(format!("p-value     {:.4}", i.p_value));
            out.say(format!("inference   {}: {}", estimate.inference.name, estimate.inference.description));
            out.say(format!(
                "units       {} ({} treated), {} observations",
                estimate.n_units, estimate.n_treated, estimate.n_obs
            ));
            for row in table_rows {
                out.say(row);
            }
        }
    }
    Ok(())
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn pretrend_json(w: &Option<WaldTest>) -> serde_json::Value {
    match w {
        Some(w) => json!({"stat": w.stat, "df": w.df, "df2": w.df2, "p_value": w.p_value, "reference": w.reference}),
        None => serde_json::Value::Null,
    }
}

fn pretrend_line(w: &Option<WaldTest>) -> String {
    match w {
        Some(w) => format!(
            "pre-trend   {} = {:.4}, p = {:.4} (joint test that all leads are zero)",
            w.reference, w.stat, w.p_value
        ),
        None => "pre-trend   no leads to test".into(),
    }
}

fn event_output(fit: &EventFit, extra: &mut serde_json::Map<String, serde_json::Value>, table: &mut Vec<String>) {
    let rows: Vec<_> = fit
        .rows
        .iter()
        .map(|r| {
            json!({
                "rel_time": r.rel_time,
                "estimate": r.interval.estimate,
                "se": finite(r.interval.se),
                "ci_low": finite(r.interval.ci_low),
                "ci_high": finite(r.interval.ci_high),
                "p_value": finite(r.interval.p_value),
                "reference": r.reference,
                "binned": r.binned,
            })
        })
        .collect();
    extra.insert("event_study".into(), rows.into());
    extra.insert("pretrend".into(), pretrend_json(&fit.pretrend));
    table.push(String::new());
    table.push(format!("{:>8}  {:>12}  {:>10}  {:>25}", "rel_time", "estimate", "se", "CI"));
    for r in &fit.rows {
        let i = &r.interval;
        if r.reference {
            table.push(format!("{:>8}  {:>12}  {:>10}  {:>25}", r.rel_time, "0 (ref.)", "", ""));
        } else {
            let mark = if r.binned { "+" } else { "" };
            table.push(format!(
                "{:>8}  {:>12.6}  {:>10.6}  [{:>11.6}, {:>11.6}]",
                format!("{}{mark}", r.rel_time),
                i.estimate,
                i.se,
                i.ci_low,
                i.ci_high
            ));
        }
    }
    if fit.rows.iter().any(|r| r.binned) {
        table.push("(+ = binned end point)".into());
    }
    table.push(pretrend_line(&fit.pretrend));
}

fn cs_output(
    fit: &CsFit,
    label: &dyn Fn(Month) -> serde_json::Value,
    extra: &mut serde_json::Map<String, serde_json::Value>,
    table: &mut Vec<String>,
) {
    let att_gt: Vec<_> = fit
        .cells
        .iter()
        .map(|c| {
            let se = c.interval.se;
            json!({
                "group": label(c.group),
                "time": label(c.time),
                "estimate": c.interval.estimate,
                "se": finite(se),
                "ci_low": finite(c.interval.ci_low),
                "ci_high": finite(c.interval.ci_high),
                "band_low": finite(c.interval.estimate - fit.band_crit * se),
                "band_high": finite(c.interval.estimate + fit.band_crit * se),
                "post": c.post,
            })
        })
        .collect();
    let period_label = |l: i64| cs::month_of_label(l).map(label).unwrap_or(serde_json::Value::Null);
    let agg = |a: &cs::Aggregation, key: &str, periods: bool| {
        let rows: Vec<_> = a
            .rows
            .iter()
            .map(|r| {
                json!({
                    key: if periods { period_label(r.label) } else { r.label.into() },
                    "estimate": r.interval.estimate,
                    "se": finite(r.interval.se),
                    "ci_low": finite(r.interval.ci_low),
                    "ci_high": finite(r.interval.ci_high),
                    "band_low": finite(r.band_low),
                    "band_high": finite(r.band_high),
                })
            })
            .collect();
        json!({
            "estimate": a.overall.estimate,
            "se": finite(a.overall.se),
            "ci_low": finite(a.overall.ci_low),
            "ci_high": finite(a.overall.ci_high),
            "band_crit": a.band_crit,
            "rows": rows,
        })
    };
    let simple = &fit.simple;
    extra.insert("control".into(), fit.control.key().into());
    extra.insert("band_crit".into(), fit.band_crit.into());
    extra.insert("dropped_units".into(), fit.dropped_units.into());
    extra.insert("att_gt".into(), att_gt.into());
    extra.insert(
        "aggregations".into(),
        json!({
            "simple": {"estimate": simple.estimate, "se": finite(simple.se), "ci_low": finite(simple.ci_low), "ci_high": finite(simple.ci_high)},
            "group": agg(&fit.group, "group", true),
            "dynamic": agg(&fit.dynamic, "rel_time", false),
            "calendar": agg(&fit.calendar, "time", true),
        }),
    );
    extra.insert("pretrend".into(), pretrend_json(&fit.pretrend));
    table.push(String::new());
    table.push(format!("{:<10} {:>12} {:>10}", "aggregation", "estimate", "se"));
    for (name, i) in [
        ("simple", simple),
        ("group", &fit.group.overall),
        ("dynamic", &fit.dynamic.overall),
        ("calendar", &fit.calendar.overall),
    ] {
        table.push(format!("{name:<10} {:>12.6} {:>10.6}", i.estimate, i.se));
    }
    table.push(String::new());
    table.push(format!(
        "event time  {:>12} {:>10}  simultaneous {:.0}% band (crit {:.3})",
        "estimate",
        "se",
        simple.conf_level * 100.0,
        fit.dynamic.band_crit
    ));
    for r in &fit.dynamic.rows {
        table.push(format!(
            "{:>10}  {:>12.6} {:>10.6}  [{:.6}, {:.6}]",
            r.label, r.interval.estimate, r.interval.se, r.band_low, r.band_high
        ));
    }
    table.push(pretrend_line(&fit.pretrend));
    if fit.dropped_units > 0 {
        table.push(format!(
            "dropped     {} units (not observed in every period, or treated from the first period)",
            fit.dropped_units
        ));
    }
}

/// A period label as JSON: numbers stay numbers.
fn period_json(long: &frikommune::ingest::long::LongSample, m: Month) -> serde_json::Value {
    let p = long.label(m);
    p.parse::<i64>().map(serde_json::Value::from).unwrap_or_else(|_| p.into())
}

/// A balanced matrix for the synthetic designs: treated units and donors (never-treated units
/// observed in every used period), over the periods from the pre-window's start to the end.
struct SyntheticPanel {
    periods: Vec<Month>,
    start: Month,
    t0: usize,
    treated: Vec<(usize, Vec<f64>, Vec<f64>)>,
    donors: Vec<(usize, Vec<f64>, Vec<f64>)>,
    dropped: usize,
}

impl SyntheticPanel {
    fn new(
        long: &frikommune::ingest::long::LongSample,
        table: &frikommune::ingest::polars_io::TextTable,
        path: &str,
        columns: (&str, &str),
        pre_window: Option<u32>,
        covariates: &[String],
    ) -> frikommune::Result<SyntheticPanel> {
        let units = &long.sample.units;
        let start = units.iter().filter_map(|u| u.start).min().ok_or_else(|| bad("no unit is treated"))?;
        if units.iter().any(|u| u.start.is_some_and(|s| s != start)) {
            return Err(bad(
                "--method synth and sdid need one common start; the treated units start in different periods",
            ));
        }
        let first = match pre_window {
            Some(0) => return Err(bad("--pre-window must be at least 1")),
            Some(w) => start.plus(-(w as i32)).max(long.first()),
            None => long.first(),
        };
        let periods: Vec<Month> = first.through(long.last()).collect();
        let t0 = periods.iter().filter(|m| **m < start).count();
        // Covariates: each unit's mean of the column over its pre-period rows.
        let mut cov: Vec<Vec<(f64, usize)>> = vec![vec![(0.0, 0); covariates.len()]; units.len()];
        if !covariates.is_empty() {
            let index: std::collections::BTreeMap<&str, usize> =
                long.units.iter().enumerate().map(|(i, u)| (u.as_str(), i)).collect();
            let month_of: std::collections::BTreeMap<&str, Month> = long
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str(), frikommune::ingest::long::ORIGIN.plus(i as i32)))
                .collect();
            for (ci, name) in covariates.iter().enumerate() {
                let values = table.column(name).ok_or_else(|| {
                    bad(format!(
                        "{path}: no column `{name}` for --predictors (the header has: {})",
                        table.names().join(", ")
                    ))
                })?;
                let unit_values = table.column(columns.0).expect("read before");
                let times = table.column(columns.1).expect("read before");
                for r in 0..table.rows {
                    let text = values[r].as_deref().unwrap_or("").trim();
                    let u = unit_values[r].as_deref().unwrap_or("").trim();
                    let t = times[r].as_deref().unwrap_or("").trim();
                    let Some(&ui) = index.get(u) else { continue };
                    let Some(&m) = month_of.get(t) else { continue };
                    if m < first || m >= start || text.is_empty() || text == "NA" || text == ".." {
                        continue;
                    }
                    let v: f64 = text.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                        bad(format!("{path}: row {}, column `{name}`: expected a number, found `{text}`", r + 2))
                    })?;
                    cov[ui][ci].0 += v;
                    cov[ui][ci].1 += 1;
                }
            }
        }
        let mut treated = Vec::new();
        let mut donors = Vec::new();
        let mut dropped = 0;
        for (i, u) in units.iter().enumerate() {
            let row: Option<Vec<f64>> =
                periods.iter().map(|m| u.obs.binary_search_by_key(m, |o| o.0).ok().map(|k| u.obs[k].1)).collect();
            let c: Option<Vec<f64>> = cov[i].iter().map(|(s, n)| (*n > 0).then(|| s / *n as f64)).collect();
            match (row, c, u.start.is_some()) {
                (Some(r), Some(c), true) => treated.push((i, r, c)),
                (_, _, true) => {
                    return Err(bad(format!(
                        "treated unit `{}` is not observed in every period from {} (or lacks a covariate): synthetic designs need complete series",
                        long.units[i],
                        long.label(first)
                    )));
                }
                (Some(r), Some(c), false) => donors.push((i, r, c)),
                _ => dropped += 1,
            }
        }
        if donors.len() < 2 {
            return Err(bad("synthetic designs need at least two never-treated units observed in every period"));
        }
        if t0 < 2 || t0 >= periods.len() {
            return Err(bad("synthetic designs need at least two periods before the start and one from it"));
        }
        Ok(SyntheticPanel { periods, start, t0, treated, donors, dropped })
    }

    fn weights_json(&self, long: &frikommune::ingest::long::LongSample, w: &[f64]) -> Vec<serde_json::Value> {
        let mut rows: Vec<(usize, f64)> =
            self.donors.iter().zip(w).filter(|(_, w)| **w > 1e-6).map(|(d, w)| (d.0, *w)).collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        rows.iter().map(|(u, w)| json!({"unit": long.units[*u], "weight": w})).collect()
    }

    fn synth(
        &self,
        long: &frikommune::ingest::long::LongSample,
        predictors: Vec<Predictor>,
        conf_level: f64,
        extra: &mut serde_json::Map<String, serde_json::Value>,
        table: &mut Vec<String>,
    ) -> frikommune::Result<Estimate> {
        let sc = SyntheticControl { predictors, v: VChoice::Search };
        let y0: Vec<&[f64]> = self.donors.iter().map(|d| d.1.as_slice()).collect();
        let c0: Vec<&[f64]> = self.donors.iter().map(|d| d.2.as_slice()).collect();
        let n1 = self.treated.len() as f64;
        let y1: Vec<f64> =
            (0..self.periods.len()).map(|s| self.treated.iter().map(|t| t.1[s]).sum::<f64>() / n1).collect();
        let c1: Vec<f64> = (0..c0[0].len()).map(|i| self.treated.iter().map(|t| t.2[i]).sum::<f64>() / n1).collect();
        let fit = sc.fit(&y1, &c1, &y0, &c0, self.t0).map_err(bad)?;
        let ratios: Vec<f64> = sc
            .placebos(&y0, &c0, self.t0)
            .into_iter()
            .filter_map(Result::ok)
            .map(|r| r.ratio)
            .filter(|r| r.is_finite())
            .collect();
        let p_value = placebo_p_value(fit.ratio, &ratios);
        let (low, high) = placebo_interval(&fit.gap, self.t0, &ratios, conf_level);
        let weights = self.weights_json(long, &fit.weights);
        extra.insert("weights".into(), weights.clone().into());
        extra.insert("pre_rmspe".into(), fit.pre_rmspe.into());
        extra.insert("post_rmspe".into(), fit.post_rmspe.into());
        extra.insert("post_pre_ratio".into(), fit.ratio.into());
        extra.insert("n_placebos".into(), ratios.len().into());
        extra.insert("loss".into(), fit.loss.into());
        extra.insert(
            "predictors".into(),
            fit.predictor_names.iter().zip(&fit.v).map(|(n, v)| json!({"name": n, "v": v})).collect::<Vec<_>>().into(),
        );
        extra.insert(
            "gap".into(),
            self.periods
                .iter()
                .zip(&fit.gap)
                .map(|(m, g)| json!({"period": period_json(long, *m), "gap": g}))
                .collect::<Vec<_>>()
                .into(),
        );
        extra.insert("dropped_units".into(), self.dropped.into());
        table.push(String::new());
        table.push(format!(
            "fit         pre RMSPE {:.6}, post RMSPE {:.6}, ratio {:.3} (rank among {} placebos)",
            fit.pre_rmspe,
            fit.post_rmspe,
            fit.ratio,
            ratios.len()
        ));
        table.push(format!(
            "V search    loss {:.6e} after {} evaluations from {} starts",
            fit.loss, fit.evaluations, fit.starts
        ));
        table.push(format!("{:<40} {:>10}", "predictor", "v"));
        for (n, v) in fit.predictor_names.iter().zip(&fit.v) {
            table.push(format!("{n:<40} {v:>10.4}"));
        }
        table.push(format!("{:<40} {:>10}", "donor", "weight"));
        for w in &weights {
            table.push(format!(
                "{:<40} {:>10.4}",
                w["unit"].as_str().unwrap_or(""),
                w["weight"].as_f64().unwrap_or(0.0)
            ));
        }
        Ok(Estimate {
            method: Method::Synth,
            estimand: format!(
                "mean gap from {} between the treated{} and the synthetic control",
                long.label(self.start),
                if self.treated.len() > 1 { " units' mean" } else { " unit" }
            ),
            interval: Interval {
                estimate: fit.estimate,
                se: f64::NAN,
                ci_low: low,
                ci_high: high,
                conf_level,
                p_value,
            },
            inference: frikommune::estimate::scm::placebo_inference(ratios.len()),
            n_obs: self.periods.len() * (self.donors.len() + self.treated.len()),
            n_units: self.donors.len() + self.treated.len(),
            n_treated: self.treated.len(),
            n_control: self.donors.len(),
        })
    }

    fn sdid(
        &self,
        long: &frikommune::ingest::long::LongSample,
        reps: usize,
        seed: u64,
        conf_level: f64,
        extra: &mut serde_json::Map<String, serde_json::Value>,
        table: &mut Vec<String>,
    ) -> frikommune::Result<Estimate> {
        let y: Vec<Vec<f64>> =
            self.donors.iter().map(|d| d.1.clone()).chain(self.treated.iter().map(|t| t.1.clone())).collect();
        let n0 = self.donors.len();
        let fit = sdid::fit(&y, n0, self.t0, Kind::Sdid).map_err(bad)?;
        let (se, _) = sdid::placebo_se(&y, n0, self.t0, Kind::Sdid, reps, seed).map_err(bad)?;
        let weights = self.weights_json(long, &fit.omega);
        let time_weights: Vec<serde_json::Value> = self.periods[..self.t0]
            .iter()
            .zip(&fit.lambda)
            .filter(|(_, w)| **w > 1e-6)
            .map(|(m, w)| json!({"period": period_json(long, *m), "weight": w}))
            .collect();
        extra.insert("weights".into(), weights.clone().into());
        extra.insert("time_weights".into(), time_weights.clone().into());
        extra.insert("placebo_reps".into(), reps.into());
        extra.insert("dropped_units".into(), self.dropped.into());
        table.push(String::new());
        table.push(format!("{:<40} {:>10}", "unit weight", ""));
        for w in &weights {
            table.push(format!(
                "{:<40} {:>10.4}",
                w["unit"].as_str().unwrap_or(""),
                w["weight"].as_f64().unwrap_or(0.0)
            ));
        }
        table.push(format!("{:<40} {:>10}", "time weight", ""));
        for w in &time_weights {
            table.push(format!("{:<40} {:>10.4}", w["period"].to_string(), w["weight"].as_f64().unwrap_or(0.0)));
        }
        let n1 = self.treated.len();
        Ok(Estimate {
            method: Method::Sdid,
            estimand: format!("synthetic difference in differences from {}", long.label(self.start)),
            interval: Interval::normal(fit.estimate, se, conf_level),
            inference: sdid::placebo_inference(reps, n0, n1, seed),
            n_obs: self.periods.len() * (n0 + n1),
            n_units: n0 + n1,
            n_treated: n1,
            n_control: n0,
        })
    }
}
