//! Which charts a set of results gets in one language: each chart's specification, its file
//! name and its alt text, worded from [`crate::wording`]. A pure function of the results: the
//! pipeline draws what this plans, and `frikommune report` plans the same from `results.json`.

use super::{
    BarChart, EventChart, ForestChart, GapChart, SensitivityChart, SensitivityPanel, SurvivalChart, TrendChart,
};
use crate::ingest::periods::Frequency;
use crate::locale;
use crate::period::Month;
use crate::results::{Analysis, DurationResult, Results, SavingsResult};
use crate::study::{Lang, Unit};
use crate::wording::{self, t};

/// One chart's specification, of any kind.
pub enum Spec {
    Trend(TrendChart),
    Event(EventChart),
    Sensitivity(SensitivityChart),
    Gap(GapChart),
    Bars(BarChart),
    Survival(SurvivalChart),
    Forest(ForestChart),
}

impl Spec {
    /// The chart as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>, super::DrawError> {
        match self {
            Spec::Trend(c) => super::png_bytes(c),
            Spec::Event(c) => super::png_bytes(c),
            Spec::Sensitivity(c) => super::png_bytes(c),
            Spec::Gap(c) => super::png_bytes(c),
            Spec::Bars(c) => super::png_bytes(c),
            Spec::Survival(c) => super::png_bytes(c),
            Spec::Forest(c) => super::png_bytes(c),
        }
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> Result<String, super::DrawError> {
        match self {
            Spec::Trend(c) => super::render_svg(c),
            Spec::Event(c) => super::render_svg(c),
            Spec::Sensitivity(c) => super::render_svg(c),
            Spec::Gap(c) => super::render_svg(c),
            Spec::Bars(c) => super::render_svg(c),
            Spec::Survival(c) => super::render_svg(c),
            Spec::Forest(c) => super::render_svg(c),
        }
    }
}

/// Where a chart belongs: the analysis, savings or durations result (by index) and its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Trend(usize),
    Event(usize),
    Sensitivity(usize),
    Synth(usize),
    Gap(usize),
    Weights(usize),
    Spending(usize),
    SavingsUnits(usize),
    Durations(usize),
    Forest,
}

/// A chart to draw: where it belongs, its path without extension (`charts/rehab-jaf-x`), what it
/// shows and its alt text.
pub struct Planned {
    pub slot: Slot,
    pub base: String,
    pub spec: Spec,
    pub alt: String,
}

/// Every chart of `results` in `lang`, in a fixed order: per analysis its trend, event study,
/// sensitivity to parallel trends, synthetic comparison, gap and weights; per savings analysis its spending and per-municipality
/// savings; per durations analysis its curves; last the forest plot.
pub fn plan(results: &Results, lang: Lang) -> Vec<Planned> {
    let mut out = Vec::new();
    let mut add = |slot, base: String, chart: Option<(Spec, String)>| {
        if let Some((spec, alt)) = chart {
            out.push(Planned { slot, base, spec, alt });
        }
    };
    for (i, a) in results.analyses.iter().enumerate() {
        let base = format!("charts/{}", a.id.replace('.', "-"));
        add(
            Slot::Trend(i),
            base.clone(),
            Some((Spec::Trend(trend_chart(results, a, lang)), alt_text(results, a, lang))),
        );
        add(
            Slot::Event(i),
            format!("{base}-event"),
            event_chart(results, a, lang).map(|(c, alt)| (Spec::Event(c), alt)),
        );
        add(
            Slot::Sensitivity(i),
            format!("{base}-sensitivity"),
            sensitivity_chart(results, a, lang).map(|(c, alt)| (Spec::Sensitivity(c), alt)),
        );
        add(
            Slot::Synth(i),
            format!("{base}-synth"),
            synthetic_chart(results, a, lang).map(|(c, alt)| (Spec::Trend(c), alt)),
        );
        add(Slot::Gap(i), format!("{base}-gap"), gap_chart_spec(results, a, lang).map(|(c, alt)| (Spec::Gap(c), alt)));
        add(
            Slot::Weights(i),
            format!("{base}-weights"),
            weights_chart_spec(results, a, lang).map(|(c, alt)| (Spec::Bars(c), alt)),
        );
    }
    for (i, s) in results.savings.iter().enumerate() {
        let base = format!("charts/savings-{}", s.key);
        add(Slot::Spending(i), base.clone(), spending_chart(results, s, lang).map(|(c, alt)| (Spec::Trend(c), alt)));
        add(
            Slot::SavingsUnits(i),
            format!("{base}-units"),
            savings_units_chart(results, s, lang).map(|(c, alt)| (Spec::Bars(c), alt)),
        );
    }
    for (i, d) in results.durations.iter().enumerate() {
        add(
            Slot::Durations(i),
            format!("charts/durations-{}", d.key),
            survival_chart(results, d, lang).map(|(c, alt)| (Spec::Survival(c), alt)),
        );
    }
    add(Slot::Forest, "charts/forest".into(), forest_chart(results, lang).map(|(c, alt)| (Spec::Forest(c), alt)));
    out
}

