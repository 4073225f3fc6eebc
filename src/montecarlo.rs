//! Monte Carlo study of the intervals on one trial component × outcome of a study.
//!
//! Two experiments, each replication r drawing from ChaCha stream r of the seed (so the table
//! is the same for any thread count):
//!
//! * **Size (placebo trials).** The real participants are set aside and as many municipalities,
//!   drawn at random from the comparison group, get the participants' start months. The true
//!   effect is zero, so the share of p-values below 1 − conf_level is each test's size. Uses the
//!   study's own data (no model assumptions), as Bertrand, Duflo and Mullainathan (2004).
//! * **Coverage (simulated trials).** The study's `[simulation]` is re-run with seed `seed + r`
//!   and each interval is checked against the true effect the simulator reports. Only the 2×2
//!   and TWFE estimate that effect (the mean over the post window); the event study and
//!   Callaway–Sant'Anna average differently and get no coverage figure.
//!
//! The two pre-trend tests (the joint CR1 test of the event-study leads, and the placebo 2×2
//! inside the pre-period with randomization inference) get a size from the placebo trials: a
//! rejection there is a false alarm about pre-trends.
//!
//! Resampling inference inside each replication uses `draws` draws (randomization inference
//! still enumerates every assignment when there are at most `max_exact`).
//!
//! **Chosen participants.** Real participants are not a random draw: `pool` restricts the
//! placebo participants to the smallest or largest comparison municipalities (by population),
//! while the comparison group stays whole. Randomization inference that reshuffles over all of
//! Denmark then loses its level; with `strata` the table adds randomization inference within
//! those strata (e.g. size classes), which is what a study declares when its participants were
//! chosen by size or region.
//!
//! An outcome the component does not measure may be studied too (its placebo trials need only
//! the data); its simulated trials have a true effect of zero unless the simulation gives one.

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::synthetic::{SdidParams, SynthParams};
use crate::design::balanced::Balanced;
use crate::design::{Design, DesignError};
use crate::estimate::conformal::{self, Conformal};
use crate::estimate::cs::{CallawaySantAnna, Control};
use crate::estimate::did2x2::Did2x2;
use crate::estimate::event::{EventBase, EventStudy};
use crate::estimate::imputation::Imputation;
use crate::estimate::scm::Predictor;
use crate::estimate::sunab::SunAbraham;
use crate::estimate::twfe::Twfe;
use crate::estimate::{Estimate, Sample};
use crate::inference::Interval;
use crate::inference::randomization::Randomization;
use crate::inference::wild::{Weights, WildBootstrap};
use crate::ingest::Panel;
use crate::pipeline::Progress;
use crate::rng::Stream;
use crate::settings::Reps;
use crate::simulate::SimulateError;
use crate::study::{Stratum, Study};

/// Why a Monte Carlo study cannot run.
#[derive(Debug, thiserror::Error)]
pub enum MonteCarloError {
    #[error("no trial `{trial}` in the study (trials: {})", .trials.join(", "))]
    NoTrial { trial: String, trials: Vec<String> },
    #[error("trial `{trial}` has no component `{component}` (components: {})", .components.join(", "))]
    NoComponent { trial: String, component: String, components: Vec<String> },
    #[error("component `{component}` of trial `{trial}` does not measure `{outcome}` (outcomes: {})", .outcomes.join(", "))]
    NotMeasured { trial: String, component: String, outcome: String, outcomes: Vec<String> },
    #[error("{comparison} comparison municipalities are too few for placebo trials of {treated}")]
    TooFewComparison { comparison: usize, treated: usize },
    #[error("no outcome `{outcome}` in the data (outcomes: {})", .outcomes.join(", "))]
    NoOutcome { outcome: String, outcomes: Vec<String> },
    #[error("the simulator reports no true effect for this analysis")]
    NoTruth,
    #[error("no duration analysis `{key}` in the study (durations: {})", .keys.join(", "))]
    NoDurations { key: String, keys: Vec<String> },
    #[error(transparent)]
    Design(#[from] DesignError),
    #[error(transparent)]
    Simulate(#[from] SimulateError),
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub trial: String,
    /// Component key; the trial's first component when `None`.
    pub component: Option<String>,
    pub outcome: String,
    pub reps: u64,
    pub seed: u64,
    /// Draws of the wild bootstrap and of Monte Carlo randomization inference per replication.
    pub draws: Reps,
    /// Randomization inference enumerates all assignments up to this many.
    pub max_exact: u64,
    /// Where the placebo participants are drawn from.
    pub pool: Pool,
    /// Strata for the within-strata randomization inference row; none: no such row.
    pub strata: Vec<Stratum>,
    /// Whether to fit the synthetic control and SDID in each replication (slow: every donor's
    /// placebo is refitted).
    pub synthetic: bool,
    /// Placebo replications of SDID inside each replication.
    pub sdid_reps: usize,
}

/// The comparison municipalities the placebo participants are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pool {
    /// Every comparison municipality, uniformly: participants like a random draw.
    All,
    /// The `n` comparison municipalities with the smallest population.
    Smallest(usize),
    /// The `n` with the largest population.
    Largest(usize),
}

impl Pool {
    /// `all`, `smallest:N` or `largest:N`.
    pub fn parse(text: &str) -> Option<Pool> {
        let n = |rest: &str| rest.parse::<usize>().ok().filter(|n| *n >= 1);
        match text.split_once(':') {
            None if text == "all" => Some(Pool::All),
            Some(("smallest", rest)) => n(rest).map(Pool::Smallest),
            Some(("largest", rest)) => n(rest).map(Pool::Largest),
            _ => None,
        }
    }

