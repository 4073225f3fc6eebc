//! The report's view model: results turned into worded, formatted strings in one language.
//!
//! Templates only lay out what this module hands them; all numbers are formatted here by
//! [`crate::locale`], so every writer formats alike.

use serde_json::{Value, json};

use crate::ingest::periods::Frequency;
use crate::locale::{self, t};
use crate::period::{Month, parse_date};
use crate::results::{Analysis, OutcomeInfo, Results};
use crate::study::{ComparisonDesign, CovidHandling, Lang};

pub(super) fn date_text(iso: &str, lang: Lang) -> String {
    parse_date(iso).map(|d| locale::date(d, lang)).unwrap_or_else(|| iso.to_string())
}

fn method_name(key: &str, lang: Lang) -> String {
    t(key, lang).to_string()
}

fn outcome<'a>(r: &'a Results, key: &str) -> Option<&'a OutcomeInfo> {
    r.outcomes.iter().find(|o| o.key == key)
}

fn outcome_label(o: Option<&OutcomeInfo>, key: &str, lang: Lang) -> String {
    o.map(|o| if lang == Lang::Da { o.label.clone() } else { o.label_en.clone() }).unwrap_or_else(|| key.to_string())
}

fn estimate_rows(r: &Results, a: &Analysis, lang: Lang) -> Vec<Value> {
    let o = outcome(r, &a.outcome);
    let unit = o.map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let d = locale::decimals(unit);
    a.estimates
        .iter()
        .map(|e| {
            let i = &e.interval;
            json!({
                "method": format!("{} · {}", method_name(e.method.key(), lang), e.inference.name),
                "estimate": format!("{} {}", locale::signed(i.estimate, d, lang), locale::difference_unit(unit, lang)),
                "ci": format!("[{}; {}]", locale::signed(i.ci_low, d, lang), locale::signed(i.ci_high, d, lang)),
                "p": locale::p_value(i.p_value, lang),
                "se": locale::number(i.se, d + 1, lang),
                "inference": e.inference.name,
                "n_treated": e.n_treated.to_string(),
                "n_control": e.n_control.to_string(),
                "n_obs": locale::number(e.n_obs as f64, 0, lang),
            })
        })
        .collect()
}

fn month_span(first: Month, last: Month, lang: Lang) -> String {
    format!("{} – {}", locale::month(first, lang), locale::month(last, lang))
}