/// The forest plot: a panel per outcome, a row per trial component, the deciding estimates.
fn forest_chart(results: &Results, lang: Lang) -> Option<(ForestChart, String)> {
    use super::{ForestPanel, ForestRow};
    use crate::findings::wording as sentences;
    let mut panels: Vec<ForestPanel> = Vec::new();
    let mut alt = Vec::new();
    for o in &results.outcomes {
        let label_of = if lang == Lang::Da { &o.label } else { &o.label_en };
        let rows: Vec<ForestRow> = results
            .findings
            .iter()
            .filter(|f| f.outcome == o.key)
            .map(|f| {
                let trial = results.trials.iter().find(|t| t.key == f.trial);
                let name = trial.map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() });
                let label = name.unwrap_or_else(|| f.trial.clone());
                alt.push(format!(
                    "{label}, {}: {} [{}; {}] ({})",
                    label_of,
                    locale::number(f.estimate, locale::decimals(o.unit), lang),
                    locale::number(
                        f.ci_low,
                        locale::interval_decimals(f.ci_low, f.ci_high, locale::decimals(o.unit)),
                        lang
                    ),
                    locale::number(
                        f.ci_high,
                        locale::interval_decimals(f.ci_low, f.ci_high, locale::decimals(o.unit)),
                        lang
                    ),
                    sentences::verdict_badge(f, lang)
                ));
                ForestRow { label, estimate: f.estimate, ci_low: f.ci_low, ci_high: f.ci_high, verdict: f.verdict }
            })
            .collect();
        if !rows.is_empty() {
            panels.push(ForestPanel {
                label: format!("{label_of} ({})", locale::difference_unit(o.unit, lang)),
                margin: o.margin,
                decimals: locale::decimals(o.unit),
                rows,
            });
        }
    }
    if panels.is_empty() {
        return None;
    }
    let footnote = vec![wording::text("forest_footnote", lang, &[wording::level(results.study.conf_level, lang)])];
    let chart = ForestChart {
        title: t("figure_forest", lang).to_string(),
        subtitle: if lang == Lang::Da { results.study.title.clone() } else { results.study.title_en.clone() },
        panels,
        footnote: footnote.clone(),
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        lang,
    };
    Some((chart, format!("{}: {}. {}", t("figure_forest", lang), alt.join("; "), footnote[0])))
}

