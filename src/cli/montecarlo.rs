//! `frikommune montecarlo [STUDY]`: the size and coverage table of one analysis.

use std::path::PathBuf;

use clap::ValueEnum;

use frikommune::error::Error;
use frikommune::ingest::read_panel;
use frikommune::montecarlo::{self, Settings};
use frikommune::output::write_atomic;
use frikommune::settings::Reps;
use frikommune::study::{Stratum, Study};

use super::{Output, progress::Bars};

/// The most replications of one experiment (and SDID placebo replications inside one).
const MAX_REPS: u64 = 100_000;
/// The most assignments randomization inference may be asked to enumerate.
const MAX_EXACT: u64 = 50_000_000;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The study file.
    #[arg(default_value = super::DEFAULT_STUDY)]
    study: PathBuf,
    /// Trial key (default: the 2023 welfare agreement with 4 municipalities).
    #[arg(long, default_value = "velfaerd2023")]
    trial: String,
    /// Component key (default: the trial's first).
    #[arg(long)]
    component: Option<String>,
    #[arg(long, default_value = "employment_rate")]
    outcome: String,
    /// Replications of each experiment.
    #[arg(long, default_value_t = 200)]
    reps: u64,
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    /// Wild-bootstrap and Monte Carlo permutation draws per replication.
    #[arg(long, default_value_t = 999)]
    draws: u64,
    /// Randomization inference enumerates all assignments up to this many.
    #[arg(long, default_value_t = 5_000_000)]
    max_exact: u64,
    /// Where placebo participants are drawn from: `all`, `smallest:N` or `largest:N`
    /// comparison municipalities by population (participants chosen by size).
    #[arg(long, default_value = "all")]
    pool: String,
    /// Strata of the within-strata randomization inference row, e.g. `size:5` or
    /// `region,size` (default: the study's `[inference] strata`; `none` for no such row).
    #[arg(long, value_delimiter = ',')]
    strata: Vec<String>,
    /// Also fit the synthetic control and SDID in every replication (slow: every donor's
    /// placebo is refitted each time).
    #[arg(long)]
    synthetic: bool,
    /// Measure a `[[durations]]` analysis (its key) instead: the completed-spell DiD on
    /// simulated case files, the interval that decides its finding. `--trial`, `--outcome`,
    /// `--pool`, `--strata` and `--synthetic` do not apply.
    #[arg(long)]
    durations: Option<String>,
    /// SDID placebo replications inside each replication (with `--synthetic`).
    #[arg(long, default_value_t = 200)]
    sdid_reps: usize,
    #[arg(long, value_enum, default_value = "markdown")]
    format: Format,
    /// Also write the table to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    // Bounded work on every input: each replication is kept in memory until the table is made,
    // and enumeration holds every assignment.
    if !(1..=MAX_REPS).contains(&args.reps) {
        return Err(Error::Usage(format!("--reps: expected 1 to {MAX_REPS} replications, found {}", args.reps)));
    }
    if !(2..=MAX_REPS as usize).contains(&args.sdid_reps) {
        return Err(Error::Usage(format!(
            "--sdid-reps: expected 2 to {MAX_REPS} placebo replications, found {}",
            args.sdid_reps
        )));
    }
    if args.max_exact > MAX_EXACT {
        return Err(Error::Usage(format!(
            "--max-exact: expected at most {MAX_EXACT} assignments to enumerate, found {}",
            args.max_exact
        )));
    }
    let draws = Reps::new(args.draws as i64).map_err(|e| Error::Usage(format!("--draws: {e}")))?;
    let pool = montecarlo::Pool::parse(&args.pool).ok_or_else(|| {
        Error::Usage(format!("--pool: expected `all`, `smallest:N` or `largest:N`, found `{}`", args.pool))
    })?;
    let study = Study::load(&args.study)?;
    let strata = match args.strata.as_slice() {
        [] => study.strata.clone(),
        [none] if none == "none" => Vec::new(),
        given => given
            .iter()
            .map(|t| {
                Stratum::parse(t).ok_or_else(|| {
                    Error::Usage(format!("--strata: expected `region`, `size` or `size:K` (K 2–10), found `{t}`"))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let panel = read_panel(&study)?;
    let settings = Settings {
        trial: args.trial,
        component: args.component,
        outcome: args.outcome,
        reps: args.reps,
        seed: args.seed,
        draws,
        max_exact: args.max_exact,
        pool,
        strata,
        synthetic: args.synthetic,
        sdid_reps: args.sdid_reps,
    };
    let report = match &args.durations {
        Some(key) => montecarlo::run_durations(&study, key, &settings, &Bars::new(out))?,
        None => montecarlo::run(&study, &panel, &settings, &Bars::new(out))?,
    };
    let text = match args.format {
        Format::Markdown => report.markdown(),
        Format::Json => serde_json::to_string_pretty(&report).expect("serialisable") + "\n",
    };
    if let Some(path) = &args.out {
        write_atomic(path, text.as_bytes())?;
    }
    out.say(text.trim_end());
    Ok(())
}
