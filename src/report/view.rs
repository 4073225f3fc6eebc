//! The report's view model: results turned into worded, formatted strings in one language.
//!
//! Templates only lay out what this module hands them; all numbers are formatted here by
//! [`crate::locale`], so every writer formats alike.

use serde_json::{Value, json};

use crate::charts::Drawn;
use crate::charts::plan::Slot;
use crate::estimate::Method;
use crate::estimate::conformal::Status;
use crate::ingest::periods::Frequency;
use crate::locale;
use crate::period::parse_date;
use crate::results::{Analysis, OutcomeInfo, Results};
use crate::study::{ComparisonDesign, CovidHandling, Lang};
use crate::wording::{self, t};

pub use super::notes::{data_notes, pending_view};

pub(super) fn date_text(iso: &str, lang: Lang) -> String {
    parse_date(iso).map(|d| locale::date(d, lang)).unwrap_or_else(|| iso.to_string())
}

fn method_name(key: &str, lang: Lang) -> String {
    t(key, lang).to_string()
}

pub(super) fn outcome<'a>(r: &'a Results, key: &str) -> Option<&'a OutcomeInfo> {
    r.outcomes.iter().find(|o| o.key == key)
}

pub(super) fn outcome_label(o: Option<&OutcomeInfo>, key: &str, lang: Lang) -> String {
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
                "ci": interval_text(i.ci_low, i.ci_high, i.estimate, d, lang),
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

/// An interval as the tables show it, `[lo; hi]`; one of no width is never shown as if it
/// were an interval ("–").
fn interval_text(lo: f64, hi: f64, estimate: f64, decimals: usize, lang: Lang) -> String {
    if crate::findings::zero_width(lo, hi, estimate) {
        return "–".into();
    }
    let decimals = locale::interval_decimals(lo, hi, decimals);
    // An unbounded side (a test that rejects no effect that large) is written as infinity,
    // never as `..`, which means a suppressed value.
    let side = |x: f64| {
        if x == f64::NEG_INFINITY {
            "−∞".to_string()
        } else if x == f64::INFINITY {
            "+∞".to_string()
        } else {
            locale::signed(x, decimals, lang)
        }
    };
    let open = if lo.is_infinite() { '(' } else { '[' };
    let close = if hi.is_infinite() { ')' } else { ']' };
    format!("{open}{}; {}{close}", side(lo), side(hi))
}

/// The comparison design in words.
/// A trial participant's name (its code when the results do not name it).
fn participant_name(r: &Results, code: u16) -> String {
    r.trials
        .iter()
        .flat_map(|t| t.components.iter().flat_map(|c| c.participants.iter()))
        .find(|p| p.code == code)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| code.to_string())
}