fn sensitivity_chart(results: &Results, a: &Analysis, lang: Lang) -> Option<(SensitivityChart, String)> {
    let es = a.event_study.as_ref()?;
    let s = es.sensitivity.as_ref()?;
    let (trial, comp, outcome) = names(results, a, lang);
    let unit = results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit).unwrap_or(Unit::Count);
    let f = a.design.frequency;
    let sentence = wording::sensitivity_sentence(s, es.base, f, unit, lang);
    let mut args = wording::period_args(Some(f), lang);
    let smooth =
        if s.smoothness.is_some() { wording::text("alt_sensitivity_smooth", lang, &args) } else { String::new() };
    args.extend([
        ("outcome", outcome.clone()),
        ("component", comp.clone()),
        ("sentence", sentence.clone()),
        ("smooth", smooth),
    ]);
    let alt = wording::text("alt_sensitivity", lang, &args);
    let mut axis = wording::period_args(Some(f), lang);
    axis.push(wording::level(results.study.conf_level, lang));
    let mut panels = vec![SensitivityPanel {
        heading: t("sensitivity_panel_rm", lang).to_string(),
        x_label: wording::text("sensitivity_axis", lang, &axis),
        set_label: Some(t("sensitivity_set", lang).to_string()),
        ci_label: wording::text("sensitivity_ci", lang, &axis),
        breakdown_label: t("sensitivity_breakdown", lang).to_string(),
        bars: (0..=8)
            .map(|k| s.mean_at(s.chart_reach() * k as f64 / 8.0))
            .map(|b| (b.mbar, (b.lower, b.upper), (b.ci_low, b.ci_high)))
            .collect(),
        breakdown: s.mean.breakdown,
    }];
    if let Some(sd) = &s.smoothness {
        panels.push(SensitivityPanel {
            heading: t("sensitivity_panel_sd", lang).to_string(),
            x_label: wording::text("sensitivity_smooth_axis", lang, &axis),
            set_label: None,
            ci_label: wording::text("sensitivity_smooth_ci", lang, &axis),
            breakdown_label: t("sensitivity_breakdown", lang).to_string(),
            bars: sd.grid.iter().map(|b| (b.m, (b.estimate, b.estimate), (b.ci_low, b.ci_high))).collect(),
            breakdown: sd.mean.breakdown,
        });
    }
    let chart = SensitivityChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {}", t("sensitivity_subtitle", lang)),
        y_label: format!("{} ({})", t("sensitivity_y", lang), locale::difference_unit(unit, lang)),
        footnote: vec![sentence],
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        panels,
        lang,
    };
    Some((chart, alt))
}

fn event_chart(results: &Results, a: &Analysis, lang: Lang) -> Option<(EventChart, String)> {
    let es = a.event_study.as_ref()?;
    // Coefficients hidden for disclosure are not drawn; with none left there is no chart.
    if es.rows.iter().all(|r| r.reference || r.suppressed) {
        return None;
    }
    let (trial, comp, outcome) = names(results, a, lang);
    let unit = results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit).unwrap_or(Unit::Count);
    let f = a.design.frequency;
    let mut base_args = wording::period_args(Some(f), lang);
    let base = wording::text(&format!("event_base_{}", es.base.key()), lang, &base_args);
    base_args.push(("event_base", base));
    let mut footnote: Vec<String> = std::iter::once(wording::text("event_base_note", lang, &base_args))
        .chain(es.pretrend.iter().map(|w| {
            let mut args = wording::period_args(Some(f), lang);
            args.extend([
                wording::level(results.study.conf_level, lang),
                ("test", w.reference.clone()),
                ("stat", locale::number(w.stat, 2, lang)),
                ("p", locale::p_equals(w.p_value, lang)),
            ]);
            wording::text("event_footnote", lang, &args)
        }))
        .collect();
    if let Some(p) = &a.placebo {
        footnote.push(wording::text("placebo_footnote", lang, &[("p", locale::p_equals(p.interval.p_value, lang))]));
    }
    let mut args = wording::period_args(Some(f), lang);
    args.extend([
        ("outcome", outcome.clone()),
        ("component", comp.clone()),
        ("leads", es.leads.to_string()),
        ("lags", es.lags.to_string()),
        ("footnote", footnote.join(" ")),
    ]);
    let mut alt = wording::text("alt_event", lang, &args);
    let chart = EventChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {}", t("event_subtitle", lang)),
        y_label: format!("{} ({})", t("difference", lang), locale::difference_unit(unit, lang)),
        x_label: wording::text("event_axis", lang, &wording::period_args(Some(f), lang)),
        lead_label: t("event_lead", lang).to_string(),
        effect_label: t("event_effect", lang).to_string(),
        footnote,
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        points: es
            .rows
            .iter()
            .filter(|r| !r.suppressed)
            .map(|r| {
                let i = &r.interval;
                let ci = (i.ci_low.is_finite() && i.ci_high.is_finite()).then_some((i.ci_low, i.ci_high));
                (r.rel_time, i.estimate, ci, r.binned)
            })
            .collect(),
        // The imputation estimate by horizon, over the event study's effect periods (its last,
        // binned end point excluded).
        overlay: a
            .imputation
            .iter()
            .filter(|h| !h.suppressed && h.interval.has_width())
            .filter(|h| es.rows.iter().any(|r| r.rel_time == h.rel_time && !r.binned))
            .map(|h| (h.rel_time, h.interval.estimate, h.interval.ci_low, h.interval.ci_high))
            .collect(),
        overlay_label: t("event_imputation", lang).to_string(),
        lang,
    };
    if !chart.overlay.is_empty() {
        alt = format!("{alt} {}", t("alt_event_imputation", lang));
    }
    Some((chart, alt))
}