    pub fn text(self) -> String {
        match self {
            Pool::All => "all".into(),
            Pool::Smallest(n) => format!("smallest:{n}"),
            Pool::Largest(n) => format!("largest:{n}"),
        }
    }
}

/// One method × inference convention.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub method: String,
    pub inference: String,
    /// Share of placebo trials rejected at 1 − conf_level.
    pub size: Option<f64>,
    pub size_reps: u64,
    /// Share of simulated trials whose interval holds the true effect.
    pub coverage: Option<f64>,
    pub coverage_reps: u64,
    /// Mean interval width in the placebo trials, in the outcome's unit.
    pub mean_width: Option<f64>,
    /// Mean of estimate − true effect in the simulated trials, in the outcome's unit, and its
    /// Monte Carlo standard error.
    pub bias: Option<f64>,
    pub bias_se: Option<f64>,
    /// Replications (of both experiments) whose interval and p-value disagree about zero: the
    /// interval excludes zero while p ≥ 1 − conf_level, or the other way round.
    pub contradictions: u64,
    /// Whether this interval decides the analysis's verdict in `run` (see
    /// [`crate::findings::deciding_estimate`]).
    pub decides: bool,
}

impl Row {
    /// The row of one convention from its intervals in the placebo trials (`sized`) and in the
    /// simulated trials with their true effects (`covered`), whose coverage and bias count only
    /// when the convention `estimates_truth` (not the event study or Callaway–Sant'Anna).
    fn measure(
        method: &str,
        inference: String,
        sized: &[&Estimate],
        covered: &[(&Estimate, f64)],
        estimates_truth: bool,
        alpha: f64,
        decides: bool,
    ) -> Row {
        let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
        let contradictions = sized
            .iter()
            .copied()
            .chain(covered.iter().map(|(e, _)| *e))
            .filter(|e| !e.interval.ci_low.is_nan() && !e.interval.ci_high.is_nan() && !e.interval.p_value.is_nan())
            .filter(|e| {
                let i = &e.interval;
                (i.ci_low > 0.0 || i.ci_high < 0.0) != (i.p_value < alpha)
            })
            .count() as u64;
        let truth_of: &[(&Estimate, f64)] = if estimates_truth { covered } else { &[] };
        let errors: Vec<f64> =
            truth_of.iter().map(|(e, t)| e.interval.estimate - t).filter(|x| x.is_finite()).collect();
        let bias = (errors.len() > 1).then(|| {
            let n = errors.len() as f64;
            let mean = errors.iter().sum::<f64>() / n;
            let var = errors.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, (var / n).sqrt())
        });
        let widths: Vec<f64> =
            sized.iter().map(|e| e.interval.ci_high - e.interval.ci_low).filter(|w| w.is_finite()).collect();
        Row {
            method: method.to_string(),
            inference,
            size: share(sized.iter().filter(|e| e.interval.p_value < alpha).count(), sized.len()),
            size_reps: sized.len() as u64,
            coverage: share(
                truth_of.iter().filter(|(e, t)| e.interval.ci_low <= *t && *t <= e.interval.ci_high).count(),
                truth_of.len(),
            ),
            coverage_reps: truth_of.len() as u64,
            mean_width: (!widths.is_empty()).then(|| widths.iter().sum::<f64>() / widths.len() as f64),
            bias: bias.map(|b| b.0),
            bias_se: bias.map(|b| b.1),
            contradictions,
            decides,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub analysis: String,
    pub n_treated: usize,
    pub n_comparison: usize,
    pub conf_level: f64,
    pub reps: u64,
    pub seed: u64,
    pub draws: Reps,
    /// Where the placebo participants were drawn from, and how many municipalities that is.
    pub pool: String,
    pub pool_size: usize,
    pub strata: Vec<String>,
    pub rows: Vec<Row>,
}

/// (method, inference) of every interval a replication produces, in table order; the
/// within-strata row is left out of a study without strata.
const METHODS: [(&str, &str); 28] = [
    ("did2x2", "CR1"),
    ("did2x2", "RI"),
    ("did2x2", "RI within strata"),
    ("did2x2", "RI unstudentised"),
    ("did2x2", "RI unstudentised within strata"),
    ("twfe", "CR1"),
    ("twfe", "WCR Rademacher"),
    ("twfe", "WCR Webb"),
    ("event", "CR1"),
    ("event", "CR1, pre-period-mean base"),
    ("event sensitivity", "Δ^RM confidence set, M̄ = 0"),
    ("event sensitivity", "Δ^RM confidence set, M̄ = 1"),
    ("event sensitivity", "Δ^SD fixed-length interval, M = 0"),
    ("cs", "IF"),
    ("cs", "IF, doubly robust in level and log population"),
    ("bjs", "IF, normal (R didimputation)"),
    ("bjs", "IF leave-one-out, normal"),
    ("bjs", "IF leave-one-out, t(treated − 1)"),
    ("sunab", "CR1"),
    ("sunab", "CR1, pre-period-mean base"),
    ("synth", "placebo"),
    ("synth", "conformal, constant effect (moving blocks)"),
    ("synth per period", "conformal, first post period"),
    ("sdid", "placebo"),
    ("sdid", "placebo ∪ RI"),
    ("pre-trend test", "event-study leads, F (CR1)"),
    ("pre-trend test", "placebo 2×2, RI"),
    ("pre-trend test", "Callaway–Sant'Anna pre-periods, Wald"),
];

type Outcome = Vec<Option<Estimate>>;

/// One convention's interval in a placebo trial and in a simulated trial.
type PlaceboAndSimulated = (Option<Estimate>, Option<Estimate>);

pub fn run(study: &Study, panel: &Panel, s: &Settings, progress: &dyn Progress) -> Result<Report, MonteCarloError> {
    let (ti, ci) = locate(study, s)?;
    let design = Design::build(study, panel, ti, ci, &s.outcome)?;
    let alpha = study.conf_level.alpha();
    let k = design.treated.len();
    if design.comparison.len() < 2 * k {
        return Err(MonteCarloError::TooFewComparison { comparison: design.comparison.len(), treated: k });
    }
    let starts: Vec<_> = design.treated.iter().map(|t| t.start).collect();
    let base = design.sample(panel);
    let pool: Vec<usize> = (0..base.units.len()).filter(|&i| base.units[i].start.is_none()).collect();
    // The placebo participants' pool: the whole comparison group or its smallest/largest part.
    let population = |i: usize| {
        u16::try_from(base.units[i].code).ok().and_then(|c| study.registry.get(c)).map_or(0, |m| m.population)
    };
    let mut by_size = pool.clone();
    by_size.sort_by_key(|&i| (population(i), base.units[i].code));
    let draw_from: Vec<usize> = match s.pool {
        Pool::All => pool.clone(),
        Pool::Smallest(n) => by_size[..n.min(by_size.len())].to_vec(),
        Pool::Largest(n) => by_size[by_size.len().saturating_sub(n)..].to_vec(),
    };
    if draw_from.len() < k {
        return Err(MonteCarloError::TooFewComparison { comparison: draw_from.len(), treated: k });
    }
    let strata_map = study_with_strata(study, &s.strata).strata_map();

    let chunks = |total: u64, label: &str, f: &(dyn Fn(u64) -> Result<(Outcome, f64), MonteCarloError> + Sync)| {
        progress.stage(label, total);
        let mut out = Vec::with_capacity(total as usize);
        let ids: Vec<u64> = (0..total).collect();
        for chunk in ids.chunks(8) {
            let part: Vec<Result<(Outcome, f64), MonteCarloError>> = chunk.par_iter().map(|&r| f(r)).collect();
            for p in part {
                out.push(p?);
                progress.advance();
            }
        }
        progress.finish();
        Ok::<_, MonteCarloError>(out)
    };

    // Placebo trials on the study's data.
    let placebo = |r: u64| -> Result<(Outcome, f64), MonteCarloError> {
        let mut rng = Stream::new(s.seed, r);
        let mut order = draw_from.clone();
        let n = order.len();
        for j in 0..k {
            let pick = (j + (rng.uniform() * (n - j) as f64) as usize).min(n - 1);
            order.swap(j, pick);
        }
        let mut sample = Sample { units: Vec::with_capacity(pool.len()), step: base.step };
        for &i in &pool {
            let mut u = base.units[i].clone();
            if let Some(j) = order[..k].iter().position(|&p| p == i) {
                u.start = Some(starts[j]);
            }
            sample.units.push(u);
        }
        Ok((intervals(study, &design, panel, &sample, s, r, &strata_map), 0.0))
    };
    let size_runs = chunks(s.reps, "placebo trials", &placebo)?;

    // Simulated trials with a known effect.
    let simulated = |r: u64| -> Result<(Outcome, f64), MonteCarloError> {
        let mut st = study.clone();
        let sim_settings = st.simulation.as_mut().ok_or(SimulateError::NoSimulation)?;
        sim_settings.seed = s.seed.wrapping_add(r);
        let sim = crate::simulate::simulate(&st)?;
        let d = Design::build(&st, &sim.panel, ti, ci, &s.outcome)?;
        let trial = &st.trials[ti];
        let simulated_effect = sim_settings_effect(&st, ti, ci, &s.outcome);
        let truth = sim
            .truth
            .effects
            .iter()
            .find(|e| e.trial == trial.key && e.component == trial.components[ci].key && e.outcome == s.outcome)
            .map(|e| e.att);
        // No effect simulated for this analysis: the truth is zero.
        let truth = match (truth, simulated_effect) {
            (Some(t), _) => t,
            (None, false) => 0.0,
            (None, true) => return Err(MonteCarloError::NoTruth),
        };
        Ok((intervals(&st, &d, &sim.panel, &d.sample(&sim.panel), s, r, &strata_map), truth))
    };
    // Coverage does not depend on where placebo participants come from: only measured with the
    // whole pool.
    let coverage_runs = if study.simulation.is_some() && s.pool == Pool::All {
        chunks(s.reps, "simulated trials", &simulated)?
    } else {
        vec![]
    };

    let strata_names: Vec<String> = s.strata.iter().map(|x| x.key()).collect();
    // The row `run` decides by: SDID's placebo interval joined with the 2×2 RI for a
    // synthetic-control design (only measured with `--synthetic`), otherwise the 2×2 with randomization inference (within the
    // study's strata when it declares some and they are the ones measured here).
    let row_of = |method: &str, inference: &str| METHODS.iter().position(|r| *r == (method, inference));
    let deciding = if study.trials[ti].comparison.design == crate::study::ComparisonDesign::Synth {
        if s.synthetic { row_of("sdid", "placebo ∪ RI") } else { None }
    } else if !study.strata.is_empty() && study.strata == s.strata {
        row_of("did2x2", "RI within strata")
    } else {
        row_of("did2x2", "RI")
    };
    let rows = METHODS
        .iter()
        .enumerate()
        .map(|(m, (method, inference))| {
            let inference = if inference.ends_with("within strata") {
                format!("{inference} ({})", strata_names.join(", "))
            } else {
                inference.to_string()
            };
            let sized: Vec<&Estimate> = size_runs.iter().filter_map(|(o, _)| o[m].as_ref()).collect();
            let covered: Vec<(&Estimate, f64)> =
                coverage_runs.iter().filter_map(|(o, truth)| o[m].as_ref().map(|e| (e, *truth))).collect();
            // The event study and Callaway–Sant'Anna answer other questions: a size only. The
            // imputation and Sun–Abraham estimators average every treated observation, as the 2×2.
            let estimates_truth = matches!(*method, "did2x2" | "twfe" | "bjs" | "sunab" | "synth" | "sdid");
            Row::measure(method, inference, &sized, &covered, estimates_truth, alpha, deciding == Some(m))
        })
        .filter(|r| r.size_reps > 0 || r.coverage_reps > 0)
        .collect();
    let trial = &study.trials[ti];
    Ok(Report {
        analysis: format!("{}.{}.{}", trial.key, trial.components[ci].key, s.outcome),
        n_treated: k,
        n_comparison: design.comparison.len(),
        conf_level: study.conf_level.get(),
        reps: s.reps,
        seed: s.seed,
        draws: s.draws,
        pool: s.pool.text(),
        pool_size: draw_from.len(),
        strata: strata_names,
        rows,
    })
}

/// The size and coverage of a `[[durations]]` analysis's completed-spell DiD, whose
/// randomization-inference interval decides its finding. Each replication re-runs the study's
/// simulation with a new seed and tallies the simulated JAF spells as `run` tallies the case
/// file: the interval of the actual participants is checked against the simulator's true mean
/// change in the duration of their spells (coverage), and the same data with as many comparison
/// municipalities drawn as placebo participants, the actual ones left out, give the size.
pub fn run_durations(
    study: &Study,
    key: &str,
    s: &Settings,
    progress: &dyn Progress,
) -> Result<Report, MonteCarloError> {
    use crate::analysis::durations::{Plan, Tally, clusters_with_spells, completed_intervals};
    let spec = study.durations.iter().find(|d| d.key == key).ok_or_else(|| MonteCarloError::NoDurations {
        key: key.into(),
        keys: study.durations.iter().map(|d| d.key.clone()).collect(),
    })?;
    if study.simulation.is_none() {
        return Err(SimulateError::NoSimulation.into());
    }
    let columns = vec![study.data.case_type_column.clone()];
    let plan = Plan::new(study, spec, &columns);
    let alpha = study.conf_level.alpha();
    let one = |r: u64| -> Result<([PlaceboAndSimulated; 2], f64), MonteCarloError> {
        let mut st = study.clone();
        st.simulation.as_mut().expect("checked").seed = s.seed.wrapping_add(r);
        let sim = crate::simulate::simulate(&st)?;
        let truth = sim.truth.jaf_spell_effect_weeks.ok_or(MonteCarloError::NoTruth)?;
        let mut tally = Tally::default();
        let mut observed_until = i32::MIN;
        for sp in &sim.spells {
            plan.add_spell(&mut tally, sp.municipality, sp.kind, sp.start, sp.end);
            let last = sp.end.unwrap_or(sp.start);
            observed_until = observed_until.max(crate::ingest::cases::day_number(last));
        }
        let seed = s.seed.wrapping_mul(1_000_003).wrapping_add(r);
        let (treated, comparison) = clusters_with_spells(&plan, &tally, observed_until);
        let k = treated.len();
        if comparison.len() < 2 * k {
            return Err(MonteCarloError::TooFewComparison { comparison: comparison.len(), treated: k });
        }
        let mut rng = Stream::new(s.seed, r);
        let mut order = comparison.clone();
        let n = order.len();
        for j in 0..k {
            let pick = (j + (rng.uniform() * (n - j) as f64) as usize).min(n - 1);
            order.swap(j, pick);
        }
        let as_estimate = |i: Option<crate::inference::Interval>| {
            i.map(|interval| Estimate {
                method: crate::estimate::Method::CompletedDid,
                estimand: String::new(),
                interval,
                inference: crate::inference::Inference {
                    name: String::new(),
                    description: String::new(),
                    clusters: 0,
                    df: f64::NAN,
                    adjustment: f64::NAN,
                },
                n_obs: 0,
                n_units: 0,
                n_treated: k,
                n_control: n,
            })
        };
        let (cr1, ri) = completed_intervals(&plan, &tally, observed_until, None, s.draws.get(), seed, study.conf_level);
        let (p_cr1, p_ri) = completed_intervals(
            &plan,
            &tally,
            observed_until,
            Some(&order[..k]),
            s.draws.get(),
            seed,
            study.conf_level,
        );
        Ok(([(as_estimate(p_cr1), as_estimate(cr1)), (as_estimate(p_ri), as_estimate(ri))], truth))
    };
    progress.stage("simulated case files", s.reps);
    let mut runs = Vec::with_capacity(s.reps as usize);
    let ids: Vec<u64> = (0..s.reps).collect();
    for chunk in ids.chunks(8) {
        let part: Vec<_> = chunk.par_iter().map(|&r| one(r)).collect();
        for p in part {
            runs.push(p?);
            progress.advance();
        }
    }
    progress.finish();
    let rows = ["CR1", "RI"]
        .iter()
        .enumerate()
        .map(|(m, inference)| {
            let sized: Vec<&Estimate> = runs.iter().filter_map(|(r, _)| r[m].0.as_ref()).collect();
            let covered: Vec<(&Estimate, f64)> =
                runs.iter().filter_map(|(r, truth)| r[m].1.as_ref().map(|e| (e, *truth))).collect();
            Row::measure("completed-spell DiD", inference.to_string(), &sized, &covered, true, alpha, m == 1)
        })
        .collect();
    let first = runs.first().and_then(|(r, _)| r[1].1.as_ref().or(r[1].0.as_ref()));
    Ok(Report {
        analysis: crate::findings::duration_outcome(key),
        n_treated: first.map_or(0, |e| e.n_treated),
        n_comparison: first.map_or(0, |e| e.n_control),
        conf_level: study.conf_level.get(),
        reps: s.reps,
        seed: s.seed,
        draws: s.draws,
        pool: "all".into(),
        pool_size: first.map_or(0, |e| e.n_control),
        strata: Vec::new(),
        rows,
    })
}

/// The study with `strata` in place of its own, for the within-strata row.
fn study_with_strata(study: &Study, strata: &[Stratum]) -> Study {
    let mut st = study.clone();
    st.strata = strata.to_vec();
    st
}

/// Whether the study's simulation puts an effect on this component and outcome.
fn sim_settings_effect(study: &Study, ti: usize, ci: usize, outcome: &str) -> bool {
    study
        .simulation
        .as_ref()
        .is_some_and(|sim| sim.effects.iter().any(|e| e.trial == ti && e.component == ci && e.outcome == outcome))
}

fn locate(study: &Study, s: &Settings) -> Result<(usize, usize), MonteCarloError> {
    let ti = study.trials.iter().position(|t| t.key == s.trial).ok_or_else(|| MonteCarloError::NoTrial {
        trial: s.trial.clone(),
        trials: study.trials.iter().map(|t| t.key.clone()).collect(),
    })?;
    let trial = &study.trials[ti];
    let ci = match &s.component {
        None => 0,
        Some(c) => trial.components.iter().position(|x| &x.key == c).ok_or_else(|| MonteCarloError::NoComponent {
            trial: trial.key.clone(),
            component: c.clone(),
            components: trial.components.iter().map(|c| c.key.clone()).collect(),
        })?,
    };
    // An outcome the component does not measure is studied on its data alone.
    if !trial.components[ci].outcomes.contains(&s.outcome) && !study.outcomes.iter().any(|o| o.key == s.outcome) {
        return Err(MonteCarloError::NotMeasured {
            trial: trial.key.clone(),
            component: trial.components[ci].key.clone(),
            outcome: s.outcome.clone(),
            outcomes: trial.components[ci].outcomes.clone(),
        });
    }
    Ok((ti, ci))
}

/// Every interval of [`METHODS`] on one sample; `None` where a method does not apply.
fn intervals(
    study: &Study,
    design: &Design,
    panel: &Panel,
    sample: &Sample,
    s: &Settings,
    r: u64,
    strata_map: &std::collections::BTreeMap<crate::registry::Code, u32>,
) -> Outcome {
    let conf_level = study.conf_level;
    let seed = s.seed.wrapping_mul(1_000_003).wrapping_add(r);
    let did = Did2x2 { pre_months: design.pre_months, post_last: design.window.last, conf_level, ssc: study.ssc };
    let twfe = Twfe { first: design.window.first, last: design.window.last, conf_level, ssc: study.ssc };
    let ri = Randomization { max_exact: s.max_exact, reps: s.draws, seed, conf_level };
    let wild = |weights| WildBootstrap { reps: s.draws, seed, weights, conf_level };
    let es = EventStudy {
        first: design.window.first,
        last: design.window.last,
        leads: Some(study.event_leads),
        lags: Some(study.event_lags),
        conf_level,
        ssc: study.ssc,
        base: EventBase::PeriodBefore,
    };
    let es_pre_mean = EventStudy { base: EventBase::PreMean, ..es };
    let cs = CallawaySantAnna { control: Control::Never, conf_level, bootstrap: None, unbalanced: Default::default() };
    let bjs = Imputation { first: design.window.first, last: design.window.last, conf_level };
    let sunab = SunAbraham {
        first: design.window.first,
        last: design.window.last,
        conf_level,
        ssc: study.ssc,
        base: EventBase::PeriodBefore,
    };
    // The synthetic designs on the same units: the placebo participants against every other
    // comparison municipality with a complete window, as `run` fits them.
    let (synth, synth_conformal, sdid) = if s.synthetic {
        let params = SynthParams::of(study, &study.trials[design.trial]);
        let names = Predictor::covariates(&params.control.predictors);
        let covariates = |code: u32| -> Option<Vec<f64>> {
            let code = u16::try_from(code).ok()?;
            Some(names.iter().map(|c| design.variable(study, panel, code, c).unwrap_or(f64::NAN)).collect())
        };
        let b = Balanced::from_sample(sample, design.observation_months(), covariates);
        let synth = params.fit_pooled(&b).ok().map(|(f, _)| f.estimate(&b, String::new()));
        // The pooled mean's conformal intervals (as `run` computes them): a constant effect over
        // the window, and the first post period alone (counted as rejecting when it excludes 0).
        let conformal = synth.as_ref().zip(b.start()).map(|(e, start)| {
            let (y1, _) = b.treated_mean();
            let (y0, _) = b.donor_slices();
            let starts: Vec<_> = b.treated.iter().filter_map(|r| r.start).collect();
            let dose = conformal::doses(&b.periods, &starts);
            let settings = Conformal { alpha: conf_level.alpha(), grid: 100, refine: 20 };
            let constant = conformal::constant_effect(&y1, &y0, &dose, &settings);
            let mut c = e.clone();
            c.interval.estimate = constant.estimate;
            (c.interval.ci_low, c.interval.ci_high) = (constant.ci_low, constant.ci_high);
            c.interval.p_value = conformal::p_value(&y1, &y0, &dose, 0.0).0;
            let t0 = b.t0(start);
            let first = conformal::one_period(&y1, &y0, t0, t0, &settings);
            let mut f = e.clone();
            f.interval.estimate = first.estimate;
            (f.interval.ci_low, f.interval.ci_high) = (first.ci_low, first.ci_high);
            f.interval.p_value = if first.ci_low > 0.0 || first.ci_high < 0.0 { 0.0 } else { 1.0 };
            (c, f)
        });
        let sdid_params = SdidParams { reps: s.sdid_reps, seed, conf_level };
        let sdid = sdid_params.fit(&b).ok().map(|f| f.estimate(&b, &sdid_params, String::new()));
        (synth, conformal, sdid)
    } else {
        (None, None, None)
    };
    let event = es.fit(sample).ok();
    let cs_fit = cs.fit(sample).ok();
    let wanted = ["level".to_string(), "population".to_string()];
    let cs_covariates = crate::analysis::panel::cs_covariates(&wanted, study, panel, design, sample);
    let bjs_fit = bjs.fit(sample).ok();
    // A pre-trend test enters the table as its p-value (no interval).
    let as_test = |mut e: Estimate, p: f64| {
        e.interval.p_value = p;
        e.interval.ci_low = f64::NAN;
        e.interval.ci_high = f64::NAN;
        e
    };
    let event_pretrend =
        event.as_ref().and_then(|f| f.pretrend.as_ref().map(|w| as_test(f.estimate.clone(), w.p_value)));
    // The sensitivity's confidence set of the post-period mean at M̄: a set, not a test, so its
    // p-value is the rejection indicator (0 when the set excludes 0, else 1).
    let sensitivity_at = |mbar: f64| {
        let f = event.as_ref()?;
        let b = f.sensitivity.as_ref()?.mean_at(mbar);
        let mut e = f.estimate.clone();
        e.interval.estimate = (b.lower + b.upper) / 2.0;
        (e.interval.ci_low, e.interval.ci_high) = (b.ci_low, b.ci_high);
        e.interval.p_value = if b.ci_low > 0.0 || b.ci_high < 0.0 { 0.0 } else { 1.0 };
        Some(e)
    };
    let (sensitivity_0, sensitivity_1) = (sensitivity_at(0.0), sensitivity_at(1.0));
    // Smoothness at M = 0: the mean with the pre-period trend difference extended in a line.
    let smooth_0 = event.as_ref().and_then(|f| {
        let z = f.sensitivity.as_ref()?.smooth_at_zero()?;
        let mut e = f.estimate.clone();
        e.interval.estimate = z.estimate;
        (e.interval.ci_low, e.interval.ci_high) = (z.ci_low, z.ci_high);
        e.interval.p_value = if z.ci_low > 0.0 || z.ci_high < 0.0 { 0.0 } else { 1.0 };
        Some(e)
    });
    let placebo = did.placebo(sample).ok().and_then(|(p, shifted)| p.fit_randomization(&shifted, &ri).ok());
    let stratum = |code: u32| u16::try_from(code).ok().and_then(|c| strata_map.get(&c)).copied().unwrap_or(u32::MAX);
    let within = (!s.strata.is_empty())
        .then(|| did.fit_randomization_in(sample, &ri, Some((&stratum, "strata"))).ok())
        .flatten();
    let unstudentised = did.fit_randomization_unstudentised_in(sample, &ri, None).ok();
    let unstudentised_within = (!s.strata.is_empty())
        .then(|| did.fit_randomization_unstudentised_in(sample, &ri, Some((&stratum, "strata"))).ok())
        .flatten();
    let ri_estimate = did.fit_randomization(sample, &ri).ok();
    vec![
        did.fit(sample).ok(),
        ri_estimate.clone(),
        within,
        unstudentised,
        unstudentised_within,
        twfe.fit(sample).ok(),
        twfe.fit_wild(sample, &wild(Weights::Rademacher)).ok(),
        twfe.fit_wild(sample, &wild(Weights::Webb)).ok(),
        event.map(|f| f.estimate),
        es_pre_mean.fit(sample).ok().map(|f| f.estimate),
        sensitivity_0,
        sensitivity_1,
        smooth_0,
        cs_fit.as_ref().map(|f| f.headline()),
        cs.fit_with(sample, &cs_covariates).ok().map(|f| f.headline()),
        bjs_fit.as_ref().map(|f| Estimate { interval: f.overall_reference.clone(), ..f.overall.clone() }),
        bjs_fit.as_ref().map(|f| {
            let i = &f.overall.interval;
            Estimate { interval: Interval::normal(i.estimate, i.se, conf_level), ..f.overall.clone() }
        }),
        bjs_fit.map(|f| f.overall),
        sunab.fit(sample).ok().map(|f| f.estimate),
        SunAbraham { base: EventBase::PreMean, ..sunab }.fit(sample).ok().map(|f| f.estimate),
        synth,
        synth_conformal.as_ref().map(|c| c.0.clone()),
        synth_conformal.map(|c| c.1),
        sdid.clone(),
        sdid.as_ref().zip(ri_estimate.as_ref()).map(|(s, r)| crate::analysis::panel::sdid_and_ri(s, r)),
        event_pretrend,
        placebo.map(|e| {
            let p = e.interval.p_value;
            as_test(e, p)
        }),
        cs_fit.as_ref().and_then(|f| f.pretrend.as_ref().map(|w| as_test(f.headline(), w.p_value))),
    ]
}

impl Report {
    /// The table as Markdown, for the docs.
    pub fn markdown(&self) -> String {
        let pct = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{:.1} %", 100.0 * v));
        let se = |x: Option<f64>, n: u64| {
            x.map_or(String::new(), |p| format!(" ± {:.1}", 100.0 * (p * (1.0 - p) / n.max(1) as f64).sqrt()))
        };
        let pool = match self.pool.as_str() {
            "all" => "drawn from every comparison municipality".to_string(),
            other => {
                let (side, _) = other.split_once(':').unwrap_or((other, ""));
                format!("drawn from the {} {side} comparison municipalities (by population)", self.pool_size)
            }
        };
        let mut s = format!(
            "Analysis `{}`: {} treated municipalities, {} comparison municipalities; placebo participants {pool}; {} replications per column, seed {}, {} bootstrap/permutation draws; nominal size {:.0} %, nominal coverage {:.0} %.\n\n",
            self.analysis,
            self.n_treated,
            self.n_comparison,
            self.reps,
            self.seed,
            self.draws,
            100.0 * (1.0 - self.conf_level),
            100.0 * self.conf_level
        );
        s.push_str(
            "| method | inference | size (placebo trials) | coverage (simulated trials) | bias (simulated trials) | mean CI width | interval contradicts p |\n",
        );
        s.push_str("|---|---|---:|---:|---:|---:|---:|\n");
        for r in &self.rows {
            let decides = if r.decides { " **(decides)**" } else { "" };
            s.push_str(&format!(
                "| {}{decides} | {} | {}{} | {}{} | {} | {} | {} |\n",
                r.method,
                r.inference,
                pct(r.size),
                se(r.size, r.size_reps),
                pct(r.coverage),
                se(r.coverage, r.coverage_reps),
                match (r.bias, r.bias_se) {
                    (Some(b), Some(e)) => format!("{b:+.3} ± {e:.3}"),
                    _ => "–".into(),
                },
                r.mean_width.map_or("–".into(), |w| format!("{w:.3}")),
                r.contradictions
            ));
        }
        s.push_str(
            "\n± is one Monte Carlo standard error (in percentage points for size and coverage, in the outcome's unit for the bias). **(decides)** marks the interval `run` decides this analysis's verdict by; \"interval contradicts p\" counts replications whose interval and p-value disagree about zero (none should).\n",
        );
        s
    }
}
