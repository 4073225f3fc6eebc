//! Validation: the study file as written ([`super::raw`]) into the model ([`super::model`]).
//!
//! Every problem is collected, each located by line, column and key, and reported at once. One
//! file per part of the study file: [`data`] (`[data]` and its sources), [`settings`]
//! (`[inference]`, `[confidentiality]`, `[covid]`, `[[events]]`), [`outcomes`] (`[tariffs]`,
//! `[[outcomes]]`), [`trials`] (`[[trials]]` with their components and comparison designs,
//! `[[exposures]]`), [`savings`] (`[[savings]]`, `[[durations]]`) and [`simulation`].

mod data;
mod outcomes;
mod savings;
mod settings;
mod simulation;
#[cfg(test)]
mod tests;
mod trials;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml::Spanned;

use super::raw;
use super::*;
use crate::period::{Month, parse_date};
use crate::registry::{Code, LookupError, Registry, edit_distance};

/// One problem in a study file, located by line and column.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error("could not read study file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}\n  | {snippet}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String, snippet: String },
    #[error("{}", format_problems(path, problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
}

fn format_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!("{} has {} problem(s):", path.display(), problems.len());
    for p in problems {
        out.push_str(&format!("\n  {}:{}:{}: {}: {}", path.display(), p.line, p.column, p.key, p.message));
    }
    out
}

impl Study {
    /// Reads and validates a study file. Relative data paths are resolved against the study
    /// file's folder.
    pub fn load(path: &Path) -> Result<Study, StudyError> {
        let read = |source| StudyError::Read { path: path.to_path_buf(), source };
        // A device or a pipe would be read forever, a huge file whole: both are refused first.
        let meta = std::fs::metadata(path).map_err(read)?;
        if meta.is_dir() {
            let inside = path.join("study.toml");
            let hint = if inside.is_file() {
                format!("; did you mean {}?", inside.display())
            } else {
                String::from("; give the study's .toml file")
            };
            return Err(read(std::io::Error::other(format!("this is a folder, not a study file{hint}"))));
        }
        if !meta.is_file() || meta.len() > MAX_STUDY_BYTES as u64 {
            return Err(read(std::io::Error::other(format!(
                "a study file is a regular file of at most {MAX_STUDY_BYTES} bytes"
            ))));
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        Study::parse(&text, path)
    }

    /// Parses study text; `path` is used for messages and to resolve relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Study, StudyError> {
        let lines = LineIndex::new(text);
        bounded(text, &lines, path)?;
        let file: raw::StudyFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| lines.locate(s.start)).unwrap_or((1, 1));
            StudyError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: with_nearest_field(e.message().trim()),
                snippet: lines.line_text(line).to_string(),
            }
        })?;
        let mut v = Validator { lines: &lines, problems: Vec::new() };
        let study = v.study(file, path);
        if v.problems.is_empty() {
            Ok(study.expect("no problems means a study"))
        } else {
            Err(StudyError::Invalid { path: path.to_path_buf(), problems: v.problems })
        }
    }
}

/// The largest study file and the longest line in one: titles, names and labels are short texts,
/// and a huge one would cost gigabytes to typeset.
pub const MAX_STUDY_BYTES: usize = 256 * 1024;
pub const MAX_LINE_CHARS: usize = 4_000;

fn bounded(text: &str, lines: &LineIndex, path: &Path) -> Result<(), StudyError> {
    let syntax = |line: usize, column: usize, message: String| StudyError::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message,
        snippet: lines.line_text(line).chars().take(80).collect(),
    };
    if text.len() > MAX_STUDY_BYTES {
        return Err(syntax(
            1,
            1,
            format!(
                "the study file is {} bytes; a study file holds at most {MAX_STUDY_BYTES} (data belong in the data files)",
                text.len()
            ),
        ));
    }
    for (i, line) in text.lines().enumerate() {
        let chars = line.chars().count();
        if chars > MAX_LINE_CHARS {
            return Err(syntax(
                i + 1,
                MAX_LINE_CHARS + 1,
                format!("this line has {chars} characters; titles, names, labels and lists fit in {MAX_LINE_CHARS}"),
            ));
        }
    }
    Ok(())
}