/// The comparison design in words.
fn comparison_text(r: &Results, a: &Analysis, lang: Lang) -> String {
    let d = &a.design;
    let (excluded, pool, n) = (d.excluded.len(), d.n_pool, d.n_comparison);
    let exposed = d.excluded.iter().filter(|e| e.reason.starts_with("exposure:")).count();
    let name = |code: u16| {
        r.trials
            .iter()
            .flat_map(|t| t.components.iter().flat_map(|c| c.participants.iter()))
            .find(|p| p.code == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut text = match (d.comparison, lang) {
        (ComparisonDesign::All, Lang::Da) => format!("Sammenligningsgruppe: alle {n} kommuner, der kan sammenlignes."),
        (ComparisonDesign::All, Lang::En) => format!("Comparison group: all {n} eligible municipalities."),
        (ComparisonDesign::List, Lang::Da) => {
            format!("Sammenligningsgruppe: {n} navngivne sammenlignelige kommuner (af {pool} mulige).")
        }
        (ComparisonDesign::List, Lang::En) => {
            format!("Comparison group: {n} named comparable municipalities (of {pool} eligible).")
        }
        (ComparisonDesign::Matching, Lang::Da) => format!(
            "Sammenligningsgruppe: de nærmeste naboer til hver forsøgskommune på førperiodens niveau og udvikling og strukturelle forhold – {n} kommuner af {pool} mulige."
        ),
        (ComparisonDesign::Matching, Lang::En) => format!(
            "Comparison group: each trial municipality's nearest neighbours on pre-period level and trend and structure – {n} municipalities of {pool} eligible."
        ),
        (ComparisonDesign::Synth, Lang::Da) => format!(
            "Sammenligning: syntetisk kontrol – et vægtet gennemsnit af de {pool} mulige kommuner, der følger forsøgskommunerne før start; DiD-metoderne bruger alle {n}."
        ),
        (ComparisonDesign::Synth, Lang::En) => format!(
            "Comparison: synthetic control – a weighted average of the {pool} eligible municipalities that tracks the trial municipalities before the start; the DiD methods use all {n}."
        ),
        (ComparisonDesign::Sdid, Lang::Da) => format!(
            "Sammenligning: syntetisk difference-in-differences – kommune- og månedsvægte over de {pool} mulige kommuner; DiD-metoderne bruger alle {n}."
        ),
        (ComparisonDesign::Sdid, Lang::En) => format!(
            "Comparison: synthetic difference in differences – municipality and month weights over the {pool} eligible municipalities; the DiD methods use all {n}."
        ),
    };
    text.push(' ');
    text.push_str(&match lang {
        Lang::Da => format!(
            "{excluded} kommuner er udeladt, fordi de deltager i et andet forsøg med samme udfald i perioden{}, mangler data eller er fravalgt i studiefilen.",
            if exposed > 0 { format!(", står i eksponeringsregistret ({exposed})") } else { String::new() }
        ),
        Lang::En => format!(
            "{excluded} municipalities are left out because they take part in another trial on the same outcome in the period{}, lack data or are excluded in the study file.",
            if exposed > 0 { format!(", are in the exposure register ({exposed})") } else { String::new() }
        ),
    });
    if !d.matches.is_empty() {
        let mut by_treated: Vec<(u16, Vec<String>)> = Vec::new();
        for m in &d.matches {
            match by_treated.iter_mut().find(|(t, _)| *t == m.treated) {
                Some((_, v)) => v.push(name_of(r, m.control)),
                None => by_treated.push((m.treated, vec![name_of(r, m.control)])),
            }
        }
        let pairs: Vec<String> = by_treated.iter().map(|(t, v)| format!("{}: {}", name(*t), v.join(", "))).collect();
        text.push_str(&format!(" {}: {}.", if lang == Lang::Da { "Matchet" } else { "Matched" }, pairs.join("; ")));
    }
    if let Some(fit) = d.pre_rmspe {
        let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
        let value = format!(
            "{} {}",
            locale::number(fit, locale::decimals(unit) + 1, lang),
            locale::difference_unit(unit, lang)
        );
        text.push_str(&match (d.comparison, lang) {
            (ComparisonDesign::Synth | ComparisonDesign::Sdid, Lang::Da) => {
                format!(" Førperiodens fit (RMSPE): {value}.")
            }
            (ComparisonDesign::Synth | ComparisonDesign::Sdid, Lang::En) => {
                format!(" Pre-period fit (RMSPE): {value}.")
            }
            (_, Lang::Da) => format!(" Førperiodens fit (RMSPE efter niveauforskel): {value}."),
            (_, Lang::En) => format!(" Pre-period fit (RMSPE after the level difference): {value}."),
        });
    }
    for note in &d.notes {
        text.push_str(&format!(" {note}."));
    }
    text
}

fn name_of(r: &Results, code: u16) -> String {
    r.analyses
        .iter()
        .flat_map(|a| a.design.weights.iter())
        .find(|w| w.unit == code)
        .map(|w| w.name.clone())
        .unwrap_or_else(|| crate::registry::Registry::embedded().name(code).to_string())
}

fn variable_label(r: &Results, a: &Analysis, v: &str, lang: Lang) -> String {
    match (v, lang) {
        ("level", Lang::Da) => "Niveau i førperioden".into(),
        ("level", Lang::En) => "Pre-period level".into(),
        ("trend", Lang::Da) => "Udvikling i førperioden (pr. år)".into(),
        ("trend", Lang::En) => "Pre-period trend (per year)".into(),
        ("population", Lang::Da) => "Indbyggertal".into(),
        ("population", Lang::En) => "Population".into(),
        _ => match v.strip_prefix("region:") {
            Some(region) => format!("{region} ({})", if lang == Lang::Da { "andel" } else { "share" }),
            None => {
                let label = outcome_label(outcome(r, v), v, lang);
                let _ = a;
                format!("{label} ({})", if lang == Lang::Da { "førperiode" } else { "pre-period" })
            }
        },
    }
}

/// The balance table: treated, comparison before and after, standardised differences.
fn balance_rows(r: &Results, a: &Analysis, lang: Lang) -> Vec<Value> {
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    a.design
        .balance
        .iter()
        .map(|b| {
            let d = match b.variable.as_str() {
                "population" => 0,
                v if v.starts_with("region:") => 2,
                "level" | "trend" => locale::decimals(unit) + 1,
                _ => 2,
            };
            let smd = |x: Option<f64>| x.map(|x| locale::signed(x, 2, lang)).unwrap_or_else(|| "–".into());
            json!({
                "variable": variable_label(r, a, &b.variable, lang),
                "treated": locale::number(b.treated, d, lang),
                "before": locale::number(b.before, d, lang),
                "after": locale::number(b.after, d, lang),
                "smd_before": smd(b.smd_before),
                "smd_after": smd(b.smd_after),
            })
        })
        .collect()
}

/// The comparison weights in one sentence (largest first, at most 10 named).
fn weights_text(a: &Analysis, lang: Lang) -> Option<String> {
    if !matches!(a.design.comparison, ComparisonDesign::Synth | ComparisonDesign::Sdid) {
        return None;
    }
    let w = &a.design.weights;
    let named: Vec<String> =
        w.iter().take(10).map(|x| format!("{} {}", x.name, locale::number(x.weight, 3, lang))).collect();
    let more = w.len().saturating_sub(10);
    Some(match lang {
        Lang::Da => format!(
            "Vægte: {}{}.",
            named.join(", "),
            if more > 0 { format!(" og {more} kommuner med mindre vægt") } else { String::new() }
        ),
        Lang::En => format!(
            "Weights: {}{}.",
            named.join(", "),
            if more > 0 { format!(" and {more} municipalities with smaller weights") } else { String::new() }
        ),
    })
}

fn synth_view(r: &Results, a: &Analysis, lang: Lang) -> Option<Value> {
    let s = a.synth.as_ref()?;
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let d = locale::decimals(unit);
    let du = locale::difference_unit(unit, lang);
    let ci = |l: Option<f64>, h: Option<f64>| match (l, h) {
        (Some(l), Some(h)) => format!("[{}; {}]", locale::signed(l, d, lang), locale::signed(h, d, lang)),
        _ => "–".into(),
    };
    let row = |u: &crate::results::SynthUnit| {
        json!({
            "name": u.name,
            "estimate": format!("{} {du}", locale::signed(u.estimate, d, lang)),
            "ci": ci(u.ci_low, u.ci_high),
            "p": locale::p_value(u.p_value, lang),
            "pre_rmspe": locale::number(u.pre_rmspe, d + 1, lang),
            "ratio": locale::number(u.post_pre_ratio, 1, lang),
        })
    };
    let mut rows = vec![row(&s.pooled)];
    rows.extend(s.units.iter().map(row));
    let p = &s.pooled;
    let mut notes = Vec::new();
    let blocks = s.predictors.iter().filter(|p| p.starts_with("block ")).count();
    let mut predictors: Vec<String> = Vec::new();
    if blocks > 0 {
        predictors.push(match lang {
            Lang::Da => format!("førperiodens gennemsnit i {blocks} blokke"),
            Lang::En => format!("the pre-period mean in {blocks} blocks"),
        });
    }
    for p in s.predictors.iter().filter(|p| !p.starts_with("block ")) {
        predictors.push(match (p.as_str(), lang) {
            ("last pre-period", Lang::Da) => "sidste måned før start".into(),
            ("last pre-period", Lang::En) => "the last month before the start".into(),
            ("pre-period mean", Lang::Da) => "førperiodens gennemsnit".into(),
            ("pre-period mean", Lang::En) => "the pre-period mean".into(),
            (other, _) => variable_label(r, a, other, lang),
        });
    }
    notes.push(match lang {
        Lang::Da => format!(
            "Prædiktorer: {}. Prædiktorvægtene er valgt, så den syntetiske kontrol rammer førperioden bedst (middelkvadratfejl {} efter {} beregninger).",
            predictors.join(", "),
            locale::number(p.loss, 4, lang),
            p.evaluations
        ),
        Lang::En => format!(
            "Predictors: {}. Predictor weights chosen so that the synthetic control fits the pre-period best (mean squared error {} after {} evaluations).",
            predictors.join(", "),
            locale::number(p.loss, 4, lang),
            p.evaluations
        ),
    });
    if let Some(pit) = &s.placebo_in_time {
        notes.push(match lang {
            Lang::Da => format!(
                "Placebo i tid (start flyttet til {}, kun data før den rigtige start): {} {du}, {}.",
                locale::month(pit.start, lang),
                locale::signed(pit.estimate, d, lang),
                locale::p_equals(pit.p_value, lang)
            ),
            Lang::En => format!(
                "Placebo in time (start moved to {}, only data before the real start): {} {du}, {}.",
                locale::month(pit.start, lang),
                locale::signed(pit.estimate, d, lang),
                locale::p_equals(pit.p_value, lang)
            ),
        });
    }
    if !s.leave_one_out.is_empty() {
        let lo = s.leave_one_out.iter().map(|l| l.estimate).fold(f64::INFINITY, f64::min);
        let hi = s.leave_one_out.iter().map(|l| l.estimate).fold(f64::NEG_INFINITY, f64::max);
        notes.push(match lang {
            Lang::Da => format!(
                "Udeladt én ad gangen ({} kommuner med vægt): estimatet ligger mellem {} og {} {du}.",
                s.leave_one_out.len(),
                locale::signed(lo, d, lang),
                locale::signed(hi, d, lang)
            ),
            Lang::En => format!(
                "Leaving out one donor at a time ({} municipalities with weight): the estimate stays between {} and {} {du}.",
                s.leave_one_out.len(),
                locale::signed(lo, d, lang),
                locale::signed(hi, d, lang)
            ),
        });
    }
    Some(json!({ "rows": rows, "notes": notes }))
}

fn sdid_text(r: &Results, a: &Analysis, lang: Lang) -> Option<String> {
    let s = a.sdid.as_ref()?;
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let d = locale::decimals(unit);
    let months: Vec<String> = s
        .time_weights
        .iter()
        .filter(|w| w.weight >= 0.05)
        .map(|w| format!("{} {}", locale::month(w.period, lang), locale::number(w.weight, 2, lang)))
        .collect();
    Some(match lang {
        Lang::Da => format!(
            "Syntetisk DiD: {} {} (placebo-standardfejl {} fra {} gentagelser). Månedsvægte i førperioden (de største): {}.",
            locale::signed(s.estimate, d, lang),
            locale::difference_unit(unit, lang),
            locale::number(s.se, d + 1, lang),
            s.reps,
            months.join(", ")
        ),
        Lang::En => format!(
            "Synthetic DiD: {} {} (placebo standard error {} from {} replications). Pre-period month weights (the largest): {}.",
            locale::signed(s.estimate, d, lang),
            locale::difference_unit(unit, lang),
            locale::number(s.se, d + 1, lang),
            s.reps,
            months.join(", ")
        ),
    })
}

/// The data the PDF template reads.
fn durations_view(r: &Results, lang: Lang) -> Vec<Value> {
    let level = locale::number(r.study.conf_level * 100.0, 0, lang);
    let weeks = |x: Option<f64>| x.map(|v| locale::number(v, 1, lang)).unwrap_or_else(|| "..".into());
    let count = |x: Option<u64>| x.map(|v| locale::number(v as f64, 0, lang)).unwrap_or_else(|| "..".into());
    r.durations
        .iter()
        .map(|d| {
            let rows: Vec<Value> = d
                .groups
                .iter()
                .map(|g| {
                    let who = if g.group == "trial" { t("treated", lang) } else { t("comparison_short", lang) };
                    let when = if g.period == "during" { t("survival_during", lang) } else { t("survival_before", lang) };
                    json!({
                        "group": format!("{who}, {when}"),
                        "period": format!("{}–{}", locale::month_short(g.first, lang), locale::month_short(g.last, lang)),
                        "n": count(g.n),
                        "events": count(g.events),
                        "median": weeks(g.median),
                        "median_ci": format!("{}; {}", weeks(g.median_ci_low), weeks(g.median_ci_high)),
                        "rmst": weeks(g.restricted_mean),
                        "completed_mean": weeks(g.completed_mean),
                    })
                })
                .collect();
            let logrank: Vec<String> = d
                .logrank
                .iter()
                .map(|l| {
                    let when = if l.period == "during" { t("survival_during", lang) } else { t("survival_before", lang) };
                    format!("{when}: χ² = {} ({} df), {}", locale::number(l.stat, 2, lang), l.df, locale::p_equals(l.p_value, lang))
                })
                .collect();
            let cox_rows: Vec<Value> = d
                .cox
                .iter()
                .flat_map(|c| c.rows.iter())
                .map(|c| {
                    let name = match (c.name.as_str(), lang) {
                        ("trial", Lang::Da) => "Forsøgskommune",
                        ("during", Lang::Da) => "Start i forsøgsperioden",
                        (_, Lang::Da) => "Forsøgskommune × forsøgsperiode (forskel i forskelle)",
                        ("trial", Lang::En) => "Trial municipality",
                        ("during", Lang::En) => "Start during the trial period",
                        (_, Lang::En) => "Trial municipality × trial period (difference in differences)",
                    };
                    json!({
                        "name": name,
                        "hr": locale::number(c.hazard_ratio, 3, lang),
                        "ci": format!("{}; {}", locale::number(c.ci_low, 3, lang), locale::number(c.ci_high, 3, lang)),
                        "p": locale::p_value(c.p_value, lang),
                        "se": locale::number(c.se, 3, lang),
                    })
                })
                .collect();
            let did = d.completed_did.as_ref().map(|i| match lang {
                Lang::Da => format!(
                    "Forskel i forskelle på gennemsnitlig varighed af afsluttede forløb: {} uger ({level} %-konfidensinterval {} til {}, {}). Kun afsluttede forløb indgår, som i Jobindsats' varighedsmål; forløb, der stadig er i gang, trækker gennemsnittet mod kortere forløb i den seneste periode.",
                    locale::signed(i.estimate, 1, lang),
                    locale::number(i.ci_low, 1, lang),
                    locale::number(i.ci_high, 1, lang),
                    locale::p_equals(i.p_value, lang)
                ),
                Lang::En => format!(
                    "Difference in differences on the mean duration of completed spells: {} weeks ({level}% confidence interval {} to {}, {}). Only completed spells count, as in Jobindsats' duration measure; spells still running pull the mean towards shorter spells in the latest period.",
                    locale::signed(i.estimate, 1, lang),
                    locale::number(i.ci_low, 1, lang),
                    locale::number(i.ci_high, 1, lang),
                    locale::p_equals(i.p_value, lang)
                ),
            });
            let intro = match lang {
                Lang::Da => format!(
                    "Forløb i {} forsøgskommuner og {} sammenligningskommuner, efter om de startede i de {} måneder før forsøget eller i forsøgsperioden. Forløb, der ikke var afsluttet {}, er censureret. Begrænset middelvarighed op til {} uger.",
                    d.treated_units.len(),
                    d.comparison_units.len(),
                    d.pre_months,
                    date_text(&d.observed_until, lang),
                    locale::number(d.horizon_weeks, 0, lang)
                ),
                Lang::En => format!(
                    "Spells in {} trial and {} comparison municipalities, by whether they started in the {} months before the trial or during it. Spells not ended by {} are censored. Restricted mean duration up to {} weeks.",
                    d.treated_units.len(),
                    d.comparison_units.len(),
                    d.pre_months,
                    date_text(&d.observed_until, lang),
                    locale::number(d.horizon_weeks, 0, lang)
                ),
            };
            json!({
                "name": if lang == Lang::Da { &d.name } else { &d.name_en },
                "intro": intro,
                "rows": rows,
                "logrank": logrank,
                "cox": cox_rows,
                "cox_note": d.cox.as_ref().map(|c| match lang {
                    Lang::Da => format!(
                        "{} forløb i {} kommuner; standardfejl klyngerobuste pr. kommune (se metodeafsnittet).",
                        locale::number(c.spells as f64, 0, lang),
                        c.clusters
                    ),
                    Lang::En => format!(
                        "{} spells in {} municipalities; standard errors clustered by municipality (see the methods).",
                        locale::number(c.spells as f64, 0, lang),
                        c.clusters
                    ),
                }),
                "did": did,
                "notes": d.notes,
                "chart": d.chart.as_ref().map(|c| format!("/{}", c.png)),
                "alt": d.chart.as_ref().map(|c| c.alt.clone()),
            })
        })
        .collect()
}

fn savings_view(r: &Results, lang: Lang) -> Vec<Value> {
    let level = locale::number(r.study.conf_level * 100.0, 0, lang);
    r.savings
        .iter()
        .map(|s| {
            let thousands = |x: f64| locale::number(x / 1000.0, 0, lang);
            let row = |x: &crate::results::SavingsRow| {
                json!({
                    "name": if x.unit.is_none() { t("savings_total", lang).to_string() } else { x.name.clone() },
                    "period": format!("{}–{}", locale::month_short(x.start, lang), locale::month_short(x.last, lang)),
                    "actual": thousands(x.actual),
                    "counterfactual": thousands(x.counterfactual),
                    "savings": thousands(x.savings),
                    "ci": format!("{}; {}", thousands(x.ci_low), thousands(x.ci_high)),
                    "share": format!("{} %", locale::number(100.0 * x.share, 1, lang)),
                    "total": x.unit.is_none(),
                })
            };
            let mut rows: Vec<Value> = s.units.iter().map(row).collect();
            rows.extend(s.total.iter().map(row));
            let components = s
                .components
                .iter()
                .filter_map(|key| {
                    let (tk, ck) = key.split_once('.')?;
                    let trial = r.trials.iter().find(|x| x.key == tk)?;
                    let comp = trial.components.iter().find(|c| c.key == ck)?;
                    Some(format!("{} ({})", comp.name(lang), trial.name(lang)))
                })
                .collect::<Vec<_>>()
                .join("; ");
            let price = if s.tariffs.is_empty() {
                String::new()
            } else {
                let listed: Vec<String> = s
                    .tariffs
                    .iter()
                    .map(|tf| {
                        let prices: Vec<String> =
                            tf.prices.iter().map(|(y, p)| format!("{y}: {}", locale::money(*p, lang))).collect();
                        format!("{} ({})", tf.label, prices.join(", "))
                    })
                    .collect();
                match lang {
                    Lang::Da => format!(" Antallet er prissat med taksten for {}.", listed.join("; ")),
                    Lang::En => format!(" Counts are priced at the {} tariff.", listed.join("; ")),
                }
            };
            let outcome = if s.source == "cases" {
                match lang {
                    Lang::Da => format!("antal pr. sag i sagsfilen (kolonnen {})", s.outcome),
                    Lang::En => format!("counts per case in the case file (column {})", s.outcome),
                }
            } else {
                outcome_label(outcome(r, &s.outcome), &s.outcome, lang)
            };
            let intro = match (lang, &s.total) {
                (Lang::Da, Some(total)) => format!(
                    "Forsøgsdele: {components}. Udfald: {outcome}.{price} Forsøgskommunerne brugte {} mod skønnet {} uden forsøgene: en besparelse på {} ({level} %-konfidensinterval {} til {}), {} % af udgifterne uden forsøg. Skønnet følger {} sammenligningskommuners udvikling fra hver forsøgskommunes eget niveau i de {} måneder før dens første start.",
                    locale::money(total.actual, lang),
                    locale::money(total.counterfactual, lang),
                    locale::money(total.savings, lang),
                    locale::money(total.ci_low, lang),
                    locale::money(total.ci_high, lang),
                    locale::number(100.0 * total.share, 1, lang),
                    s.n_comparison,
                    s.pre_months
                ),
                (Lang::En, Some(total)) => format!(
                    "Components: {components}. Outcome: {outcome}.{price} The trial municipalities spent {} against an estimated {} without the trials: a saving of {} ({level}% confidence interval {} to {}), {}% of the spending without the trials. The estimate follows {} comparison municipalities' development from each trial municipality's own level in the {} months before its first start.",
                    locale::money(total.actual, lang),
                    locale::money(total.counterfactual, lang),
                    locale::money(total.savings, lang),
                    locale::money(total.ci_low, lang),
                    locale::money(total.ci_high, lang),
                    locale::number(100.0 * total.share, 1, lang),
                    s.n_comparison,
                    s.pre_months
                ),
                (Lang::Da, None) => format!("Forsøgsdele: {components}. Besparelsen kunne ikke beregnes."),
                (Lang::En, None) => format!("Components: {components}. The saving could not be computed."),
            };
            // One row per analysis and inference: the 2×2 DiD's (CR1, randomization) and the
            // wild bootstrap of the TWFE regression.
            let checks: Vec<Value> = s
                .by_analysis
                .iter()
                .filter(|b| b.method == "did2x2" || (b.method == "twfe" && b.inference == "WCR"))
                .map(|b| {
                    let mut parts = b.analysis.splitn(3, '.');
                    let (tk, ck) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    let name = r
                        .trials
                        .iter()
                        .find(|x| x.key == tk)
                        .map(|x| if lang == Lang::Da { x.name.clone() } else { x.name_en.clone() })
                        .unwrap_or_else(|| format!("{tk}.{ck}"));
                    json!({
                        "name": name,
                        "method": format!("{} · {}", method_name(&b.method, lang), b.inference),
                        "unit_months": b.unit_months.to_string(),
                        "savings": thousands(b.savings),
                        "ci": format!("{}; {}", thousands(b.ci_low), thousands(b.ci_high)),
                    })
                })
                .collect();
            let covid = match (r.study.covid_handling, lang) {
                (CovidHandling::Exclude, Lang::Da) => " COVID-måneder indgår ikke i førperiodens niveau, men tælles med i vinduet: skønnet følger sammenligningskommunerne gennem dem.",
                (CovidHandling::Exclude, Lang::En) => " COVID months are left out of the pre-period level but counted in the window: the estimate follows the comparison municipalities through them.",
                _ => "",
            };
            json!({
                "name": if lang == Lang::Da { &s.name } else { &s.name_en },
                "intro": format!("{intro}{covid}"),
                "unit_note": if lang == Lang::Da { "Beløb i 1.000 kr." } else { "Amounts in DKK 1,000." },
                "rows": rows,
                "checks": checks,
                "notes": s.notes,
                "chart": s.chart.as_ref().map(|c| format!("/{}", c.png)),
                "alt": s.chart.as_ref().map(|c| c.alt.clone()),
                "units_chart": s.units_chart.as_ref().map(|c| format!("/{}", c.png)),
                "units_alt": s.units_chart.as_ref().map(|c| c.alt.clone()),
            })
        })
        .collect()
}

/// The paragraph that explains how findings are decided.
fn findings_method(r: &Results, lang: Lang) -> String {
    let conf = locale::number(r.study.conf_level * 100.0, 0, lang);
    match lang {
        Lang::Da => format!(
            "Konklusioner: Hver analyse afgøres af det estimat, hvis interval holder med få forsøgskommuner – den syntetiske kontrols placebointerval, ellers DiD (2×2) med randomiseringsinferens, så wild cluster bootstrap, så CR1. Bedre/ringere: hele {conf} %-intervallet ligger på den gunstige/ugunstige side af nul. På niveau: intervallet ligger inden for udfaldets ækvivalensmargin (to ensidede test, TOST, hver på 2,5 %). Fastholdt: intervallet udelukker en forværring større end marginen (non-inferiority). Kan ikke afgøres: ellers; den mindste påviselige effekt (80 % styrke) angives. p-værdier justeres over alle forsøg × udfald med Holm (familiemæssig fejlrate) og Benjamini–Hochberg (falsk opdagelsesrate); begge vises ved siden af de ujusterede. Årsagsformuleringer (\"forsøget reducerede\") bruges kun, når placebotesten i førperioden (p ≥ 0,10) og den syntetiske kontrols tilpasning ikke taler imod designet."
        ),
        Lang::En => format!(
            "Conclusions: each analysis is decided by the estimate whose interval holds with few trial municipalities – the synthetic control's placebo interval, otherwise the 2×2 DiD with randomization inference, then the wild cluster bootstrap, then CR1. Better/worse: the whole {conf}% interval lies on the favourable/unfavourable side of zero. On par: the interval lies within the outcome's equivalence margin (two one-sided tests, TOST, at 2.5% each). Maintained: the interval rules out a deterioration larger than the margin (non-inferiority). Inconclusive: otherwise; the minimum detectable effect (80% power) is given. p-values are adjusted across all trials × outcomes by Holm (family-wise error rate) and Benjamini–Hochberg (false discovery rate); both are shown next to the raw ones. Causal wording (\"the trial reduced\") is used only when the pre-period placebo test (p ≥ 0.10) and the synthetic control's fit do not argue against the design."
        ),
    }
}

/// The findings, grouped by trial theme: verdict, sentence, caveats, raw and adjusted p-values.
pub fn findings_view(r: &Results, lang: Lang) -> Value {
    use crate::findings::wording;
    let mut themes: Vec<(String, Vec<Value>)> = Vec::new();
    for f in &r.findings {
        let theme = r.trials.iter().find(|t| t.key == f.trial).map(|t| t.theme(lang).to_string()).unwrap_or_default();
        let o = outcome(r, &f.outcome);
        let unit = o.map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
        let d = locale::decimals(unit);
        let item = json!({
            "trial": r.trials.iter().find(|t| t.key == f.trial).map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() }).unwrap_or_else(|| f.trial.clone()),
            "outcome": outcome_label(o, &f.outcome, lang),
            "estimate": format!("{} {}", locale::signed(f.estimate, d, lang), locale::difference_unit(unit, lang)),
            "ci": format!("[{}; {}]", locale::signed(f.ci_low, d, lang), locale::signed(f.ci_high, d, lang)),
            "verdict": f.verdict,
            "label": wording::verdict_label(f.verdict, lang),
            "sentence": wording::sentence(r, f, lang),
            "caveats": f.caveats.iter().map(|c| wording::caveat(r, c, lang)).collect::<Vec<_>>(),
            "method": format!("{} · {}", method_name(f.method.key(), lang), f.inference),
            "p": locale::p_value(f.p_value, lang),
            "p_holm": locale::p_value(f.p_holm, lang),
            "p_bh": locale::p_value(f.p_bh, lang),
        });
        match themes.iter_mut().find(|(t, _)| *t == theme) {
            Some((_, items)) => items.push(item),
            None => themes.push((theme, vec![item])),
        }
    }
    let savings: Vec<String> = r.savings.iter().filter_map(|s| wording::savings_sentence(s, lang)).collect();
    json!({
        "method": findings_method(r, lang),
        "themes": themes.into_iter().map(|(theme, items)| json!({ "theme": theme, "items": items })).collect::<Vec<_>>(),
        "savings": savings,
    })
}