/// Where a chart draws a value filed under the last month of its period: the period's middle
/// month (the month itself for monthly data).
fn plotted(last: Month, f: Frequency) -> Month {
    last.plus(-((f.step().unwrap_or(1) as i32 - 1) / 2))
}

/// Treated mean vs its synthetic control (or SDID's comparison), on the trend chart's axes.
fn synthetic_chart(results: &Results, a: &Analysis, lang: Lang) -> Option<(TrendChart, String)> {
    let (periods, treated, other, start, other_label) = match (&a.synth, &a.sdid) {
        (Some(s), _) => (
            &s.periods,
            &s.pooled.treated,
            &s.pooled.synthetic,
            s.pooled.start,
            t("synthetic_control", lang).to_string(),
        ),
        (None, Some(d)) => {
            (&d.periods, &d.treated, &d.counterfactual, d.start, t("sdid_counterfactual", lang).to_string())
        }
        _ => return None,
    };
    let mut chart = trend_chart(results, a, lang);
    chart.treated_label = format!("{} (n = {})", t("treated_mean", lang), a.design.treated.len());
    chart.comparison_label = other_label.clone();
    chart.start = start;
    // Months left out of estimation (COVID windows) break both lines instead of bridging them.
    let by_month: std::collections::BTreeMap<Month, (Option<f64>, f64)> =
        periods.iter().zip(treated).zip(other).map(|((m, y), s)| (*m, (*y, *s))).collect();
    let f = a.design.frequency;
    chart.points = periods[0]
        .through(periods[periods.len() - 1])
        .filter(|m| f.is_period_end(*m))
        .map(|m| match by_month.get(&m) {
            Some((y, s)) => (plotted(m, f), *y, Some(*s)),
            None => (plotted(m, f), None, None),
        })
        .collect();
    let (_, comp, outcome) = names(results, a, lang);
    let alt = wording::text(
        "alt_synth",
        lang,
        &[
            ("outcome", outcome),
            ("component", comp),
            ("n", a.design.treated.len().to_string()),
            ("comparison", other_label.to_lowercase()),
            ("span", locale::period_span(periods[0], periods[periods.len() - 1], f, lang)),
        ],
    );
    Some((chart, alt))
}

