//! `results.csv`: one tidy row per estimate, for spreadsheets and R/Stata/Python.

use super::Results;

pub const HEADER: [&str; 20] = [
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
];

/// Renders the estimates as CSV (RFC 4180, `.` decimal mark, full precision).
pub fn render(results: &Results) -> Result<Vec<u8>, String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(|e| e.to_string())?;
    for a in &results.analyses {
        for e in &a.estimates {
            let i = &e.interval;
            w.write_record([
                a.trial.clone(),
                a.component.clone(),
                a.outcome.clone(),
                e.method.key().to_string(),
                i.estimate.to_string(),
                i.se.to_string(),
                i.ci_low.to_string(),
                i.ci_high.to_string(),
                i.conf_level.to_string(),
                i.p_value.to_string(),
                e.inference.name.clone(),
                e.inference.df.to_string(),
                e.n_obs.to_string(),
                e.n_units.to_string(),
                e.n_treated.to_string(),
                e.n_control.to_string(),
                a.design.pre.first.to_string(),
                a.design.pre.last.to_string(),
                a.design.post.first.to_string(),
                a.design.post.last.to_string(),
            ])
            .map_err(|e| e.to_string())?;
        }
    }
    w.into_inner().map_err(|e| e.to_string())
}
