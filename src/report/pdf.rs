//! `report.pdf`: the full report, typeset by typst from `template.typ`.

use super::{Exporter, RenderError, typst_world, view};
use crate::charts::Drawn;
use crate::results::Results;
use crate::study::Lang;

const TEMPLATE: &str = include_str!("template.typ");

pub struct PdfReport {
    pub lang: Lang,
}

impl Exporter for PdfReport {
    fn file_name(&self) -> String {
        "report.pdf".into()
    }

    fn render(&self, results: &Results, charts: &Drawn) -> Result<Vec<u8>, RenderError> {
        Ok(self.typeset(results, charts)?.pdf)
    }
}

impl PdfReport {
    /// What typst typesets besides the fixed template: the report's data, as the JSON the
    /// template reads (for review and snapshot tests).
    pub fn source(&self, results: &Results, charts: &Drawn) -> String {
        serde_json::to_string_pretty(&view::report(results, charts, self.lang)).unwrap_or_default()
    }

    /// Typesets the report; the page texts let tests check what a reader sees.
    pub fn typeset(&self, results: &Results, charts: &Drawn) -> Result<typst_world::Typeset, RenderError> {
        let data = view::report(results, charts, self.lang);
        typst_world::typeset_view(TEMPLATE, &data, &charts.files, &format!("frikommune/{}", results.study.name))
    }
}
