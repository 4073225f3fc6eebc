//! `frikommune run [STUDY]`

use std::path::PathBuf;

use frikommune::pipeline;
use frikommune::study::Study;

use super::{LangArg, Output, progress::Bars};

#[derive(clap::Args)]
pub struct Args {
    /// The study file.
    #[arg(default_value = super::DEFAULT_STUDY)]
    study: PathBuf,
    /// Folder that receives `<study name>/`.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Report language (default: the study's `language`).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let study = Study::load(&args.study)?;
    let lang = args.lang.map(Into::into).unwrap_or(study.language);
    let bars = Bars::new(out.quiet);
    let summary = pipeline::run(&study, &args.out, lang, &bars)?;
    out.say(format!("{} analyses, {} estimates → {}", summary.analyses, summary.estimates, summary.out_dir.display()));
    for f in summary.files.iter().filter(|f| !f.starts_with("charts/")) {
        out.say(format!("  {}", summary.out_dir.join(f).display()));
    }
    let charts = summary.files.iter().filter(|f| f.starts_with("charts/")).count();
    out.say(format!("  {} ({charts} files)", summary.out_dir.join("charts").display()));
    Ok(())
}
