//! Findings in words, Danish and English, from the phrases of [`crate::wording`].
//!
//! Numbers come formatted by [`crate::locale`] (Danish decimal comma and thousands point,
//! "pct.-point", "kr."), periods in the outcome's own frequency. Causal verbs ("Forsøget
//! reducerede …") are used only for findings marked causal; otherwise the sentence compares
//! developments ("… udviklede sig … i forsøgskommunerne end i sammenligningskommunerne"). The
//! returned text is plain: every writer escapes it for its format.

use super::{Caveat, Finding, Verdict};
use crate::ingest::periods::Frequency;
use crate::locale;
use crate::results::Results;
use crate::study::{Better, CovidHandling, Lang, Unit};
use crate::wording::{self, level, text};

/// The verdict's short label ("Bedre", "På niveau", …).
pub fn verdict_label(v: Verdict, lang: Lang) -> &'static str {
    wording::t(
        match v {
            Verdict::Better => "verdict_better",
            Verdict::OnPar => "verdict_on_par",
            Verdict::Maintained => "verdict_maintained",
            Verdict::Worse => "verdict_worse",
            Verdict::Inconclusive => "verdict_inconclusive",
        },
        lang,
    )
}

/// The unit written after an effect: counts and kroner are per municipality and period (the
/// month, quarter, half-year or year the outcome is measured over).
fn effect_unit(unit: Unit, frequency: Frequency, lang: Lang) -> String {
    let per = |da: &str, en: &str| {
        let period = locale::period_words(frequency, lang).one;
        match lang {
            Lang::Da => format!("{da}pr. kommune pr. {period}"),
            Lang::En => format!("{en}per municipality per {period}"),
        }
    };
    match (unit, lang) {
        (Unit::Percent, Lang::Da) => "pct.-point".into(),
        (Unit::Percent, Lang::En) => "percentage points".into(),
        (Unit::Weeks, Lang::Da) => "uger".into(),
        (Unit::Weeks, Lang::En) => "weeks".into(),
        (Unit::Dkk, _) => per("kr. ", "DKK "),
        (Unit::Count, _) => per("", ""),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if !s.chars().nth(1).is_some_and(char::is_uppercase) => f.to_lowercase().chain(c).collect(),
        _ => s.to_string(),
    }
}

fn upper_first(s: &str) -> String {
    locale::upper_first(s)
}

/// The finding in one sentence, led by the trial's name.
pub fn sentence(r: &Results, f: &Finding, lang: Lang) -> String {
    let outcome = r.outcomes.iter().find(|o| o.key == f.outcome);
    let unit = outcome.map(|o| o.unit).unwrap_or(Unit::Count);
    let frequency = outcome.map(|o| o.frequency).unwrap_or_default();
    let label =
        outcome.map(|o| if lang == Lang::Da { o.label.as_str() } else { o.label_en.as_str() }).unwrap_or(&f.outcome);
    let trial = r
        .trials
        .iter()
        .find(|t| t.key == f.trial)
        .map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() })
        .unwrap_or_else(|| f.trial.clone());
    let d = locale::decimals(unit);
    let num = |x: f64| locale::number(x, d, lang);
    let degenerate = f.caveats.contains(&Caveat::ZeroWidth);
    let key = match (f.verdict, f.causal) {
        _ if degenerate => "degenerate",
        (Verdict::Better, true) => "better_causal",
        (Verdict::Better, false) => "better",
        (Verdict::Worse, true) => "worse_causal",
        (Verdict::Worse, false) => "worse",
        (Verdict::OnPar, _) => "on_par",
        (Verdict::Maintained, _) => "maintained",
        (Verdict::Inconclusive, _) => "inconclusive",
    };
    // Sentences with a verb ("reduced by 3,2") give the interval of that size; the others give
    // the signed difference's interval.
    let di = locale::interval_decimals(f.ci_low, f.ci_high, d);
    let (lo, hi) = if key.ends_with("_causal") {
        let (a, b) = (f.ci_low.abs(), f.ci_high.abs());
        let (a, b) = if f.estimate < 0.0 { (b, a) } else { (a, b) };
        (locale::number(a, di, lang), locale::number(b, di, lang))
    } else {
        (locale::signed(f.ci_low, di, lang), locale::signed(f.ci_high, di, lang))
    };
    let ci = text("ci_range", lang, &[level(f.conf_level, lang), ("lo", lo), ("hi", hi)]);
    let verb = wording::t(if f.estimate >= 0.0 { "verb_up" } else { "verb_down" }, lang);
    text(
        key,
        lang,
        &[
            ("trial", trial),
            ("Outcome", upper_first(label)),
            ("outcome", lower_first(label)),
            ("verb", verb.to_string()),
            ("abs", num(f.estimate.abs())),
            ("effect", locale::signed(f.estimate, d, lang)),
            ("unit", effect_unit(unit, frequency, lang)),
            ("ci", ci),
            ("margin", f.margin.map(num).unwrap_or_default()),
            ("mde", num(f.mde)),
        ],
    )
}

