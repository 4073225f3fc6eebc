//! Danish and English wording and number formatting, in one place for every writer.
//!
//! Danish conventions (DOMAIN.md): decimal comma "12,2", thousands point "1.544 kr.",
//! "mio. kr.", "pct." in text and "%" in charts, differences in "pct.-point", dates
//! "1. juli 2018", durations in "uger".

use chrono::{Datelike, NaiveDate};

use crate::ingest::periods::Frequency;
use crate::period::Month;
use crate::study::{Lang, Unit};

/// Formats `x` with `decimals` decimals and grouped thousands; negative numbers get a true
/// minus sign (U+2212).
pub fn number(x: f64, decimals: usize, lang: Lang) -> String {
    if !x.is_finite() {
        return "..".into();
    }
    let (dec, group) = match lang {
        Lang::Da => (',', '.'),
        Lang::En => ('.', ','),
    };
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('−');
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(dec);
        out.push_str(frac);
    }
    out
}

/// Like [`number`] but with an explicit `+` on positive values (for effects).
pub fn signed(x: f64, decimals: usize, lang: Lang) -> String {
    let s = number(x, decimals, lang);
    if x > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{s}") } else { s }
}

/// "p = 0,034" or "p < 0,001".
pub fn p_equals(p: f64, lang: Lang) -> String {
    let text = p_value(p, lang);
    if text.starts_with('<') { format!("p {text}") } else { format!("p = {text}") }
}

/// A p-value with three decimals, or "< 0,001".
pub fn p_value(p: f64, lang: Lang) -> String {
    if p.is_nan() {
        "..".into()
    } else if p < 0.001 {
        format!("< {}", number(0.001, 3, lang))
    } else {
        number(p, 3, lang)
    }
}

/// Decimals that suit a unit.
pub fn decimals(unit: Unit) -> usize {
    match unit {
        Unit::Percent => 2,
        Unit::Weeks => 1,
        Unit::Dkk => 0,
        Unit::Count => 1,
    }
}

/// The unit as written after a difference ("pct.-point", "uger", "kr.").
pub fn difference_unit(unit: Unit, lang: Lang) -> &'static str {
    match (unit, lang) {
        (Unit::Percent, Lang::Da) => "pct.-point",
        (Unit::Percent, Lang::En) => "percentage points",
        (Unit::Weeks, Lang::Da) => "uger",
        (Unit::Weeks, Lang::En) => "weeks",
        (Unit::Dkk, Lang::Da) => "kr.",
        (Unit::Dkk, Lang::En) => "DKK",
        (Unit::Count, Lang::Da) => "antal",
        (Unit::Count, Lang::En) => "count",
    }
}

/// Money in readable form: "12,2 mio. kr." from 12 200 000, "1.544 kr." from 1544.
pub fn money(x: f64, lang: Lang) -> String {
    if x.abs() >= 1e6 {
        match lang {
            Lang::Da => format!("{} mio. kr.", number(x / 1e6, 1, lang)),
            Lang::En => format!("DKK {} million", number(x / 1e6, 1, lang)),
        }
    } else {
        match lang {
            Lang::Da => format!("{} kr.", number(x, 0, lang)),
            Lang::En => format!("DKK {}", number(x, 0, lang)),
        }
    }
}

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "1. juli 2018" / "1 July 2018".
pub fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Da => format!("{}. {} {}", d.day(), MONTHS_DA[d.month0() as usize], d.year()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[d.month0() as usize], d.year()),
    }
}

/// "jul. 2018" / "Jul 2018": for table cells. Danish "maj" and "juni"/"juli" keep enough letters.
pub fn month_short(m: Month, lang: Lang) -> String {
    let i = m.month() as usize - 1;
    match lang {
        Lang::Da if MONTHS_DA[i].chars().count() <= 4 => format!("{} {}", MONTHS_DA[i], m.year()),
        Lang::Da => format!("{}. {}", MONTHS_DA[i].chars().take(3).collect::<String>(), m.year()),
        Lang::En => format!("{} {}", MONTHS_EN[i].chars().take(3).collect::<String>(), m.year()),
    }
}

