//! Findings: what each trial × outcome analysis lets an evaluator say, with the caveats that
//! go with it.
//!
//! For each analysis one estimate decides — the one whose interval holds its level with few
//! treated municipalities, measured by Monte Carlo (docs/montecarlo.md): for `synth` designs
//! synthetic difference in differences on the same donors together with the 2×2 DiD's
//! randomization inference — the smallest interval holding both, so a verdict needs both to
//! agree (the synthetic control's own placebo interval covered the true effect in only about
//! 91 % of simulated trials, SDID's alone rejected a true null in up to 6,5 %); otherwise the
//! 2×2 DiD with randomization inference, then the TWFE wild cluster bootstrap, then CR1. Its
//! interval (at the study's confidence level) gives the verdict, in the outcome's favourable
//! direction:
//!
//! - **better**: the whole interval is favourable (significantly better);
//! - **worse**: the whole interval is unfavourable;
//! - **on par** (equivalent): the interval lies inside ± the outcome's margin. With a 95 %
//!   interval this is two one-sided tests (TOST) at 2,5 % each, stricter than the usual 5 %;
//! - **maintained** (non-inferior): the interval excludes a worsening larger than the margin,
//!   but not an improvement larger than it;
//! - **inconclusive**: none of these; the minimum detectable effect (80 % power, two-sided
//!   test at the study's level) says what the design could have seen.
//!
//! p-values of the deciding estimates are adjusted across the family of all trial × outcome
//! analyses by Holm (family-wise error) and Benjamini–Hochberg (false discovery rate); both
//! are reported next to the raw ones. Caveats come from diagnostics in the results (few treated
//! municipalities, the pre-period placebo test, synthetic-control fit, COVID months in the
//! window, suppressed cells, policy events and overlapping trial components in the window).
//! Causal wording is used only when neither the placebo test nor the synthetic fit argue
//! against the design, and no other trial component with the same outcome shares the
//! municipalities and the window (then the estimate mixes their effects).
//!
//! Duration analyses on the case file join the family as outcomes of their own (weeks), judged
//! by the completed-spell DiD with its randomization-inference interval against the `[[durations]]` direction and
//! margin; they are worded descriptively, and earn a caveat when 1 % or more of the spells are
//! still open when the data end. Savings are not in the family: they re-express the cost
//! outcomes' effects in kroner and have their own sentence.
//!
//! Everything here reads [`Results`] only, so `frikommune report results.json` can redo it.

pub mod wording;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::estimate::{Estimate, Method};
use crate::inference::Interval;
use crate::period::{Month, parse_date};
pub use crate::results::findings::{Caveat, Finding, Verdict};
use crate::results::{Analysis, DurationResult, Results, SynthResult};
use crate::study::{Better, ComparisonDesign, CovidHandling, Unit};

/// Fewer treated municipalities than this earn the "few treated" caveat.
pub const FEW_TREATED: usize = 10;
/// The pre-period placebo's p-value below which the pre-trend caveat is raised.
pub const PRETREND_ALPHA: f64 = 0.10;
/// A duration finding earns the completed-spells caveat when at least this share of its spells
/// is still open when the data end.
pub const OPEN_SPELLS: f64 = 0.01;
/// Power behind the minimum detectable effect.
pub const POWER: f64 = 0.80;
/// A balance variable whose standardised difference (after the design's weighting) exceeds
/// this in absolute value earns the imbalance caveat (the usual rule of thumb, Stuart 2010).
pub const IMBALANCE_SMD: f64 = 0.25;

