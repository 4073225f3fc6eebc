//! The study: everything an evaluation needs, read from one TOML file and validated once.
//!
//! [`Study::load`] parses `study.toml` ([`raw`]), resolves municipality names to codes, parses
//! dates, and checks that trials, outcomes and settings fit together. Every problem found is
//! reported at once, each with the file, line, column and key it concerns. After loading, the
//! model cannot be inconsistent: later stages never re-check it.

mod model;
mod raw;
mod validate;

pub use model::*;
pub(crate) use validate::nearest;
pub use validate::{Problem, StudyError};
