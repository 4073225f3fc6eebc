//! `[data]`: the municipality registry, the panel file's layout and separator, provisional
//! months, the `[[data.sources]]` tables and area names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Problem, Validator, nearest};
use crate::registry::Registry;
use crate::study::{DataSpec, Layout, SourceSpec, raw};

/// The file settings of `[data]`, before the sources are read.
pub(super) struct Files {
    layout: Option<Layout>,
    separator: Option<u8>,
    provisional_months: Option<u32>,
}

impl Validator<'_> {
    /// The registry (embedded, or the study's own) and the panel file's settings.
    pub(super) fn data_files(
        &mut self,
        data: &raw::DataSection,
        resolve: &dyn Fn(&str) -> PathBuf,
    ) -> (Registry, Files) {
        let provisional_months = match &data.provisional_months {
            Some(n) if !(0..=120).contains(n.get_ref()) => {
                self.report(n, "data.provisional_months", "expected a number of months from 0 to 120");
                None
            }
            Some(n) => Some(*n.get_ref() as u32),
            None => Some(0),
        };
        let registry = match &data.municipalities {
            None => Registry::embedded(),
            Some(p) => match std::fs::read_to_string(resolve(p.get_ref())) {
                Ok(text) => Registry::from_csv(&text).unwrap_or_else(|e| {
                    self.report(p, "data.municipalities", format!("invalid registry {}: {e}", p.get_ref()));
                    Registry::embedded()
                }),
                Err(e) => {
                    self.report(p, "data.municipalities", format!("could not read {}: {e}", p.get_ref()));
                    Registry::embedded()
                }
            },
        };
        let layout = match &data.layout {
            Some(l) => self.choice(l, "data.layout", &[("long", Layout::Long), ("wide", Layout::Wide)]),
            None => Some(Layout::Long),
        };
        let separator = match &data.separator {
            Some(s) if s.get_ref().len() == 1 => Some(s.get_ref().as_bytes()[0]),
            Some(s) => {
                self.report(s, "data.separator", "expected a single character such as `,` or `;`");
                None
            }
            None => Some(b','),
        };

        (registry, Files { layout, separator, provisional_months })
    }

    /// The data sources and area names, and the `[data]` section whole.
    pub(super) fn data_sources(
        &mut self,
        data: &raw::DataSection,
        files: Files,
        registry: &Registry,
        outcome_keys: &[String],
        resolve: &dyn Fn(&str) -> PathBuf,
    ) -> Option<DataSpec> {
        let sources = self.sources(data, outcome_keys, resolve);
        let mut areas = BTreeMap::new();
        for (name, target) in &data.areas {
            let code = if target.get_ref().trim().is_empty() {
                Some(None)
            } else {
                self.municipality(registry, target, &format!("data.areas.\"{name}\"")).map(Some)
            };
            if let Some(code) = code {
                areas.insert(name.trim().to_lowercase(), code);
            }
        }
        if data.panel.is_none() && data.sources.is_empty() {
            self.problems.push(Problem {
                line: 1,
                column: 1,
                key: "data.panel".into(),
                message: "the study needs data: a `panel` file or at least one [[data.sources]]".into(),
            });
        }
        Some(DataSpec {
            panel: data.panel.as_ref().map(|p| resolve(p.get_ref())),
            layout: files.layout?,
            separator: files.separator?,
            cases: data.cases.as_ref().map(|p| resolve(p.get_ref())),
            case_type_column: data.case_type_column.clone().unwrap_or_else(|| "case_type".into()),
            truth: data.truth.as_ref().map(|p| resolve(p.get_ref())),
            provisional_months: files.provisional_months?,
            sources,
            areas,
            columns: self.columns(data),
        })
    }

    /// `[data] columns`: the panel's own column names, none of them empty.
    fn columns(&mut self, data: &raw::DataSection) -> crate::study::PanelColumns {
        let Some(c) = &data.columns else { return crate::study::PanelColumns::default() };
        let given = c.get_ref();
        let named = [
            ("municipality", &given.municipality),
            ("period", &given.period),
            ("frequency", &given.frequency),
            ("outcome", &given.outcome),
            ("value", &given.value),
            ("n", &given.n),
        ];
        for (key, name) in named {
            if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                self.report(
                    c,
                    format!("data.columns.{key}"),
                    "expected the name of a column of the panel, not an empty name",
                );
            }
        }
        let keep = |n: &Option<String>| n.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        crate::study::PanelColumns {
            municipality: keep(&given.municipality),
            period: keep(&given.period),
            frequency: keep(&given.frequency),
            outcome: keep(&given.outcome),
            value: keep(&given.value),
            n: keep(&given.n),
        }
    }

    /// The `[[data.sources]]` tables, their outcomes checked against the study's.
    fn sources(
        &mut self,
        data: &raw::DataSection,
        outcome_keys: &[String],
        resolve: &dyn Fn(&str) -> PathBuf,
    ) -> Vec<SourceSpec> {
        let mut out = Vec::new();
        for (i, s) in data.sources.iter().enumerate() {
            let key = format!("data.sources[{i}]");
            if !outcome_keys.contains(s.outcome.get_ref()) {
                self.report(
                    &s.outcome,
                    format!("{key}.outcome"),
                    format!(
                        "no outcome `{}` in [[outcomes]]{}",
                        s.outcome.get_ref(),
                        nearest(s.outcome.get_ref(), outcome_keys)
                    ),
                );
            }
            let separator = match &s.separator {
                Some(c) if c.get_ref() == "\\t" || c.get_ref() == "\t" => Some(b'\t'),
                Some(c) if c.get_ref().len() == 1 => Some(c.get_ref().as_bytes()[0]),
                Some(c) => {
                    self.report(c, format!("{key}.separator"), "expected one character such as `;`, `,` or `\\t`");
                    None
                }
                None => None,
            };
            let decimal = match &s.decimal {
                Some(d) if d.get_ref() == "," || d.get_ref() == "." => d.get_ref().chars().next(),
                Some(d) => {
                    self.report(d, format!("{key}.decimal"), format!("expected `,` or `.`, found `{}`", d.get_ref()));
                    None
                }
                None => None,
            };
            let encoding = match &s.encoding {
                Some(e) => match e.get_ref().to_ascii_lowercase().as_str() {
                    "utf-8" | "utf8" | "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                        Some(e.get_ref().clone())
                    }
                    other => {
                        self.report(
                            e,
                            format!("{key}.encoding"),
                            format!("expected `utf-8` or `windows-1252`, found `{other}`"),
                        );
                        None
                    }
                },
                None => None,
            };
            let provisional = match &s.provisional {
                Some(n) if (0..=120).contains(n.get_ref()) => *n.get_ref() as u32,
                Some(n) => {
                    self.report(n, format!("{key}.provisional"), "expected a number of months from 0 to 120");
                    0
                }
                None => 1,
            };
            out.push(SourceSpec {
                file: resolve(s.file.get_ref()),
                outcome: s.outcome.get_ref().clone(),
                sheet: s.sheet.clone(),
                measure: s.measure.clone(),
                filter: s.filter.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                separator,
                decimal,
                encoding,
                provisional,
                area_column: s.area_column.clone(),
                period_column: s.period_column.clone(),
            });
        }
        out
    }
}