fn comparison_text(r: &Results, a: &Analysis, lang: Lang) -> String {
    let d = &a.design;
    let (excluded, pool, n) = (d.excluded.len(), d.n_pool, d.n_comparison);
    let exposed = d.excluded.iter().filter(|e| e.reason.starts_with("exposure:")).count();
    let name = |code: u16| participant_name(r, code);
    let key = match d.comparison {
        ComparisonDesign::All => "comparison_all",
        ComparisonDesign::List => "comparison_list",
        ComparisonDesign::Matching => "comparison_matching",
        ComparisonDesign::Synth => "comparison_synth",
        ComparisonDesign::Sdid => "comparison_sdid",
    };
    let mut args = wording::period_args(Some(d.frequency), lang);
    args.extend([("n", n.to_string()), ("pool", pool.to_string())]);
    let mut text = wording::text(key, lang, &args);
    // One left out gets the singular ("1 kommune er udeladt, fordi den …").
    let one = excluded == 1;
    let exposed = match exposed {
        0 => String::new(),
        _ if one => t("comparison_exposed_one", lang).to_string(),
        n => wording::text("comparison_exposed", lang, &[("n", n.to_string())]),
    };
    // Nobody left out: nothing to explain.
    if excluded > 0 {
        let key = if one { "comparison_excluded_one" } else { "comparison_excluded" };
        text.push(' ');
        text.push_str(&wording::text(key, lang, &[("n", excluded.to_string()), ("exposed", exposed)]));
    }
    if !d.matches.is_empty() {
        let mut by_treated: Vec<(u16, Vec<String>)> = Vec::new();
        for m in &d.matches {
            match by_treated.iter_mut().find(|(t, _)| *t == m.treated) {
                Some((_, v)) => v.push(name_of(r, m.control)),
                None => by_treated.push((m.treated, vec![name_of(r, m.control)])),
            }
        }
        let pairs: Vec<String> = by_treated.iter().map(|(t, v)| format!("{}: {}", name(*t), v.join(", "))).collect();
        text.push(' ');
        text.push_str(&wording::text("comparison_matched", lang, &[("pairs", pairs.join("; "))]));
    }
    if let Some(fit) = d.pre_rmspe {
        let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
        let value = format!(
            "{} {}",
            locale::number(fit, locale::decimals(unit) + 1, lang),
            locale::difference_unit(unit, lang)
        );
        let key = match d.comparison {
            ComparisonDesign::Synth | ComparisonDesign::Sdid => "comparison_fit",
            _ => "comparison_fit_level",
        };
        text.push(' ');
        text.push_str(&wording::text(key, lang, &[("value", value)]));
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

fn variable_label(r: &Results, v: &str, lang: Lang) -> String {
    match v {
        "level" => t("balance_level", lang).to_string(),
        "trend" => t("balance_trend", lang).to_string(),
        "population" => t("balance_population", lang).to_string(),
        _ => match v.strip_prefix("region:") {
            Some(region) => wording::text("balance_region", lang, &[("region", region.to_string())]),
            None => {
                let label = outcome_label(outcome(r, v), v, lang);
                wording::text("balance_outcome", lang, &[("outcome", label)])
            }
        },
    }
}

/// The event chart's caption, naming the base its coefficients are measured from.
fn figure_event(a: &Analysis, lang: Lang) -> String {
    let mut args = wording::period_args(Some(a.design.frequency), lang);
    let base = a.event_study.as_ref().map(|es| es.base).unwrap_or_default();
    args.push(("event_base", wording::text(&format!("event_base_{}", base.key()), lang, &args)));
    wording::text("figure_event", lang, &args)
}

/// The event study's sensitivity to parallel trends in one sentence, when there is one.
fn sensitivity_text(r: &Results, a: &Analysis, lang: Lang) -> Option<String> {
    let es = a.event_study.as_ref()?;
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    Some(wording::sensitivity_sentence(es.sensitivity.as_ref()?, es.base, a.design.frequency, unit, lang))
}

/// With staggered starts, the estimators that let the effect differ by cohort in one sentence
/// beside two-way fixed effects (which can mix the cohorts' effects), and a warning when the
/// latter falls outside the imputation interval. `None` with one start or without the estimates.
fn staggered_text(r: &Results, a: &Analysis, lang: Lang) -> Option<String> {
    let mut starts: Vec<_> = a.design.treated.iter().map(|t| t.start).collect();
    starts.sort();
    starts.dedup();
    if starts.len() < 2 {
        return None;
    }
    let find = |m: Method, name: &str| a.estimates.iter().find(|e| e.method == m && e.inference.name == name);
    let (bjs, sunab, twfe) = (find(Method::Bjs, "IF-LOO")?, find(Method::Sunab, "CR1")?, find(Method::Twfe, "CR1")?);
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let d = locale::decimals(unit);
    let value =
        |x: f64| format!("{} {}", locale::signed(x, d, lang), locale::difference_unit(unit, lang)).trim().to_string();
    let ci = |i: &crate::inference::Interval| interval_text(i.ci_low, i.ci_high, i.estimate, d, lang);
    let args = vec![
        ("cohorts", starts.len().to_string()),
        ("bjs", value(bjs.interval.estimate)),
        ("bjs_ci", ci(&bjs.interval)),
        ("sunab", value(sunab.interval.estimate)),
        ("sunab_ci", ci(&sunab.interval)),
        ("twfe", value(twfe.interval.estimate)),
    ];
    let mut said = wording::text("staggered", lang, &args);
    let t = twfe.interval.estimate;
    if t < bjs.interval.ci_low || t > bjs.interval.ci_high {
        said = format!("{said} {}", wording::t("staggered_apart", lang));
    }
    Some(said)
}

/// The panel profile in words; empty for results written before it existed.
fn profile_view(r: &Results, a: &Analysis, lang: Lang) -> Value {
    let Some(p) = &a.design.profile else {
        return json!({ "summary": "", "missing": "", "warnings": [] });
    };
    let name = |c| participant_name(r, c);
    let text = wording::profile(p, a.design.frequency, &name, lang);
    json!({ "summary": text.summary, "missing": text.missing, "warnings": text.warnings })
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
                "variable": variable_label(r, &b.variable, lang),
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
    let more = if more > 0 { wording::text("weights_more", lang, &[("n", more.to_string())]) } else { String::new() };
    Some(wording::text("weights_text", lang, &[("weights", named.join(", ")), ("more", more)]))
}

fn synth_view(r: &Results, a: &Analysis, lang: Lang) -> Option<Value> {
    let s = a.synth.as_ref()?;
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let d = locale::decimals(unit);
    let du = locale::difference_unit(unit, lang);
    let f = a.design.frequency;
    let ci = |l: Option<f64>, h: Option<f64>| match (l, h) {
        (Some(l), Some(h)) => {
            let d = locale::interval_decimals(l, h, d);
            format!("[{}; {}]", locale::signed(l, d, lang), locale::signed(h, d, lang))
        }
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
            "ci_conformal": u.conformal.as_ref().map_or("–".to_string(), |c| match c.status {
                Status::Bounded => ci(Some(c.ci_low), Some(c.ci_high)),
                Status::Unbounded => t("unbounded", lang).to_string(),
                Status::Empty => "–".to_string(),
            }),
        })
    };
    let mut rows = vec![row(&s.pooled)];
    rows.extend(s.units.iter().map(row));
    let p = &s.pooled;
    let mut notes = Vec::new();
    let blocks = s.predictors.iter().filter(|p| p.starts_with("block ")).count();
    let mut predictors: Vec<String> = Vec::new();
    if blocks > 0 {
        predictors.push(wording::text("predictor_blocks", lang, &[("n", blocks.to_string())]));
    }
    for p in s.predictors.iter().filter(|p| !p.starts_with("block ")) {
        predictors.push(match p.as_str() {
            "last pre-period" => wording::text("predictor_last", lang, &wording::period_args(Some(f), lang)),
            "pre-period mean" => t("predictor_mean", lang).to_string(),
            other => variable_label(r, other, lang),
        });
    }
    notes.push(wording::text(
        "synth_predictors",
        lang,
        &[
            ("predictors", predictors.join(", ")),
            ("loss", locale::number(p.loss, 4, lang)),
            ("n", p.evaluations.to_string()),
        ],
    ));
    if s.units.len() > 1 {
        notes.push(wording::text("synth_pooled_placebo_note", lang, &[("n", s.units.len().to_string())]));
    }
    if let Some(c) = &p.conformal {
        let mut args = wording::period_args(Some(f), lang);
        args.push(("n", c.permutations.to_string()));
        args.push(wording::level(r.study.conf_level, lang));
        notes.push(wording::text("synth_conformal_note", lang, &args));
    }
    if let Some(pit) = &s.placebo_in_time {
        notes.push(wording::text(
            "synth_placebo_in_time",
            lang,
            &[
                ("start", locale::period(pit.start, f, lang)),
                ("estimate", format!("{} {du}", locale::signed(pit.estimate, d, lang))),
                ("p", locale::p_equals(pit.p_value, lang)),
            ],
        ));
    }
    if !s.leave_one_out.is_empty() {
        let lo = s.leave_one_out.iter().map(|l| l.estimate).fold(f64::INFINITY, f64::min);
        let hi = s.leave_one_out.iter().map(|l| l.estimate).fold(f64::NEG_INFINITY, f64::max);
        notes.push(wording::text(
            "synth_leave_one_out",
            lang,
            &[
                ("n", s.leave_one_out.len().to_string()),
                ("lo", locale::signed(lo, d, lang)),
                ("hi", format!("{} {du}", locale::signed(hi, d, lang))),
            ],
        ));
    }
    Some(json!({ "rows": rows, "notes": notes }))
}

