//! The output folder: results, charts and documents in every language, staged and swapped in.
//!
//! [`write_outputs`] takes finished results by reference. Each language draws its own charts in
//! memory ([`crate::charts::draw`]) and renders its documents from the same results and those
//! charts; the main language (the first) goes at the top of the folder, every other one in
//! `<lang>/` on a thread of its own. Nothing is visible until every file is written.

use std::path::PathBuf;

use super::{CsvExport, Exporter, JsonExport, ParquetExport, documents};
use crate::charts::{self, Drawn};
use crate::error::{Error, Result};
use crate::output::StagedDir;
use crate::progress::{Progress, Silent};
use crate::results::Results;
use crate::study::Lang;

/// What a run wrote.
pub struct RunSummary {
    pub out_dir: PathBuf,
    /// Every file written, relative to `out_dir`.
    pub files: Vec<String>,
    /// Files found in the folder that frikommune did not write, kept (relative to `out_dir`).
    pub kept: Vec<String>,
    pub analyses: usize,
    pub estimates: usize,
    /// What the user should know that is not an error: trials that cannot be evaluated yet,
    /// areas left out of the data.
    pub notes: Vec<String>,
}

impl RunSummary {
    /// What was written where: every document, and each chart folder with its file count.
    pub fn listing(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut chart_dirs: Vec<(String, usize)> = Vec::new();
        for f in &self.files {
            match f.find("charts/") {
                Some(i) => {
                    let dir = &f[..i + "charts".len()];
                    match chart_dirs.iter_mut().find(|(d, _)| d == dir) {
                        Some((_, n)) => *n += 1,
                        None => chart_dirs.push((dir.to_string(), 1)),
                    }
                }
                None => lines.push(self.out_dir.join(f).display().to_string()),
            }
        }
        for (dir, n) in chart_dirs {
            lines.push(format!("{} ({n} files)", self.out_dir.join(dir).display()));
        }
        lines
    }
}

/// The results as they are written in `langs`: the languages recorded, and the main language's
/// chart references (file names and alt texts) filled in for `results.json`.
pub fn for_languages(mut results: Results, langs: &[Lang]) -> Result<Results> {
    let Some(&main) = langs.first() else {
        return Err(Error::Usage("no report language given".into()));
    };
    results.study.languages = langs.to_vec();
    // Every output is written from these results: nothing that gives back a suppressed value.
    crate::disclosure::protect(&mut results);
    for r in &mut results.analyses {
        (r.chart, r.event_chart, r.sensitivity_chart, r.synth_chart, r.gap_chart, r.weights_chart) =
            (None, None, None, None, None, None);
    }
    for s in &mut results.savings {
        (s.chart, s.units_chart) = (None, None);
    }
    for d in &mut results.durations {
        d.chart = None;
    }
    results.forest_chart = None;
    use crate::charts::plan::Slot;
    for (slot, r) in charts::references(&results, main) {
        let place = match slot {
            Slot::Trend(i) => &mut results.analyses[i].chart,
            Slot::Event(i) => &mut results.analyses[i].event_chart,
            Slot::Sensitivity(i) => &mut results.analyses[i].sensitivity_chart,
            Slot::Synth(i) => &mut results.analyses[i].synth_chart,
            Slot::Gap(i) => &mut results.analyses[i].gap_chart,
            Slot::Weights(i) => &mut results.analyses[i].weights_chart,
            Slot::Spending(i) => &mut results.savings[i].chart,
            Slot::SavingsUnits(i) => &mut results.savings[i].units_chart,
            Slot::Durations(i) => &mut results.durations[i].chart,
            Slot::Forest => &mut results.forest_chart,
        };
        *place = Some(r);
    }
    Ok(results)
}

/// Writes `results.json`, `results.csv` and `results.parquet`, and the charts and documents in
/// each language of `results.study.languages`, into `stage` (claimed by the caller before the
/// long work, see [`StagedDir::new`]) and swaps it in.
pub fn write_outputs(results: &Results, stage: StagedDir, progress: &dyn Progress) -> Result<RunSummary> {
    let Some((&main, others)) = results.study.languages.split_first() else {
        return Err(Error::Usage("no report language given".into()));
    };
    let mut files = Vec::new();
    std::thread::scope(|scope| -> Result<()> {
        let beside: Vec<_> = others
            .iter()
            .map(|&lang| {
                let stage = &stage;
                scope.spawn(move || write_language(results, stage, &format!("{}/", lang.code()), lang, &Silent))
            })
            .collect();
        let main_files = write_language(results, &stage, "", main, progress);
        for e in [&JsonExport as &dyn Exporter, &CsvExport, &ParquetExport] {
            let name = e.file_name();
            let bytes = e
                .render(results, &Drawn::default())
                .map_err(|m| Error::Render { what: name.clone(), message: m.to_string() })?;
            stage.write(&name, &bytes)?;
            files.push(name);
        }
        files.extend(main_files?);
        for handle in beside {
            files.extend(handle.join().map_err(|_| Error::Render {
                what: "a report language".into(),
                message: "its thread stopped unexpectedly".into(),
            })??);
        }
        Ok(())
    })?;
    let committed = stage.commit()?;
    let (out_dir, kept) = (committed.dir, committed.kept);
    let estimates = results.analyses.iter().map(|a| a.estimates.len()).sum();
    let notes = results.notes();
    Ok(RunSummary { out_dir, files, kept, analyses: results.analyses.len(), estimates, notes })
}

/// Draws every chart of `results` in `lang` and renders the documents beside them, under
/// `prefix` in the stage. Returns the files written.
fn write_language(
    results: &Results,
    stage: &StagedDir,
    prefix: &str,
    lang: Lang,
    progress: &dyn Progress,
) -> Result<Vec<String>> {
    let planned = charts::plan::plan(results, lang);
    progress.stage("drawing charts", planned.len() as u64);
    let drawn = charts::draw_planned(planned, &|| progress.advance())
        .map_err(|(base, e)| Error::Render { what: format!("chart {prefix}{base}"), message: e.to_string() })?;
    progress.finish();
    let mut files = Vec::new();
    for (name, bytes) in &drawn.files {
        stage.write(&format!("{prefix}{name}"), bytes)?;
        files.push(format!("{prefix}{name}"));
    }
    let documents = documents(lang);
    progress.stage("writing reports", documents.len() as u64);
    for e in documents {
        let name = format!("{prefix}{}", e.file_name());
        let bytes =
            e.render(results, &drawn).map_err(|m| Error::Render { what: name.clone(), message: m.to_string() })?;
        stage.write(&name, &bytes)?;
        files.push(name);
        progress.advance();
    }
    progress.finish();
    Ok(files)
}
