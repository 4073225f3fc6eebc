//! `frikommune estimate`: one estimator on any long panel, like a `feols` one-liner.
//!
//! The panel is read as text (columns may have dots in their names) and turned into a sample by
//! [`frikommune::design::long`]: units get dense ids and periods their rank, so any ordered period
//! (years, months, quarters as numbers or ISO months) works. Treatment comes from a cohort column
//! (first treated period, 0 or empty = never), a 0/1 treatment column, or a list of treated units
//! with one start.

use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::json;

use clap::builder::PossibleValuesParser;
use frikommune::analysis::synthetic::{SdidParams, SynthParams};
use frikommune::design::balanced::Balanced;
use frikommune::design::long::{LongSample, LongSpec, Treatment, long_sample};
use frikommune::error::Error;
use frikommune::estimate::Estimate;
use frikommune::estimate::conformal;
use frikommune::estimate::cs::{self, CallawaySantAnna, Control, CsFit};
use frikommune::estimate::did2x2::Did2x2;
use frikommune::estimate::event::{EventFit, EventStudy};
use frikommune::estimate::imputation::{Imputation, ImputationFit};
use frikommune::estimate::scm::{Predictor, SyntheticControl, VChoice, default_predictors};
use frikommune::estimate::sunab::{SunAbraham, SunabFit};
use frikommune::estimate::twfe::Twfe;
use frikommune::inference::multiplier::Multiplier;
use frikommune::inference::randomization::Randomization;
use frikommune::inference::wald::WaldTest;
use frikommune::inference::wild::{Weights, WildBootstrap};
use frikommune::ingest::polars_io::{TextTable, read_text_table};
use frikommune::period::Month;
use frikommune::progress::Progress as _;
use frikommune::settings::{self, Level, Reps};

