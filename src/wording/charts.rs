//! Chart captions, axes and alt texts (what a screen reader says in place of each chart).

use super::Entry;

pub(super) const TABLE: &[Entry] = &[
    (
        "figure_trend",
        "Gennemsnit i forsøgskommuner og sammenligningskommuner pr. {period}",
        "Means per {period} in trial and comparison municipalities",
    ),
    (
        "figure_event",
        "Event study: forskel mellem forsøgs- og sammenligningskommuner {period} for {period}, målt i forhold til {event_base}",
        "Event study: difference between trial and comparison municipalities {period} by {period}, relative to {event_base}",
    ),
    ("event_axis", "{Periods} fra forsøgsstart", "{Periods} from trial start"),
    (
        "figure_sensitivity",
        "Følsomhed over for ens udvikling (Rambachan–Roth): event studyens gennemsnit fra start, når udviklingen efter start må afvige op til M gange den største ændring før start (relative størrelser) og, i et andet felt, når forskellens hældning må ændre sig op til M pr. periode (glathed)",
        "Sensitivity to parallel trends (Rambachan–Roth): the event study's mean from the start when the trend after the start may deviate by up to M times the largest change before it (relative magnitudes) and, in a second panel, when the difference's slope may change by up to M per period (smoothness)",
    ),
    (
        "alt_trend",
        "Linjediagram: {per_period} gennemsnit af {outcome} i {n} forsøgskommuner ({component}) og {comparison} sammenligningskommuner, {span}; forsøgsstart {start}.",
        "Line chart: {per_period} mean of {outcome} in {n} trial municipalities ({component}) and {comparison} comparison municipalities, {span}; trial start {start}.",
    ),
    (
        "alt_event_imputation",
        "Et grønt bånd viser imputationsestimatet (Borusyak–Jaravel–Spiess) pr. periode efter start med dets interval.",
        "A green band shows the imputation estimate (Borusyak–Jaravel–Spiess) for each period after the start with its interval.",
    ),
    (
        "alt_event",
        "Punktdiagram: event study for {outcome} ({component}), {leads} {periods} før til {lags} {periods} efter start, med konfidensintervaller. {footnote}",
        "Dot plot: event study of {outcome} ({component}), {leads} {periods} before to {lags} {periods} after the start, with confidence intervals. {footnote}",
    ),
    (
        "alt_sensitivity_smooth",
        ", og i et andet felt intervallet med fast længde, når forskellens hældning må ændre sig M pr. {period}",
        ", and in a second panel the fixed-length interval when the difference's slope may change by M per {period}",
    ),
    (
        "alt_sensitivity",
        "Søjlediagram: event studyens gennemsnit fra start for {outcome} ({component}) med de mulige værdier og konfidensmængden, når udviklingen efter start må afvige M gange den største ændring før start{smooth}. {sentence}",
        "Bar chart: the event study's mean from the start for {outcome} ({component}) with its possible values and confidence set when the trend after the start may deviate by M times the largest change before it{smooth}. {sentence}",
    ),
    (
        "alt_synth",
        "Linjediagram: {outcome} ({component}) i gennemsnit for {n} forsøgskommuner og {comparison}, {span}.",
        "Line chart: mean {outcome} ({component}) of {n} trial municipalities and the {comparison}, {span}.",
    ),
    (
        "alt_gap",
        "Linjediagram: forskellen mellem forsøgskommunerne og deres syntetiske kontrol i {outcome} ({component}), med {n} placeboforskelle i gråt. {footnote}",
        "Line chart: the gap between the trial municipalities and their synthetic control in {outcome} ({component}), with {n} placebo gaps in grey. {footnote}",
    ),
    (
        "alt_spending",
        "Linjediagram: faktiske udgifter og skønnede udgifter uden forsøget pr. måned, summeret over {n} forsøgskommuner. {total}.",
        "Line chart: actual spending and estimated spending without the trial per month, summed over {n} trial municipalities. {total}.",
    ),
];
