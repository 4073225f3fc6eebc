//! A seeded simulator of realistic municipal data with known true effects.
//!
//! `frikommune simulate` writes, for all 98 municipalities, a monthly panel (employment rate
//! 16–64, share on public support, average duration of completed jobafklaringsforløb, LÆ 265
//! certificates and their cost), the case-level JAF spells behind the durations, and
//! `truth.json` with the true effects in the estimands the pipeline reports. Magnitudes follow
//! `DOMAIN.md`: levels that vary with size and region, seasonality, a COVID shock,
//! autocorrelated noise that is larger in small municipalities, and trial effects that ramp up.
//!
//! Every municipality and purpose draws from its own ChaCha stream ([`crate::rng::Stream`]), so
//! the data do not depend on iteration order.

mod model;
mod truth;

pub use model::{CASES_HEADER, CERTIFICATE_CASE, JAF_CASE, Simulated, simulate, write_cases};
pub use truth::Truth;

use crate::design::DesignError;

/// Why a study cannot be simulated.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error(
        "the study has no [simulation] section: simulate writes data with known effects from one (seed, period and true effects; see the example study, data/study.toml)"
    )]
    NoSimulation,
    #[error("the simulator writes outcome `{0}`; declare it in [[outcomes]]")]
    Undeclared(&'static str),
    #[error("outcome `{0}` needs a `price` naming a tariff")]
    NoTariff(&'static str),
    #[error("certificate_savings_dkk is set but no certificate component has a negative relative effect on `{0}`")]
    NoCertificateCut(&'static str),
    /// The study's own design does not fit the simulated panel.
    #[error(transparent)]
    Design(#[from] DesignError),
    #[error("could not write the cases: {0}")]
    Write(#[from] std::io::Error),
}

/// The outcome keys the simulator writes; an example study must declare them.
pub mod keys {
    pub const EMPLOYMENT: &str = "employment_rate";
    pub const SUPPORT: &str = "public_support_share";
    pub const JAF_DURATION: &str = "jaf_duration_weeks";
    pub const JAF_COMPLETED: &str = "jaf_completed";
    pub const CERTIFICATES: &str = "lae265_count";
    pub const CERTIFICATE_COST: &str = "lae265_cost_dkk";
    pub const ALL: [&str; 5] = [EMPLOYMENT, SUPPORT, JAF_DURATION, CERTIFICATES, CERTIFICATE_COST];
}

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::output::write_atomic;
use crate::study::Study;

/// Writes the simulated panel (wide CSV), the spells and `truth.json` to the paths the study's
/// `[data]` section names. Returns the paths written.
pub fn write(study: &Study, sim: &Simulated) -> Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    let p = &sim.panel;
    let mut csv = String::with_capacity(p.units.len() * p.months.len() * 64);
    csv.push_str("municipality,period,");
    csv.push_str(
        &[
            keys::EMPLOYMENT,
            keys::SUPPORT,
            keys::JAF_DURATION,
            keys::JAF_COMPLETED,
            keys::CERTIFICATES,
            keys::CERTIFICATE_COST,
        ]
        .join(","),
    );
    csv.push('\n');
    let cell = |key: &str, u: usize, m, digits: usize| -> String {
        p.value(key, u, m).map(|v| format!("{v:.digits$}")).unwrap_or_default()
    };
    for (u, code) in p.units.iter().enumerate() {
        for m in p.months.first.through(p.months.last) {
            let n = p.persons(keys::JAF_DURATION, u, m).map(|n| format!("{n:.0}")).unwrap_or_default();
            let _ = writeln!(
                csv,
                "{code},{},{},{},{},{n},{},{}",
                m.first_day(),
                cell(keys::EMPLOYMENT, u, m, 2),
                cell(keys::SUPPORT, u, m, 2),
                cell(keys::JAF_DURATION, u, m, 1),
                cell(keys::CERTIFICATES, u, m, 0),
                cell(keys::CERTIFICATE_COST, u, m, 0),
            );
        }
    }
    let panel = study
        .data
        .panel
        .as_ref()
        .ok_or_else(|| Error::Usage("simulate writes [data] panel, which the study does not name".into()))?;
    write_atomic(panel, csv.as_bytes())?;
    written.push(panel.clone());

    if let Some(path) = &study.data.cases {
        let mut out = String::with_capacity(sim.spells.len() * 48);
        out.push_str(model::CASES_HEADER);
        out.push('\n');
        for s in &sim.spells {
            let end = s.end.map(|d| d.to_string()).unwrap_or_default();
            let (n, kind) = match s.certificates {
                0 => (String::new(), ""),
                n => (n.to_string(), model::CERTIFICATE_TYPE),
            };
            let _ = writeln!(out, "{},{},{},{},{end},{n},{kind}", s.case_id, s.municipality, s.kind, s.start);
        }
        write_atomic(path, out.as_bytes())?;
        written.push(path.clone());
    }
    if let Some(path) = &study.data.truth {
        let json = serde_json::to_string_pretty(&sim.truth)
            .map_err(|e| Error::Render { what: "truth.json".into(), message: e.to_string() })?;
        write_atomic(path, format!("{json}\n").as_bytes())?;
        written.push(path.clone());
    }
    Ok(written)
}