/// "juli 2018" / "July 2018".
pub fn month(m: Month, lang: Lang) -> String {
    let names = match lang {
        Lang::Da => &MONTHS_DA,
        Lang::En => &MONTHS_EN,
    };
    format!("{} {}", names[m.month() as usize - 1], m.year())
}

/// The words for an outcome's period: the noun (`kvartal`, `quarter`), its plural (`kvartaler`,
/// `quarters`), its definite form (`kvartalet`, `the quarter`) and definite plural (`kvartalerne`;
/// English `quarters`).
pub struct PeriodWords {
    pub one: &'static str,
    pub many: &'static str,
    pub the: &'static str,
    pub the_many: &'static str,
}

pub fn period_words(f: Frequency, lang: Lang) -> PeriodWords {
    let w = |one, many, the, the_many| PeriodWords { one, many, the, the_many };
    match (f, lang) {
        (Frequency::Year, Lang::Da) => w("år", "år", "året", "årene"),
        (Frequency::Year, Lang::En) => w("year", "years", "the year", "years"),
        (Frequency::Half, Lang::Da) => w("halvår", "halvår", "halvåret", "halvårene"),
        (Frequency::Half, Lang::En) => w("half-year", "half-years", "the half-year", "half-years"),
        (Frequency::Quarter, Lang::Da) => w("kvartal", "kvartaler", "kvartalet", "kvartalerne"),
        (Frequency::Quarter, Lang::En) => w("quarter", "quarters", "the quarter", "quarters"),
        (_, Lang::Da) => w("måned", "måneder", "måneden", "månederne"),
        (_, Lang::En) => w("month", "months", "the month", "months"),
    }
}

/// Caption of the trend chart of an outcome observed at frequency `f`.
pub fn figure_trend(f: Frequency, lang: Lang) -> String {
    let w = period_words(f, lang);
    match lang {
        Lang::Da => format!("Gennemsnit i forsøgskommuner og sammenligningskommuner pr. {}", w.one),
        Lang::En => format!("Means per {} in trial and comparison municipalities", w.one),
    }
}

/// Caption of the event-study chart of an outcome observed at frequency `f`.
pub fn figure_event(f: Frequency, lang: Lang) -> String {
    let w = period_words(f, lang);
    match lang {
        Lang::Da => format!(
            "Event study: forskel mellem forsøgs- og sammenligningskommuner {0} for {0}, målt i forhold til {1} før start",
            w.one, w.the
        ),
        Lang::En => format!(
            "Event study: difference between trial and comparison municipalities {0} by {0}, relative to {1} before the start",
            w.one, w.the
        ),
    }
}

/// The event-study chart's horizontal axis: periods from the trial start.
pub fn event_axis(f: Frequency, lang: Lang) -> String {
    let many = period_words(f, lang).many;
    let mut c = many.chars();
    let upper: String = c.next().map(|x| x.to_uppercase().chain(c).collect()).unwrap_or_default();
    match lang {
        Lang::Da => format!("{upper} fra forsøgsstart"),
        Lang::En => format!("{upper} from trial start"),
    }
}

