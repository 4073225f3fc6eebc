//! `frikommune report RESULTS`: re-render the report from a results.json and its charts.

use std::path::PathBuf;

use frikommune::error::Error;
use frikommune::output::write_atomic;
use frikommune::report::{ChartFiles, documents};
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
        for file in [&c.png, &c.svg] {
            let bytes = std::fs::read(dir.join(file)).map_err(|e| bad(format!("chart {file}: {e}")))?;
            charts.push((file.clone(), bytes));
        }
    }
    let lang = args.lang.map(Into::into).unwrap_or(results.study.language);
    // Every document first, then the writes: a failure leaves the old documents in place.
    let mut rendered = Vec::new();
    for doc in documents(lang) {
        let bytes = doc.render(&results, &charts).map_err(|m| Error::Render { what: doc.file_name(), message: m })?;
        rendered.push((dir.join(doc.file_name()), bytes));
    }
    for (path, bytes) in rendered {
        write_atomic(&path, &bytes)?;
        out.say(format!("wrote {}", path.display()));
    }
    Ok(())
}
