//! `pixi.pdf`: the short edition for policymakers (4–8 pages), after the North Jutland pixi:
//! title, résumé, background, "Evalueringerne viser samlet set" with generated bullets,
//! findings by theme with a key-number box and one chart each, a method box, caveats and the
//! list of trials — with the effect sizes and intervals the original lacked.

use serde_json::{Value, json};

use super::{Exporter, RenderError, typst_world, view};
use crate::charts::Drawn;
use crate::charts::plan::Slot;
use crate::findings::wording as sentences;
use crate::findings::{Caveat, Finding, Verdict};
use crate::locale;
use crate::results::Results;
use crate::study::Lang;
use crate::wording;

const TEMPLATE: &str = include_str!("pixi.typ");

/// Most bullets under "Evalueringerne viser samlet set".
const MAX_BULLETS: usize = 6;
/// Most findings spelled out per theme (the strongest; the full report has the rest).
const PER_THEME: usize = 4;

pub struct PixiReport {
    pub lang: Lang,
}

impl Exporter for PixiReport {
    fn file_name(&self) -> String {
        "pixi.pdf".into()
    }

    fn render(&self, results: &Results, charts: &Drawn) -> Result<Vec<u8>, RenderError> {
        Ok(self.typeset(results, charts)?.pdf)
    }
}

impl PixiReport {
    /// The pixi's data, as the JSON its template reads (for review and snapshot tests).
    pub fn source(&self, results: &Results, charts: &Drawn) -> String {
        serde_json::to_string_pretty(&pixi(results, charts, self.lang)).unwrap_or_default()
    }

    pub fn typeset(&self, results: &Results, charts: &Drawn) -> Result<typst_world::Typeset, RenderError> {
        let data = pixi(results, charts, self.lang);
        typst_world::typeset_view(TEMPLATE, &data, &charts.files, &format!("frikommune/{}-pixi", results.study.name))
    }
}

/// The method note on synthetic comparison groups, naming the trials that use one.
fn synth_note(r: &Results, lang: Lang) -> String {
    let mut trials: Vec<String> = r
        .analyses
        .iter()
        .filter(|a| a.synth.is_some())
        .filter_map(|a| r.trials.iter().find(|t| t.key == a.trial))
        .map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() })
        .collect();
    trials.dedup();
    if trials.is_empty() {
        String::new()
    } else {
        wording::text("pixi_method_synth", lang, &[("trials", trials.join(", "))])
    }
}

/// The strongest finding: a decided verdict first, then the smallest Holm-adjusted p-value.
fn strongest<'a>(findings: impl Iterator<Item = &'a Finding>) -> Option<&'a Finding> {
    findings.min_by(|a, b| {
        let rank = |f: &Finding| matches!(f.verdict, Verdict::Inconclusive) as u8;
        rank(a).cmp(&rank(b)).then(a.p_holm.total_cmp(&b.p_holm))
    })
}