pub fn report(r: &Results, lang: Lang) -> Value {
    let s = &r.study;
    let title = if lang == Lang::Da { &s.title } else { &s.title_en };
    let strings: serde_json::Map<String, Value> =
        locale::table(lang).into_iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    let notice = s.synthetic.then(|| t("synthetic_notice", lang).to_string());

    let mut summary = Vec::new();
    let mut trials = Vec::new();
    for trial in &r.trials {
        let trial_name = if lang == Lang::Da { &trial.name } else { &trial.name_en };
        let mut components = Vec::new();
        let mut trial_rows = Vec::new();
        for comp in &trial.components {
            let participants: Vec<String> = comp
                .participants
                .iter()
                .map(|p| {
                    if p.start == comp.start {
                        p.name.clone()
                    } else {
                        format!("{} ({})", p.name, date_text(&p.start, lang))
                    }
                })
                .collect();
            let mut analyses = Vec::new();
            for a in r.analyses.iter().filter(|a| a.trial == trial.key && a.component == comp.key) {
                let o = outcome(r, &a.outcome);
                let label = outcome_label(o, &a.outcome, lang);
                let rows = estimate_rows(r, a, lang);
                for row in &rows {
                    trial_rows.push(json!({ "label": format!("{} · {}", comp.name(lang), label), "row": row }));
                }
                let comparison = comparison_text(r, a, lang);
                let windows = format!(
                    "{}: {}. {}: {}.",
                    t("pre", lang),
                    month_span(a.design.pre.first, a.design.pre.last, lang),
                    t("post", lang),
                    month_span(a.design.post.first, a.design.post.last, lang)
                );
                let dropped = if a.design.dropped_months.is_empty() {
                    String::new()
                } else {
                    match lang {
                        Lang::Da => format!(
                            "{} måneder i COVID-vinduer er udeladt af estimationen.",
                            a.design.dropped_months.len()
                        ),
                        Lang::En => format!(
                            "{} months in COVID windows are left out of estimation.",
                            a.design.dropped_months.len()
                        ),
                    }
                };
                analyses.push(json!({
                    "outcome": label,
                    "chart": a.chart.as_ref().map(|c| format!("/{}", c.png)),
                    "alt": a.chart.as_ref().map(|c| c.alt.clone()),
                    "event_chart": a.event_chart.as_ref().map(|c| format!("/{}", c.png)),
                    "event_alt": a.event_chart.as_ref().map(|c| c.alt.clone()),
                    "figure_trend": locale::figure_trend(a.design.frequency, lang),
                    "figure_event": locale::figure_event(a.design.frequency, lang),
                    "rows": rows,
                    "problems": a.problems,
                    "comparison": comparison,
                    "windows": windows,
                    "dropped": dropped,
                    "balance": balance_rows(r, a, lang),
                    "weights_text": weights_text(a, lang),
                    "synth": synth_view(r, a, lang),
                    "sdid_text": sdid_text(r, a, lang),
                    "synth_chart": a.synth_chart.as_ref().map(|c| format!("/{}", c.png)),
                    "synth_alt": a.synth_chart.as_ref().map(|c| c.alt.clone()),
                    "gap_chart": a.gap_chart.as_ref().map(|c| format!("/{}", c.png)),
                    "gap_alt": a.gap_chart.as_ref().map(|c| c.alt.clone()),
                    "weights_chart": a.weights_chart.as_ref().map(|c| format!("/{}", c.png)),
                    "weights_alt": a.weights_chart.as_ref().map(|c| c.alt.clone()),
                }));
            }
            components.push(json!({
                "name": comp.name(lang),
                "start": date_text(&comp.start, lang),
                "participants": participants.join(", "),
                "n_participants": comp.participants.len(),
                "analyses": analyses,
            }));
        }
        if !trial_rows.is_empty() {
            summary.push(json!({ "trial": trial_name, "rows": trial_rows }));
        }
        trials.push(json!({
            "name": trial_name,
            "theme": trial.theme(lang),
            "network": trial.network,
            "end": date_text(&trial.end, lang),
            "evaluation_end": date_text(&trial.evaluation_end, lang),
            "note": trial.note,
            "components": components,
        }));
    }

    let covid = match (s.covid_handling, lang) {
        (CovidHandling::Exclude, Lang::Da) => {
            "Måneder, der overlapper et COVID-19-vindue, er udeladt af estimationen for alle kommuner; figurerne viser dem skraveret."
        }
        (CovidHandling::Exclude, Lang::En) => {
            "Months that overlap a COVID-19 window are left out of estimation for all municipalities; charts shade them."
        }
        (CovidHandling::Include, Lang::Da) => {
            "Måneder i COVID-19-vinduer indgår i estimationen; figurerne viser dem skraveret."
        }
        (CovidHandling::Include, Lang::En) => {
            "Months in COVID-19 windows are included in estimation; charts shade them."
        }
    };
    let covid_windows: Vec<String> = s
        .covid_windows
        .iter()
        .map(|w| format!("{} – {}", date_text(&w.start, lang), date_text(&w.end, lang)))
        .collect();
    let conf = locale::number(s.conf_level * 100.0, 0, lang);
    let findings_method = findings_method(r, lang);
    let methods: Vec<String> = match lang {
        Lang::Da => vec![
            format!("DiD (2×2, gennemsnit): For hver kommune beregnes ændringen fra gennemsnittet i førperioden til gennemsnittet i forsøgsperioden. Effekten er forskellen mellem forsøgskommunernes og sammenligningskommunernes gennemsnitlige ændring; ved forskudte starttidspunkter beregnes den pr. startkohorte og vægtes med antallet af kommuner. Standardfejlen er klyngerobust pr. kommune (CR1: G/(G−1)·(N−1)/(N−K) med N = G kommuner og K = 2, som fixest/pyfixest), og {conf} %-intervallet bruger en t-fordeling med G − 1 frihedsgrader."),
            format!("DiD (to-vejs faste effekter): Regression af udfaldet på en forsøgsindikator med faste effekter for kommune og måned. Standardfejlen er klyngerobust pr. kommune (CR1 med K = 1 + antal måneder, fordi kommuneeffekterne ligger inden i klyngerne – præcis som pyfixest's feols med vcov CRV1), {conf} %-interval med t(G − 1)."),
            "Med få forsøgskommuner er klyngerobuste (CR1) intervaller for smalle: i et Monte Carlo-studie med 4 forsøgskommuner afviste CR1 en sand nulhypotese i ca. 14 % af placeboforsøgene mod de nominelle 5 %, mens wild cluster bootstrap (WCR) og randomiseringsinferens (RI) holdt 5 %. Læs derfor WCR- og RI-intervallerne, når forsøget har få kommuner.".to_string(),
            "Wild cluster bootstrap (WCR): Residualerne under nulhypotesen vendes klyngevis (pr. kommune) med Webb-vægte; p-værdien er andelen af bootstrap-t-værdier, der er mindst lige så store som den observerede, og intervallet er de effekter, testen ikke afviser. Metoden holder bedre end CR1 med få forsøgskommuner.".to_string(),
            "Randomiseringsinferens (RI): Forsøgskommunernes startdatoer tildeles i stedet alle mulige (eller, når de er for mange, et stort antal seedede tilfældige) sæt af lige så mange kommuner blandt de sammenlignelige – ved forskudte starter med samme antal kommuner pr. startdato; p-værdien er andelen af tildelinger med en mindst lige så stor forskel, og intervallet er de effekter, testen ikke afviser (konstant effekt). RI kræver ikke mange forsøgskommuner.".to_string(),
            "Event study: Forskellen mellem forsøgs- og sammenligningskommuner måned for måned før og efter start, målt i forhold til måneden før start, i en regression med faste effekter for kommune og måned (CR1). Måneder uden for vinduet samles i endepunkterne. Tabellens tal er gennemsnittet af koefficienterne fra start. Test for ens udvikling før start: samlet Wald-test af koefficienterne før start (F med G − 1 frihedsgrader som fixest) – med få forsøgskommuner afviser den for ofte, så den suppleres af en placebo-DiD i førperioden (alle starter rykket et halvt førvindue tilbage) testet med randomiseringsinferens.".to_string(),
            "Callaway–Sant'Anna: En effekt pr. startkohorte og måned (ATT(g,t)) i forhold til måneden før kohortens start, sammenlignet med kommuner, der (endnu) ikke er i forsøg; tabellens tal er gennemsnittet efter start vægtet med kohorternes størrelse. Standardfejl fra influensfunktionen uden småstikprøvekorrektion, normalfordelt interval (som R-pakken did). Kommuner, der mangler data i en måned, indgår ikke.".to_string(),
            format!("Sammenligningsgruppe: alle kommuner, der ikke deltager i forsøgsdelen, undtagen kommuner, der deltager i et andet forsøg med samme udfald i evalueringsperioden, kommuner i eksponeringsregistret (tidligere eller andre frisættelser) og kommuner fravalgt i studiefilen. Forsøget kan i stedet bruge en navngiven liste, matchning (de k nærmeste naboer på standardiserede variable: førperiodens niveau og udvikling, log-indbyggertal, region) eller syntetisk kontrol. Balancetabellen viser standardiserede forskelle (forskel i gennemsnit delt med √((s²_forsøg + s²_alle)/2)) før og efter valget og vægtningen; under ±0,1 regnes som god balance, over ±0,25 som dårlig. Data: {}.", s.panel_file),
            "Syntetisk kontrol (Abadie, Diamond og Hainmueller): et vægtet gennemsnit af sammenlignelige kommuner (ikke-negative vægte, der summerer til 1), der rammer forsøgskommunernes niveau i førperioden – opdelt i blokke – bedst muligt. Prædiktorvægtene vælges ved en deterministisk søgning med flere startpunkter, så den syntetiske kontrol rammer udfaldet i hele førperioden bedst; samme data giver altid samme vægte. Der laves en syntetisk kontrol for hver forsøgskommune og en samlet for gennemsnittet. Effekten er den gennemsnitlige forskel efter start. Usikkerhed: hver sammenligningskommune behandles i tur som om den var i forsøget (placebo i rum); p-værdien er rangen af forholdet mellem forskellens størrelse (RMSPE) efter og før start, og intervallet er de konstante effekter, den test ikke afviser (Firpo og Possebom). Robusthed: placebo i tid og udeladelse af én vægtet kommune ad gangen.".to_string(),
            "Syntetisk difference-in-differences (Arkhangelsky m.fl. 2021): kommunevægte, der får sammenligningskommunerne til at følge forsøgskommunernes udvikling før start, og månedsvægte, der vælger de førperiodemåneder, der ligner forsøgsperioden mest; effekten er den vægtede dobbelte forskel. Standardfejl fra placebo-gentagelser (sammenligningskommuner som forsøgskommuner), normalfordelt interval; forskudte starter behandles som startet ved den første start.".to_string(),
            "Varigheder: Kaplan–Meier-kurver for forløb i forsøgs- og sammenligningskommuner, der startede før og under forsøget; punktvise intervaller efter Greenwood på log(−log)-skala, median med interval (hvor intervalkurverne krydser 50 %) og begrænset middelvarighed (arealet under kurven op til horisonten). Log-rank-test af forsøgs- mod sammenligningskommuner i hver periode. Cox-regression (Efron ved ens tider) på forsøg, periode og deres produkt: produktets hazard ratio er en forskel i forskelle på raten, hvormed forløb afsluttes (over 1: kortere forløb); standardfejl klyngerobuste pr. kommune (Lin–Wei, som lifelines) gange G/(G−1), t med G − 1 frihedsgrader. Forskel i forskelle på gennemsnittet af afsluttede forløb: OLS med CR1 pr. kommune. Diskretionering: antal, medianer, middelværdier og kurvepunkter bag færre end det mindste antal forløb vises ikke (..), og kurverne stopper, hvor for få er i risiko.".to_string(),
            "Besparelser: For hver forsøgskommune skønnes udgifterne uden forsøget som kommunens gennemsnitlige udgift i førperioden ganget med sammenligningskommunernes samlede udgift i måneden i forhold til deres gennemsnit i samme førperiode (en forholdsvis, ikke additiv, dobbelt forskel, fordi udgifter vokser med kommunens størrelse, og sæson- og COVID-udsving er forholdsmæssige). Samme beregning for hver sammenligningskommune, med den selv udeladt, giver en placeboforskel; deres gennemsnit trækkes fra, og deres spredning står for forsøgskommunernes støj (Conley og Taber): standardfejl fra spredningen (divisor n − 1) via deltametoden, t-fordeling med n − 1 frihedsgrader, n = antal sammenligningskommuner. Intervallerne er forsigtige for store kommuner. Besparelsen tæller alle måneder i vinduet, også COVID-måneder. Fra sagsfilen tælles hver sags antal (fx lægeattester) i måneden for sagens start (eller slutdato, hvis studiefilen vælger det), prissat med taksten for sagens type i det år; en kommune med færre sager end mindstegrænsen i sit vindue udelades. Som kontrol omregnes hver forsøgsdels egen udgiftsanalyse til kroner: effekten pr. kommune-måned gange forsøgskommunernes måneder i evalueringsvinduet, med intervallet fra den inferens, estimatet brugte (CR1, wild bootstrap, randomiseringsinferens).".to_string(),
            format!("COVID-19: {covid} Vinduer: {}.", covid_windows.join("; ")),
            format!("Diskretionering: Gennemsnit bag færre end {} personer vises ikke (..).", s.min_cell),
        ],
        Lang::En => vec![
            format!("DiD (2×2, window means): for each municipality, the change from its pre-period mean to its trial-period mean. The effect is the difference between the mean change of trial and comparison municipalities; with staggered starts it is computed per start cohort and weighted by the number of municipalities. The standard error is cluster-robust by municipality (CR1: G/(G−1)·(N−1)/(N−K) with N = G municipalities and K = 2, as fixest/pyfixest), and the {conf}% interval uses a t distribution with G − 1 degrees of freedom."),
            format!("DiD (two-way fixed effects): regression of the outcome on a treatment indicator with municipality and month fixed effects. The standard error is cluster-robust by municipality (CR1 with K = 1 + number of months, since the municipality effects are nested in the clusters – exactly pyfixest's feols with vcov CRV1), {conf}% interval with t(G − 1)."),
            "With few trial municipalities cluster-robust (CR1) intervals are too narrow: in a Monte Carlo study with 4 trial municipalities CR1 rejected a true null in about 14 % of placebo trials instead of the nominal 5 %, while the wild cluster bootstrap (WCR) and randomization inference (RI) held 5 %. Read the WCR and RI intervals when a trial has few municipalities.".to_string(),
            "Wild cluster bootstrap (WCR): residuals under the null are flipped cluster by cluster (by municipality) with Webb weights; the p-value is the share of bootstrap t statistics at least as large as the observed one, and the interval holds the effects the test does not reject. It holds up better than CR1 with few trial municipalities.".to_string(),
            "Randomization inference (RI): the trial municipalities' start dates are reassigned to every possible set (or, when there are too many, to many seeded random sets) of as many municipalities among the eligible ones – with staggered starts, as many per start date; the p-value is the share of assignments with a difference at least as large, and the interval holds the effects the test does not reject (constant effect). RI does not need many treated municipalities.".to_string(),
            "Event study: the difference between trial and comparison municipalities month by month before and after the start, relative to the month before the start, in a regression with municipality and month fixed effects (CR1). Months beyond the window are collected in the end points. The table shows the mean of the coefficients from the start on. Parallel pre-trends: the joint Wald test of the coefficients before the start (F with G − 1 degrees of freedom, as fixest) – with few trial municipalities it rejects too often, so it is accompanied by a placebo DiD inside the pre-period (every start moved back by half the pre-window) tested by randomization inference.".to_string(),
            "Callaway–Sant'Anna: one effect per start cohort and month (ATT(g,t)) relative to the month before the cohort's start, compared with municipalities not (yet) in a trial; the table shows the mean after the start weighted by cohort size. Standard errors from the influence function without small-sample correction, normal interval (as the R package did). Municipalities lacking data in some month are left out.".to_string(),
            format!("Comparison group: every municipality that does not take part in the trial component, except those taking part in another trial on the same outcome during the evaluation window, those in the exposure register (earlier or other free-municipality schemes) and those excluded in the study file. A trial can instead use a named list, matching (the k nearest neighbours on standardised variables: pre-period level and trend, log population, region) or synthetic control. The balance table shows standardised mean differences (difference in means divided by √((s²_trial + s²_pool)/2)) before and after the selection and weighting; within ±0.1 counts as good balance, beyond ±0.25 as poor. Data: {}.", s.panel_file),
            "Synthetic control (Abadie, Diamond and Hainmueller): a weighted average of comparison municipalities (non-negative weights summing to 1) that best reproduces the trial municipalities' pre-period level, in blocks. Predictor weights come from a deterministic multi-start search for the best fit of the outcome over the whole pre-period; the same data always give the same weights. There is one synthetic control per trial municipality and a pooled one for their mean. The effect is the mean gap after the start. Uncertainty: each comparison municipality in turn is treated as if it were in the trial (placebo in space); the p-value is the rank of the ratio of the gap's size (RMSPE) after and before the start, and the interval holds the constant effects that test does not reject (Firpo and Possebom). Robustness: placebo in time and leaving out one weighted municipality at a time.".to_string(),
            "Synthetic difference in differences (Arkhangelsky et al. 2021): municipality weights that make the comparison municipalities track the trial municipalities' development before the start, and month weights that pick the pre-period months most like the trial period; the effect is the weighted double difference. Standard error from placebo replications (comparison municipalities as trial municipalities), normal interval; staggered starts are treated as starting at the first start.".to_string(),
            "Durations: Kaplan–Meier curves of spells in trial and comparison municipalities that started before and during the trial; pointwise Greenwood intervals on the log(−log) scale, the median with its interval (where the interval curves cross 50%) and the restricted mean duration (the area under the curve up to the horizon). Log-rank test of trial vs comparison municipalities in each period. Cox regression (Efron ties) on trial, period and their product: the product's hazard ratio is a difference in differences on the rate at which spells end (above 1: shorter spells); standard errors clustered by municipality (Lin–Wei, as lifelines) times G/(G−1), t with G − 1 degrees of freedom. Difference in differences on the mean of completed spells: OLS with CR1 by municipality. Confidentiality: counts, medians, means and curve points behind fewer spells than the minimum cell are not shown (..), and curves stop where too few are at risk.".to_string(),
            "Savings: for each trial municipality, spending without the trial is estimated as its mean spending in the pre-period times the comparison municipalities' total spending in the month relative to their mean over the same pre-period (a ratio, not an additive, double difference, because spending grows with a municipality's size and seasonal and COVID swings are proportional). The same computation for each comparison municipality, itself left out, gives a placebo gap; their mean is subtracted and their spread stands in for the trial municipalities' noise (Conley and Taber): standard errors from that spread (divisor n − 1) by the delta method, t distribution with n − 1 degrees of freedom, n = number of comparison municipalities. The intervals are conservative for large municipalities. Savings count every month of the window, COVID months included. From the case file, each case's count (e.g. medical certificates) is placed in the month of the case start (or end, if the study file says so) and priced at the tariff of the case's type in that year; a municipality behind fewer cases than the minimum cell in its window is left out. As a cross-check, each component's own spending analysis is turned into kroner: its effect per municipality-month times the trial municipalities' months in the evaluation window, with the interval from the inference the estimate used (CR1, wild bootstrap, randomization inference).".to_string(),
            format!("COVID-19: {covid} Windows: {}.", covid_windows.join("; ")),
            format!("Confidentiality: means behind fewer than {} persons are not shown (..).", s.min_cell),
        ],
    };
    let events: Vec<String> = s
        .events
        .iter()
        .map(|e| format!("{}: {}", date_text(&e.date, lang), if lang == Lang::Da { &e.label } else { &e.label_en }))
        .collect();

    let mut methods = methods;
    let coarse: std::collections::BTreeSet<Frequency> =
        r.analyses.iter().map(|a| a.design.frequency).filter(|f| *f != Frequency::Month).collect();
    for f in coarse {
        let w = locale::period_words(f, lang);
        methods.push(match lang {
            Lang::Da => format!(
                "Udfald målt pr. {0}: Værdien for et {0} står under dets sidste måned, og alle metoder regner i hele {1}: en kommunes første forsøgs{0} er det, den startede i (også når starten ligger midt i det, så effekten i det første {0} er udvandet), førperioden rundes op til hele {1}, event-tid tælles i {1}, og et {0}, der berører et udeladt COVID-19-vindue, udelades helt.",
                w.one, w.many
            ),
            Lang::En => format!(
                "Outcomes measured per {0}: a {0}'s value is filed under its last month, and every method counts in whole {1}: a municipality's first trial {0} is the one it started in (also when the start falls inside it, which dilutes the effect in that {0}), the pre-period is rounded up to whole {1}, event time is counted in {1}, and a {0} that touches a left-out COVID-19 window is left out whole.",
                w.one, w.many
            ),
        });
    }
    methods.push(findings_method);
    json!({
        "lang": if lang == Lang::Da { "da" } else { "en" },
        "title": title,
        "study": s.name,
        "notice": notice,
        "data_period": month_span(s.data_months.first, s.data_months.last, lang),
        "panel_file": s.panel_file,
        "tool": r.tool,
        "t": strings,
        "summary": summary,
        "findings": findings_view(r, lang),
        "forest": r.forest_chart.as_ref().map(|c| format!("/{}", c.png)),
        "forest_alt": r.forest_chart.as_ref().map(|c| c.alt.clone()),
        "trials": trials,
        "savings": savings_view(r, lang),
        "durations": durations_view(r, lang),
        "methods": methods,
        "events": events,
    })
}