fn sdid_text(r: &Results, a: &Analysis, lang: Lang) -> Option<String> {
    let s = a.sdid.as_ref()?;
    let unit = outcome(r, &a.outcome).map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
    let d = locale::decimals(unit);
    let f = a.design.frequency;
    let weights: Vec<String> = s
        .time_weights
        .iter()
        .filter(|w| w.weight >= 0.05)
        .map(|w| format!("{} {}", locale::period(w.period, f, lang), locale::number(w.weight, 2, lang)))
        .collect();
    let mut args = wording::period_args(Some(f), lang);
    args.extend([
        ("estimate", format!("{} {}", locale::signed(s.estimate, d, lang), locale::difference_unit(unit, lang))),
        ("se", locale::number(s.se, d + 1, lang)),
        ("reps", s.reps.to_string()),
        ("weights", weights.join(", ")),
    ]);
    Some(wording::text("sdid_text", lang, &args))
}

/// The data the PDF template reads.
fn durations_view(r: &Results, charts: &Drawn, lang: Lang) -> Vec<Value> {
    let weeks = |x: Option<f64>| x.map(|v| locale::number(v, 1, lang)).unwrap_or_else(|| "..".into());
    let count = |x: Option<u64>| x.map(|v| locale::number(v as f64, 0, lang)).unwrap_or_else(|| "..".into());
    r.durations
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let chart = charts.get(Slot::Durations(i));
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
                    let name = t(
                        match c.name.as_str() {
                            "trial" => "cox_trial",
                            "during" => "cox_during",
                            _ => "cox_interaction",
                        },
                        lang,
                    );
                    json!({
                        "name": name,
                        "hr": locale::number(c.hazard_ratio, 3, lang),
                        "ci": format!("{}; {}", locale::number(c.ci_low, 3, lang), locale::number(c.ci_high, 3, lang)),
                        "p": locale::p_value(c.p_value, lang),
                        "se": locale::number(c.se, 3, lang),
                    })
                })
                .collect();
            let did = d.completed_did.as_ref().map(|i| {
                let text = wording::text(
                    "durations_completed_did",
                    lang,
                    &[
                        wording::level(r.study.conf_level, lang),
                        ("estimate", locale::signed(i.estimate, 1, lang)),
                        ("lo", locale::number(i.ci_low, 1, lang)),
                        ("hi", locale::number(i.ci_high, 1, lang)),
                        ("p", locale::p_equals(i.p_value, lang)),
                    ],
                );
                // The interval that decides the finding with few trial municipalities.
                match d.completed_did_ri.as_ref().map(|r| &r.interval) {
                    Some(ri) => format!(
                        "{text} {}",
                        wording::text(
                            "durations_completed_did_ri",
                            lang,
                            &[
                                wording::level(r.study.conf_level, lang),
                                ("ci", interval_text(ri.ci_low, ri.ci_high, ri.estimate, 1, lang)),
                                ("p", locale::p_equals(ri.p_value, lang)),
                            ],
                        )
                    ),
                    None => text,
                }
            });
            // Spells are dated to the day and their windows counted in months, whatever the
            // frequency of the panel outcomes.
            let intro = wording::text(
                "durations_intro",
                lang,
                &[
                    ("treated", d.treated_units.len().to_string()),
                    ("comparison", d.comparison_units.len().to_string()),
                    ("pre", locale::count_periods(d.pre_months as usize, Frequency::Month, lang)),
                    ("until", date_text(&d.observed_until, lang)),
                    ("horizon", locale::number(d.horizon_weeks, 0, lang)),
                ],
            );
            json!({
                "name": if lang == Lang::Da { &d.name } else { &d.name_en },
                "intro": intro,
                "rows": rows,
                "logrank": logrank,
                "cox": cox_rows,
                "cox_note": d.cox.as_ref().map(|c| wording::text(
                    "durations_cox_note",
                    lang,
                    &[
                        ("spells", c.spells.map_or_else(|| "..".into(), |s| locale::number(s as f64, 0, lang))),
                        ("n", c.clusters.to_string()),
                    ],
                )),
                "did": did,
                "notes": d.notes.iter().cloned().chain(
                    d.groups.iter().any(|g| g.n.is_some() && g.events.is_none()).then(|| wording::text(
                        "durations_events_hidden",
                        lang,
                        &[("min_cell", d.min_cell.get().to_string())],
                    )),
                ).collect::<Vec<String>>(),
                "chart": chart.map(|c| format!("/{}", c.png)),
                "alt": chart.map(|c| c.alt.clone()),
            })
        })
        .collect()
}

