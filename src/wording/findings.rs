//! The findings in words: verdicts, the sentence per finding, caveats, and the pixi's prose.
//!
//! Causal verbs ("Forsøget reducerede …") belong to the `*_causal` sentences, used only for
//! findings marked causal; the others compare developments.

use super::Entry;

pub(super) const TABLE: &[Entry] = &[
    (
        "better_causal",
        "{trial}: Forsøget {verb} {outcome} med {abs} {unit} ({ci}).",
        "{trial}: The trial {verb} {outcome} by {abs} {unit} ({ci}).",
    ),
    (
        "better",
        "{trial}: {Outcome} udviklede sig bedre i forsøgskommunerne end i sammenligningskommunerne: {effect} {unit} ({ci}).",
        "{trial}: {Outcome} developed more favourably in the trial municipalities than in the comparison municipalities: {effect} {unit} ({ci}).",
    ),
    (
        "worse_causal",
        "{trial}: Forsøget {verb} {outcome} med {abs} {unit}, en forværring ({ci}).",
        "{trial}: The trial {verb} {outcome} by {abs} {unit}, a deterioration ({ci}).",
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
    (
        "degenerate",
        "{trial}: For {outcome} giver designet intet brugbart interval (det har ingen bredde), så evalueringen kan ikke afgøre, om forsøget gjorde en forskel.",
        "{trial}: For {outcome} the design gives no usable interval (it has no width), so the evaluation cannot tell whether the trial made a difference.",
    ),
    ("ci_range", "{level} %-konfidensinterval {lo} til {hi}", "{level}% confidence interval {lo} to {hi}"),
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
        "Beregningen udelader {count} med COVID-19-nedlukning i evalueringsvinduet.",
        "The estimate leaves out {count} of COVID-19 lockdown in the evaluation window.",
    ),
    (
        "caveat_covid_include",
        "Beregningen omfatter {count} med COVID-19-nedlukning i evalueringsvinduet.",
        "The estimate includes {count} of COVID-19 lockdown in the evaluation window.",
    ),
    (
        "caveat_suppressed",
        "Gennemsnittene udelader {count} med diskretionerede data (for få personer).",
        "The means leave out {count} with suppressed data (too few persons).",
    ),
    (
        "caveat_source_suppressed",
        "{n} værdier (kommune × {period}) i perioden er diskretioneret i datakilden (`..`); de indgår ikke, og gennemsnittene bygger på de øvrige kommuner.",
        "{n} values (municipality × {period}) in the period are suppressed in the data source (`..`); they are left out, and the means rest on the other municipalities.",
    ),
    ("caveat_events", "Andre ændringer i perioden: {events}.", "Other changes in the period: {events}."),
    (
        "caveat_overlap",
        "Kommunerne deltog samtidig i {components} med samme mål; deres effekter indgår i estimatet.",
        "The municipalities took part in {components} with the same outcome at the same time; their effects are part of the estimate.",
    ),
    (
        "caveat_provisional",
        "Tallene fra {from} og frem ({count} i evalueringsvinduet) er foreløbige og kan blive revideret.",
        "The figures from {from} on ({count} of the evaluation window) are provisional and may still be revised.",
    ),
    (
        "caveat_completed_spells",
        "Forskellen bygger kun på afsluttede forløb; {share} pct. af forløbene var ikke afsluttet, da data slutter, og det trækker varigheden ned i den seneste periode. Kaplan–Meier-kurverne og Cox-modellen i rapporten tager højde for de åbne forløb.",
        "The difference rests on completed spells only; {share}% of the spells were still open when the data end, which pulls durations down in the latest period. The Kaplan–Meier curves and the Cox model in the report account for the open spells.",
    ),
    (
        "savings_sentence",
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
    ("pixi_comparison_all", "alle andre kommuner, der ikke deltog", "all other municipalities not taking part"),
    ("pixi_comparison_like", "kommuner, der ligner dem", "municipalities like them"),
    (
        "pixi_comparison_mixed",
        "andre kommuner (alle, der ikke deltog, eller kommuner, der ligner dem, som rapporten beskriver for hvert forsøg)",
        "other municipalities (all that did not take part, or municipalities like them, as the report describes for each trial)",
    ),
    (
        "pixi_resume_text",
        "Denne pixi-udgave samler evalueringen af {trials} forsøg i {municipalities} kommuner{networks}. Hvert forsøg er målt ved at sammenligne udviklingen i forsøgskommunerne med udviklingen i {comparison}, før og under forsøget. Alle resultater er angivet med konfidensintervaller, som viser, hvor sikre tallene er. {tally}",
        "This summary edition brings together the evaluation of {trials} trials in {municipalities} municipalities{networks}. Each trial is measured by comparing the development in the trial municipalities with the development in {comparison}, before and during the trial. Every result comes with a confidence interval that shows how certain the figures are. {tally}",
    ),
    (
        "pixi_background_text",
        "Frikommuneforsøg og velfærdsaftaler fritager kommuner fra statslige regler og proceskrav, så de kan afprøve, om en mere fleksibel indsats giver lige så gode eller bedre resultater for borgerne.",
        "Free-municipality trials and welfare agreements free municipalities from national rules and procedural requirements so they can test whether a more flexible effort gives results for citizens that are as good or better.",
    ),
    (
        "pixi_themes",
        "Forsøgene i denne evaluering er samlet under {n} temaer: {themes}.",
        "The trials in this evaluation are grouped under {n} themes: {themes}.",
    ),
    (
        "pixi_theme_one",
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
        "pixi_caveat_imbalance",
        "For {n} resultater adskiller sammenligningskommunerne sig fra forsøgskommunerne med mere end ±{limit} standardiserede forskelle i niveau, udvikling eller indbyggertal før forsøget; rapporten viser balancen for hvert forsøg.",
        "For {n} results the comparison municipalities differ from the trial municipalities by more than ±{limit} standardised differences in level, trend or population before the trial; the report shows the balance for each trial.",
    ),
    (
        "pixi_caveat_disagree",
        "For {n} resultater er metoderne til få kommuner uenige om, hvorvidt der er en forskel; resultatet afhænger af metodevalget.",
        "For {n} results the methods for few municipalities disagree about whether there is a difference; the result depends on the choice of method.",
    ),
    (
        "pixi_caveat_cs_pretest",
        "For {n} resultater afviser Callaway–Sant'Annas test af førperioden, at forsøgs- og sammenligningskommuner udviklede sig parallelt; med få forsøgskommuner gør den det næsten altid, så den alene ændrer ikke konklusionen.",
        "For {n} results Callaway–Sant'Anna's pre-period test rejects that trial and comparison municipalities developed in parallel; with few trial municipalities it nearly always does, so it alone does not change the conclusion.",
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
    ("verdict_better_qualified", "Bedre, med forbehold", "Better, with caveats"),
    ("verdict_worse_qualified", "Ringere, med forbehold", "Worse, with caveats"),
    (
        "caveat_confounded",
        "Alle forsøgskommuner ligger i {category}, hvor ingen sammenligningskommune ligger: forskellen kan skyldes det, der kendetegner {category}, og ikke forsøget.",
        "Every trial municipality lies in {category}, where no comparison municipality lies: the difference may come from what sets {category} apart rather than from the trial.",
    ),
    (
        "caveat_imbalance",
        "Sammenligningskommunerne adskiller sig fra forsøgskommunerne i {variable}: standardiseret forskel {smd}, mere end ±{limit}.",
        "The comparison municipalities differ from the trial municipalities in {variable}: standardised difference {smd}, beyond ±{limit}.",
    ),
    ("imbalance_level", "niveau i førperioden", "pre-period level"),
    ("imbalance_trend", "udvikling i førperioden", "pre-period trend"),
    ("imbalance_population", "indbyggertal", "population"),
    (
        "caveat_cs_pretest",
        "Callaway–Sant'Annas samlede test af førperioden afviser parallelle udviklinger (p {p}); med få forsøgskommuner afviser den dog næsten altid (se metodeafsnittet), så det er placebotesten i førperioden, der afgør.",
        "Callaway–Sant'Anna's joint pre-period test rejects parallel trends (p {p}); with few trial municipalities it nearly always does (see the methods section), so the pre-period placebo test decides.",
    ),
    (
        "caveat_sensitive",
        "Følsomt over for brud på ens udvikling (Rambachan–Roth): event studyens gennemsnit fra start udelukker ikke længere 0, hvis forskellen i udvikling efter start ændrer sig {breakdown} gange så meget som sin største ændring før start, dvs. {drift} pr. {period}. Det er mindre end det, der sås før start.",
        "Sensitive to a break in parallel trends (Rambachan–Roth): the event study's mean from the start no longer excludes 0 if the trend difference changes after the start by {breakdown} times its largest change before the start, i.e. by {drift} per {period} – less than was seen before the start.",
    ),
    (
        "caveat_disagree",
        "Metoderne er uenige: {intervals} indeholder nul, så resultatet afhænger af metodevalget.",
        "The methods disagree: {intervals} include zero, so the result depends on the choice of method.",
    ),
    (
        "caveat_zero_width",
        "Det afgørende interval har ingen bredde (et degenereret design, fx en perfekt tilpasning i førperioden); der gives ingen vurdering.",
        "The deciding interval has no width (a degenerate design, e.g. a perfect pre-period fit); no verdict is given.",
    ),
    (
        "caveat_perfect_fit",
        "Den syntetiske kontrol rammer førperioden næsten præcist (RMSPE {fit}; {perfect} af {placebos} placebokommuner gør det samme): donorvægtene er ikke entydige, et andet lige så godt valg kan give en anden effekt, og placebotesten kan ikke skelne forsøget fra tilfældigheder.",
        "The synthetic control reproduces the pre-period almost exactly (RMSPE {fit}; {perfect} of {placebos} placebo municipalities do too): the donor weights are not unique, another equally good choice can give another effect, and the placebo test cannot tell the trial from chance.",
    ),
    (
        "caveat_non_unique",
        "Forsøgskommunerne ligger inden for spændet af de {donors} donorkommuner på alle {predictors} prædiktorer, så flere sæt donorvægte passer lige godt og kan give en anden effekt; de viste vægte er den faste regel (den sparsomme løsning fra den nærmeste donor), som også placeboerne beregnes med.",
        "The trial municipalities lie within the range of the {donors} donors on all {predictors} predictors, so several sets of donor weights fit equally well and can give another effect; the weights shown follow the fixed rule (the sparse solution from the nearest donor) that the placebos are computed with too.",
    ),
    (
        "caveat_few_pre_periods",
        "Den syntetiske kontrol matcher {predictors} prædiktorer med kun {count} før forsøget: den kan passe uden at ligne forsøgskommunerne.",
        "The synthetic control matches {predictors} predictors with only {count} before the trial: it can fit without resembling the trial municipalities.",
    ),
    ("verdict_on_par", "På niveau", "On par"),
    ("verdict_maintained", "Fastholdt", "Maintained"),
    ("verdict_worse", "Ringere", "Worse"),
    ("verdict_inconclusive", "Kan ikke afgøres", "Inconclusive"),
];
