//! `frikommune validate STUDY`: the study and its data, checked without estimating.

use std::path::PathBuf;

use frikommune::design::profile::Profile;
use frikommune::design::{Design, DesignError};
use frikommune::error::Error;
use frikommune::ingest::read_panel;
use frikommune::study::{Lang, Study};
use frikommune::wording;

use super::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The study file.
    #[arg(default_value = super::DEFAULT_STUDY)]
    study: PathBuf,
    /// Fail (exit code 2) when a trial cannot be evaluated yet because it starts after the data
    /// end, instead of noting it.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let study = Study::load(&args.study)?;
    let panel = read_panel(&study)?;
    let mut designs = 0;
    let mut notes: Vec<String> = Vec::new();
    // What each design's data can carry, said before anything is estimated.
    let mut profiles: Vec<String> = Vec::new();
    for (ti, trial) in study.trials.iter().enumerate() {
        for (ci, comp) in trial.components.iter().enumerate() {
            for outcome in &comp.outcomes {
                match Design::build(&study, &panel, ti, ci, outcome) {
                    Ok(design) => {
                        designs += 1;
                        let leads = design.event_window(&study).0 as usize;
                        let profile = Profile::of(&design, &panel, &study.registry, leads);
                        let name = |c| study.registry.name(c).to_string();
                        let text = wording::profile(&profile, design.frequency, &name, Lang::En);
                        profiles
                            .push(format!("{}.{}.{outcome}: {} {}", trial.key, comp.key, text.summary, text.missing));
                        profiles.extend(text.warnings.into_iter().map(|w| format!("  warning: {w}")));
                    }
                    Err(e @ DesignError::NotYet(_)) if !args.strict => notes.push(e.to_string()),
                    Err(e) => return Err(Error::Design(e)),
                }
            }
        }
    }
    notes.extend(panel.left_out.iter().map(|n| n.to_string()));
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
    for line in profiles {
        out.say(line);
    }
    for note in notes {
        out.say(format!("note: {note}"));
    }
    Ok(())
}
