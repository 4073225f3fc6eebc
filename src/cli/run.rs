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
    /// Report languages, e.g. `da` or `da,en`; the first is written at the top of the folder,
    /// the others in `<lang>/` beside it (default: the study's `language`).
    #[arg(long, value_enum, value_delimiter = ',')]
    lang: Vec<LangArg>,
    /// Fail (exit code 2) when a trial cannot be evaluated yet because it starts after the data
    /// end, instead of reporting it as such and running the rest.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let study = Study::load(&args.study)?;
    let langs = super::languages(&args.lang, &study.languages)?;
    let bars = Bars::new(out);
    let summary = pipeline::run(&study, &args.out, &langs, args.strict, &bars)?;
    if out.json {
        let line = serde_json::json!({
            "event": "written",
            "out_dir": summary.out_dir,
            "analyses": summary.analyses,
            "estimates": summary.estimates,
            "files": summary.files,
            "kept": summary.kept,
            "notes": summary.notes,
        });
        out.say(line.to_string());
        return Ok(());
    }
    out.say(format!("{} analyses, {} estimates → {}", summary.analyses, summary.estimates, summary.out_dir.display()));
    for line in summary.listing() {
        out.say(format!("  {line}"));
    }
    for file in &summary.kept {
        out.say(format!("  kept {} (not written by frikommune)", summary.out_dir.join(file).display()));
    }
    for note in &summary.notes {
        out.say(format!("note: {note}"));
    }
    Ok(())
}
