//! `frikommune report RESULTS`: re-render the report from a results.json and its charts.

use std::path::PathBuf;

use frikommune::error::Error;
use frikommune::output::write_atomic;
use frikommune::report::{ChartFiles, Exporter, PdfReport};
use frikommune::results::Results;

use super::{LangArg, Output};

#[derive(clap::Args)]
pub struct Args {
    /// A results.json written by `run`; charts are read from the folder beside it.
    results: PathBuf,
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let bad = |m: String| Error::Design(format!("{}: {m}", args.results.display()));
    let text = std::fs::read_to_string(&args.results).map_err(|e| bad(e.to_string()))?;
    let results: Results =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a frikommune results file: {e}")))?;
    let dir = args.results.parent().map(PathBuf::from).unwrap_or_default();
    let mut charts: ChartFiles = Vec::new();
    for c in results.charts() {
        let bytes = std::fs::read(dir.join(&c.png)).map_err(|e| bad(format!("chart {}: {e}", c.png)))?;
        charts.push((c.png.clone(), bytes));
    }
    let lang = args.lang.map(Into::into).unwrap_or(results.study.language);
    let pdf = PdfReport { lang };
    let bytes = pdf.render(&results, &charts).map_err(|m| Error::Render { what: pdf.file_name(), message: m })?;
    let path = dir.join(pdf.file_name());
    write_atomic(&path, &bytes)?;
    out.say(format!("wrote {}", path.display()));
    Ok(())
}