/// Fixed UI strings: (key, Danish, English).
const TABLE: &[(&str, &str, &str)] = &[
    (
        "synthetic_notice",
        "Syntetiske data – resultaterne beskriver ikke virkelige kommuner",
        "Synthetic data – the results do not describe real municipalities",
    ),
    ("report", "Evalueringsrapport", "Evaluation report"),
    ("summary", "Resumé af estimater", "Summary of estimates"),
    ("findings", "Hovedresultater", "Main findings"),
    ("verdict", "Vurdering", "Verdict"),
    ("figure_forest", "Effekter på tværs af forsøg og udfald", "Effects across trials and outcomes"),
    (
        "forest_footnote",
        "Punkt: det afgørende estimat; linje: {level} %-konfidensinterval; blåt bånd: ækvivalensmargin. Grøn: bedre, blå: på niveau/fastholdt, rød: ringere, grå: kan ikke afgøres.",
        "Dot: the deciding estimate; line: {level}% confidence interval; blue band: equivalence margin. Green: better, blue: on par/maintained, red: worse, grey: inconclusive.",
    ),
    ("pixi", "Pixi-udgave", "Summary edition"),
    ("pixi_resume", "Resumé", "Summary"),
    ("pixi_background", "Baggrund", "Background"),
    ("pixi_overall", "Evalueringerne viser samlet set", "Overall, the evaluations show"),
    ("pixi_method_title", "Sådan er der regnet", "How the figures were computed"),
    ("pixi_caveats", "Forbehold", "Caveats"),
    ("pixi_trials", "Forsøgene", "The trials"),
    ("pixi_theme", "Tema", "Theme"),
    ("pixi_start", "Start", "Start"),
    ("pixi_evaluated", "Evalueret til", "Evaluated to"),
    ("trial", "Forsøg", "Trial"),
    ("component", "Del", "Component"),
    ("outcome", "Udfald", "Outcome"),
    ("method", "Metode", "Method"),
    ("estimate", "Estimat", "Estimate"),
    ("ci", "95 %-konfidensinterval", "95% confidence interval"),
    ("p_value", "p-værdi", "p-value"),
    ("n_treated", "Forsøgskommuner", "Trial municipalities"),
    ("n_control", "Sammenligningskommuner", "Comparison municipalities"),
    ("participants", "Deltagere og startdatoer", "Participants and start dates"),
    ("comparison", "Sammenligningsgruppe", "Comparison group"),
    ("treated", "Forsøgskommuner", "Trial municipalities"),
    ("comparison_short", "Sammenlignelige kommuner", "Comparison municipalities"),
    ("trial_start", "Forsøgsstart", "Trial start"),
    ("covid", "COVID-19", "COVID-19"),
    ("pre", "Førperiode", "Pre-period"),
    ("post", "Forsøgsperiode", "Trial period"),
    ("did2x2", "DiD (2×2, gennemsnit)", "DiD (2×2, window means)"),
    ("twfe", "DiD (to-vejs faste effekter)", "DiD (two-way fixed effects)"),
    ("event", "Event study (gns. efter start)", "Event study (mean after start)"),
    ("cs", "Callaway–Sant'Anna (forskudt start)", "Callaway–Sant'Anna (staggered)"),
    ("methods", "Metode og konventioner", "Methods and conventions"),
    ("contents", "Indhold", "Contents"),
    ("page", "Side", "Page"),
    ("excluded", "Udeladt af sammenligningsgruppen", "Left out of the comparison group"),
    ("event_lead", "Før start (placebo)", "Before start (placebo)"),
    ("event_effect", "Fra start", "From the start"),
    ("event_subtitle", "event study", "event study"),
    ("difference", "Forskel", "Difference"),
    (
        "event_footnote",
        "Streger: {level} %-konfidensinterval (CR1). Fælles test af ens udvikling før start: {test} = {stat}, {p} (CR1-Wald; med få forsøgskommuner afviser den for ofte, så vurderingen af resultaterne bruger placebotesten). Åbne punkter samler {periods} uden for vinduet.",
        "Bars: {level}% confidence interval (CR1). Joint test of parallel pre-trends: {test} = {stat}, {p} (CR1 Wald; with few trial municipalities it rejects too often, so the findings use the placebo test). Open markers collect the {periods} beyond the window.",
    ),
    (
        "placebo_footnote",
        "Placebo i førperioden (randomiseringsinferens): {p}.",
        "Placebo in the pre-period (randomization inference): {p}.",
    ),
    ("synth", "Syntetisk kontrol (samlet)", "Synthetic control (pooled)"),
    ("sdid", "Syntetisk DiD", "Synthetic DiD"),
    ("completed_did", "DiD på afsluttede forløb", "DiD on completed spells"),
    ("treated_mean", "Forsøgskommuner (gennemsnit)", "Trial municipalities (mean)"),
    ("synthetic_control", "Syntetisk kontrol", "Synthetic control"),
    ("sdid_counterfactual", "Syntetisk DiD: sammenligning", "Synthetic DiD: comparison"),
    ("gap", "Forskel til syntetisk kontrol", "Gap to the synthetic control"),
    (
        "placebo_gaps",
        "Placebo: hver sammenligningskommune som om den var i forsøget",
        "Placebo: each comparison municipality as if in the trial",
    ),
    ("weight", "Vægt", "Weight"),
    ("balance_variable", "Balance: variabel", "Balance: variable"),
    ("balance_before", "Alle mulige", "All eligible"),
    ("balance_after", "Sammenligning", "Comparison"),
    ("smd_before", "Std. forskel før", "Std. diff. before"),
    ("smd_after", "Std. forskel efter", "Std. diff. after"),
    ("ratio", "Efter/før", "Post/pre"),
    (
        "figure_synth",
        "Forsøgskommunerne og deres syntetiske kontrol",
        "The trial municipalities and their synthetic control",
    ),
    (
        "figure_gap",
        "Forskellen til den syntetiske kontrol, med placeboforskelle bag",
        "The gap to the synthetic control, with placebo gaps behind it",
    ),
    ("figure_weights", "Vægte på sammenligningskommunerne", "Weights on the comparison municipalities"),
    (
        "gap_footnote",
        "Grå: placeboer med et førperiode-fit højst 5 gange forsøgsgruppens. {p} (rang af RMSPE-forholdet efter/før blandt {n} placeboer).",
        "Grey: placebos with a pre-period fit within 5 times the trial group's. {p} (rank of the post/pre RMSPE ratio among {n} placebos).",
    ),
    (
        "weights_footnote",
        "{n} kommuner har positiv vægt; vægtene summerer til 1.",
        "{n} municipalities have positive weight; the weights sum to 1.",
    ),
    ("savings", "Besparelser", "Savings"),
    ("savings_actual", "Faktiske udgifter", "Actual spending"),
    ("savings_counterfactual", "Udgifter uden forsøget (skøn)", "Spending without the trial (estimate)"),
    ("savings_total", "I alt", "Total"),
    ("savings_saved", "Besparelse", "Saving"),
    ("savings_share", "Andel sparet", "Share saved"),
    ("savings_window", "Periode", "Period"),
    ("savings_check", "Kontrol: forsøgsdelenes egne analyser", "Cross-check: the components' own analyses"),
    (
        "savings_check_intro",
        "Hver forsøgsdels egen analyse af udgifterne giver en besparelse: effekten pr. kommune-måned gange forsøgskommunernes måneder i evalueringsvinduet, med intervallet fra den inferens, estimatet brugte. Forsøgsdelene deler deltagere, så tallene kan ikke lægges sammen; de viser, om besparelsen ovenfor er på linje med analyserne.",
        "Each component's own analysis of spending implies a saving: its effect per municipality-month times the trial municipalities' months in the evaluation window, with the interval from the inference the estimate used. The components share participants, so these figures do not add up; they show whether the saving above agrees with the analyses.",
    ),
    ("savings_unit_months", "Kommune-måneder", "Municipality-months"),
    ("savings_per_month", "mio. kr. pr. måned", "DKK million per month"),
    ("savings_mio", "Besparelse (mio. kr.)", "Saving (DKK million)"),
    (
        "figure_spending",
        "Faktiske udgifter og skønnede udgifter uden forsøget, summeret over forsøgskommunerne",
        "Actual spending and estimated spending without the trial, summed over the trial municipalities",
    ),
    (
        "figure_savings_units",
        "Besparelse pr. kommune med konfidensinterval",
        "Saving per municipality with confidence interval",
    ),
    (
        "savings_footnote",
        "Streger: {level} %-konfidensinterval (støj fra sammenligningskommunernes placeboforskelle, t med {df} frihedsgrader).",
        "Bars: {level}% confidence interval (noise from the comparison municipalities' placebo gaps, t with {df} degrees of freedom).",
    ),
    ("durations", "Varigheder", "Durations"),
    ("survival_before", "start før forsøget", "started before the trial"),
    ("survival_during", "start i forsøget", "started during the trial"),
    ("survival_x", "Uger siden forløbets start", "Weeks since the spell started"),
    ("survival_y", "Andel stadig i forløb", "Share still in the spell"),
    ("survival_median", "Median varighed", "Median duration"),
    ("survival_hr", "Hazard ratio (forskel i forskelle):", "Hazard ratio (difference in differences):"),
    ("weeks", "uger", "weeks"),
    ("survival_group", "Gruppe", "Group"),
    ("survival_n", "Forløb", "Spells"),
    ("survival_events", "Afsluttet", "Ended"),
    ("survival_median_ci", "Median (uger)", "Median (weeks)"),
    ("survival_rmst", "Begr. middel", "Restricted mean"),
    ("survival_completed", "Gns. afsl.", "Mean ended"),
    (
        "survival_logrank",
        "Log-rank-test, forsøgs- mod sammenligningskommuner",
        "Log-rank test, trial vs comparison municipalities",
    ),
    ("survival_cox", "Cox-regression", "Cox regression"),
    ("survival_term", "Led", "Term"),
    ("hazard_ratio", "Hazard ratio", "Hazard ratio"),
    (
        "survival_footnote",
        "Bånd: {level} %-konfidensinterval (Greenwood). En kurve stopper, hvor færre end {n} forløb er i risiko.",
        "Bands: {level}% confidence interval (Greenwood). A curve stops where fewer than {n} spells are at risk.",
    ),
    (
        "figure_survival",
        "Andel af forløb, der stadig er i gang, efter antal uger, i forsøgs- og sammenligningskommuner før og under forsøget",
        "Share of spells still running by week, in trial and comparison municipalities before and during the trial",
    ),
    ("evaluated_through", "Evalueret til og med", "Evaluated through"),
    ("events", "Begivenheder på figurerne", "Events on the charts"),
    ("no_estimate", "Intet estimat", "No estimate"),
    (
        "suppressed",
        "Celler med færre end {n} personer er diskretioneret (vist som ..)",
        "Cells with fewer than {n} persons are suppressed (shown as ..)",
    ),
];