/// A finding that excludes zero is called sensitive to parallel trends when the event study's
/// breakdown value (Rambachan–Roth, relative magnitudes) is below this: a change of the trend
/// difference after the start no larger than the largest one before it would explain it.
pub const SENSITIVE_BREAKDOWN: f64 = 1.0;
/// A pooled synthetic control whose pre-period RMSPE is below this share of the treated
/// series' typical period-to-period change (the standard deviation of its pre-period first
/// differences) fits "perfectly": with real municipal data that only happens when the treated
/// lies inside the donors' hull, i.e. the fit interpolates and the weights are not unique.
pub const PERFECT_FIT: f64 = 0.01;
/// A weighted predictor fit (on standardised predictors) at or below this is exact: the
/// treated lies inside the donors' hull.
pub const NON_UNIQUE_FIT: f64 = 1e-10;
/// The balance variables the imbalance caveat looks at.
const IMBALANCE_VARIABLES: [&str; 3] = ["level", "trend", "population"];
/// The intervals a deciding interval is compared with for the disagreement caveat: the
/// few-cluster intervals of the DiD family.
const CROSS_CHECKS: [(Method, &str); 4] =
    [(Method::Did2x2, "RI"), (Method::Did2x2, "CR1"), (Method::Twfe, "CR1"), (Method::Twfe, "WCR")];

/// The estimate that decides an analysis's verdict (see the module documentation).
pub fn deciding_estimate(a: &Analysis) -> Option<&Estimate> {
    let usable = |e: &&Estimate| e.interval.ci_low.is_finite() && e.interval.ci_high.is_finite();
    let find = |m: Method, inference: &str| {
        a.estimates.iter().filter(usable).find(|e| e.method == m && e.inference.name == inference)
    };
    let preferred = if a.design.comparison == ComparisonDesign::Synth {
        find(Method::Sdid, crate::estimate::SDID_AND_RI)
            .or_else(|| find(Method::Sdid, "placebo"))
            .or_else(|| find(Method::Synth, "placebo"))
    } else {
        None
    };
    preferred
        .or_else(|| find(Method::Did2x2, "RI"))
        .or_else(|| find(Method::Twfe, "WCR"))
        .or_else(|| find(Method::Did2x2, "CR1"))
        .or_else(|| a.estimates.iter().find(usable))
}

/// The verdict of an interval `[lo, hi]` on an outcome where `better` is favourable, with an
/// optional equivalence margin.
pub fn verdict(lo: f64, hi: f64, better: Better, margin: Option<f64>) -> Verdict {
    // In favourable units: positive = better.
    let (lo, hi) = match better {
        Better::Higher => (lo, hi),
        Better::Lower => (-hi, -lo),
    };
    if lo > 0.0 {
        return Verdict::Better;
    }
    if hi < 0.0 {
        return Verdict::Worse;
    }
    match margin {
        Some(m) if lo > -m && hi < m => Verdict::OnPar,
        Some(m) if lo > -m => Verdict::Maintained,
        _ => Verdict::Inconclusive,
    }
}

/// Minimum detectable effect from an interval's half-width: the critical value `q` of the
/// interval (t with `df` when finite, else normal) and z₀.₈ of the same distribution.
pub fn mde(half_width: f64, conf_level: f64, df: f64) -> f64 {
    let (q, zp) = if df.is_finite() && df >= 1.0 {
        let t = StudentsT::new(0.0, 1.0, df).expect("df ≥ 1");
        (t.inverse_cdf(0.5 + conf_level / 2.0), t.inverse_cdf(POWER))
    } else {
        let n = Normal::standard();
        (n.inverse_cdf(0.5 + conf_level / 2.0), n.inverse_cdf(POWER))
    };
    half_width / q * (q + zp)
}

/// Holm's step-down adjustment (family-wise error rate). NaN p-values stay NaN and do not
/// count in the family.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg step-up adjustment (false discovery rate). NaN p-values stay NaN.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 1.0;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min((m as f64 / (rank + 1) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// The outcome key under which a duration analysis appears among the findings.
pub fn duration_outcome(key: &str) -> String {
    format!("durations.{key}")
}

