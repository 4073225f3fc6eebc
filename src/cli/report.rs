//! `frikommune report RESULTS`: redraw the charts and re-render every document from a
//! results.json, in either language, without the data.

use std::path::PathBuf;

use frikommune::error::Error;
use frikommune::results::Results;

use super::progress::Bars;
use super::{LangArg, Output};

#[derive(clap::Args)]
pub struct Args {
    /// A results.json written by `run`; charts are read from the folder beside it.
    results: PathBuf,
    /// Languages, e.g. `en` or `da,en`; the first goes at the top of the folder (default: the
    /// languages the results were written in).
    #[arg(long, value_enum, value_delimiter = ',')]
    lang: Vec<LangArg>,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let bad = |m: String| Error::Usage(format!("{}: {m}", args.results.display()));
    let dir = args.results.parent().map(PathBuf::from).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    // Claimed before reading: another run writing this folder makes this one stop at once.
    let stage = frikommune::output::StagedDir::new(&std::fs::canonicalize(&dir).map_err(|e| bad(e.to_string()))?)?;
    // A results.json of the example is a few MB; a device, a pipe or a 1 GB file is not one.
    let size = frikommune::ingest::file_size(&args.results).map_err(bad)?;
    if size > 1 << 30 {
        return Err(bad(format!("{size} bytes is not a results file of frikommune's (at most 1 GB)")));
    }
    let text = std::fs::read_to_string(&args.results).map_err(|e| bad(e.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        bad(if e.is_eof() {
            format!("the file ends before its JSON does (line {}): was it cut off while being copied?", e.line())
        } else {
            format!("not a frikommune results file: {e}")
        })
    })?;
    // Every number frikommune writes is far below 10^15; a larger one (1.8e308 made a chart axis
    // loop forever) is an edited or damaged file.
    if let Some((at, x)) = implausible(&value, "") {
        return Err(bad(format!("{at} is {x:e}, beyond any value frikommune writes (at most 1e15 in size)")));
    }
    let results: Results =
        serde_json::from_value(value).map_err(|e| bad(format!("not a frikommune results file: {e}")))?;
    let newest = frikommune::results::SCHEMA_VERSION;
    if results.schema_version > newest {
        return Err(bad(format!(
            "written with results schema {}, newer than this frikommune reads (up to {newest}); use the frikommune that wrote it ({})",
            results.schema_version, results.tool
        )));
    }
    let langs = super::languages(&args.lang, &results.study.languages)?;
    // Charts and every document, redrawn in the language from the results alone, staged and
    // swapped in: a failure leaves the folder as it was.
    let results = frikommune::report::for_languages(results, &langs)?;
    let summary = frikommune::report::write_outputs(&results, stage, &Bars::new(out))?;
    for line in summary.listing() {
        out.say(format!("wrote {line}"));
    }
    for file in &summary.kept {
        out.say(format!("kept {} (not written by frikommune)", summary.out_dir.join(file).display()));
    }
    Ok(())
}

/// The first number in `value` of size above 10^15, with where it is (`analyses[0].trend[3]…`).
fn implausible(value: &serde_json::Value, at: &str) -> Option<(String, f64)> {
    match value {
        serde_json::Value::Number(n) => n.as_f64().filter(|x| x.abs() > 1e15).map(|x| (at.to_string(), x)),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| implausible(v, &format!("{at}[{i}]")))
        }
        serde_json::Value::Object(fields) => fields
            .iter()
            .find_map(|(k, v)| implausible(v, &if at.is_empty() { k.clone() } else { format!("{at}.{k}") })),
        _ => None,
    }
}
