//! The crate's error type and how errors map to exit codes.
//!
//! Every area (study, ingest, estimation, output) has its own error enum whose messages name the
//! file, line or row, column or key, and what was expected. The binary prints the chain once and
//! exits with [`Error::exit_code`]: 2 for bad input (the user can fix it), 1 for anything else.

use std::path::PathBuf;

use crate::design::DesignError;
use crate::ingest::IngestError;
use crate::montecarlo::MonteCarloError;
use crate::simulate::SimulateError;
use crate::study::StudyError;

/// Any failure of the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Study(#[from] StudyError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A design that the data cannot support (e.g. a participant without data).
    #[error(transparent)]
    Design(#[from] DesignError),
    #[error(transparent)]
    Simulate(#[from] SimulateError),
    #[error(transparent)]
    MonteCarlo(#[from] MonteCarloError),
    /// Bad flags or ad hoc input to a command.
    #[error("{0}")]
    Usage(String),
    #[error("could not write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("could not render {what}: {message}")]
    Render { what: String, message: String },
    /// The output folder is being written by another run.
    #[error("{0}")]
    Busy(String),
    /// An output would disclose an identifier; nothing is written.
    #[error("refusing to write {what}: {message}")]
    Confidential { what: String, message: String },
}

impl Error {
    /// 2 when the input (study file, data, flags) is at fault, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Study(_) | Error::Ingest(_) | Error::Design(_) | Error::Usage(_) | Error::Confidential { .. } => 2,
            Error::Simulate(SimulateError::Write(_))
            | Error::MonteCarlo(MonteCarloError::Simulate(SimulateError::Write(_))) => 1,
            Error::Simulate(_) | Error::MonteCarlo(_) => 2,
            Error::Write { .. } | Error::Render { .. } | Error::Busy(_) => 1,
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write { path: path.into(), source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
