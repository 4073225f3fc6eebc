//! The findings as the results model holds them: a verdict per trial × outcome, with its
//! deciding estimate, adjusted p-values and caveats. [`crate::findings`] decides them; the
//! writers word them.

use serde::{Deserialize, Serialize};

use crate::estimate::Method;
use crate::period::Month;
use crate::study::{Better, CovidHandling};

/// What an analysis lets an evaluator say (see [`crate::findings`] for the rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    OnPar,
    Maintained,
    Worse,
    Inconclusive,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caveat {
    /// Few treated municipalities: intervals rest on few-cluster methods.
    FewTreated { n: usize },
    /// The placebo 2×2 inside the pre-period (randomization inference) rejects.
    PreTrend { estimate: f64, p_value: f64 },
    /// The pooled synthetic control fits the pre-period worse than the median placebo.
    PoorFit { pre_rmspe: f64, placebo_median: f64 },
    /// COVID windows touch the evaluation window: `months` months left out of estimation
    /// (`exclude`) or kept (`include`).
    Covid { handling: CovidHandling, months: usize },
    /// Months where the treated or comparison mean had suppressed cells.
    Suppressed { months: usize },
    /// Cells of the treated or comparison municipalities in the window that the data source
    /// suppressed (`..`): left out, so the means rest on the other municipalities.
    SourceSuppressed { cells: usize },
    /// Policy events (the study's `[[events]]`) between the pre-period start and the window end.
    Events { dates: Vec<String>, labels: Vec<String>, labels_en: Vec<String> },
    /// Other trial components with the same outcome, sharing participants, active in the window:
    /// their effects are part of this estimate.
    Overlap { components: Vec<String> },
    /// The evaluation window reaches `months` provisional months (from `from`), which the
    /// source may still revise.
    Provisional { months: usize, from: Month },
    /// A duration finding rests on completed spells only; `open_share` of the spells were still
    /// open when the data end, which favours short spells in the later period.
    CompletedSpells { open_share: f64 },
    /// Every participant lies in one category of a balance variable (`region:Region
    /// Nordjylland`) in which no comparison municipality lies: the comparison cannot tell the
    /// trial from whatever sets that category apart.
    Confounded { variable: String },
    /// The comparison differs from the participants in a balance variable (`level`, `trend`,
    /// `population`) by more than [`crate::findings::IMBALANCE_SMD`] standardised differences.
    Imbalance { variable: String, smd: f64 },
    /// Callaway–Sant'Anna's joint test of the pre-period effects rejects (p below
    /// [`crate::findings::PRETREND_ALPHA`]). Informative only: with a handful of trial
    /// municipalities its influence-function Wald test rejects in every placebo trial of
    /// docs/montecarlo.md (size 100 %), so it cannot doubt a design; the placebo 2×2 with
    /// randomization inference ([`Caveat::PreTrend`]) is the pre-trend test that does.
    CsPretest { p_value: f64 },
    /// The finding excludes zero, and so does the event study's mean from the start (same
    /// sign; where it does not, [`Caveat::Disagree`] says so), but that mean stops excluding it
    /// once the trend difference may change after the start by `breakdown` (below
    /// [`crate::findings::SENSITIVE_BREAKDOWN`]) times its largest change before the start, i.e.
    /// by `drift` per period in the outcome's unit (Rambachan–Roth, relative magnitudes).
    /// Informative: on monthly data the largest pre-period change is mostly sampling noise, so a
    /// small value is common and does not by itself doubt the design; the caveat says how large
    /// a trend break would explain the result.
    Sensitive { breakdown: f64, drift: f64 },
    /// The deciding interval excludes zero but other intervals of the same analysis
    /// (`method · inference`) include it.
    Disagree { intervals: Vec<String> },
    /// The deciding interval has no width: a degenerate design (e.g. a perfect pre-period fit),
    /// so no verdict is given.
    ZeroWidth,
    /// The pooled synthetic control reproduces the pre-period (almost) exactly: its pre RMSPE is
    /// below [`crate::findings::PERFECT_FIT`] of the treated series' typical period-to-period
    /// change. The treated lies inside the donors' hull, the donor weights are not unique (the
    /// solver's deterministic tie-break picks one set) and the placebo ranking compares perfect
    /// fits; `perfect_placebos` of `placebos` donors fit as well.
    PerfectFit { pre_rmspe: f64, perfect_placebos: usize, placebos: usize },
    /// The synthetic control matches `predictors` predictor rows with no more than `pre_periods`
    /// periods before the start: it can fit any series without resembling it.
    FewPrePeriods { pre_periods: usize, predictors: usize },
    /// The trial municipalities' predictors lie inside the hull of the `donors` donors (the
    /// weighted predictor fit is exact) and there are more donors than predictors + 1: other
    /// donor weights fit the predictors equally well and can give another estimate. The weights
    /// shown are the deterministic tie-break of [`crate::estimate::synth`] (the sparse solution
    /// Wolfe's algorithm reaches from the nearest donor), applied to every placebo alike, so
    /// the placebo test stays valid: informative, it does not doubt the design.
    NonUniqueWeights { donors: usize, predictors: usize },
}

impl Caveat {
    /// Whether the caveat says the design itself may be wrong: then the wording is not causal
    /// and a "better"/"worse" badge says "with caveats".
    pub fn doubts_design(&self) -> bool {
        matches!(
            self,
            Caveat::PreTrend { .. }
                | Caveat::PoorFit { .. }
                | Caveat::Overlap { .. }
                | Caveat::Confounded { .. }
                | Caveat::Imbalance { .. }
                | Caveat::Disagree { .. }
                | Caveat::ZeroWidth
                | Caveat::PerfectFit { .. }
                | Caveat::FewPrePeriods { .. }
        )
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    /// `trial.component.outcome`
    pub analysis: String,
    pub trial: String,
    pub component: String,
    pub outcome: String,
    pub better: Better,
    pub margin: Option<f64>,
    /// The deciding estimate.
    pub method: Method,
    pub inference: String,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub estimate: f64,
    #[serde(serialize_with = "crate::inference::bound", deserialize_with = "crate::inference::nan_if_null")]
    pub ci_low: f64,
    #[serde(serialize_with = "crate::inference::bound", deserialize_with = "crate::inference::nan_if_null")]
    pub ci_high: f64,
    pub conf_level: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub p_value: f64,
    /// Holm and Benjamini–Hochberg adjusted p-values across every finding of the run.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub p_holm: f64,
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub p_bh: f64,
    pub verdict: Verdict,
    /// Smallest true effect the design detects with 80 % power (two-sided, the study's level),
    /// in the outcome's unit: (q + z₀.₈)·SE, SE = interval half-width / q.
    #[serde(deserialize_with = "crate::inference::nan_if_null")]
    pub mde: f64,
    pub n_treated: usize,
    /// The effect relative to the level the trial municipalities would have had without the
    /// trial (their mean over the evaluation window minus the effect); `None` for shares
    /// (already in percentage points) and where that level is not positive.
    #[serde(default)]
    pub relative: Option<f64>,
    /// Whether the wording may be causal ("the trial reduced …").
    pub causal: bool,
    pub caveats: Vec<Caveat>,
}