/// The findings of every analysis with an estimate, in the order of the analyses, then the
/// duration analyses (judged by their completed-spell DiD).
pub fn assess(results: &Results) -> Vec<Finding> {
    let mut findings: Vec<Finding> = results.analyses.iter().filter_map(|a| assess_one(results, a)).collect();
    findings.extend(results.durations.iter().filter_map(assess_duration));
    let p: Vec<f64> = findings.iter().map(|f| f.p_value).collect();
    for ((f, h), b) in findings.iter_mut().zip(holm(&p)).zip(benjamini_hochberg(&p)) {
        f.p_holm = h;
        f.p_bh = b;
    }
    findings
}

fn assess_one(results: &Results, a: &Analysis) -> Option<Finding> {
    let outcome = results.outcomes.iter().find(|o| o.key == a.outcome)?;
    let e = deciding_estimate(a)?;
    let i = &e.interval;
    let caveats = caveats(results, a, e);
    let causal = !caveats.iter().any(Caveat::doubts_design);
    // An interval of no width claims certainty no design of a handful of municipalities has.
    let degenerate = caveats.contains(&Caveat::ZeroWidth);
    Some(Finding {
        analysis: a.id.clone(),
        trial: a.trial.clone(),
        component: a.component.clone(),
        outcome: a.outcome.clone(),
        better: outcome.better,
        margin: outcome.margin,
        method: e.method,
        inference: e.inference.name.clone(),
        estimate: i.estimate,
        ci_low: i.ci_low,
        ci_high: i.ci_high,
        conf_level: i.conf_level,
        p_value: i.p_value,
        p_holm: f64::NAN,
        p_bh: f64::NAN,
        verdict: if degenerate {
            Verdict::Inconclusive
        } else {
            verdict(i.ci_low, i.ci_high, outcome.better, outcome.margin)
        },
        mde: mde((i.ci_high - i.ci_low) / 2.0, i.conf_level, e.inference.df),
        n_treated: a.design.treated.len(),
        relative: relative(outcome.unit, treated_mean(a), i.estimate),
        causal,
        caveats,
    })
}

