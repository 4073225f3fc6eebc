//! `results.csv`: one tidy row per estimate, for spreadsheets and R/Stata/Python.

use super::Results;

pub const HEADER: [&str; 23] = [
    "trial",
    "component",
    "outcome",
    "method",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "conf_level",
    "p_value",
    "inference",
    "df",
    "n_obs",
    "n_units",
    "n_treated",
    "n_control",
    "pre_first",
    "pre_last",
    "post_first",
    "post_last",
    "trial_name",
    "component_name",
    "outcome_label",
];

/// Renders the estimates as CSV (RFC 4180, `.` decimal mark, full precision).
/// A text cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) gets a leading apostrophe, so it shows as the text it is.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

pub fn render(results: &Results) -> Result<Vec<u8>, String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(|e| e.to_string())?;
    for a in &results.analyses {
        let trial = results.trials.iter().find(|t| t.key == a.trial);
        let trial_name = trial.map(|t| t.name.as_str()).unwrap_or("");
        let component_name = trial
            .and_then(|t| t.components.iter().find(|c| c.key == a.component))
            .map(|c| c.name.as_str())
            .unwrap_or("");
        let outcome_label =
            results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.label.as_str()).unwrap_or("");
        for e in &a.estimates {
            let i = &e.interval;
            w.write_record([
                text_cell(&a.trial),
                text_cell(&a.component),
                text_cell(&a.outcome),
                e.method.key().to_string(),
                i.estimate.to_string(),
                i.se.to_string(),
                i.ci_low.to_string(),
                i.ci_high.to_string(),
                i.conf_level.to_string(),
                i.p_value.to_string(),
                text_cell(&e.inference.name),
                e.inference.df.to_string(),
                e.n_obs.to_string(),
                e.n_units.to_string(),
                e.n_treated.to_string(),
                e.n_control.to_string(),
                a.design.pre.first.to_string(),
                a.design.pre.last.to_string(),
                a.design.post.first.to_string(),
                a.design.post.last.to_string(),
                text_cell(trial_name),
                text_cell(component_name),
                text_cell(outcome_label),
            ])
            .map_err(|e| e.to_string())?;
        }
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