fn gap_chart_spec(results: &Results, a: &Analysis, lang: Lang) -> Option<(super::GapChart, String)> {
    let s = a.synth.as_ref()?;
    let (trial, comp, outcome) = names(results, a, lang);
    let unit = results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit).unwrap_or(Unit::Count);
    let p = &s.pooled;
    // Every period from the first to the last; periods left out (COVID windows) are gaps.
    let months: Vec<Month> =
        s.periods[0].through(s.periods[s.periods.len() - 1]).filter(|m| a.design.frequency.is_period_end(*m)).collect();
    let over_months = |values: Vec<Option<f64>>| -> Vec<(Month, Option<f64>)> {
        let by_month: std::collections::BTreeMap<Month, Option<f64>> = s.periods.iter().copied().zip(values).collect();
        months.iter().map(|m| (plotted(*m, a.design.frequency), by_month.get(m).copied().flatten())).collect()
    };
    let treated = over_months(p.treated.iter().zip(&p.synthetic).map(|(y, syn)| y.map(|y| y - syn)).collect());
    let limit = 5.0 * p.pre_rmspe;
    let placebos: Vec<Vec<(Month, Option<f64>)>> =
        s.placebos.iter().filter(|g| g.pre_rmspe <= limit).map(|g| over_months(g.gap.clone())).collect();
    let footnote = wording::text(
        "gap_footnote",
        lang,
        &[("p", locale::p_equals(p.p_value, lang)), ("n", p.n_placebos.to_string())],
    );
    let mut args = wording::period_args(Some(a.design.frequency), lang);
    args.push(wording::level(results.study.conf_level, lang));
    let conformal: Vec<(Month, f64, f64)> = s
        .conformal
        .iter()
        .filter(|c| c.ci_low.is_finite() && c.ci_high.is_finite())
        .map(|c| (plotted(c.period, a.design.frequency), c.ci_low, c.ci_high))
        .collect();
    let mut footnotes = vec![footnote.clone()];
    if !s.conformal.is_empty() {
        args.push(("unbounded", (s.conformal.len() - conformal.len()).to_string()));
        args.push(("n", s.conformal.len().to_string()));
        // The bars' explanation when any is drawn, and how many periods have none.
        let mut text = Vec::new();
        if !conformal.is_empty() {
            text.push(wording::text("conformal_footnote", lang, &args));
        }
        if conformal.len() < s.conformal.len() {
            text.push(wording::text("conformal_unbounded", lang, &args));
        }
        footnotes.push(text.join(" "));
    }
    let alt = wording::text(
        "alt_gap",
        lang,
        &[
            ("outcome", outcome.clone()),
            ("component", comp.clone()),
            ("n", placebos.len().to_string()),
            ("footnote", footnotes.join(" ")),
        ],
    );
    let chart = super::GapChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {}", t("gap", lang).to_lowercase()),
        y_label: format!("{} ({})", t("difference", lang), locale::difference_unit(unit, lang)),
        treated_label: t("treated_mean", lang).to_string(),
        placebo_label: t("placebo_gaps", lang).to_string(),
        start_label: format!("{} {}", t("trial_start", lang), locale::period(p.start, a.design.frequency, lang)),
        footnote: footnotes,
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        start: p.start,
        treated,
        placebos,
        conformal,
        conformal_label: wording::text("conformal_intervals", lang, &args),
        lang,
    };
    Some((chart, alt))
}

fn weights_chart_spec(results: &Results, a: &Analysis, lang: Lang) -> Option<(super::BarChart, String)> {
    let weights = match (&a.synth, &a.sdid) {
        (Some(s), _) => &s.pooled.weights,
        (None, Some(d)) => &d.weights,
        _ => return None,
    };
    let (trial, comp, outcome) = names(results, a, lang);
    let footnote = wording::text("weights_footnote", lang, &[("n", weights.len().to_string())]);
    let listed: Vec<String> =
        weights.iter().take(15).map(|w| format!("{} {}", w.name, locale::number(w.weight, 3, lang))).collect();
    let alt = format!("{}: {}. {footnote}", t("figure_weights", lang), listed.join(", "));
    let method = if a.synth.is_some() { t("synthetic_control", lang) } else { t("sdid", lang) };
    let chart = super::BarChart {
        title: trial,
        subtitle: format!("{comp} · {outcome} · {method}"),
        x_label: t("weight", lang).to_string(),
        footnote: vec![footnote],
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        bars: weights.iter().map(|w| super::Bar { label: w.name.clone(), value: w.weight, interval: None }).collect(),
        decimals: 3,
        lang,
    };
    Some((chart, alt))
}