fn savings_view(r: &Results, charts: &Drawn, lang: Lang) -> Vec<Value> {
    r.savings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (chart, units_chart) = (charts.get(Slot::Spending(i)), charts.get(Slot::SavingsUnits(i)));
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
                wording::text("savings_priced", lang, &[("tariffs", listed.join("; "))])
            };
            let outcome = if s.source == "cases" {
                wording::text("savings_case_outcome", lang, &[("column", s.outcome.clone())])
            } else {
                outcome_label(outcome(r, &s.outcome), &s.outcome, lang)
            };
            let mut args = vec![("components", components.clone()), ("outcome", outcome), ("price", price)];
            let intro = match &s.total {
                Some(total) => {
                    args.extend([
                        wording::level(r.study.conf_level, lang),
                        ("actual", locale::money(total.actual, lang)),
                        ("counterfactual", locale::money(total.counterfactual, lang)),
                        ("saving", locale::money(total.savings, lang)),
                        ("lo", locale::money(total.ci_low, lang)),
                        ("hi", locale::money(total.ci_high, lang)),
                        ("share", locale::number(100.0 * total.share, 1, lang)),
                        ("n", s.n_comparison.to_string()),
                        ("pre", locale::count_periods(s.pre_months as usize, Frequency::Month, lang)),
                    ]);
                    wording::text("savings_intro", lang, &args)
                }
                None => wording::text("savings_intro_none", lang, &args),
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
            let covid = match r.study.covid_handling {
                CovidHandling::Exclude => t("savings_covid_exclude", lang),
                CovidHandling::Include => "",
            };
            json!({
                "name": if lang == Lang::Da { &s.name } else { &s.name_en },
                "intro": format!("{intro}{covid}"),
                "unit_note": t("savings_unit_note", lang),
                "rows": rows,
                "checks": checks,
                "notes": s.notes,
                "chart": chart.map(|c| format!("/{}", c.png)),
                "alt": chart.map(|c| c.alt.clone()),
                "units_chart": units_chart.map(|c| format!("/{}", c.png)),
                "units_alt": units_chart.map(|c| c.alt.clone()),
            })
        })
        .collect()
}

