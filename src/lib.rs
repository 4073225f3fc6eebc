//! frikommune: evaluate Danish free-municipality trials with honest uncertainty.
//!
//! The crate is a one-way pipeline; the modules follow it:
//!
//! ```text
//! study ─► ingest ─► design ─► estimate (+ inference) ─► results ─► charts, report
//! ```
//!
//! - [`study`]: the validated study file (trials, outcomes, windows, settings);
//! - [`ingest`]: data files into the canonical [`ingest::Panel`];
//! - [`design`]: treated and comparison municipalities and windows per trial × outcome;
//! - [`estimate`] and [`inference`]: DiD estimators and their intervals, each naming its convention;
//! - [`results`]: the one serde model all outputs render;
//! - [`charts`], [`report`]: PNG/SVG charts and JSON/CSV/PDF writers, worded from [`wording`];
//! - [`analysis`]: each kind of analysis assembled from design, estimators and inference;
//! - [`pipeline`]: the stages wired together; [`simulate`]: realistic synthetic data with known truth;
//! - [`montecarlo`]: size and coverage of every interval on placebo and simulated trials.
//!
//! The library never prints; the binary (`src/main.rs`, `src/cli/`) parses flags, reports progress
//! and maps errors to exit codes.

pub mod analysis;
pub mod charts;
pub mod design;
pub mod disclosure;
pub mod error;
pub mod estimate;
pub mod findings;
pub mod inference;
pub mod ingest;
pub mod locale;
pub mod montecarlo;
pub mod output;
pub mod period;
pub mod pipeline;
pub mod progress;
pub mod registry;
pub mod report;
pub mod results;
pub mod rng;
pub mod scaffold;
pub mod settings;
pub mod simulate;
pub mod study;
pub mod wording;

pub use error::{Error, Result};
