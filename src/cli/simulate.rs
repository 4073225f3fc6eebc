//! `frikommune simulate [STUDY]`: synthetic data with known truth, to the study's data paths.

use std::path::PathBuf;

use frikommune::locale;
use frikommune::simulate;
use frikommune::study::{Lang, Study};

use super::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The study file; its [simulation] section sets seed, period and true effects.
    #[arg(default_value = super::DEFAULT_STUDY)]
    study: PathBuf,
    /// Instead of the example data, write this many synthetic cases (JAF spells and
    /// rehabilitation cases with certificates; for benchmarks at register scale, e.g. 100000000)
    /// to --cases-out.
    #[arg(long, requires = "cases_out")]
    cases: Option<u64>,
    /// Where --cases writes its cases (CSV).
    #[arg(long)]
    cases_out: Option<PathBuf>,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let study = Study::load(&args.study)?;
    if let (Some(n), Some(path)) = (args.cases, &args.cases_out) {
        frikommune::output::write_atomic_with(path, |file| -> frikommune::Result<()> {
            let mut w = std::io::BufWriter::with_capacity(1 << 22, file);
            simulate::write_cases(&study, n, &mut w, &super::progress::Bars::new(out))?;
            Ok(())
        })?;
        out.say(format!("wrote {n} synthetic cases to {}", path.display()));
        return Ok(());
    }
    let sim = simulate::simulate(&study)?;
    let written = simulate::write(&study, &sim)?;
    out.say(format!(
        "simulated {} municipalities × {} months, {} cases ({} JAF spells); certificate saving {}",
        sim.panel.units.len(),
        sim.panel.months.len(),
        sim.spells.len(),
        sim.spells.iter().filter(|s| s.kind == simulate::JAF_CASE).count(),
        locale::money(sim.truth.certificate_savings_dkk, Lang::Da)
    ));
    for p in written {
        out.say(format!("  {}", p.display()));
    }
    Ok(())
}
