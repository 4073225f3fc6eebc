//! `results.csv`: one tidy row per estimate, for spreadsheets and R/Stata/Python.

use super::Results;
/// One column of the estimates table (the polars adapter's typed column, so the same table
/// writes as CSV here and as Parquet there).
pub use crate::ingest::polars_io::TypedColumn as Column;

impl Column {
    fn cell(&self, row: usize) -> String {
        match self {
            Column::Text(v) => text_cell(&v[row]),
            Column::Float(v) => v[row].to_string(),
            Column::Int(v) => v[row].to_string(),
        }
    }
}

/// The estimates as named, typed columns: one row per estimate, in the order of the analyses.
/// `results.csv` writes them as text, `results.parquet` with their types.
pub fn table(results: &Results) -> Vec<(&'static str, Column)> {
    let rows: Vec<(&super::Analysis, &crate::estimate::Estimate)> =
        results.analyses.iter().flat_map(|a| a.estimates.iter().map(move |e| (a, e))).collect();
    let text = |f: &dyn Fn(&super::Analysis, &crate::estimate::Estimate) -> String| {
        Column::Text(rows.iter().map(|(a, e)| f(a, e)).collect())
    };
    let float = |f: &dyn Fn(&crate::estimate::Estimate) -> f64| Column::Float(rows.iter().map(|(_, e)| f(e)).collect());
    let int =
        |f: &dyn Fn(&crate::estimate::Estimate) -> usize| Column::Int(rows.iter().map(|(_, e)| f(e) as i64).collect());
    let trial = |a: &super::Analysis| results.trials.iter().find(|t| t.key == a.trial);
    let outcome = |a: &super::Analysis| results.outcomes.iter().find(|o| o.key == a.outcome);
    vec![
        ("trial", text(&|a, _| a.trial.clone())),
        ("component", text(&|a, _| a.component.clone())),
        ("outcome", text(&|a, _| a.outcome.clone())),
        ("method", text(&|_, e| e.method.key().to_string())),
        ("estimate", float(&|e| e.interval.estimate)),
        ("se", float(&|e| e.interval.se)),
        ("ci_low", float(&|e| e.interval.ci_low)),
        ("ci_high", float(&|e| e.interval.ci_high)),
        ("conf_level", float(&|e| e.interval.conf_level)),
        ("p_value", float(&|e| e.interval.p_value)),
        ("inference", text(&|_, e| e.inference.name.clone())),
        ("df", float(&|e| e.inference.df)),
        ("n_obs", int(&|e| e.n_obs)),
        ("n_units", int(&|e| e.n_units)),
        ("n_treated", int(&|e| e.n_treated)),
        ("n_control", int(&|e| e.n_control)),
        ("pre_first", text(&|a, _| a.design.pre.first.to_string())),
        ("pre_last", text(&|a, _| a.design.pre.last.to_string())),
        ("post_first", text(&|a, _| a.design.post.first.to_string())),
        ("post_last", text(&|a, _| a.design.post.last.to_string())),
        ("trial_name", text(&|a, _| trial(a).map(|t| t.name.clone()).unwrap_or_default())),
        (
            "component_name",
            text(&|a, _| {
                trial(a)
                    .and_then(|t| t.components.iter().find(|c| c.key == a.component))
                    .map(|c| c.name.clone())
                    .unwrap_or_default()
            }),
        ),
        ("outcome_label", text(&|a, _| outcome(a).map(|o| o.label.clone()).unwrap_or_default())),
        ("frequency", text(&|a, _| a.design.frequency.key().to_string())),
    ]
}

/// Renders the estimates as CSV (RFC 4180, `.` decimal mark, full precision).
/// A text cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) gets a leading apostrophe, so it shows as the text it is.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

pub fn render(results: &Results) -> Result<Vec<u8>, String> {
    let table = table(results);
    let rows = results.analyses.iter().map(|a| a.estimates.len()).sum::<usize>();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(table.iter().map(|(name, _)| *name)).map_err(|e| e.to_string())?;
    for r in 0..rows {
        w.write_record(table.iter().map(|(_, c)| c.cell(r))).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(super::text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::text_cell("@sum"), "'@sum");
        assert_eq!(super::text_cell("-1+2"), "'-1+2");
        assert_eq!(super::text_cell("Aalborg"), "Aalborg");
    }
}