fn pixi(r: &Results, charts: &Drawn, lang: Lang) -> Value {
    let da = lang == Lang::Da;
    let s = &r.study;
    let name_of = |key: &str| {
        r.trials
            .iter()
            .find(|t| t.key == key)
            .map(|t| if da { t.name.clone() } else { t.name_en.clone() })
            .unwrap_or_default()
    };
    let theme_of =
        |trial: &str| r.trials.iter().find(|t| t.key == trial).map(|t| t.theme(lang).to_string()).unwrap_or_default();
    let mut themes: Vec<String> = Vec::new();
    for t in &r.trials {
        if !themes.iter().any(|x| x == t.theme(lang)) {
            themes.push(t.theme(lang).to_string());
        }
    }
    let count = |v: &[Verdict]| r.findings.iter().filter(|f| v.contains(&f.verdict)).count().to_string();
    let tally = wording::text(
        "pixi_tally",
        lang,
        &[
            ("n", r.findings.len().to_string()),
            ("better", count(&[Verdict::Better])),
            ("par", count(&[Verdict::OnPar, Verdict::Maintained])),
            ("worse", count(&[Verdict::Worse])),
            ("open", count(&[Verdict::Inconclusive])),
        ],
    );
    let mut municipalities: Vec<u16> =
        r.trials.iter().flat_map(|t| t.components.iter().flat_map(|c| c.participants.iter().map(|p| p.code))).collect();
    municipalities.sort();
    municipalities.dedup();
    let mut networks: Vec<String> = r.trials.iter().map(|t| t.network.clone()).filter(|n| !n.is_empty()).collect();
    networks.dedup();
    // Who the trial municipalities are compared with, as the designs say: every other
    // municipality, municipalities chosen to be like them, or both.
    use crate::study::ComparisonDesign as D;
    let all = r.analyses.iter().filter(|a| a.design.comparison == D::All).count();
    let comparison = match (all, r.analyses.len()) {
        (0, _) => "pixi_comparison_like",
        (a, n) if a == n => "pixi_comparison_all",
        _ => "pixi_comparison_mixed",
    };
    let resume = wording::text(
        "pixi_resume_text",
        lang,
        &[
            ("comparison", wording::t(comparison, lang).to_string()),
            ("trials", r.trials.len().to_string()),
            ("municipalities", municipalities.len().to_string()),
            ("networks", if networks.is_empty() { String::new() } else { format!(" ({})", networks.join(", ")) }),
            ("tally", tally.clone()),
        ],
    );
    let named_themes: Vec<&String> = themes.iter().filter(|t| !t.is_empty()).collect();
    let mut background = wording::text("pixi_background_text", lang, &[]);
    if !named_themes.is_empty() {
        let key = if named_themes.len() == 1 { "pixi_theme_one" } else { "pixi_themes" };
        background.push(' ');
        background.push_str(&wording::text(
            key,
            lang,
            &[
                ("n", named_themes.len().to_string()),
                ("themes", named_themes.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("; ")),
            ],
        ));
    }

    // Savings belong to the theme of their components' trials.
    let savings_theme = |sv: &crate::results::SavingsResult| {
        sv.components.first().and_then(|c| c.split_once('.')).map(|(t, _)| theme_of(t)).unwrap_or_default()
    };
    let mut bullets: Vec<String> = r.savings.iter().filter_map(|sv| sentences::savings_sentence(sv, lang)).collect();
    let mut used = Vec::new();
    for theme in &themes {
        if let Some(f) = strongest(r.findings.iter().filter(|f| &theme_of(&f.trial) == theme)) {
            bullets.push(sentences::sentence(r, f, lang));
            used.push(f.analysis.clone());
        }
    }
    let mut rest: Vec<&Finding> = r.findings.iter().filter(|f| !used.contains(&f.analysis)).collect();
    while bullets.len() < MAX_BULLETS - 1 && !rest.is_empty() {
        let Some(f) = strongest(rest.iter().copied()) else { break };
        bullets.push(sentences::sentence(r, f, lang));
        rest.retain(|x| x.analysis != f.analysis);
    }
    bullets.truncate(MAX_BULLETS - 1);
    bullets.push(tally);

    let theme_views: Vec<Value> = themes
        .iter()
        .map(|theme| {
            let all: Vec<&Finding> = r.findings.iter().filter(|f| &theme_of(&f.trial) == theme).collect();
            let top = strongest(all.iter().copied());
            let mut findings = Vec::new();
            let mut left = all.clone();
            while findings.len() < PER_THEME {
                let Some(f) = strongest(left.iter().copied()) else { break };
                findings.push(f);
                left.retain(|x| x.analysis != f.analysis);
            }
            let more = (all.len() > findings.len())
                .then(|| wording::text("pixi_more", lang, &[("n", (all.len() - findings.len()).to_string())]));
            let saving = r.savings.iter().find(|sv| &savings_theme(sv) == theme && sv.total.is_some());
            let (key_number, key_label, chart, alt) = match (saving, top) {
                (Some(sv), _) => {
                    let total = sv.total.as_ref().expect("filtered");
                    let i = r.savings.iter().position(|x| std::ptr::eq(x, sv)).unwrap_or_default();
                    let chart = charts.get(Slot::Spending(i));
                    let interval = wording::text(
                        "pixi_key_interval",
                        lang,
                        &[
                            wording::level(sv.conf_level, lang),
                            ("lo", locale::money(total.ci_low, lang)),
                            ("hi", locale::money(total.ci_high, lang)),
                        ],
                    );
                    (
                        locale::money(total.savings, lang),
                        format!("{} · {interval}", if da { &sv.name } else { &sv.name_en }),
                        chart.map(|c| format!("/{}", c.png)),
                        chart.map(|c| c.alt.clone()),
                    )
                }
                (None, Some(f)) => {
                    let a = r.analyses.iter().position(|a| a.id == f.analysis);
                    let o = r.outcomes.iter().find(|o| o.key == f.outcome);
                    let unit = o.map(|o| o.unit).unwrap_or(crate::study::Unit::Count);
                    let d = locale::decimals(unit);
                    let duration =
                        r.durations.iter().position(|d| crate::findings::duration_outcome(&d.key) == f.analysis);
                    let chart = a
                        .and_then(|i| charts.get(Slot::Synth(i)).or(charts.get(Slot::Trend(i))))
                        .or_else(|| duration.and_then(|i| charts.get(Slot::Durations(i))));
                    let absolute =
                        format!("{} {}", locale::signed(f.estimate, d, lang), locale::difference_unit(unit, lang));
                    let label = o.map(|o| if da { o.label.clone() } else { o.label_en.clone() }).unwrap_or_default();
                    let interval = wording::text(
                        "pixi_key_interval",
                        lang,
                        &[
                            wording::level(f.conf_level, lang),
                            ("lo", locale::signed(f.ci_low, locale::interval_decimals(f.ci_low, f.ci_high, d), lang)),
                            ("hi", locale::signed(f.ci_high, locale::interval_decimals(f.ci_low, f.ci_high, d), lang)),
                        ],
                    );
                    // A policymaker reads "−12 %" more readily than "−14,3 antal": the relative
                    // figure leads where there is one, the effect in the outcome's unit follows.
                    let (key, detail) = match f.relative {
                        Some(rel) => (
                            wording::text("pixi_relative", lang, &[("rel", locale::signed(100.0 * rel, 0, lang))]),
                            format!(
                                "{label}: {absolute} ({interval}), {}",
                                wording::text("pixi_relative_of", lang, &[])
                            ),
                        ),
                        None => (absolute, format!("{label} · {interval}")),
                    };
                    (key, detail, chart.map(|c| format!("/{}", c.png)), chart.map(|c| c.alt.clone()))
                }
                (None, None) => (String::new(), String::new(), None, None),
            };
            json!({
                "theme": theme,
                "key_number": key_number,
                "key_label": key_label,
                "findings": findings.iter().map(|f| json!({
                    "label": sentences::verdict_badge(f, lang),
                    "verdict": f.verdict,
                    "sentence": sentences::sentence(r, f, lang),
                })).collect::<Vec<_>>(),
                "more": more,
                "chart": chart,
                "alt": alt,
            })
        })
        .collect();

    // Caveats in general terms, each once.
    let mut caveats = Vec::new();
    let few: Vec<usize> = r
        .findings
        .iter()
        .flat_map(|f| &f.caveats)
        .filter_map(|c| if let Caveat::FewTreated { n } = c { Some(*n) } else { None })
        .collect();
    if let (Some(lo), Some(hi)) = (few.iter().min(), few.iter().max()) {
        let n = if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") };
        caveats.push(wording::text("pixi_caveat_few", lang, &[("n", n)]));
    }
    let pretrend = r.findings.iter().filter(|f| f.caveats.iter().any(|c| matches!(c, Caveat::PreTrend { .. }))).count();
    if pretrend > 0 {
        caveats.push(wording::text("pixi_caveat_pretrend", lang, &[("n", pretrend.to_string())]));
    }
    if r.findings.iter().any(|f| f.caveats.iter().any(|c| matches!(c, Caveat::Overlap { .. }))) {
        caveats.push(wording::text("pixi_caveat_overlap", lang, &[]));
    }
    // Caveats that recur with a different number per result, counted once.
    let count = |is: fn(&Caveat) -> bool| r.findings.iter().filter(|f| f.caveats.iter().any(is)).count();
    let imbalance = count(|c| matches!(c, Caveat::Imbalance { .. }));
    if imbalance > 0 {
        let limit = crate::locale::number(crate::findings::IMBALANCE_SMD, 2, lang);
        caveats.push(wording::text("pixi_caveat_imbalance", lang, &[("n", imbalance.to_string()), ("limit", limit)]));
    }
    let disagree = count(|c| matches!(c, Caveat::Disagree { .. }));
    if disagree > 0 {
        caveats.push(wording::text("pixi_caveat_disagree", lang, &[("n", disagree.to_string())]));
    }
    let cs = count(|c| matches!(c, Caveat::CsPretest { .. }));
    if cs > 0 {
        caveats.push(wording::text("pixi_caveat_cs_pretest", lang, &[("n", cs.to_string())]));
    }
    for f in &r.findings {
        for c in &f.caveats {
            // Every other caveat in its own words (those above are said in general terms), so
            // "Forbehold" is never empty while a finding has a caveat.
            if !matches!(
                c,
                Caveat::FewTreated { .. }
                    | Caveat::PreTrend { .. }
                    | Caveat::Overlap { .. }
                    | Caveat::Imbalance { .. }
                    | Caveat::Disagree { .. }
                    | Caveat::CsPretest { .. }
            ) {
                let text = sentences::caveat(r, f, c, lang);
                if !caveats.contains(&text) {
                    caveats.push(text);
                }
            }
        }
    }

    let trials: Vec<Value> = r
        .trials
        .iter()
        .map(|t| {
            let mut codes: Vec<u16> = t.components.iter().flat_map(|c| c.participants.iter().map(|p| p.code)).collect();
            codes.sort();
            codes.dedup();
            let start = t.components.iter().map(|c| c.start.clone()).min().unwrap_or_default();
            json!({
                "name": name_of(&t.key),
                "theme": t.theme(lang),
                "n": codes.len(),
                "start": view::date_text(&start, lang),
                // A trial with nothing evaluable yet says so instead of an end date.
                "evaluation_end": if !r.analyses.iter().any(|a| a.trial == t.key) && r.pending.iter().any(|p| p.trial == t.key) {
                    wording::t("pending_title", lang).to_string()
                } else {
                    view::date_text(&t.evaluation_end, lang)
                },
            })
        })
        .collect();
    let strings = wording::strings(lang, s.conf_level, view::study_frequency(r));
    json!({
        "lang": if da { "da" } else { "en" },
        "title": if da { &s.title } else { &s.title_en },
        "notice": s.synthetic.then(|| wording::t("synthetic_notice", lang).to_string()),
        "networks": networks.join(" · "),
        "data_period": locale::period_span(
            s.data_months.first,
            s.data_months.last,
            view::study_frequency(r).unwrap_or_default(),
            lang
        ),
        "t": strings,
        "resume": resume,
        "background": background,
        "bullets": bullets,
        "themes": theme_views,
        "method": wording::text(
            "pixi_method",
            lang,
            &[wording::level(s.conf_level, lang), ("synth", synth_note(r, lang))],
        ),
        "caveats": caveats,
        "pending": view::pending_view(r, lang),
        "trials": trials,
        "tool": r.tool,
    })
}
