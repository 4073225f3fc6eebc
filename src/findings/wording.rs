//! Findings in words, Danish and English, from one table of sentence templates.
//!
//! Templates name their values in braces (`{outcome}`, `{effect}`, …); numbers come formatted
//! by [`crate::locale`] (Danish decimal comma and thousands point, "pct.-point", "kr.").
//! Causal verbs ("Forsøget reducerede …") are used only for findings marked causal; otherwise
//! the sentence compares developments ("… udviklede sig … i forsøgskommunerne end i
//! sammenligningskommunerne"). The returned text is plain: every writer escapes it for its
//! format.

use super::{Caveat, Finding, Verdict};
use crate::ingest::periods::Frequency;
use crate::locale;
use crate::results::Results;
use crate::study::{Better, CovidHandling, Lang, Unit};

/// (key, Danish, English).
const SENTENCES: &[(&str, &str, &str)] = &[
    (
        "better_causal",
        "{trial}: Forsøget {verb_da} {outcome} med {abs} {unit} ({ci}).",
        "{trial}: The trial {verb_en} {outcome} by {abs} {unit} ({ci}).",
    ),
    (
        "better",
        "{trial}: {Outcome} udviklede sig bedre i forsøgskommunerne end i sammenligningskommunerne: {effect} {unit} ({ci}).",
        "{trial}: {Outcome} developed more favourably in the trial municipalities than in the comparison municipalities: {effect} {unit} ({ci}).",
    ),
    (
        "worse_causal",
        "{trial}: Forsøget {verb_da} {outcome} med {abs} {unit}, en forværring ({ci}).",
        "{trial}: The trial {verb_en} {outcome} by {abs} {unit}, a deterioration ({ci}).",
    ),
    (
        "worse",
        "{trial}: {Outcome} udviklede sig ringere i forsøgskommunerne end i sammenligningskommunerne: {effect} {unit} ({ci}).",
        "{trial}: {Outcome} developed less favourably in the trial municipalities than in the comparison municipalities: {effect} {unit} ({ci}).",
    ),
    (
        "on_par",
        "{trial}: {Outcome} lå på niveau med sammenligningskommunerne: forskellen er {effect} {unit} ({ci}), inden for ±{margin} {unit}.",
        "{trial}: {Outcome} was on par with the comparison municipalities: the difference is {effect} {unit} ({ci}), within ±{margin} {unit}.",
    ),
    (
        "maintained",
        "{trial}: {Outcome} blev fastholdt: forskellen er {effect} {unit} ({ci}) og udelukker en forværring på mere end {margin} {unit}.",
        "{trial}: {Outcome} was maintained: the difference is {effect} {unit} ({ci}), which rules out a deterioration of more than {margin} {unit}.",
    ),
    (
        "inconclusive",
        "{trial}: For {outcome} kan evalueringen ikke afgøre, om forsøget gjorde en forskel: {effect} {unit} ({ci}). Designet kunne påvise en effekt på omkring {mde} {unit}.",
        "{trial}: For {outcome} the evaluation cannot tell whether the trial made a difference: {effect} {unit} ({ci}). The design could detect an effect of about {mde} {unit}.",
    ),
    ("ci", "{level} %-konfidensinterval {lo} til {hi}", "{level}% confidence interval {lo} to {hi}"),
    ("verb_up", "øgede", "increased"),
    ("verb_down", "reducerede", "reduced"),
    (
        "caveat_few_treated",
        "Kun {n} forsøgskommuner: intervallet bygger på metoder til få kommuner.",
        "Only {n} trial municipalities: the interval rests on methods for few municipalities.",
    ),
    (
        "caveat_pretrend",
        "Forsøgskommunerne udviklede sig allerede anderledes før forsøget (placebotest p = {p}); effekten kan ikke tilskrives forsøget alene.",
        "The trial municipalities already developed differently before the trial (placebo test p = {p}); the effect cannot be attributed to the trial alone.",
    ),
    (
        "caveat_poor_fit",
        "Den syntetiske kontrol passer dårligere til førperioden end den typiske placebo (RMSPE {fit} mod {placebo}).",
        "The synthetic control fits the pre-period worse than the typical placebo (RMSPE {fit} against {placebo}).",
    ),
    (
        "caveat_covid_exclude",
        "{n} måneder med COVID-19-nedlukning i evalueringsvinduet er udeladt af beregningen.",
        "{n} months of COVID-19 lockdown in the evaluation window are left out of the estimate.",
    ),
    (
        "caveat_covid_include",
        "{n} måneder med COVID-19-nedlukning i evalueringsvinduet indgår i beregningen.",
        "{n} months of COVID-19 lockdown in the evaluation window are included in the estimate.",
    ),
    (
        "caveat_suppressed",
        "{n} måneder har diskretioneret data (for få personer); de indgår ikke i gennemsnittene.",
        "{n} months have suppressed data (too few persons); they are not in the means.",
    ),
    (
        "caveat_source_suppressed",
        "{n} kommunemåneder i perioden er diskretioneret i datakilden (`..`); de indgår ikke, og gennemsnittene bygger på de øvrige kommuner.",
        "{n} municipality-months in the period are suppressed in the data source (`..`); they are left out, and the means rest on the other municipalities.",
    ),
    ("caveat_events", "Andre ændringer i perioden: {events}.", "Other changes in the period: {events}."),
    (
        "caveat_overlap",
        "Kommunerne deltog samtidig i {components} med samme mål; deres effekter indgår i estimatet.",
        "The municipalities took part in {components} with the same outcome at the same time; their effects are part of the estimate.",
    ),
    (
        "caveat_provisional",
        "De seneste {n} måneder i evalueringsvinduet (fra {from}) er foreløbige tal, som kan blive revideret.",
        "The latest {n} months of the evaluation window (from {from}) are provisional figures that may still be revised.",
    ),
    (
        "caveat_completed_spells",
        "Forskellen bygger kun på afsluttede forløb; {share} pct. af forløbene var ikke afsluttet, da data slutter, og det trækker varigheden ned i den seneste periode. Kaplan–Meier-kurverne og Cox-modellen i rapporten tager højde for de åbne forløb.",
        "The difference rests on completed spells only; {share}% of the spells were still open when the data end, which pulls durations down in the latest period. The Kaplan–Meier curves and the Cox model in the report account for the open spells.",
    ),
    (
        "savings",
        "{name}: Forsøgskommunerne brugte {saving} mindre end skønnet uden forsøgene ({ci}), {share} pct. af udgifterne.",
        "{name}: The trial municipalities spent {saving} less than estimated without the trials ({ci}), {share}% of spending.",
    ),
    ("pixi_relative", "{rel} %", "{rel}%"),
    (
        "pixi_relative_of",
        "i forhold til niveauet i forsøgskommunerne uden forsøget",
        "relative to the trial municipalities' level without the trial",
    ),
    (
        "pixi_tally",
        "Af {n} resultater i alt er {better} bedre, {par} på niveau eller fastholdt, {worse} ringere, og {open} kan ikke afgøres.",
        "Of {n} results in all, {better} are better, {par} on par or maintained, {worse} worse, and {open} inconclusive.",
    ),
    (
        "pixi_resume",
        "Denne pixi-udgave samler evalueringen af {trials} forsøg i {municipalities} kommuner{networks}. Hvert forsøg er målt ved at sammenligne udviklingen i forsøgskommunerne med udviklingen i kommuner, der ligner dem, før og under forsøget. Alle resultater er angivet med konfidensintervaller, som viser, hvor sikre tallene er. {tally}",
        "This summary edition brings together the evaluation of {trials} trials in {municipalities} municipalities{networks}. Each trial is measured by comparing the development in the trial municipalities with the development in municipalities like them, before and during the trial. Every result comes with a confidence interval that shows how certain the figures are. {tally}",
    ),
    (
        "pixi_background",
        "Frikommuneforsøg og velfærdsaftaler fritager kommuner fra statslige regler og proceskrav, så de kan afprøve, om en mere fleksibel indsats giver lige så gode eller bedre resultater for borgerne.",
        "Free-municipality trials and welfare agreements free municipalities from national rules and procedural requirements so they can test whether a more flexible effort gives results for citizens that are as good or better.",
    ),
    (
        "pixi_themes",
        "Forsøgene i denne evaluering er samlet under {n} temaer: {themes}.",
        "The trials in this evaluation are grouped under {n} themes: {themes}.",
    ),
    (
        "pixi_theme",
        "Forsøgene i denne evaluering hører under temaet {themes}.",
        "The trials in this evaluation belong to the theme {themes}.",
    ),
    (
        "pixi_method",
        "Udviklingen i forsøgskommunerne er sammenlignet med udviklingen i sammenlignelige kommuner i samme periode (difference-in-differences{synth}). Usikkerheden er angivet som {level} %-konfidensintervaller, beregnet med metoder, der holder med få forsøgskommuner. Et resultat kaldes bedre eller ringere, når hele intervallet ligger på den ene side af nul; på niveau, når det ligger inden for den fastsatte margin; fastholdt, når en væsentlig forværring er udelukket; og kan ikke afgøres, når intervallet er for bredt. Den fulde rapport beskriver metoder, tal og forbehold.",
        "The development in the trial municipalities is compared with the development in comparable municipalities over the same period (difference in differences{synth}). Uncertainty is given as {level}% confidence intervals, computed with methods that hold with few trial municipalities. A result is called better or worse when the whole interval lies on one side of zero; on par when it lies within the set margin; maintained when a material deterioration is ruled out; and inconclusive when the interval is too wide. The full report describes the methods, figures and caveats.",
    ),
    (
        "pixi_caveat_few",
        "Flere forsøg har kun {n} forsøgskommuner; intervallerne er derfor brede, og enkelte kommuner kan trække resultatet.",
        "Several trials have only {n} trial municipalities; their intervals are therefore wide, and single municipalities can drive the result.",
    ),
    (
        "pixi_caveat_overlap",
        "Nogle kommuner deltog i flere forsøg med samme mål på samme tid; de enkelte forsøgs effekter kan ikke skilles ad.",
        "Some municipalities took part in several trials with the same outcome at the same time; the separate trials' effects cannot be told apart.",
    ),
    (
        "pixi_caveat_pretrend",
        "For {n} resultater udviklede forsøgskommunerne sig allerede anderledes før forsøget; de er ikke beskrevet som virkninger af forsøget.",
        "For {n} results the trial municipalities already developed differently before the trial; they are not described as effects of the trial.",
    ),
    (
        "pixi_method_synth",
        "; for {trials} en syntetisk kontrolgruppe: et vægtet gennemsnit af de kommuner, der fulgte forsøgskommunerne bedst før forsøget",
        "; for {trials} a synthetic comparison group: a weighted average of the municipalities that tracked the trial municipalities best before the trial",
    ),
    ("pixi_more", "{n} resultater mere står i den fulde rapport.", "{n} more results are in the full report."),
    ("verdict_better", "Bedre", "Better"),
    ("verdict_on_par", "På niveau", "On par"),
    ("verdict_maintained", "Fastholdt", "Maintained"),
    ("verdict_worse", "Ringere", "Worse"),
    ("verdict_inconclusive", "Kan ikke afgøres", "Inconclusive"),
];

