//! `frikommune validate STUDY`: the study and its data, checked without estimating.

use std::path::PathBuf;

use frikommune::design::Design;
use frikommune::error::Error;
use frikommune::ingest::read_panel;
use frikommune::study::Study;

use super::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The study file.
    #[arg(default_value = super::DEFAULT_STUDY)]
    study: PathBuf,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let study = Study::load(&args.study)?;
    let panel = read_panel(&study)?;
    let mut designs = 0;
    for (ti, trial) in study.trials.iter().enumerate() {
        for (ci, comp) in trial.components.iter().enumerate() {
            for outcome in &comp.outcomes {
                Design::build(&study, &panel, ti, ci, outcome).map_err(Error::Design)?;
                designs += 1;
            }
        }
    }
    // The case file, streamed once: every bad row is reported, nothing is kept.
    // The case file, streamed once: every bad row is reported, only tallies are kept.
    let cases = match &study.data.cases {
        Some(path) => {
            let read = frikommune::pipeline::analyse_cases(&study, &super::progress::Bars::new(out))?;
            if read.rows > 0 { format!("; {} cases in {}", read.rows, path.display()) } else { String::new() }
        }
        None => String::new(),
    };
    out.say(format!(
        "{} is valid: {} trials, {} outcomes, {} designs, {} duration and {} savings analyses; data {} municipalities × {} months ({} – {}){cases}",
        args.study.display(),
        study.trials.len(),
        study.outcomes.len(),
        designs,
        study.durations.len(),
        study.savings.len(),
        panel.units.len(),
        panel.months.len(),
        panel.months.first,
        panel.months.last
    ));
    Ok(())
}
