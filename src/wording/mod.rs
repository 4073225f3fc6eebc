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

/// "a, b og c" / "a, b and c".
pub fn list(items: &[&str], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {} {last}", init.join(", "), if lang == Lang::Da { "og" } else { "and" }),
    }
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

/// The panel profile in words: a summary, the missing values, and one sentence per warning.
/// `name` gives a municipality's name.
pub fn profile(
    p: &crate::design::profile::Profile,
    f: Frequency,
    name: &dyn Fn(crate::registry::Code) -> String,
    lang: Lang,
) -> ProfileText {
    use crate::design::profile::ProfileWarning as W;
    let w = locale::period_words(f, lang);
    let count = |n: usize| format!("{} {}", locale::number(n as f64, 0, lang), if n == 1 { w.one } else { w.many });
    let whole = |n: usize| locale::number(n as f64, 0, lang);
    let range = |v: Vec<usize>| {
        let (lo, hi) = (v.iter().copied().min().unwrap_or(0), v.iter().copied().max().unwrap_or(0));
        if lo == hi { count(lo) } else { format!("{}–{}", whole(lo), count(hi)) }
    };
    let cohorts = match p.cohorts.as_slice() {
        [one] => locale::period(one.start, f, lang),
        many => many
            .iter()
            .map(|c| format!("{} ({})", locale::period(c.start, f, lang), whole(c.n)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let summary = text(
        "profile_summary",
        lang,
        &[
            ("treated", whole(p.n_treated)),
            ("cohorts", cohorts),
            ("never", whole(p.n_never)),
            ("pre", range(p.cohorts.iter().map(|c| c.pre_periods).collect())),
            ("post", range(p.cohorts.iter().map(|c| c.post_periods).collect())),
        ],
    );
    let missing = if p.missing == 0 {
        t("profile_complete", lang).to_string()
    } else {
        text(
            "profile_missing",
            lang,
            &[
                ("missing", whole(p.missing)),
                ("cells", whole(p.cells)),
                ("treated_gaps", whole(p.treated_gaps.len())),
                ("comparison_gaps", whole(p.comparison_gaps)),
            ],
        )
    };
    let warnings = p
        .warnings
        .iter()
        .map(|warning| {
            let key = format!("profile_{}", warning.key());
            let mut args = period_args(Some(f), lang);
            args.extend(match warning {
                W::OneTreated => vec![],
                W::ShortPre { periods } => vec![("pre", count(*periods))],
                W::ShortPost { periods } => vec![("post", count(*periods))],
                W::LeadsBeyondPre { leads, periods } => vec![("leads", count(*leads)), ("pre", count(*periods))],
                W::TreatedGaps { n, of } => vec![
                    ("n", whole(*n)),
                    ("of", whole(*of)),
                    ("names", p.treated_gaps.iter().map(|&c| name(c)).collect::<Vec<_>>().join(", ")),
                ],
                W::ComparisonGaps { n, of } => vec![("n", whole(*n)), ("of", whole(*of))],
                W::CohortOfOne { start } => vec![("start", locale::period(*start, f, lang))],
                W::OneRegion { region } => vec![("region", region.clone())],
            });
            text(&key, lang, &args)
        })
        .collect();
    ProfileText { summary, missing, warnings }
}

/// [`profile`]'s sentences.
pub struct ProfileText {
    pub summary: String,
    pub missing: String,
    pub warnings: Vec<String>,
}

/// The sensitivity of an event study in one sentence: where its confidence set first holds 0,
/// as a multiple of the largest pre-period change and as a change per period in the outcome's
/// unit.
pub fn sensitivity_sentence(
    s: &crate::inference::honest::Sensitivity,
    base: crate::estimate::event::EventBase,
    f: Frequency,
    unit: crate::study::Unit,
    lang: Lang,
) -> String {
    let mut args = period_args(Some(f), lang);
    // The sets are measured from the period before the start; an event study shown from the
    // pre-period mean reads another mean, so the sentence gives the one the sets are about.
    let from = match base {
        crate::estimate::event::EventBase::PreMean => {
            let mut value = locale::signed(s.mean.estimate, locale::decimals(unit), lang);
            if unit != crate::study::Unit::Count {
                value = format!("{value} {}", locale::difference_unit(unit, lang));
            }
            let mut a = args.clone();
            a.push(("estimate", value));
            format!(" {}", text("sensitivity_from_before", lang, &a))
        }
        crate::estimate::event::EventBase::PeriodBefore => String::new(),
    };
    let said = match s.mean.breakdown {
        None => text("sensitivity_flat", lang, &args),
        Some(b) if b <= 0.0 => text("sensitivity_none", lang, &args),
        Some(b) => {
            let drift = locale::number(b * s.max_pre_change, locale::decimals(unit) + 1, lang);
            let drift = match unit {
                crate::study::Unit::Count => drift,
                _ => format!("{drift} {}", locale::difference_unit(unit, lang)),
            };
            args.extend([("breakdown", breakdown_value(b, lang)), ("drift", drift)]);
            text("sensitivity_holds", lang, &args)
        }
    };
    let smooth = s.smoothness.as_ref().map(|sd| {
        let z = &sd.mean.at_zero;
        let mut args = period_args(Some(f), lang);
        args.extend(smooth_args(z.estimate, z.ci_low, z.ci_high, unit, lang));
        match sd.mean.breakdown.filter(|b| *b > 0.0) {
            Some(b) => {
                args.push(("m", bend_value(b, unit, lang)));
                format!(" {}", text("sensitivity_smooth_holds", lang, &args))
            }
            None => format!(" {}", text("sensitivity_smooth_none", lang, &args)),
        }
    });
    said + &from + &smooth.unwrap_or_default()
}

/// `estimate` and `ci` (its interval in brackets) in the outcome's unit, for the smoothness
/// sentences.
pub fn smooth_args(
    estimate: f64,
    lo: f64,
    hi: f64,
    unit: crate::study::Unit,
    lang: Lang,
) -> Vec<(&'static str, String)> {
    let d = locale::interval_decimals(lo, hi, locale::decimals(unit));
    let mut value = locale::signed(estimate, d, lang);
    if unit != crate::study::Unit::Count {
        value = format!("{value} {}", locale::difference_unit(unit, lang));
    }
    let sep = if lang == Lang::Da { ";" } else { "," };
    let ci = format!("[{}{sep} {}]", locale::signed(lo, d, lang), locale::signed(hi, d, lang));
    vec![("estimate", value), ("ci", ci)]
}

/// A bend bound M in the outcome's unit with two significant digits at least.
pub fn bend_value(m: f64, unit: crate::study::Unit, lang: Lang) -> String {
    let digits = if m > 0.0 { (1 - m.abs().log10().floor() as i64).max(0) as usize } else { 0 };
    let value = locale::number(m, digits.max(locale::decimals(unit)), lang);
    match unit {
        crate::study::Unit::Count => value,
        _ => format!("{value} {}", locale::difference_unit(unit, lang)),
    }
}

/// A breakdown value with two significant decimals at least: 1,40, 0,25, 0,012.
pub fn breakdown_value(b: f64, lang: Lang) -> String {
    locale::number(b, if b < 0.1 { 3 } else { 2 }, lang)
}
