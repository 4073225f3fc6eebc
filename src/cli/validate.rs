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
                Design::build(&study, &panel, ti, ci, outcome).map_err(|e| Error::Design(e.0))?;
                designs += 1;
            }
        }
    }
    // The case file, streamed once: every bad row is reported, nothing is kept.
    let cases = match &study.data.cases {
        Some(path) if !study.durations.is_empty() => {
            let (_, stats) = frikommune::ingest::cases::fold_cases(
                path,
                study.data.separator,
                &study.registry,
                || (),
                |_, _, _, _| {},
            )?;
            format!("; {} spells in {}", stats.rows, path.display())
        }
        _ => String::new(),
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
