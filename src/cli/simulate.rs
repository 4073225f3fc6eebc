//! `frikommune simulate [STUDY]`: synthetic data with known truth, to the study's data paths.

use std::path::PathBuf;

use frikommune::error::Error;
use frikommune::locale;
use frikommune::simulate;
use frikommune::study::{Lang, Study};

use super::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The study file; its [simulation] section sets seed, period and true effects.
    #[arg(default_value = super::DEFAULT_STUDY)]
    study: PathBuf,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let study = Study::load(&args.study)?;
    let sim = simulate::simulate(&study).map_err(Error::Design)?;
    let written = simulate::write(&study, &sim)?;
    out.say(format!(
        "simulated {} municipalities × {} months, {} JAF spells; certificate saving {}",
        sim.panel.units.len(),
        sim.panel.months.len(),
        sim.spells.len(),
        locale::money(sim.truth.certificate_savings_dkk, Lang::Da)
    ));
    for p in written {
        out.say(format!("  {}", p.display()));
    }
    Ok(())
}