/// The UI string `key` in `lang`; the key itself if it is missing (a test checks none is).
pub fn t(key: &str, lang: Lang) -> &str {
    TABLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, da, en)| match lang {
            Lang::Da => *da,
            Lang::En => *en,
        })
        .unwrap_or(key)
}

/// Every key of the table, for templates that take the whole table.
pub fn table(lang: Lang) -> Vec<(&'static str, &'static str)> {
    TABLE.iter().map(|(k, da, en)| (*k, if lang == Lang::Da { *da } else { *en })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(number(1544.0, 0, Lang::Da), "1.544");
        assert_eq!(number(12.2, 1, Lang::Da), "12,2");
        assert_eq!(number(-0.8, 1, Lang::Da), "−0,8");
        assert_eq!(number(-0.04, 1, Lang::Da), "0,0");
        assert_eq!(number(1234567.891, 2, Lang::En), "1,234,567.89");
        assert_eq!(signed(0.8, 1, Lang::Da), "+0,8");
        assert_eq!(p_value(0.0004, Lang::Da), "< 0,001");
        assert_eq!(p_value(0.0456, Lang::En), "0.046");
        assert_eq!(money(12_200_000.0, Lang::Da), "12,2 mio. kr.");
        assert_eq!(money(1544.0, Lang::Da), "1.544 kr.");
    }

    #[test]
    fn danish_dates() {
        let d = NaiveDate::from_ymd_opt(2018, 7, 1).unwrap();
        assert_eq!(date(d, Lang::Da), "1. juli 2018");
        assert_eq!(date(d, Lang::En), "1 July 2018");
        assert_eq!(month(Month::of(d), Lang::Da), "juli 2018");
    }

    #[test]
    fn every_key_has_both_languages() {
        for (k, da, en) in TABLE {
            assert!(!da.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(t("trial", Lang::Da), "Forsøg");
    }
}