/// The trial municipalities' mean over the evaluation window (months left out of estimation
/// and suppressed months skipped).
fn treated_mean(a: &Analysis) -> Option<f64> {
    let d = &a.design;
    let values: Vec<f64> = a
        .trend
        .iter()
        .filter(|t| d.post.contains(t.period) && !d.dropped_months.contains(&t.period))
        .filter_map(|t| t.treated)
        .collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// `effect / (level − effect)`: the effect relative to the level without the trial.
fn relative(unit: Unit, level: Option<f64>, effect: f64) -> Option<f64> {
    let without = level? - effect;
    (unit != Unit::Percent && without > 0.0 && effect.is_finite()).then(|| effect / without)
}

/// A duration analysis's finding: the completed-spell DiD in weeks, decided by randomization
/// inference over the municipalities (CR1 with t(G − 1) only when that is missing, e.g. in a
/// results.json written before it existed). Worded descriptively, never causally: no
/// pre-period placebo test exists for spells, and spells still open when the data end are
/// left out.
fn assess_duration(d: &DurationResult) -> Option<Finding> {
    let bounded = |i: &&Interval| i.ci_low.is_finite() && i.ci_high.is_finite();
    let ri = d.completed_did_ri.as_ref().map(|r| &r.interval).filter(bounded);
    let cr1 = d.completed_did.as_ref().filter(bounded);
    let (i, inference) = match (ri, cr1) {
        (Some(i), _) => (i, "RI"),
        (None, Some(i)) => (i, "CR1"),
        (None, None) => return None,
    };
    let mut caveats = Vec::new();
    if d.treated_units.len() < FEW_TREATED {
        caveats.push(Caveat::FewTreated { n: d.treated_units.len() });
    }
    let degenerate = zero_width(i.ci_low, i.ci_high, i.estimate);
    if degenerate {
        caveats.push(Caveat::ZeroWidth);
    }
    let n: u64 = d.groups.iter().filter_map(|g| g.n).sum();
    let ended: u64 = d.groups.iter().filter_map(|g| g.events).sum();
    let open_share = if n > 0 { 1.0 - ended as f64 / n as f64 } else { 1.0 };
    if open_share >= OPEN_SPELLS {
        caveats.push(Caveat::CompletedSpells { open_share });
    }
    // The methods disagree about zero: CR1 excludes it where randomization inference does not,
    // or the other way round.
    let excludes_zero = |i: &Interval| i.ci_low > 0.0 || i.ci_high < 0.0;
    if let (Some(r), Some(c)) = (ri, cr1)
        && excludes_zero(i)
        && excludes_zero(r) != excludes_zero(c)
    {
        let other = if inference == "RI" { "completed_did · CR1" } else { "completed_did · RI" };
        caveats.push(Caveat::Disagree { intervals: vec![other.into()] });
    }
    // Randomization inference has no degrees of freedom: its MDE uses the normal quantiles.
    let df =
        if inference == "RI" { f64::INFINITY } else { (d.treated_units.len() + d.comparison_units.len()) as f64 - 1.0 };
    Some(Finding {
        analysis: duration_outcome(&d.key),
        trial: d.trial.clone(),
        component: d.component.clone(),
        outcome: duration_outcome(&d.key),
        better: d.better,
        margin: d.margin,
        method: Method::CompletedDid,
        inference: inference.into(),
        estimate: i.estimate,
        ci_low: i.ci_low,
        ci_high: i.ci_high,
        conf_level: i.conf_level,
        p_value: i.p_value,
        p_holm: f64::NAN,
        p_bh: f64::NAN,
        verdict: if degenerate { Verdict::Inconclusive } else { verdict(i.ci_low, i.ci_high, d.better, d.margin) },
        mde: mde((i.ci_high - i.ci_low) / 2.0, i.conf_level, df),
        n_treated: d.treated_units.len(),
        relative: relative(
            Unit::Weeks,
            d.groups.iter().find(|g| g.group == "trial" && g.period == "during").and_then(|g| g.completed_mean),
            i.estimate,
        ),
        causal: false,
        caveats,
    })
}

/// Whether an interval has no width relative to its estimate's scale.
pub fn zero_width(lo: f64, hi: f64, estimate: f64) -> bool {
    hi - lo <= 1e-9 * estimate.abs().max(1.0)
}

/// The caveats that doubt the design: a confounded category, imbalance, a rejected
/// Callaway–Sant'Anna pre-test, intervals that disagree about zero, an interval of no width.
fn design_caveats(a: &Analysis, e: &Estimate) -> Vec<Caveat> {
    let mut out = Vec::new();
    let i = &e.interval;
    if zero_width(i.ci_low, i.ci_high, i.estimate) {
        out.push(Caveat::ZeroWidth);
    }
    for b in &a.design.balance {
        // A category (`region:…`) holding every participant and no comparison municipality.
        if b.variable.contains(':') && b.treated >= 1.0 - 1e-12 && b.after <= 1e-12 {
            out.push(Caveat::Confounded { variable: b.variable.clone() });
        }
    }
    for b in a.design.balance.iter().filter(|b| IMBALANCE_VARIABLES.contains(&b.variable.as_str())) {
        if let Some(smd) = b.smd_after.filter(|s| s.abs() > IMBALANCE_SMD) {
            out.push(Caveat::Imbalance { variable: b.variable.clone(), smd });
        }
    }
    if let Some(p) =
        a.cs.as_ref().and_then(|cs| cs.pretrend.as_ref()).map(|w| w.p_value).filter(|p| *p < PRETREND_ALPHA)
    {
        out.push(Caveat::CsPretest { p_value: p });
    }
    let excludes_zero = |lo: f64, hi: f64| lo > 0.0 || hi < 0.0;
    if excludes_zero(i.ci_low, i.ci_high)
        && let Some(s) = a.event_study.as_ref().and_then(|es| es.sensitivity.as_ref())
        && s.mean.estimate.signum() == i.estimate.signum()
        && let Some(b) = s.mean.breakdown.filter(|b| *b > 0.0 && *b < SENSITIVE_BREAKDOWN)
    {
        out.push(Caveat::Sensitive { breakdown: b, drift: b * s.max_pre_change });
    }
    if excludes_zero(i.ci_low, i.ci_high) {
        let disagree: Vec<String> = CROSS_CHECKS
            .iter()
            .filter_map(|(m, inf)| a.estimates.iter().find(|x| x.method == *m && x.inference.name == *inf))
            .filter(|x| x.interval.ci_low.is_finite() && x.interval.ci_high.is_finite())
            .filter(|x| !excludes_zero(x.interval.ci_low, x.interval.ci_high))
            .map(|x| format!("{} · {}", x.method.key(), x.inference.name))
            .collect();
        if !disagree.is_empty() {
            out.push(Caveat::Disagree { intervals: disagree });
        }
    }
    out
}

/// A synthetic control that matches more predictors than it has pre-periods, or that fits the
/// pre-period perfectly, decides nothing however its placebo ranks fall: it earns a caveat
/// whichever estimate decides, since the design's comparison weights come from it.
fn synth_caveats(s: &SynthResult) -> Vec<Caveat> {
    let mut out = Vec::new();
    let pooled = &s.pooled;
    let pre: Vec<f64> =
        s.periods.iter().zip(&pooled.treated).filter(|(p, _)| **p < pooled.start).filter_map(|(_, v)| *v).collect();
    let pre_periods = s.periods.iter().filter(|p| **p < pooled.start).count();
    if pre_periods <= s.predictors.len() {
        out.push(Caveat::FewPrePeriods { pre_periods, predictors: s.predictors.len() });
    }
    // An exact weighted predictor fit with more donors than a simplex in the predictors' space
    // needs: the treated lies inside the donors' hull and the weights are not unique.
    let predictors = pooled.v.iter().filter(|v| **v > 1e-12).count();
    if pooled.w_fit <= NON_UNIQUE_FIT && s.donors.len() > predictors + 1 {
        out.push(Caveat::NonUniqueWeights { donors: s.donors.len(), predictors });
    }
    let changes: Vec<f64> = pre.windows(2).map(|w| w[1] - w[0]).collect();
    let scale = if changes.len() >= 2 {
        let mean = changes.iter().sum::<f64>() / changes.len() as f64;
        (changes.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (changes.len() - 1) as f64).sqrt()
    } else {
        changes.first().map_or(0.0, |c| c.abs())
    };
    // Without a scale (a flat or suppressed series) only a numerically exact fit counts.
    let limit = if scale.is_finite() && scale > 0.0 { PERFECT_FIT * scale } else { 1e-9 };
    if pooled.pre_rmspe.is_finite() && pooled.pre_rmspe <= limit {
        out.push(Caveat::PerfectFit {
            pre_rmspe: pooled.pre_rmspe,
            perfect_placebos: s.placebos.iter().filter(|p| p.pre_rmspe <= limit).count(),
            placebos: s.placebos.len(),
        });
    }
    out
}

fn caveats(results: &Results, a: &Analysis, e: &Estimate) -> Vec<Caveat> {
    let d = &a.design;
    let mut out = Vec::new();
    if d.treated.len() < FEW_TREATED {
        out.push(Caveat::FewTreated { n: d.treated.len() });
    }
    out.extend(design_caveats(a, e));
    if let Some(p) = a.placebo.as_ref().filter(|p| p.interval.p_value < PRETREND_ALPHA) {
        out.push(Caveat::PreTrend { estimate: p.interval.estimate, p_value: p.interval.p_value });
    }
    if a.design.comparison == ComparisonDesign::Synth
        && let Some(s) = &a.synth
    {
        out.extend(synth_caveats(s));
    }
    if e.method == Method::Synth
        && let Some(s) = &a.synth
    {
        let mut placebo: Vec<f64> = s.placebos.iter().map(|p| p.pre_rmspe).filter(|x| x.is_finite()).collect();
        placebo.sort_by(f64::total_cmp);
        if !placebo.is_empty() {
            let median = placebo[placebo.len() / 2];
            if s.pooled.pre_rmspe > median {
                out.push(Caveat::PoorFit { pre_rmspe: s.pooled.pre_rmspe, placebo_median: median });
            }
        }
    }
    let covid_months = match results.study.covid_handling {
        CovidHandling::Exclude => d.dropped_months.iter().filter(|m| d.post.contains(**m)).count(),
        // Whole periods of the outcome that touch a window, counted in months like the others.
        CovidHandling::Include => {
            let step = d.frequency.step().unwrap_or(1).max(1) as usize;
            let mut touched: Vec<Month> = d
                .post
                .first
                .through(d.post.last)
                .filter(|m| {
                    results.study.covid_windows.iter().any(|w| {
                        let (s, e) = (parse_date(&w.start), parse_date(&w.end));
                        s.zip(e).is_some_and(|(s, e)| Month::of(s) <= *m && *m <= Month::of(e))
                    })
                })
                .map(|m| d.frequency.period_start(m))
                .collect();
            touched.dedup();
            step * touched.len()
        }
    };
    if covid_months > 0 {
        out.push(Caveat::Covid { handling: results.study.covid_handling, months: covid_months });
    }
    let provisional = match results.outcomes.iter().find(|o| o.key == a.outcome) {
        Some(o) => o.provisional_from,
        None => results.study.provisional_from,
    };
    if let Some(from) = provisional {
        let months = d.post.first.max(from).through(d.post.last).count();
        if d.post.last >= from && months > 0 {
            out.push(Caveat::Provisional { months, from });
        }
    }
    // Trend points are periods of the outcome; the caveats count months.
    let step = d.frequency.step().unwrap_or(1) as usize;
    let suppressed = step * a.trend.iter().filter(|t| t.treated_suppressed || t.comparison_suppressed).count();
    if suppressed > 0 {
        out.push(Caveat::Suppressed { months: suppressed });
    }
    let window = |m: Month| d.pre.first <= m && m <= d.post.last;
    let at_source: usize =
        step * a.trend.iter().filter(|t| window(t.period)).map(|t| t.source_suppressed).sum::<usize>();
    if at_source > 0 {
        out.push(Caveat::SourceSuppressed { cells: at_source });
    }
    let events: Vec<_> = results
        .study
        .events
        .iter()
        .filter(|ev| {
            parse_date(&ev.date).is_some_and(|day| d.pre.first <= Month::of(day) && Month::of(day) <= d.post.last)
        })
        .collect();
    if !events.is_empty() {
        out.push(Caveat::Events {
            dates: events.iter().map(|e| e.date.clone()).collect(),
            labels: events.iter().map(|e| e.label.clone()).collect(),
            labels_en: events.iter().map(|e| e.label_en.clone()).collect(),
        });
    }
    let treated: Vec<_> = d.treated.iter().map(|t| t.code).collect();
    let overlap: Vec<String> = results
        .trials
        .iter()
        .flat_map(|t| t.components.iter().map(move |c| (t, c)))
        .filter(|(t, c)| !(t.key == a.trial && c.key == a.component))
        .filter(|(_, c)| c.outcomes.contains(&a.outcome))
        .filter(|(_, c)| c.participants.iter().any(|p| treated.contains(&p.code)))
        .filter(|(t, c)| {
            let start = c.participants.iter().filter_map(|p| parse_date(&p.start)).min().map(Month::of);
            let end = parse_date(&t.evaluation_end).or_else(|| parse_date(&c.end)).map(Month::of);
            start.zip(end).is_some_and(|(s, e)| s <= d.post.last && e >= d.post.first)
        })
        .map(|(t, c)| format!("{}.{}", t.key, c.key))
        .collect();
    if !overlap.is_empty() {
        out.push(Caveat::Overlap { components: overlap });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_favourable_direction_and_the_margin() {
        use Verdict::{Inconclusive, Maintained, OnPar, Worse};
        let better = Verdict::Better;
        // Higher is better.
        assert_eq!(verdict(0.1, 0.5, Better::Higher, Some(1.0)), better);
        assert_eq!(verdict(-0.5, -0.1, Better::Higher, Some(1.0)), Worse);
        assert_eq!(verdict(-0.4, 0.6, Better::Higher, Some(1.0)), OnPar);
        assert_eq!(verdict(-0.4, 1.6, Better::Higher, Some(1.0)), Maintained);
        assert_eq!(verdict(-1.4, 0.6, Better::Higher, Some(1.0)), Inconclusive);
        assert_eq!(verdict(-0.4, 0.6, Better::Higher, None), Inconclusive);
        // Lower is better: the same intervals mirrored.
        assert_eq!(verdict(-0.5, -0.1, Better::Lower, Some(1.0)), better);
        assert_eq!(verdict(0.1, 0.5, Better::Lower, None), Worse);
        assert_eq!(verdict(-1.6, 0.4, Better::Lower, Some(1.0)), Maintained);
        assert_eq!(verdict(-0.4, 1.4, Better::Lower, Some(1.0)), Inconclusive);
    }

    /// Holm and BH against hand computations (R's p.adjust gives the same numbers).
    #[test]
    fn multiplicity_adjustments_by_hand() {
        let p = [0.01, 0.04, 0.03, f64::NAN, 0.20];
        let h = holm(&p);
        // Sorted 0.01, 0.03, 0.04, 0.20 with m = 4: 0.04, 0.09, 0.09 (monotone), 0.20.
        for (got, want) in h.iter().zip([0.04, 0.09, 0.09, f64::NAN, 0.20]) {
            assert!(got.is_nan() && want.is_nan() || (got - want).abs() < 1e-12, "{h:?}");
        }
        let b = benjamini_hochberg(&p);
        // 0.01·4/1 = 0.04; 0.03·4/2 = 0.06; 0.04·4/3 = 0.0533; 0.20 → step-up minima.
        for (got, want) in b.iter().zip([0.04, 0.053_333_333_333_333_33, 0.053_333_333_333_333_33, f64::NAN, 0.20]) {
            assert!(got.is_nan() && want.is_nan() || (got - want).abs() < 1e-12, "{b:?}");
        }
    }

    /// −14 against a level of 86 with the trial (100 without it) is −14 %; shares and
    /// non-positive levels have none.
    #[test]
    fn relative_effects_are_against_the_level_without_the_trial() {
        let r = relative(Unit::Count, Some(86.0), -14.0).unwrap();
        assert!((r + 0.14).abs() < 1e-12, "{r}");
        assert_eq!(relative(Unit::Percent, Some(60.0), 1.0), None);
        assert_eq!(relative(Unit::Dkk, Some(5.0), 10.0), None);
        assert_eq!(relative(Unit::Weeks, None, -1.0), None);
    }

    /// With a normal interval of half-width 1.96·SE, the MDE is (1.96 + 0.84)·SE.
    #[test]
    fn minimum_detectable_effect_of_a_normal_interval() {
        let se = 0.5;
        let m = mde(1.959_963_985 * se, 0.95, f64::NAN);
        assert!((m - (1.959_963_985 + 0.841_621_234) * se).abs() < 1e-6, "{m}");
        // Few degrees of freedom: larger than the normal one.
        assert!(mde(2.262_157 * se, 0.95, 9.0) > m);
    }
}
