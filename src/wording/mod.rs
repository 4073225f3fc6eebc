//! Every user-facing string, Danish and English, in one table.
//!
//! Sentences, table headers, chart captions and axes, alt texts and the methods prose are all
//! phrases here, each under one key with both languages. A phrase names its values in braces
//! (`{outcome}`, `{n}`); the interval level is always `{level}` and the words for the outcome's
//! period always `{period}`, `{periods}`, `{a_period}`, `{the_period}`, `{the_periods}`,
//! `{Periods}` and `{per_period}` (the adjective), so no phrase hard-codes "95 %" or "måned".
//! Numbers, dates and period names are formatted by [`crate::locale`] before they are filled in.
//!
//! The table is split by where the words appear ([`report`] headers and labels, [`findings`]
//! sentences and caveats, [`methods`] prose, [`charts`] captions and alt texts); a key is unique
//! across all four. Tests check that every key has both languages with the same placeholders,
//! that every key the code and the templates name exists, and that filling a phrase leaves no
//! placeholder behind.

mod charts;
mod findings;
mod methods;
mod report;

use crate::ingest::periods::Frequency;
use crate::locale;
use crate::study::Lang;

/// (key, Danish, English).
type Entry = (&'static str, &'static str, &'static str);

const SECTIONS: &[&[Entry]] = &[report::TABLE, findings::TABLE, methods::TABLE, charts::TABLE];

fn entries() -> impl Iterator<Item = &'static Entry> {
    SECTIONS.iter().flat_map(|s| s.iter())
}

/// The phrase `key` in `lang`, placeholders unfilled; `None` for an unknown key.
pub fn phrase(key: &str, lang: Lang) -> Option<&'static str> {
    entries().find(|(k, _, _)| *k == key).map(|(_, da, en)| match lang {
        Lang::Da => *da,
        Lang::En => *en,
    })
}

/// A phrase without values (a header, a label). An unknown key is a defect of the program, not
/// of the data: debug builds (the tests) stop on it; release builds show the key.
pub fn t(key: &str, lang: Lang) -> &str {
    match phrase(key, lang) {
        Some(p) => {
            debug_assert!(placeholders(p).is_empty(), "wording `{key}` takes values: use wording::text");
            p
        }
        None => {
            debug_assert!(false, "no wording `{key}`");
            key
        }
    }
}

/// The phrase `key` in `lang` with its `{name}` values filled in from `args`. Debug builds stop
/// on an unknown key or a placeholder `args` does not fill.
pub fn text(key: &str, lang: Lang, args: &[(&str, String)]) -> String {
    let Some(p) = phrase(key, lang) else {
        debug_assert!(false, "no wording `{key}`");
        return key.to_string();
    };
    let (out, missing) = fill(p, args);
    debug_assert!(missing.is_empty(), "wording `{key}` needs {missing:?}");
    out
}

/// Fills `{name}` placeholders in one pass, so braces inside a value (a user's name) are never
/// read as placeholders. Returns the text and the names no value was given for (left as they are).
fn fill(template: &str, args: &[(&str, String)]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(template.len() + 32);
    let mut missing = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if is_name(name) => {
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        missing.push(name.to_string());
                        out.push_str(&rest[open..open + close + 2]);
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, missing)
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The placeholder names of a phrase, in order of appearance.
fn placeholders(p: &str) -> Vec<String> {
    fill(p, &[]).1
}

/// `("level", "90")`: the interval level as a phrase's `{level}`.
pub fn level(conf_level: f64, lang: Lang) -> (&'static str, String) {
    ("level", locale::number(100.0 * conf_level, 0, lang))
}

/// The period words of an outcome (or, with `None`, of a study whose outcomes differ in
/// frequency) as a phrase's `{period}`, `{periods}`, `{a_period}`, `{the_period}`,
/// `{the_periods}`, `{Periods}` and `{per_period}`.
pub fn period_args(frequency: Option<Frequency>, lang: Lang) -> Vec<(&'static str, String)> {
    let w = match frequency {
        Some(f) => locale::period_words(f, lang),
        None => locale::any_period_words(lang),
    };
    vec![
        ("period", w.one.to_string()),
        ("periods", w.many.to_string()),
        ("a_period", w.a.to_string()),
        ("the_period", w.the.to_string()),
        ("the_periods", w.the_many.to_string()),
        ("Periods", locale::upper_first(w.many)),
        ("per_period", w.adjective.to_string()),
    ]
}

/// Every phrase for a document template (`t.key` in typst and minijinja), with the study's
/// interval level and period words filled in. Phrases that need other values are left out: a
/// template naming one fails to render, which the tests catch.
pub fn strings(
    lang: Lang,
    conf_level: f64,
    frequency: Option<Frequency>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut args = period_args(frequency, lang);
    args.push(level(conf_level, lang));
    entries()
        .filter_map(|(key, da, en)| {
            let (text, missing) = fill(if lang == Lang::Da { da } else { en }, &args);
            missing.is_empty().then(|| (key.to_string(), serde_json::Value::String(text)))
        })
        .collect()
}

#[cfg(test)]
mod tests;