/// The paragraph that explains how findings are decided.
fn findings_method(r: &Results, lang: Lang) -> String {
    // Each one-sided test of TOST is at half the interval's error rate: 2,5 % for a 95 % interval.
    let tail = locale::number(50.0 * (1.0 - r.study.conf_level), 1, lang);
    let tail = tail.trim_end_matches(['0']).trim_end_matches([',', '.']).to_string();
    let pretrend = locale::number(crate::findings::PRETREND_ALPHA, 2, lang);
    wording::text(
        "method_findings",
        lang,
        &[
            wording::level(r.study.conf_level, lang),
            ("tail", tail),
            ("pretrend", pretrend),
            ("smd", locale::number(crate::findings::IMBALANCE_SMD, 2, lang)),
        ],
    )
}

/// The frequency every panel outcome of the study shares (`None` when they differ).
pub(super) fn study_frequency(r: &Results) -> Option<Frequency> {
    let mut fs = r.analyses.iter().map(|a| a.design.frequency).chain(r.outcomes.iter().map(|o| o.frequency));
    let first = fs.next().unwrap_or_default();
    fs.all(|f| f == first).then_some(first)
}

/// The methods appendix: the paragraphs of the methods the study used, in the study's periods.
/// The third paragraph is the warning on cluster-robust intervals with few municipalities, which
/// the PDF repeats under its summary table.
fn methods(r: &Results, lang: Lang) -> Vec<String> {
    let s = &r.study;
    let frequency = study_frequency(r);
    let mut args = wording::period_args(frequency, lang);
    args.push(wording::level(s.conf_level, lang));
    let mut keys = vec![
        "method_did2x2",
        "method_twfe",
        "method_few_clusters",
        "method_wcr",
        "method_ri",
        "method_event",
        "method_cs",
        "method_comparison",
    ];
    if r.analyses.iter().any(|a| a.estimates.iter().any(|e| matches!(e.method, Method::Bjs | Method::Sunab))) {
        keys.insert(keys.iter().position(|k| *k == "method_cs").map_or(keys.len(), |i| i + 1), "method_staggered");
    }
    if r.analyses.iter().any(|a| a.event_study.as_ref().is_some_and(|es| es.sensitivity.is_some())) {
        keys.insert(keys.iter().position(|k| *k == "method_event").map_or(keys.len(), |i| i + 1), "method_sensitivity");
        if r.analyses.iter().any(|a| {
            a.event_study.as_ref().and_then(|es| es.sensitivity.as_ref()).is_some_and(|s| s.smoothness.is_some())
        }) {
            let at = keys.iter().position(|k| *k == "method_sensitivity").map_or(keys.len(), |i| i + 1);
            keys.insert(at, "method_sensitivity_smooth");
        }
    }
    if r.analyses.iter().any(|a| a.synth.is_some()) {
        keys.push("method_synth");
    }
    if r.analyses.iter().any(|a| a.synth.as_ref().is_some_and(|s| s.pooled.conformal.is_some())) {
        keys.push("method_synth_conformal_constant");
    }
    if r.analyses.iter().any(|a| a.synth.as_ref().is_some_and(|s| !s.conformal.is_empty())) {
        keys.push("method_synth_conformal");
    }
    if r.analyses.iter().any(|a| a.sdid.is_some()) {
        keys.push("method_sdid");
    }
    if !r.durations.is_empty() {
        keys.push("method_durations");
    }
    if !r.savings.is_empty() {
        keys.push("method_savings");
    }
    args.push(("file", s.panel_file.clone()));
    // The study measures every event study from one base.
    let base = r.analyses.iter().find_map(|a| a.event_study.as_ref()).map(|es| es.base).unwrap_or_default();
    args.push(("event_base", wording::text(&format!("event_base_{}", base.key()), lang, &args)));
    let mut methods: Vec<String> = keys
        .into_iter()
        .map(|k| {
            let text = wording::text(k, lang, &args);
            if k == "method_cs" { format!("{text} {}", cs_choices(r, lang, &args)) } else { text }
        })
        .collect();
    let covid = wording::text(
        if s.covid_handling == CovidHandling::Exclude { "covid_exclude" } else { "covid_include" },
        lang,
        &args,
    );
    let windows: Vec<String> = s
        .covid_windows
        .iter()
        .map(|w| format!("{} – {}", date_text(&w.start, lang), date_text(&w.end, lang)))
        .collect();
    methods.push(wording::text("method_covid", lang, &[("covid", covid), ("windows", windows.join("; "))]));
    methods.push(wording::text("method_suppression", lang, &[("n", s.min_cell.to_string())]));
    let coarse: std::collections::BTreeSet<Frequency> =
        r.analyses.iter().map(|a| a.design.frequency).filter(|f| *f != Frequency::Month).collect();
    for f in coarse {
        methods.push(wording::text("method_coarse", lang, &wording::period_args(Some(f), lang)));
    }
    methods.push(findings_method(r, lang));
    methods
}

