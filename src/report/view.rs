//! The report's view model: results turned into worded, formatted strings in one language.
//!
//! Templates only lay out what this module hands them; all numbers are formatted here by
//! [`crate::locale`], so every writer formats alike.

use serde_json::{Value, json};

use crate::locale::{self, t};
use crate::period::{Month, parse_date};
use crate::results::{Analysis, OutcomeInfo, Results};
use crate::study::{CovidHandling, Lang};

fn date_text(iso: &str, lang: Lang) -> String {
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

/// The data the PDF template reads.
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
                    trial_rows.push(json!({ "label": format!("{} · {}", comp.name, label), "row": row }));
                }
                let excluded = a.design.excluded.len();
                let comparison = match lang {
                    Lang::Da => format!(
                        "Alle kommuner, der ikke deltager i denne del af forsøget ({} kommuner). {} kommuner er udeladt, fordi de deltager i et andet forsøg med samme udfald i perioden eller er fravalgt i studiefilen.",
                        a.design.n_comparison, excluded
                    ),
                    Lang::En => format!(
                        "All municipalities that do not take part in this component ({} municipalities). {} municipalities are left out because they take part in another trial on the same outcome in the period or are excluded in the study file.",
                        a.design.n_comparison, excluded
                    ),
                };
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
                    "rows": rows,
                    "problems": a.problems,
                    "comparison": comparison,
                    "windows": windows,
                    "dropped": dropped,
                }));
            }
            components.push(json!({
                "name": comp.name,
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
            "theme": trial.theme,
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
    let methods: Vec<String> = match lang {
        Lang::Da => vec![
            format!("DiD (2×2, gennemsnit): For hver kommune beregnes ændringen fra gennemsnittet i førperioden til gennemsnittet i forsøgsperioden. Effekten er forskellen mellem forsøgskommunernes og sammenligningskommunernes gennemsnitlige ændring; ved forskudte starttidspunkter beregnes den pr. startkohorte og vægtes med antallet af kommuner. Standardfejlen er klyngerobust pr. kommune (CR1: G/(G−1)·(N−1)/(N−K) med N = G kommuner og K = 2, som fixest/pyfixest), og {conf} %-intervallet bruger en t-fordeling med G − 1 frihedsgrader."),
            format!("DiD (to-vejs faste effekter): Regression af udfaldet på en forsøgsindikator med faste effekter for kommune og måned. Standardfejlen er klyngerobust pr. kommune (CR1 med K = 1 + antal måneder, fordi kommuneeffekterne ligger inden i klyngerne – præcis som pyfixest's feols med vcov CRV1), {conf} %-interval med t(G − 1)."),
            "Med få forsøgskommuner er klyngerobuste (CR1) intervaller for smalle: i et Monte Carlo-studie med 4 forsøgskommuner afviste CR1 en sand nulhypotese i ca. 14 % af placeboforsøgene mod de nominelle 5 %, mens wild cluster bootstrap (WCR) og randomiseringsinferens (RI) holdt 5 %. Læs derfor WCR- og RI-intervallerne, når forsøget har få kommuner.".to_string(),
            "Wild cluster bootstrap (WCR): Residualerne under nulhypotesen vendes klyngevis (pr. kommune) med Webb-vægte; p-værdien er andelen af bootstrap-t-værdier, der er mindst lige så store som den observerede, og intervallet er de effekter, testen ikke afviser. Metoden holder bedre end CR1 med få forsøgskommuner.".to_string(),
            "Randomiseringsinferens (RI): Forsøgskommunernes startdatoer tildeles i stedet alle mulige (eller, når de er for mange, et stort antal seedede tilfældige) sæt af lige så mange kommuner blandt de sammenlignelige – ved forskudte starter med samme antal kommuner pr. startdato; p-værdien er andelen af tildelinger med en mindst lige så stor forskel, og intervallet er de effekter, testen ikke afviser (konstant effekt). RI kræver ikke mange forsøgskommuner.".to_string(),
            "Event study: Forskellen mellem forsøgs- og sammenligningskommuner måned for måned før og efter start, målt i forhold til måneden før start, i en regression med faste effekter for kommune og måned (CR1). Måneder uden for vinduet samles i endepunkterne. Tabellens tal er gennemsnittet af koefficienterne fra start. Test for ens udvikling før start: samlet Wald-test af koefficienterne før start (F med G − 1 frihedsgrader som fixest) – med få forsøgskommuner afviser den for ofte, så den suppleres af en placebo-DiD i førperioden (alle starter rykket et halvt førvindue tilbage) testet med randomiseringsinferens.".to_string(),
            "Callaway–Sant'Anna: En effekt pr. startkohorte og måned (ATT(g,t)) i forhold til måneden før kohortens start, sammenlignet med kommuner, der (endnu) ikke er i forsøg; tabellens tal er gennemsnittet efter start vægtet med kohorternes størrelse. Standardfejl fra influensfunktionen uden småstikprøvekorrektion, normalfordelt interval (som R-pakken did). Kommuner, der mangler data i en måned, indgår ikke.".to_string(),
            format!("Sammenligningsgruppe: alle kommuner, der ikke deltager i forsøgsdelen, undtagen kommuner, der deltager i et andet forsøg med samme udfald i evalueringsperioden, og kommuner fravalgt i studiefilen. Data: {}.", s.panel_file),
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
            format!("Comparison group: every municipality that does not take part in the trial component, except those taking part in another trial on the same outcome during the evaluation window and those excluded in the study file. Data: {}.", s.panel_file),
            format!("COVID-19: {covid} Windows: {}.", covid_windows.join("; ")),
            format!("Confidentiality: means behind fewer than {} persons are not shown (..).", s.min_cell),
        ],
    };
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
        "data_period": month_span(s.data_months.first, s.data_months.last, lang),
        "panel_file": s.panel_file,
        "tool": r.tool,
        "t": strings,
        "summary": summary,
        "trials": trials,
        "methods": methods,
        "events": events,
    })
}