use super::Output;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum MethodArg {
    Did2x2,
    Twfe,
    Event,
    Cs,
    /// Borusyak–Jaravel–Spiess imputation (conservative influence-function variance).
    Bjs,
    /// Sun–Abraham interaction-weighted event study (CR1).
    Sunab,
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
    #[arg(long, default_value = "never", value_parser = PossibleValuesParser::new(settings::names(settings::CONTROL)))]
    control: String,
    /// --method cs: units lacking a period are dropped (R did's default) or kept, each ATT(g,t)
    /// then comparing mean levels over the observations of its two periods (R did's
    /// allow_unbalanced_panel; standard errors clustered by unit).
    #[arg(long, default_value = "drop", value_parser = PossibleValuesParser::new(settings::names(settings::UNBALANCED)))]
    unbalanced: String,
    /// --method cs: numeric columns constant within each unit (e.g. a log population) for the
    /// doubly robust ATT(g,t) of R did (logit propensity score, least-squares outcome model).
    #[arg(long, value_delimiter = ',')]
    covariates: Vec<String>,
    /// Event study: bin event times before -LEADS into -LEADS.
    #[arg(long)]
    leads: Option<u32>,
    /// Event study: bin event times after LAGS into LAGS.
    #[arg(long)]
    lags: Option<u32>,
    /// Event study: measure the coefficients from the period before the start (period_before,
    /// as fixest) or from the mean of the pre-period coefficients (pre_mean).
    #[arg(long, value_parser = PossibleValuesParser::new(settings::names(settings::EVENT_BASE)))]
    event_base: Option<String>,
    /// Small-sample correction of the cluster-robust variance (did2x2, twfe, event, sunab): fixest
    /// (G/(G−1)·(N−1)/(N−K), CR1), cluster (G/(G−1) only) or none (CR0).
    #[arg(long, default_value = "fixest", value_parser = PossibleValuesParser::new(settings::names(settings::SSC)))]
    ssc: String,
    /// Cluster column, constant within each unit (default: the unit).
    #[arg(long)]
    cluster: Option<String>,
    /// cr1 (default for did2x2, twfe, event, sunab), wild (twfe) or ri (did2x2); cs and bjs
    /// always use their influence functions.
    #[arg(long, value_enum)]
    inference: Option<InferenceArg>,
    /// Wild bootstrap weights.
    #[arg(long, value_enum, default_value = "rademacher")]
    weights: WeightsArg,
    /// Draws for randomization inference, the wild bootstrap and cs's multiplier bootstrap.
    #[arg(long, default_value = "9999")]
    reps: Reps,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value = "0.95")]
    conf_level: Level,
    /// Synthetic control predictors, comma-separated: blocks:B (pre-period means over B blocks),
    /// mean, last, or a column name (its pre-period mean per unit).
    #[arg(long, value_delimiter = ',')]
    predictors: Option<Vec<String>>,
    /// --method synth: also per-period conformal intervals (Chernozhukov–Wüthrich–Zhu), a hundred
    /// and more synthetic-control fits per post period.
    #[arg(long)]
    conformal: bool,
    /// Use only the PRE_WINDOW periods before the (earliest) start as the pre-period (did2x2,
    /// synth, sdid; default: every period before it). With `--last`, this is how `run`'s window
    /// of an analysis (`pre_months`, the evaluation end) is given to `estimate`.
    #[arg(long)]
    pre_window: Option<u32>,
    /// The last period of the evaluation window (did2x2; default: the data's last period).
    #[arg(long)]
    last: Option<String>,
    /// Columns constant within each unit (e.g. region, size class) within which randomization
    /// inference reassigns the start (`--inference ri`): as a study's `[inference] strata`.
    #[arg(long, value_delimiter = ',')]
    strata: Vec<String>,
    /// Column separator.
    #[arg(long, default_value = ",")]
    separator: char,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn bad(message: impl std::fmt::Display) -> Error {
    Error::Usage(message.to_string())
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let control = settings::named(settings::CONTROL, &args.control).ok_or_else(|| bad("--control: never or notyet"))?;
    let ssc = settings::named(settings::SSC, &args.ssc).ok_or_else(|| bad("--ssc: fixest, cluster or none"))?;
    let unbalanced =
        settings::named(settings::UNBALANCED, &args.unbalanced).ok_or_else(|| bad("--unbalanced: drop or keep"))?;
    if args.method != MethodArg::Cs && control != Control::Never {
        return Err(bad("--control goes with --method cs"));
    }
    if args.method != MethodArg::Cs && (unbalanced != cs::Unbalanced::Drop || !args.covariates.is_empty()) {
        return Err(bad("--unbalanced and --covariates go with --method cs"));
    }
    if args.method != MethodArg::Event && (args.leads.is_some() || args.lags.is_some()) {
        return Err(bad("--leads and --lags go with --method event"));
    }
    if !matches!(args.method, MethodArg::Event | MethodArg::Sunab) && args.event_base.is_some() {
        return Err(bad("--event-base goes with --method event or sunab"));
    }
    let base = args.event_base.as_deref().and_then(|b| settings::named(settings::EVENT_BASE, b)).unwrap_or_default();
    let synthetic = matches!(args.method, MethodArg::Synth | MethodArg::Sdid);
    if args.conformal && args.method != MethodArg::Synth {
        return Err(bad("--conformal goes with --method synth"));
    }
    if args.predictors.is_some() && args.method != MethodArg::Synth {
        return Err(bad("--predictors goes with --method synth"));
    }
    if args.pre_window.is_some() && !synthetic && args.method != MethodArg::Did2x2 {
        return Err(bad("--pre-window goes with --method did2x2, synth or sdid"));
    }
    if args.last.is_some() && args.method != MethodArg::Did2x2 {
        return Err(bad("--last goes with --method did2x2"));
    }
    let randomization = args.method == MethodArg::Did2x2 && args.inference == Some(InferenceArg::Ri);
    if !args.strata.is_empty() && !randomization {
        return Err(bad("--strata goes with --method did2x2 --inference ri"));
    }
    if synthetic && (args.inference.is_some() || args.cluster.is_some()) {
        return Err(bad(
            "--method synth and sdid have their own inference (placebos); leave out --inference and --cluster",
        ));
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
    let fail = |e: frikommune::estimate::EstimateError| bad(e.to_string());
    let post_last = match &args.last {
        None => last,
        Some(label) => match long.periods.iter().position(|p| p == label.trim()) {
            Some(rank) => first.plus(rank as i32),
            None => return Err(bad(format!("--last `{label}` is not one of the periods in `{}`", args.time))),
        },
    };
    let pre_months = match args.pre_window {
        Some(w) => w.max(1),
        None => earliest.since(first).max(1) as u32,
    };
    let did = Did2x2 { pre_months, post_last, conf_level: args.conf_level, ssc };
    // Periods back to the input's labels: numbers stay numbers in JSON.
    let label = |m: Month| long.period_json(m);
    let mut extra = serde_json::Map::new();
    let mut table_rows: Vec<String> = Vec::new();
    let estimate: Estimate = match (args.method, args.inference) {
        (MethodArg::Synth, _) => {
            let predictors = match &args.predictors {
                Some(list) => list.iter().map(|p| Predictor::parse(p)).collect::<Result<Vec<_>, _>>().map_err(bad)?,
                None => default_predictors(),
            };
            let b = synthetic_panel(&long, &table, &path, args.pre_window, &Predictor::covariates(&predictors))?;
            let params = SynthParams {
                control: SyntheticControl { predictors, v: VChoice::Search },
                conf_level: args.conf_level,
            };
            synth_output(&long, &b, &params, args.conformal, &mut extra, &mut table_rows)?
        }
        (MethodArg::Sdid, _) => {
            let b = synthetic_panel(&long, &table, &path, args.pre_window, &[])?;
            let params = SdidParams {
                reps: args.reps.get().min(100_000) as usize,
                seed: args.seed,
                conf_level: args.conf_level,
            };
            sdid_output(&long, &b, &params, &mut extra, &mut table_rows)?
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
            if args.strata.is_empty() {
                did.fit_randomization(sample, &ri).map_err(fail)?
            } else {
                let strata = long.unit_strata(&table, &path, &args.strata).map_err(bad)?;
                let of = |id: u32| strata.get(id as usize).copied().unwrap_or(u32::MAX);
                let names = args.strata.join(", ");
                did.fit_randomization_in(sample, &ri, Some((&of, names.as_str()))).map_err(fail)?
            }
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
            let es =
                EventStudy { first, last, leads: args.leads, lags: args.lags, conf_level: args.conf_level, ssc, base };
            let mut fit = es.fit(sample).map_err(fail)?;
            fit.sensitivity = fit.sensitivity.map(|s| s.with_smoothness());
            event_output(&fit, &mut extra, &mut table_rows);
            fit.estimate
        }
        (MethodArg::Cs, None) => {
            let boot = Multiplier { reps: args.reps, seed: args.seed };
            let rows = long.unit_covariates(&table, &path, &args.covariates).map_err(bad)?;
            let covariates = cs::Covariates {
                names: args.covariates.clone(),
                rows: rows
                    .into_iter()
                    .enumerate()
                    .filter_map(|(id, row)| row.into_iter().collect::<Option<Vec<f64>>>().map(|r| (id as u32, r)))
                    .collect(),
            };
            let fit = CallawaySantAnna { control, conf_level: args.conf_level, bootstrap: Some(boot), unbalanced }
                .fit_with(sample, &covariates)
                .map_err(fail)?;
            cs_output(&fit, &label, &mut extra, &mut table_rows);
            fit.headline()
        }
        (MethodArg::Cs, Some(_)) => {
            return Err(bad(
                "--method cs has its own inference (influence function, multiplier bootstrap bands); leave out --inference",
            ));
        }
        (MethodArg::Bjs, None) => {
            let fit = Imputation { first, last, conf_level: args.conf_level }.fit(sample).map_err(fail)?;
            bjs_output(&fit, &mut extra, &mut table_rows);
            fit.overall
        }
        (MethodArg::Bjs, Some(_)) => {
            return Err(bad(
                "--method bjs has its own inference (Borusyak–Jaravel–Spiess conservative variance); leave out --inference",
            ));
        }
        (MethodArg::Sunab, None | Some(InferenceArg::Cr1)) => {
            let fit = SunAbraham { first, last, conf_level: args.conf_level, ssc, base }.fit(sample).map_err(fail)?;
            sunab_output(&fit, &label, &mut extra, &mut table_rows);
            fit.estimate
        }
        (MethodArg::Twfe | MethodArg::Event | MethodArg::Sunab, Some(InferenceArg::Ri)) => {
            return Err(bad("--inference ri goes with --method did2x2"));
        }
        (_, Some(InferenceArg::Wild)) => return Err(bad("--inference wild goes with --method twfe")),
    };
    if !estimate.interval.has_width() {
        return Err(fail(frikommune::estimate::EstimateError::NoResidualVariation));
    }
    let i = &estimate.interval;
    match args.format {
        Format::Json => {
            let mut object = json!({
                "method": estimate.method.key(),
                "estimand": estimate.estimand,
                "estimate": i.estimate,
                "se": finite(i.se),
                "ci_low": bound(i.ci_low),
                "ci_high": bound(i.ci_high),
                "p_value": finite(i.p_value),
                "conf_level": i.conf_level,
                "inference": estimate.inference.name,
                "inference_description": estimate.inference.description,
                "clusters": estimate.inference.clusters,
                "adjustment": finite(estimate.inference.adjustment),
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

/// An interval side: a number, `"inf"`/`"-inf"` when unbounded (as results.json writes it),
/// `null` when undefined.
fn bound(x: f64) -> serde_json::Value {
    match x {
        f64::INFINITY => json!("inf"),
        f64::NEG_INFINITY => json!("-inf"),
        x => json!(finite(x)),
    }
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
    extra.insert("event_base".into(), fit.base.key().into());
    extra.insert("pretrend".into(), pretrend_json(&fit.pretrend));
    extra.insert("sensitivity".into(), serde_json::to_value(&fit.sensitivity).unwrap_or_default());
    table.push(String::new());
    table.push(format!("base        {}", fit.base.describe(fit.rows.first().map_or(-1, |r| r.rel_time))));
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
    if let Some(s) = &fit.sensitivity {
        // Rambachan–Roth, relative magnitudes: where the post-period mean's set first holds 0.
        let breakdown = s.mean.breakdown.map_or("none (no pre-period change)".to_string(), |b| format!("{b:.4}"));
        table.push(format!(
            "sensitivity (Rambachan–Roth, relative magnitudes, from -1): mean {:.6} over 0..{}, largest pre-period change {:.6}, breakdown M̄ {breakdown}",
            s.mean.estimate, s.post_last, s.max_pre_change
        ));
        if let Some(sd) = &s.smoothness {
            // Smoothness: the fixed-length interval with a linear trend difference allowed.
            let z = &sd.mean.at_zero;
            let breakdown = sd.mean.breakdown.map_or("none".to_string(), |b| format!("{b:.6}"));
            let reference = sd.df.map_or("normal".to_string(), |df| format!("folded t({df})"));
            table.push(format!(
                "sensitivity (Rambachan–Roth, smoothness, FLCI, {reference}): mean at M = 0 {:.6} [{:.6}, {:.6}], breakdown M {breakdown}",
                z.estimate, z.ci_low, z.ci_high
            ));
        }
    }
}

fn interval_json(i: &frikommune::inference::Interval) -> serde_json::Value {
    json!({
        "estimate": i.estimate,
        "se": finite(i.se),
        "ci_low": finite(i.ci_low),
        "ci_high": finite(i.ci_high),
        "p_value": finite(i.p_value),
    })
}

fn bjs_output(fit: &ImputationFit, extra: &mut serde_json::Map<String, serde_json::Value>, table: &mut Vec<String>) {
    let rows: Vec<_> = fit
        .horizons
        .iter()
        .map(|h| {
            let mut row = interval_json(&h.interval);
            let o = row.as_object_mut().expect("an object");
            o.insert("rel_time".into(), h.rel_time.into());
            o.insert("n_obs".into(), h.n_obs.into());
            o.insert("reference".into(), interval_json(&h.reference));
            row
        })
        .collect();
    extra.insert("horizons".into(), rows.into());
    extra.insert("reference".into(), interval_json(&fit.overall_reference));
    extra.insert("dropped_units".into(), fit.dropped_units.into());
    extra.insert("unimputed_obs".into(), fit.unimputed_obs.into());
    let r = &fit.overall_reference;
    table.push(format!(
        "reference   {:.6} (se {:.6}) [{:.6}, {:.6}]: plain residuals, normal reference (R didimputation, diff-diff)",
        r.estimate, r.se, r.ci_low, r.ci_high
    ));
    table.push(String::new());
    table.push(format!(
        "{:>8}  {:>6}  {:>12}  {:>10}  {:>25}  {:>10}",
        "horizon", "obs", "estimate", "se", "CI", "ref. se"
    ));
    for h in &fit.horizons {
        let i = &h.interval;
        table.push(format!(
            "{:>8}  {:>6}  {:>12.6}  {:>10.6}  [{:>11.6}, {:>11.6}]  {:>10.6}",
            h.rel_time, h.n_obs, i.estimate, i.se, i.ci_low, i.ci_high, h.reference.se
        ));
    }
    if fit.dropped_units > 0 || fit.unimputed_obs > 0 {
        table.push(format!(
            "dropped     {} units without an untreated period, {} observations in periods where every unit is treated",
            fit.dropped_units, fit.unimputed_obs
        ));
    }
}

fn sunab_output(
    fit: &SunabFit,
    label: &dyn Fn(Month) -> serde_json::Value,
    extra: &mut serde_json::Map<String, serde_json::Value>,
    table: &mut Vec<String>,
) {
    let rows: Vec<_> = fit
        .rows
        .iter()
        .map(|r| {
            let mut row = interval_json(&r.interval);
            let o = row.as_object_mut().expect("an object");
            o.insert("rel_time".into(), r.rel_time.into());
            o.insert("cohorts".into(), r.cohorts.into());
            row
        })
        .collect();
    let cells: Vec<_> = fit
        .cells
        .iter()
        .map(|c| {
            let mut row = interval_json(&c.interval);
            let o = row.as_object_mut().expect("an object");
            o.insert("cohort".into(), label(c.cohort));
            o.insert("rel_time".into(), c.rel_time.into());
            o.insert("n_obs".into(), c.n_obs.into());
            row
        })
        .collect();
    extra.insert("event_study".into(), rows.into());
    extra.insert("cohort_effects".into(), cells.into());
    extra.insert("event_base".into(), fit.base.key().into());
    extra.insert("pretrend".into(), pretrend_json(&fit.pretrend));
    table.push(String::new());
    table.push(format!("{:>8}  {:>7}  {:>12}  {:>10}  {:>25}", "rel_time", "cohorts", "estimate", "se", "CI"));
    for r in &fit.rows {
        let i = &r.interval;
        table.push(format!(
            "{:>8}  {:>7}  {:>12.6}  {:>10.6}  [{:>11.6}, {:>11.6}]",
            r.rel_time, r.cohorts, i.estimate, i.se, i.ci_low, i.ci_high
        ));
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
    extra.insert("unbalanced".into(), fit.unbalanced.key().into());
    extra.insert("covariates".into(), fit.covariates.clone().into());
    extra.insert(
        "estimation".into(),
        (if fit.covariates.is_empty() { "difference of mean changes" } else { "doubly robust (drdid_panel)" }).into(),
    );
    extra.insert("band_crit".into(), fit.band_crit.into());
    extra.insert("dropped_units".into(), fit.dropped_units.into());
    extra.insert("missing_covariates".into(), fit.missing_covariates.into());
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
        let why = match fit.unbalanced {
            cs::Unbalanced::Drop => "not observed in every period, or treated from the first period",
            cs::Unbalanced::Keep => {
                "treated from the first period, or not observed before the comparison cohort starts"
            }
        };
        table.push(format!("dropped     {} units ({why})", fit.dropped_units));
    }
    if fit.missing_covariates > 0 {
        table.push(format!("dropped     {} units (a covariate missing)", fit.missing_covariates));
    }
}

/// The balanced panel of the synthetic designs: the treated units (one common start) and the
/// never-treated units observed in every period from the pre-window's start to the end, with
/// each unit's pre-period means of the covariate columns.
fn synthetic_panel(
    long: &LongSample,
    table: &TextTable,
    path: &str,
    pre_window: Option<u32>,
    covariates: &[String],
) -> frikommune::Result<Balanced> {
    let units = &long.sample.units;
    let start = units.iter().filter_map(|u| u.start).min().ok_or_else(|| bad("no unit is treated"))?;
    if units.iter().any(|u| u.start.is_some_and(|s| s != start)) {
        return Err(bad("--method synth and sdid need one common start; the treated units start in different periods"));
    }
    let first = match pre_window {
        Some(0) => return Err(bad("--pre-window must be at least 1")),
        Some(w) => start.plus(-(w as i32)).max(long.first()),
        None => long.first(),
    };
    let means = long.unit_means(table, path, covariates, first, start).map_err(bad)?;
    let b = Balanced::from_sample(&long.sample, first.through(long.last()).collect(), |id| {
        means[id as usize].iter().copied().collect()
    });
    if let Some(&id) = b.incomplete_treated.first() {
        return Err(bad(format!(
            "treated unit `{}` is not observed in every period from {} (or lacks a covariate): synthetic designs need complete series",
            long.units[id as usize],
            long.label(first)
        )));
    }
    if b.donors.len() < 2 {
        return Err(bad("synthetic designs need at least two never-treated units observed in every period"));
    }
    let t0 = b.t0(start);
    if t0 < 2 || t0 >= b.periods.len() {
        return Err(bad("synthetic designs need at least two periods before the start and one from it"));
    }
    Ok(b)
}

/// Donor weights above 10⁻⁶, largest first, by unit label.
fn weights_json(long: &LongSample, b: &Balanced, w: &[f64]) -> Vec<serde_json::Value> {
    let mut rows: Vec<(u32, f64)> =
        b.donors.iter().zip(w).filter(|(_, w)| **w > 1e-6).map(|(d, w)| (d.id, *w)).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.iter().map(|(u, w)| json!({"unit": long.units[*u as usize], "weight": w})).collect()
}

fn weights_table(title: &str, rows: &[serde_json::Value], key: &str, table: &mut Vec<String>) {
    table.push(format!("{title:<40} {:>10}", ""));
    for w in rows {
        let name = match &w[key] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        table.push(format!("{name:<40} {:>10.4}", w["weight"].as_f64().unwrap_or(0.0)));
    }
}

fn synth_output(
    long: &LongSample,
    b: &Balanced,
    params: &SynthParams,
    conformal: bool,
    extra: &mut serde_json::Map<String, serde_json::Value>,
    table: &mut Vec<String>,
) -> frikommune::Result<Estimate> {
    let (f, _) = params.fit_pooled(b).map_err(bad)?;
    let fit = &f.fit;
    let weights = weights_json(long, b, &fit.weights);
    extra.insert("weights".into(), weights.clone().into());
    extra.insert("pre_rmspe".into(), fit.pre_rmspe.into());
    extra.insert("post_rmspe".into(), fit.post_rmspe.into());
    extra.insert("post_pre_ratio".into(), fit.ratio.into());
    extra.insert("n_placebos".into(), f.placebo_ratios.len().into());
    extra.insert("loss".into(), fit.loss.into());
    extra.insert(
        "predictors".into(),
        fit.predictor_names.iter().zip(&fit.v).map(|(n, v)| json!({"name": n, "v": v})).collect::<Vec<_>>().into(),
    );
    extra.insert(
        "gap".into(),
        b.periods
            .iter()
            .zip(&fit.gap)
            .map(|(m, g)| json!({"period": long.period_json(*m), "gap": g}))
            .collect::<Vec<_>>()
            .into(),
    );
    // The conformal interval of a constant effect (Chernozhukov–Wüthrich–Zhu, moving blocks) of
    // the treated mean, θ times the share of treated units started by each period.
    let (y1, _) = b.treated_mean();
    let (y0, _) = b.donor_slices();
    let start = b.start().ok_or_else(|| bad("no treated unit"))?;
    let settings = conformal::Conformal { alpha: params.conf_level.alpha(), grid: 100, refine: 20 };
    let starts: Vec<_> = b.treated.iter().filter_map(|r| r.start).collect();
    let constant = conformal::constant_effect(&y1, &y0, &conformal::doses(&b.periods, &starts), &settings);
    extra.insert(
        "conformal_constant".into(),
        json!({"estimate": constant.estimate, "ci_low": finite(constant.ci_low), "ci_high": finite(constant.ci_high),
               "status": constant.status, "permutations": constant.permutations,
               "post_periods": constant.post_periods}),
    );
    // With --conformal, per-period conformal intervals of the treated mean as well.
    if conformal {
        let intervals = conformal::per_period(&y1, &y0, b.t0(start), &settings);
        extra.insert(
            "conformal".into(),
            intervals
                .iter()
                .map(|c| {
                    json!({"period": long.period_json(b.periods[c.period]), "estimate": c.estimate,
                       "ci_low": finite(c.ci_low), "ci_high": finite(c.ci_high), "status": c.status})
                })
                .collect::<Vec<_>>()
                .into(),
        );
    }
    extra.insert("dropped_units".into(), b.incomplete_donors.into());
    table.push(String::new());
    table.push(format!(
        "fit         pre RMSPE {:.6}, post RMSPE {:.6}, ratio {:.3} (rank among {} placebos)",
        fit.pre_rmspe,
        fit.post_rmspe,
        fit.ratio,
        f.placebo_ratios.len()
    ));
    table.push(format!(
        "V search    loss {:.6e} after {} evaluations from {} starts",
        fit.loss, fit.evaluations, fit.starts
    ));
    let bound = |x: f64| match x {
        x if x.is_finite() => format!("{x:.6}"),
        x if x.is_nan() => "none".into(),
        _ => "unbounded".into(),
    };
    table.push(format!(
        "conformal   constant effect {:.6}, {:.0}% interval [{}, {}] ({} cyclic shifts, not deciding)",
        constant.estimate,
        100.0 * params.conf_level.get(),
        bound(constant.ci_low),
        bound(constant.ci_high),
        constant.permutations
    ));
    table.push(format!("{:<40} {:>10}", "predictor", "v"));
    for (n, v) in fit.predictor_names.iter().zip(&fit.v) {
        table.push(format!("{n:<40} {v:>10.4}"));
    }
    weights_table("donor", &weights, "unit", table);
    let estimand = format!(
        "mean gap from {} between the treated{} and the synthetic control",
        long.label(f.start),
        if b.treated.len() > 1 { " units' mean" } else { " unit" }
    );
    Ok(f.estimate(b, estimand))
}

fn sdid_output(
    long: &LongSample,
    b: &Balanced,
    params: &SdidParams,
    extra: &mut serde_json::Map<String, serde_json::Value>,
    table: &mut Vec<String>,
) -> frikommune::Result<Estimate> {
    let f = params.fit(b).map_err(bad)?;
    f.se.as_ref().map_err(bad)?;
    let weights = weights_json(long, b, &f.fit.omega);
    let time_weights: Vec<serde_json::Value> = b.periods[..f.t0]
        .iter()
        .zip(&f.fit.lambda)
        .filter(|(_, w)| **w > 1e-6)
        .map(|(m, w)| json!({"period": long.period_json(*m), "weight": w}))
        .collect();
    extra.insert("weights".into(), weights.clone().into());
    extra.insert("time_weights".into(), time_weights.clone().into());
    extra.insert("placebo_reps".into(), params.reps.into());
    extra.insert("dropped_units".into(), b.incomplete_donors.into());
    table.push(String::new());
    weights_table("unit weight", &weights, "unit", table);
    weights_table("time weight", &time_weights, "period", table);
    Ok(f.estimate(b, params, format!("synthetic difference in differences from {}", long.label(f.start))))
}