/// A savings analysis's total in one sentence (`None` when it could not be computed).
pub fn savings_sentence(s: &crate::results::SavingsResult, lang: Lang) -> Option<String> {
    let total = s.total.as_ref()?;
    let ci = text(
        "ci_range",
        lang,
        &[
            level(s.conf_level, lang),
            ("lo", locale::money(total.ci_low, lang)),
            ("hi", locale::money(total.ci_high, lang)),
        ],
    );
    Some(text(
        "savings_sentence",
        lang,
        &[
            ("name", if lang == Lang::Da { s.name.clone() } else { s.name_en.clone() }),
            ("saving", locale::money(total.savings, lang)),
            ("ci", ci),
            ("share", locale::number(100.0 * total.share, 1, lang)),
        ],
    ))
}

/// The frequency of a finding's outcome.
fn frequency_of(r: &Results, f: &Finding) -> Frequency {
    r.outcomes.iter().find(|o| o.key == f.outcome).map(|o| o.frequency).unwrap_or_default()
}

/// Each caveat of finding `f` in one sentence, counting in the outcome's periods.
pub fn caveat(r: &Results, f: &Finding, c: &Caveat, lang: Lang) -> String {
    let frequency = frequency_of(r, f);
    let count = |months: usize| ("count", locale::count_periods(months, frequency, lang));
    match c {
        Caveat::FewTreated { n } => text("caveat_few_treated", lang, &[("n", n.to_string())]),
        Caveat::PreTrend { p_value, .. } => text("caveat_pretrend", lang, &[("p", locale::p_value(*p_value, lang))]),
        Caveat::PoorFit { pre_rmspe, placebo_median } => text(
            "caveat_poor_fit",
            lang,
            &[("fit", locale::number(*pre_rmspe, 2, lang)), ("placebo", locale::number(*placebo_median, 2, lang))],
        ),
        Caveat::Covid { handling, months } => text(
            if *handling == CovidHandling::Exclude { "caveat_covid_exclude" } else { "caveat_covid_include" },
            lang,
            &[count(*months)],
        ),
        Caveat::Suppressed { months } => text("caveat_suppressed", lang, &[count(*months)]),
        Caveat::SourceSuppressed { cells } => {
            let step = frequency.step().unwrap_or(1).max(1) as usize;
            let mut args = wording::period_args(Some(frequency), lang);
            args.push(("n", locale::number((*cells / step) as f64, 0, lang)));
            text("caveat_source_suppressed", lang, &args)
        }
        Caveat::Events { dates, labels, labels_en } => {
            let listed: Vec<String> = dates
                .iter()
                .zip(if lang == Lang::Da { labels } else { labels_en })
                .map(|(d, l)| match crate::period::parse_date(d) {
                    Some(day) => format!("{l} ({})", locale::date(day, lang)),
                    None => l.clone(),
                })
                .collect();
            text("caveat_events", lang, &[("events", listed.join("; "))])
        }
        Caveat::Overlap { components } => {
            let names: Vec<String> = components
                .iter()
                .map(|key| {
                    let (tk, ck) = key.split_once('.').unwrap_or((key, ""));
                    r.trials
                        .iter()
                        .find(|t| t.key == tk)
                        .and_then(|t| {
                            let c = t.components.iter().find(|c| c.key == ck)?;
                            let trial = if lang == Lang::Da { &t.name } else { &t.name_en };
                            Some(if t.components.len() > 1 {
                                format!("{trial} ({})", c.name(lang))
                            } else {
                                trial.clone()
                            })
                        })
                        .unwrap_or_else(|| key.clone())
                })
                .collect();
            text("caveat_overlap", lang, &[("components", names.join("; "))])
        }
        Caveat::Provisional { months, from } => {
            text("caveat_provisional", lang, &[count(*months), ("from", locale::period(*from, frequency, lang))])
        }
        Caveat::CompletedSpells { open_share } => {
            text("caveat_completed_spells", lang, &[("share", locale::number(100.0 * open_share, 1, lang))])
        }
        Caveat::Confounded { variable } => {
            let category = variable.split_once(':').map_or(variable.as_str(), |(_, v)| v).to_string();
            text("caveat_confounded", lang, &[("category", category)])
        }
        Caveat::Imbalance { variable, smd } => {
            let name = match variable.as_str() {
                "level" => wording::t("imbalance_level", lang),
                "trend" => wording::t("imbalance_trend", lang),
                _ => wording::t("imbalance_population", lang),
            };
            text(
                "caveat_imbalance",
                lang,
                &[
                    ("variable", name.to_string()),
                    ("smd", locale::signed(*smd, 2, lang)),
                    ("limit", locale::number(crate::findings::IMBALANCE_SMD, 2, lang)),
                ],
            )
        }
        Caveat::CsPretest { p_value } => text("caveat_cs_pretest", lang, &[("p", locale::p_value(*p_value, lang))]),
        Caveat::Sensitive { breakdown, drift } => {
            let unit = r.outcomes.iter().find(|o| o.key == f.outcome).map(|o| o.unit).unwrap_or(Unit::Count);
            let mut drift = locale::number(*drift, locale::decimals(unit) + 1, lang);
            if unit != Unit::Count {
                drift = format!("{drift} {}", locale::difference_unit(unit, lang));
            }
            let mut args = wording::period_args(Some(frequency), lang);
            args.extend([("breakdown", wording::breakdown_value(*breakdown, lang)), ("drift", drift)]);
            text("caveat_sensitive", lang, &args)
        }
        Caveat::Disagree { intervals } => {
            let named: Vec<String> = intervals
                .iter()
                .map(|i| match i.split_once(" · ") {
                    Some((method, inference)) => format!("{} ({inference})", wording::t(method, lang)),
                    None => i.clone(),
                })
                .collect();
            text("caveat_disagree", lang, &[("intervals", named.join(", "))])
        }
        Caveat::ZeroWidth => wording::t("caveat_zero_width", lang).to_string(),
        Caveat::PerfectFit { pre_rmspe, perfect_placebos, placebos } => text(
            "caveat_perfect_fit",
            lang,
            &[
                ("fit", locale::number(*pre_rmspe, 4, lang)),
                ("perfect", perfect_placebos.to_string()),
                ("placebos", placebos.to_string()),
            ],
        ),
        Caveat::NonUniqueWeights { donors, predictors } => {
            text("caveat_non_unique", lang, &[("donors", donors.to_string()), ("predictors", predictors.to_string())])
        }
        Caveat::FewPrePeriods { pre_periods, predictors } => {
            let step = frequency.step().unwrap_or(1).max(1) as usize;
            text("caveat_few_pre_periods", lang, &[("predictors", predictors.to_string()), count(pre_periods * step)])
        }
    }
}

/// The verdict's badge for a finding: "Bedre"/"Ringere" only when no caveat doubts the design,
/// otherwise "Bedre, med forbehold"/"Ringere, med forbehold".
pub fn verdict_badge(f: &Finding, lang: Lang) -> &'static str {
    let doubted = f.caveats.iter().any(Caveat::doubts_design);
    match (f.verdict, doubted) {
        (Verdict::Better, true) => wording::t("verdict_better_qualified", lang),
        (Verdict::Worse, true) => wording::t("verdict_worse_qualified", lang),
        (v, _) => verdict_label(v, lang),
    }
}

/// Whether a finding is favourable for the outcome's declared direction.
pub fn favourable(f: &Finding) -> bool {
    match f.better {
        Better::Higher => f.estimate > 0.0,
        Better::Lower => f.estimate < 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_of_labels() {
        assert_eq!(lower_first("Beskæftigelsesfrekvens, 16-64 år"), "beskæftigelsesfrekvens, 16-64 år");
        assert_eq!(lower_first("LÆ 265 i alt"), "LÆ 265 i alt");
        assert_eq!(upper_first("andel"), "Andel");
    }
}