/// Survival curves of the four groups × periods.
fn survival_chart(results: &Results, d: &DurationResult, lang: Lang) -> Option<(super::SurvivalChart, String)> {
    let label = |g: &crate::results::SurvivalGroup| {
        let who = if g.group == "trial" { t("treated", lang) } else { t("comparison_short", lang) };
        let when = if g.period == "during" { t("survival_during", lang) } else { t("survival_before", lang) };
        let n = g.n.map(|n| locale::number(n as f64, 0, lang)).unwrap_or_else(|| "..".into());
        format!("{who}, {when} (n = {n})")
    };
    let curves: Vec<super::SurvivalCurve> = d
        .groups
        .iter()
        .filter(|g| !g.curve.is_empty())
        .map(|g| super::SurvivalCurve {
            label: label(g),
            trial: g.group == "trial",
            during: g.period == "during",
            points: g.curve.iter().map(|p| (p.weeks, p.survival, p.ci_low, p.ci_high)).collect(),
        })
        .collect();
    if curves.is_empty() {
        return None;
    }
    let hr = d.cox.as_ref().and_then(|c| c.rows.get(2)).map(|r| {
        format!(
            "{} {} [{}; {}], {}",
            t("survival_hr", lang),
            locale::number(r.hazard_ratio, 2, lang),
            locale::number(r.ci_low, 2, lang),
            locale::number(r.ci_high, 2, lang),
            locale::p_equals(r.p_value, lang)
        )
    });
    let mut footnote = vec![wording::text(
        "survival_footnote",
        lang,
        &[wording::level(d.conf_level, lang), ("n", d.min_cell.to_string())],
    )];
    footnote.extend(hr.clone());
    let medians: Vec<String> = d
        .groups
        .iter()
        .map(|g| {
            format!(
                "{}: {}",
                label(g),
                g.median
                    .map(|m| format!("{} {}", locale::number(m, 1, lang), t("weeks", lang)))
                    .unwrap_or_else(|| "..".into())
            )
        })
        .collect();
    let alt = format!(
        "{}. {}: {}. {}",
        t("figure_survival", lang),
        t("survival_median", lang),
        medians.join("; "),
        hr.unwrap_or_default()
    );
    let (trial, comp, _) = {
        let tr = results.trials.iter().find(|x| x.key == d.trial);
        let c = tr.and_then(|x| x.components.iter().find(|c| c.key == d.component));
        (
            tr.map(|x| if lang == Lang::Da { x.name.clone() } else { x.name_en.clone() }).unwrap_or_default(),
            c.map(|c| c.name(lang).to_string()).unwrap_or_default(),
            (),
        )
    };
    let chart = super::SurvivalChart {
        title: if lang == Lang::Da { d.name.clone() } else { d.name_en.clone() },
        subtitle: format!("{trial} · {comp}"),
        x_label: t("survival_x", lang).to_string(),
        y_label: t("survival_y", lang).to_string(),
        footnote,
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        curves,
        x_max: Some(1.5 * d.horizon_weeks),
        lang,
    };
    Some((chart, alt))
}

/// Actual and counterfactual spending summed over the participants, in mio. kr. per month.
fn spending_chart(results: &Results, s: &SavingsResult, lang: Lang) -> Option<(TrendChart, String)> {
    let total = s.total.as_ref()?;
    let name = if lang == Lang::Da { &s.name } else { &s.name_en };
    let footnote_total = format!(
        "{}: {} [{}; {}]",
        t("savings_saved", lang),
        locale::money(total.savings, lang),
        locale::money(total.ci_low, lang),
        locale::money(total.ci_high, lang)
    );
    let chart = TrendChart {
        title: name.clone(),
        subtitle: format!(
            "{} · {} {} – {}",
            footnote_total,
            t("savings_window", lang).to_lowercase(),
            locale::month(total.start, lang),
            locale::month(total.last, lang)
        ),
        y_label: t("savings_per_month", lang).to_string(),
        treated_label: format!("{} (n = {})", t("savings_actual", lang), s.units.len()),
        comparison_label: t("savings_counterfactual", lang).to_string(),
        start_label: format!("{} {}", t("trial_start", lang), locale::month(total.start, lang)),
        covid_label: t("covid", lang).to_string(),
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        points: s.monthly.iter().map(|p| (p.period, Some(p.actual / 1e6), Some(p.counterfactual / 1e6))).collect(),
        start: total.start,
        covid: covid_spans(results),
        events: event_marks(results, lang),
        lang,
    };
    let alt =
        wording::text("alt_spending", lang, &[("n", s.units.len().to_string()), ("total", footnote_total.clone())]);
    Some((chart, alt))
}

/// Savings per municipality with their intervals, largest first.
fn savings_units_chart(results: &Results, s: &SavingsResult, lang: Lang) -> Option<(super::BarChart, String)> {
    s.total.as_ref()?;
    let mut rows: Vec<&crate::results::SavingsRow> = s.units.iter().collect();
    rows.sort_by(|a, b| b.savings.total_cmp(&a.savings));
    let footnote = wording::text(
        "savings_footnote",
        lang,
        &[wording::level(s.conf_level, lang), ("df", locale::number(s.df, 0, lang))],
    );
    let listed: Vec<String> = rows.iter().map(|r| format!("{} {}", r.name, locale::money(r.savings, lang))).collect();
    let alt = format!("{}: {}. {footnote}", t("figure_savings_units", lang), listed.join(", "));
    let chart = super::BarChart {
        title: if lang == Lang::Da { s.name.clone() } else { s.name_en.clone() },
        subtitle: t("figure_savings_units", lang).to_string(),
        x_label: t("savings_mio", lang).to_string(),
        footnote: vec![footnote],
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        bars: rows
            .iter()
            .map(|r| super::Bar {
                label: r.name.clone(),
                value: r.savings / 1e6,
                interval: Some((r.ci_low / 1e6, r.ci_high / 1e6)),
            })
            .collect(),
        decimals: 2,
        lang,
    };
    Some((chart, alt))
}

