//! Writers: every output file is an [`Exporter`] over the one [`Results`] model.
//!
//! `results.json`, `results.csv` and `report.pdf` are renderings of the same results; none of
//! them re-estimates anything, so `frikommune report results.json` can re-render at any time.
//! [`write_outputs`] writes them all, with the charts, into one folder swapped in atomically.

mod notes;
mod pdf;
mod pixi;
pub mod typst_world;
mod view;
mod web;
mod write;

use crate::charts::Drawn;
use crate::results::Results;
use crate::study::Lang;

pub use pdf::PdfReport;
pub use pixi::PixiReport;
pub use web::{HtmlReport, MarkdownReport, escape_markdown};
pub use write::{RunSummary, for_languages, write_outputs};

/// Why an output file could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not serialise the results: {0}")]
    Json(#[from] serde_json::Error),
    #[error("template: {0:#}")]
    Template(#[from] minijinja::Error),
    /// typst's diagnostics, with the template line they point at.
    #[error("typesetting: {0}")]
    Typeset(String),
    /// The estimates table (CSV or Parquet) could not be written.
    #[error("table: {0}")]
    Table(String),
}

/// One output format: a rendering of the results and the charts drawn for its language.
pub trait Exporter {
    /// File name inside the output folder.
    fn file_name(&self) -> String;
    fn render(&self, results: &Results, charts: &Drawn) -> Result<Vec<u8>, RenderError>;
}

/// `results.json`: the full model, pretty-printed, stable key order.
pub struct JsonExport;

impl Exporter for JsonExport {
    fn file_name(&self) -> String {
        "results.json".into()
    }

    fn render(&self, results: &Results, _: &Drawn) -> Result<Vec<u8>, RenderError> {
        let mut out = serde_json::to_vec_pretty(results)?;
        out.push(b'\n');
        Ok(out)
    }
}

/// `results.csv`: one tidy row per estimate.
pub struct CsvExport;

impl Exporter for CsvExport {
    fn file_name(&self) -> String {
        "results.csv".into()
    }

    fn render(&self, results: &Results, _: &Drawn) -> Result<Vec<u8>, RenderError> {
        crate::results::csv::render(results).map_err(RenderError::Table)
    }
}

/// `results.parquet`: the rows of `results.csv` with their types, for polars, pandas and R's arrow.
pub struct ParquetExport;

impl Exporter for ParquetExport {
    fn file_name(&self) -> String {
        "results.parquet".into()
    }

    fn render(&self, results: &Results, _: &Drawn) -> Result<Vec<u8>, RenderError> {
        crate::ingest::polars_io::parquet_bytes(crate::results::csv::table(results)).map_err(RenderError::Table)
    }
}

/// The documents a reader opens, rendered from results and charts (what `report` re-renders).
pub fn documents(lang: Lang) -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(PdfReport { lang }),
        Box::new(PixiReport { lang }),
        Box::new(HtmlReport { lang }),
        Box::new(MarkdownReport { lang }),
    ]
}