pub(super) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.text.get(start..offset.min(self.text.len())).map(|s| s.chars().count()).unwrap_or(0);
        (line, column + 1)
    }

    /// The line of the header `[table]` and of the first `key = …` below it before the next
    /// header (each 1 when not found), for values whose position the parser does not keep.
    pub(super) fn table_key(&self, table: &str, key: &str) -> (usize, usize) {
        let header = format!("[{table}]");
        let lines: Vec<&str> = self.text.lines().collect();
        let Some(h) = lines.iter().position(|l| l.trim() == header) else { return (1, 1) };
        let found = lines[h + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with('['))
            .position(|l| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')));
        (h + 1, found.map_or(h + 1, |i| h + 2 + i))
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let end = self.starts.get(line).map(|e| e - 1).unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or("").trim_end()
    }
}

pub(super) struct Validator<'a> {
    lines: &'a LineIndex<'a>,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    /// A problem at `spanned`; a message that does not say what it found gets the value as
    /// written in the file (its first line, at most 60 characters).
    pub(super) fn report<T>(&mut self, spanned: &Spanned<T>, key: impl Into<String>, message: impl Into<String>) {
        let span = spanned.span();
        let (line, column) = self.lines.locate(span.start);
        let mut message = message.into();
        if !message.contains("found") {
            let written = self.lines.text.get(span).and_then(|t| t.lines().next()).unwrap_or("").trim();
            let written = written.strip_prefix('"').and_then(|w| w.strip_suffix('"')).unwrap_or(written);
            if !written.is_empty() {
                let shown: String = written.chars().take(60).collect();
                let more = if written.chars().count() > 60 { "…" } else { "" };
                message = format!("{message}, found `{shown}{more}`");
            }
        }
        self.problems.push(Problem { line, column, key: key.into(), message });
    }

    pub(super) fn date(&mut self, s: &Spanned<String>, key: &str) -> Option<NaiveDate> {
        let d = parse_date(s.get_ref());
        if d.is_none() {
            self.report(s, key, format!("expected a date YYYY-MM-DD, found `{}`", s.get_ref()));
        }
        d
    }

    pub(super) fn month(&mut self, s: &Spanned<String>, key: &str) -> Option<Month> {
        let m = Month::parse(s.get_ref());
        if m.is_none() {
            self.report(s, key, format!("expected a month YYYY-MM, found `{}`", s.get_ref()));
        }
        m
    }

    pub(super) fn municipality(&mut self, registry: &Registry, s: &Spanned<String>, key: &str) -> Option<Code> {
        match registry.resolve(s.get_ref()) {
            Ok(code) => Some(code),
            Err(LookupError::Unknown { suggestion }) => {
                let hint = suggestion.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                self.report(
                    s,
                    key,
                    format!(
                        "unknown municipality `{}`: expected a name or 3-digit code from the registry{hint}",
                        s.get_ref()
                    ),
                );
                None
            }
            Err(LookupError::Ambiguous { names }) => {
                self.report(s, key, format!("`{}` names several municipalities: {}", s.get_ref(), names.join(", ")));
                None
            }
        }
    }

    pub(super) fn choice<T: Copy>(&mut self, s: &Spanned<String>, key: &str, options: &[(&str, T)]) -> Option<T> {
        let found = options.iter().find(|(name, _)| *name == s.get_ref().as_str()).map(|(_, v)| *v);
        if found.is_none() {
            let names: Vec<_> = options.iter().map(|(n, _)| format!("`{n}`")).collect();
            self.report(s, key, format!("expected one of {}, found `{}`", names.join(", "), s.get_ref()));
        }
        found
    }

    /// `language = "da"` or `language = ["da", "en"]`: distinct languages, the main one first.
    fn languages(&mut self, value: &Spanned<toml::Value>) -> Option<Vec<Lang>> {
        let expected = "expected `\"da\"`, `\"en\"` or a list of them such as `[\"da\", \"en\"]`";
        let names: Vec<&str> = match value.get_ref() {
            toml::Value::String(s) => vec![s.as_str()],
            toml::Value::Array(items) if !items.is_empty() => match items.iter().map(|v| v.as_str()).collect() {
                Some(names) => names,
                None => {
                    self.report(value, "study.language", expected);
                    return None;
                }
            },
            _ => {
                self.report(value, "study.language", expected);
                return None;
            }
        };
        let mut out = Vec::new();
        for name in names {
            match Lang::parse(name) {
                Some(l) if out.contains(&l) => {
                    self.report(value, "study.language", format!("`{name}` is listed twice"));
                    return None;
                }
                Some(l) => out.push(l),
                None => {
                    self.report(value, "study.language", format!("{expected}, found `{name}`"));
                    return None;
                }
            }
        }
        Some(out)
    }

    fn study(&mut self, file: raw::StudyFile, path: &Path) -> Option<Study> {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &str| dir.join(p);

        let name = file.study.name.get_ref().clone();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.report(&file.study.name, "study.name", "expected a folder-safe name (letters, digits, `-`, `_`)");
        }
        let languages = match &file.study.language {
            Some(l) => self.languages(l),
            None => Some(vec![Lang::Da]),
        };

        let outcome_keys: Vec<String> = file.outcomes.iter().map(|o| o.key.get_ref().clone()).collect();
        let (registry, files) = self.data_files(&file.data, &resolve);
        let settings = self.settings(&file);
        let covid = self.covid(&file);
        let events = self.events(&file);
        let tariffs = self.tariffs(&file);
        let outcomes = self.outcomes(&file, &tariffs);
        let data = self.data_sources(&file.data, files, &registry, &outcome_keys, &resolve);
        // `[data] areas` that name a municipality hold for every file, the case file included.
        let mut registry = registry;
        if let Some(d) = &data {
            registry.add_aliases(d.areas.iter().filter_map(|(name, code)| code.map(|c| (name.as_str(), c))));
        }
        for (what, empty) in [("outcomes", file.outcomes.is_empty()), ("trials", file.trials.is_empty())] {
            if empty {
                self.problems.push(Problem {
                    line: 1,
                    column: 1,
                    key: what.into(),
                    message: format!("a study needs at least one [[{what}]] table"),
                });
            }
        }
        let trials = self.trials(&file, &registry, &outcome_keys);
        let simulation =
            file.simulation.as_ref().and_then(|s| self.simulation(s, &file.trials, &trials, &outcome_keys));
        let savings =
            self.savings(&file.savings, &file.trials, &trials, &outcomes, &tariffs, file.data.cases.is_some());
        let durations = self.durations(&file, &trials);
        let exposures = self.exposures(&file, &registry);

        Some(Study {
            path: path.to_path_buf(),
            name,
            title: file.study.title.clone(),
            title_en: file.study.title_en.clone().unwrap_or_else(|| file.study.title.clone()),
            synthetic: file.study.synthetic,
            languages: languages?,
            data: data?,
            registry,
            conf_level: settings.conf_level,
            seed: settings.seed,
            reps: settings.reps,
            event_leads: settings.event_leads,
            event_lags: settings.event_lags,
            band_reps: settings.band_reps,
            ssc: settings.ssc,
            cs_control: settings.cs_control,
            cs_unbalanced: settings.cs_unbalanced,
            cs_covariates: settings.cs_covariates,
            synth_conformal: file.inference.synth_conformal.unwrap_or(false),
            event_base: settings.event_base,
            strata: settings.strata,
            sdid_reps: settings.sdid_reps,
            min_cell: settings.min_cell,
            covid: covid?,
            events,
            outcomes,
            tariffs,
            trials,
            exposures,
            savings,
            durations,
            simulation,
        })
    }
}

/// The TOML reader's "unknown field `x`, expected one of `a`, `b`" with the nearest valid key
/// named first: "unknown field `pre_month` (did you mean `pre_months`?), expected one of …".
fn with_nearest_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message.to_string() };
    let Some((field, expected)) = rest.split_once('`') else { return message.to_string() };
    let candidates: Vec<String> = expected.split('`').skip(1).step_by(2).map(str::to_string).collect();
    let hint = nearest(field, &candidates);
    if hint.is_empty() { message.to_string() } else { format!("unknown field `{field}`{hint}{expected}") }
}

/// " (did you mean `x`?)" when a candidate is close to `key`: at most three edits, and at most
/// half of `key` (`køn` is not a misspelt `A`).
pub(crate) fn nearest(key: &str, candidates: &[String]) -> String {
    let half = key.chars().count() / 2;
    candidates
        .iter()
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, _)| *d <= 3.min(half.max(1)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.line, self.column, self.key, self.message)
    }
}