/// The sentences that finish the Callaway–Sant'Anna paragraph: how municipalities with gaps
/// were handled and, when the study names covariates, the doubly robust estimator.
fn cs_choices(r: &Results, lang: Lang, args: &[(&str, String)]) -> String {
    let fits: Vec<&crate::estimate::cs::CsFit> = r.analyses.iter().filter_map(|a| a.cs.as_ref()).collect();
    let kept = fits.iter().any(|f| f.unbalanced == crate::estimate::cs::Unbalanced::Keep);
    let mut text = wording::text(if kept { "method_cs_unbalanced" } else { "method_cs_drop" }, lang, args);
    let mut names: Vec<&str> = Vec::new();
    for name in fits.iter().flat_map(|f| f.covariates.iter()) {
        let (da, en) = match name.as_str() {
            "level" => ("førperiodens niveau", "the pre-period level"),
            "trend" => ("førperiodens udvikling", "the pre-period trend"),
            "log_population" => ("indbyggertal", "population"),
            n if n.starts_with("region:") => ("region", "region"),
            other => (other, other),
        };
        let shown = if lang == Lang::Da { da } else { en };
        if !names.contains(&shown) {
            names.push(shown);
        }
    }
    if !names.is_empty() {
        let mut with = args.to_vec();
        with.push(("covariates", wording::list(&names, lang)));
        text = format!("{text} {}", wording::text("method_cs_covariates", lang, &with));
    }
    text
}

