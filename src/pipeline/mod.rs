//! The pipeline: study → ingest → design → estimate → results → charts and reports, wired.
//!
//! [`analyse`] runs every analysis of the study on the panel (side by side) and judges the
//! findings; [`analyse_cases`] does the case file's; [`run`] reads the data, calls both and hands
//! the results to [`report::write_outputs`], which stages and swaps in the outputs. Nothing here
//! computes an estimate or words a sentence. Progress is reported through the [`Progress`] trait
//! so the library never touches the terminal.

use std::path::Path;

use crate::analysis::{self, link_savings};
use crate::design::{Design, DesignError};
use crate::error::{Error, Result};
use crate::ingest::{Panel, read_panel};
use crate::report;
use crate::results::{Analysis, Results};
use crate::study::{Lang, Study};

pub use crate::analysis::{CaseResults, analyse_cases, case_columns, panel_savings};
pub use crate::progress::{Progress, Silent};
pub use crate::report::RunSummary;

/// Computes every trial component × outcome of the study on `panel`.
pub fn analyse(study: &Study, panel: &Panel, progress: &dyn Progress) -> Result<Results> {
    let jobs: Vec<(usize, usize, String)> = study
        .trials
        .iter()
        .enumerate()
        .flat_map(|(ti, tr)| {
            tr.components
                .iter()
                .enumerate()
                .flat_map(move |(ci, c)| c.outcomes.iter().map(move |o| (ti, ci, o.clone())))
        })
        .collect();
    progress.stage("estimating", jobs.len() as u64);
    // The analyses run side by side (each also parallel inside); every one draws from its own
    // seeded streams, so the results do not depend on the order they finish in. A helper thread
    // drives the pool while this thread reports progress.
    let mut slots: Vec<Option<std::result::Result<Analysis, DesignError>>> = (0..jobs.len()).map(|_| None).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let jobs = &jobs;
        scope.spawn(move || {
            use rayon::prelude::*;
            jobs.par_iter().enumerate().for_each_with(tx, |tx, (i, (ti, ci, outcome))| {
                let done = Design::build(study, panel, *ti, *ci, outcome)
                    .map(|design| analysis::panel::analysis(study, panel, &design));
                let _ = tx.send((i, done));
            });
        });
        for (i, done) in rx {
            slots[i] = Some(done);
            progress.advance();
        }
    });
    let mut analyses = Vec::with_capacity(jobs.len());
    let mut pending = Vec::new();
    for slot in slots {
        match slot.expect("every analysis reports back") {
            Ok(a) => analyses.push(a),
            // Starts after the data end: reported as not yet evaluable, the rest runs.
            Err(DesignError::NotYet(p)) => pending.push(*p),
            Err(e) => return Err(Error::Design(e)),
        }
    }
    progress.finish();
    let mut results = crate::analysis::info::skeleton(study, panel, analyses);
    results.pending = pending;
    link_savings(study, &mut results);
    results.findings = crate::findings::assess(&results);
    Ok(results)
}

/// Reads the data, analyses, and writes results, charts and reports to `out_root/<study name>`
/// in each of `langs` (the first at the top of the folder, the others in `<lang>/`).
///
/// With `strict`, a trial that cannot be evaluated yet (it starts after the data end) is an
/// error rather than a line in every document.
pub fn run(
    study: &Study,
    out_root: &Path,
    langs: &[Lang],
    strict: bool,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    // The output folder is claimed first: a bad --out or a folder another run is writing fails
    // before any work.
    let stage = crate::output::StagedDir::new(&out_root.join(&study.name))?;
    progress.stage("reading data", 1);
    let panel = read_panel(study)?;
    progress.finish();
    // The case file first: a bad row fails the run before the long panel analyses.
    let cases = analyse_cases(study, progress)?;
    let mut results = analyse(study, &panel, progress)?;
    if strict && let Some(p) = results.pending.first() {
        return Err(Error::Design(DesignError::NotYet(Box::new(p.clone()))));
    }
    cases.merge_into(study, &mut results);
    let results = report::for_languages(results, langs)?;
    report::write_outputs(&results, stage, progress)
}