fn names(results: &Results, a: &Analysis, lang: Lang) -> (String, String, String) {
    let trial = results.trials.iter().find(|t| t.key == a.trial);
    let comp = trial.and_then(|t| t.components.iter().find(|c| c.key == a.component));
    let outcome = results.outcomes.iter().find(|o| o.key == a.outcome);
    (
        trial.map(|t| if lang == Lang::Da { t.name.clone() } else { t.name_en.clone() }).unwrap_or_default(),
        comp.map(|c| c.name(lang).to_string()).unwrap_or_default(),
        outcome.map(|o| if lang == Lang::Da { o.label.clone() } else { o.label_en.clone() }).unwrap_or_default(),
    )
}

fn alt_text(results: &Results, a: &Analysis, lang: Lang) -> String {
    let (_, comp, outcome) = names(results, a, lang);
    let f = a.design.frequency;
    let span = match (a.trend.first(), a.trend.last()) {
        (Some(first), Some(last)) => locale::period_span(first.period, last.period, f, lang),
        _ => String::new(),
    };
    let mut args = wording::period_args(Some(f), lang);
    args.extend([
        ("outcome", outcome),
        ("component", comp),
        ("n", a.design.treated.len().to_string()),
        ("comparison", a.design.n_comparison.to_string()),
        ("span", span),
        ("start", locale::period(a.design.post.first, f, lang)),
    ]);
    wording::text("alt_trend", lang, &args)
}

fn trend_chart(results: &Results, a: &Analysis, lang: Lang) -> TrendChart {
    let (trial, comp, outcome) = names(results, a, lang);
    let unit = results.outcomes.iter().find(|o| o.key == a.outcome).map(|o| o.unit);
    let y_label = match unit {
        Some(Unit::Percent) => format!("{outcome} (%)"),
        Some(Unit::Weeks) => format!("{outcome} ({})", t("weeks", lang)),
        Some(Unit::Dkk) => format!("{outcome} (kr.)"),
        _ => outcome.clone(),
    };
    TrendChart {
        title: trial,
        subtitle: format!("{comp} · {outcome}"),
        y_label,
        treated_label: format!("{} (n = {})", t("treated", lang), a.design.treated.len()),
        comparison_label: format!("{} (n = {})", t("comparison_short", lang), a.design.n_comparison),
        start_label: format!(
            "{} {}",
            t("trial_start", lang),
            locale::period(a.design.post.first, a.design.frequency, lang)
        ),
        covid_label: t("covid", lang).to_string(),
        notice: results.study.synthetic.then(|| t("synthetic_notice", lang).to_string()),
        points: a.trend.iter().map(|p| (plotted(p.period, a.design.frequency), p.treated, p.comparison)).collect(),
        start: a.design.post.first,
        covid: covid_spans(results),
        events: event_marks(results, lang),
        lang,
    }
}

/// COVID windows as fractional years, for the trend-style charts.
fn covid_spans(results: &Results) -> Vec<(f64, f64)> {
    let frac = |iso: &str| crate::period::parse_date(iso).map(super::trend::year_fraction);
    results.study.covid_windows.iter().filter_map(|w| Some((frac(&w.start)?, frac(&w.end)? + 1.0 / 365.25))).collect()
}

/// Policy events as (fractional year, label in `lang`), for the trend-style charts.
fn event_marks(results: &Results, lang: Lang) -> Vec<(f64, String)> {
    let frac = |iso: &str| crate::period::parse_date(iso).map(super::trend::year_fraction);
    results
        .study
        .events
        .iter()
        .filter_map(|e| Some((frac(&e.date)?, if lang == Lang::Da { e.label.clone() } else { e.label_en.clone() })))
        .collect()
}