/// The findings, grouped by trial theme: verdict, sentence, caveats, raw and adjusted p-values.
pub fn findings_view(r: &Results, lang: Lang) -> Value {
    use crate::findings::wording as sentences;
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
            "ci": interval_text(f.ci_low, f.ci_high, f.estimate, d, lang),
            "verdict": f.verdict,
            "label": sentences::verdict_badge(f, lang),
            "sentence": sentences::sentence(r, f, lang),
            "caveats": f.caveats.iter().map(|c| sentences::caveat(r, f, c, lang)).collect::<Vec<_>>(),
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
    let savings: Vec<String> = r.savings.iter().filter_map(|s| sentences::savings_sentence(s, lang)).collect();
    json!({
        "pending": pending_view(r, lang),
        "method": findings_method(r, lang),
        "themes": themes.into_iter().map(|(theme, items)| json!({ "theme": theme, "items": items })).collect::<Vec<_>>(),
        "savings": savings,
    })
}

pub fn report(r: &Results, charts: &Drawn, lang: Lang) -> Value {
    let s = &r.study;
    let title = if lang == Lang::Da { &s.title } else { &s.title_en };
    let strings = wording::strings(lang, s.conf_level, study_frequency(r));
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
            for (i, a) in r.analyses.iter().enumerate().filter(|(_, a)| a.trial == trial.key && a.component == comp.key)
            {
                let chart = |slot: fn(usize) -> Slot| charts.get(slot(i));
                let o = outcome(r, &a.outcome);
                let label = outcome_label(o, &a.outcome, lang);
                let rows = estimate_rows(r, a, lang);
                for row in &rows {
                    trial_rows.push(json!({ "label": format!("{} · {}", comp.name(lang), label), "row": row }));
                }
                let comparison = comparison_text(r, a, lang);
                let f = a.design.frequency;
                let windows = format!(
                    "{}: {}. {}: {}.",
                    t("pre", lang),
                    locale::period_span(a.design.pre.first, a.design.pre.last, f, lang),
                    t("post", lang),
                    locale::period_span(a.design.post.first, a.design.post.last, f, lang)
                );
                let dropped = if a.design.dropped_months.is_empty() {
                    String::new()
                } else {
                    let count = locale::count_periods(a.design.dropped_months.len(), f, lang);
                    wording::text("dropped_covid", lang, &[("count", count)])
                };
                analyses.push(json!({
                    "outcome": label,
                    "chart": chart(Slot::Trend).map(|c| format!("/{}", c.png)),
                    "alt": chart(Slot::Trend).map(|c| c.alt.clone()),
                    "event_chart": chart(Slot::Event).map(|c| format!("/{}", c.png)),
                    "event_alt": chart(Slot::Event).map(|c| c.alt.clone()),
                    "figure_trend": wording::text("figure_trend", lang, &wording::period_args(Some(f), lang)),
                    "figure_event": figure_event(a, lang),
                    "sensitivity_chart": chart(Slot::Sensitivity).map(|c| format!("/{}", c.png)),
                    "sensitivity_alt": chart(Slot::Sensitivity).map(|c| c.alt.clone()),
                    "figure_sensitivity": t("figure_sensitivity", lang),
                    "sensitivity_text": sensitivity_text(r, a, lang),
                    "staggered_text": staggered_text(r, a, lang),
                    "rows": rows,
                    "problems": a.problems,
                    "comparison": comparison,
                    "windows": windows,
                    "dropped": dropped,
                    "balance": balance_rows(r, a, lang),
                    "profile": profile_view(r, a, lang),
                    "weights_text": weights_text(a, lang),
                    "synth": synth_view(r, a, lang),
                    "sdid_text": sdid_text(r, a, lang),
                    "synth_chart": chart(Slot::Synth).map(|c| format!("/{}", c.png)),
                    "synth_alt": chart(Slot::Synth).map(|c| c.alt.clone()),
                    "gap_chart": chart(Slot::Gap).map(|c| format!("/{}", c.png)),
                    "gap_alt": chart(Slot::Gap).map(|c| c.alt.clone()),
                    "weights_chart": chart(Slot::Weights).map(|c| format!("/{}", c.png)),
                    "weights_alt": chart(Slot::Weights).map(|c| c.alt.clone()),
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

    let methods = methods(r, lang);
    let events: Vec<String> = s
        .events
        .iter()
        .map(|e| format!("{}: {}", date_text(&e.date, lang), if lang == Lang::Da { &e.label } else { &e.label_en }))
        .collect();

    json!({
        "lang": if lang == Lang::Da { "da" } else { "en" },
        "title": title,
        "study": s.name,
        "notice": notice,
        "data_period": locale::period_span(
            s.data_months.first,
            s.data_months.last,
            study_frequency(r).unwrap_or_default(),
            lang
        ),
        "panel_file": s.panel_file,
        "data_notes": data_notes(r, lang),
        "tool": r.tool,
        "t": strings,
        "summary": summary,
        "findings": findings_view(r, lang),
        "forest": charts.get(Slot::Forest).map(|c| format!("/{}", c.png)),
        "forest_alt": charts.get(Slot::Forest).map(|c| c.alt.clone()),
        "trials": trials,
        "savings": savings_view(r, charts, lang),
        "durations": durations_view(r, charts, lang),
        "methods": methods,
        "events": events,
    })
}
