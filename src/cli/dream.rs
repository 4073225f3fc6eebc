//! `frikommune dream`: reshape a DREAM-style wide file of weekly benefit codes into a case file
//! of spells that `run` and `survival` read.

use std::path::PathBuf;

use frikommune::error::Error;
use frikommune::ingest::dream::{DreamSpec, reshape};
use frikommune::output::write_atomic_with;
use frikommune::registry::Registry;

use super::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The wide file: one row per person, weekly columns `y_YYWW` holding benefit codes.
    #[arg(long)]
    data: PathBuf,
    /// Benefit codes that make up a spell, comma-separated (e.g. the JAF codes).
    #[arg(long, value_delimiter = ',', required = true)]
    codes: Vec<String>,
    /// Column with each person's municipality (3-digit code or name).
    #[arg(long, default_value = "municipality")]
    municipality: String,
    /// Weeks without a chosen code that do not end a spell.
    #[arg(long, default_value_t = 0)]
    gap_weeks: usize,
    /// Keep spells already running in the first week (their start, and so their duration, is unknown).
    #[arg(long)]
    keep_left_censored: bool,
    #[arg(long, default_value = ",")]
    separator: char,
    /// Where to write the spells (CSV: case_id, municipality, start, end, code).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let separator = u8::try_from(args.separator)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| Error::Usage("--separator must be one ASCII character".into()))?;
    // A pipe or a device (`/dev/zero`) would be read forever.
    frikommune::ingest::file_size(&args.data)
        .map_err(|m| Error::Usage(format!("could not read {}: {m}", args.data.display())))?;
    let input = std::fs::File::open(&args.data)
        .map_err(|e| Error::Usage(format!("could not read {}: {e}", args.data.display())))?;
    let registry = Registry::embedded();
    let spec = DreamSpec {
        codes: &args.codes,
        municipality: &args.municipality,
        gap_weeks: args.gap_weeks,
        keep_left_censored: args.keep_left_censored,
        separator,
    };
    let bytes = input.metadata().map(|m| m.len()).unwrap_or(0);
    let bars = super::progress::Bars::new(out);
    let input = super::progress::Counting::new(input, bytes, "reshaping", &bars);
    let summary = write_atomic_with(&args.out, |file| -> frikommune::Result<_> {
        Ok(reshape(input, file, &args.data, &spec, &registry)?)
    })?;
    drop(bars);
    out.say(format!(
        "{} persons, weeks {} – {}: {} spells ({} still open) written to {}; {} left-censored spells dropped",
        summary.persons,
        summary.first_week,
        summary.last_week,
        summary.spells,
        summary.open,
        args.out.display(),
        summary.left_censored_dropped
    ));
    Ok(())
}
