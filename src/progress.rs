//! Progress of long steps, reported without touching the terminal: the library calls a
//! [`Progress`], the binary decides how to show it (bars, log lines, JSON or nothing).

/// Receives progress from long steps. Implementations must be cheap.
pub trait Progress {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

/// Progress that goes nowhere.
pub struct Silent;
impl Progress for Silent {}