/// A sentence from the table with its `{name}` values filled in.
pub fn text(key: &str, lang: Lang, values: &[(&str, String)]) -> String {
    fill(template(key, lang), values)
}

fn template(key: &str, lang: Lang) -> &'static str {
    let (_, da, en) = SENTENCES.iter().find(|(k, _, _)| *k == key).unwrap_or_else(|| panic!("no sentence `{key}`"));
    match lang {
        Lang::Da => da,
        Lang::En => en,
    }
}

/// Fills `{name}` placeholders.
fn fill(text: &str, values: &[(&str, String)]) -> String {
    let mut out = text.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The verdict's short label ("Bedre", "På niveau", …).
pub fn verdict_label(v: Verdict, lang: Lang) -> &'static str {
    template(
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
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
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
    let key = match (f.verdict, f.causal) {
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
    let (lo, hi) = if key.ends_with("_causal") {
        let (a, b) = (f.ci_low.abs(), f.ci_high.abs());
        let (a, b) = if f.estimate < 0.0 { (b, a) } else { (a, b) };
        (num(a), num(b))
    } else {
        (locale::signed(f.ci_low, d, lang), locale::signed(f.ci_high, d, lang))
    };
    let ci =
        fill(template("ci", lang), &[("level", locale::number(100.0 * f.conf_level, 0, lang)), ("lo", lo), ("hi", hi)]);
    let verb = template(if f.estimate >= 0.0 { "verb_up" } else { "verb_down" }, lang);
    fill(
        template(key, lang),
        &[
            ("trial", trial),
            ("Outcome", upper_first(label)),
            ("outcome", lower_first(label)),
            ("verb_da", verb.to_string()),
            ("verb_en", verb.to_string()),
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
    let ci = fill(
        template("ci", lang),
        &[
            ("level", locale::number(100.0 * s.conf_level, 0, lang)),
            ("lo", locale::money(total.ci_low, lang)),
            ("hi", locale::money(total.ci_high, lang)),
        ],
    );
    Some(fill(
        template("savings", lang),
        &[
            ("name", if lang == Lang::Da { s.name.clone() } else { s.name_en.clone() }),
            ("saving", locale::money(total.savings, lang)),
            ("ci", ci),
            ("share", locale::number(100.0 * total.share, 1, lang)),
        ],
    ))
}

/// Each caveat in one sentence.
pub fn caveat(r: &Results, c: &Caveat, lang: Lang) -> String {
    match c {
        Caveat::FewTreated { n } => fill(template("caveat_few_treated", lang), &[("n", n.to_string())]),
        Caveat::PreTrend { p_value, .. } => {
            fill(template("caveat_pretrend", lang), &[("p", locale::p_value(*p_value, lang))])
        }
        Caveat::PoorFit { pre_rmspe, placebo_median } => fill(
            template("caveat_poor_fit", lang),
            &[("fit", locale::number(*pre_rmspe, 2, lang)), ("placebo", locale::number(*placebo_median, 2, lang))],
        ),
        Caveat::Covid { handling, months } => fill(
            template(
                if *handling == CovidHandling::Exclude { "caveat_covid_exclude" } else { "caveat_covid_include" },
                lang,
            ),
            &[("n", months.to_string())],
        ),
        Caveat::Suppressed { months } => fill(template("caveat_suppressed", lang), &[("n", months.to_string())]),
        Caveat::SourceSuppressed { cells } => {
            fill(template("caveat_source_suppressed", lang), &[("n", locale::number(*cells as f64, 0, lang))])
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
            fill(template("caveat_events", lang), &[("events", listed.join("; "))])
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
            fill(template("caveat_overlap", lang), &[("components", names.join("; "))])
        }
        Caveat::Provisional { months, from } => fill(
            template("caveat_provisional", lang),
            &[("n", months.to_string()), ("from", locale::month(*from, lang))],
        ),
        Caveat::CompletedSpells { open_share } => {
            fill(template("caveat_completed_spells", lang), &[("share", locale::number(100.0 * open_share, 1, lang))])
        }
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
    fn every_key_has_both_languages_and_the_same_placeholders() {
        for (key, da, en) in SENTENCES {
            assert!(!da.is_empty() && !en.is_empty(), "{key}");
            let names = |s: &str| {
                let mut v: Vec<String> =
                    s.split('{').skip(1).filter_map(|x| x.split_once('}')).map(|(n, _)| n.to_string()).collect();
                v.iter_mut().for_each(|n| *n = n.trim_end_matches("_da").trim_end_matches("_en").to_string());
                v.sort();
                v
            };
            assert_eq!(names(da), names(en), "{key}");
        }
    }

    #[test]
    fn case_of_labels() {
        assert_eq!(lower_first("Beskæftigelsesfrekvens, 16-64 år"), "beskæftigelsesfrekvens, 16-64 år");
        assert_eq!(lower_first("LÆ 265 i alt"), "LÆ 265 i alt");
        assert_eq!(upper_first("andel"), "Andel");
    }
}
