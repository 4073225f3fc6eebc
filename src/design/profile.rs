//! The panel profile of a design: what its data can carry, read before anything is estimated.
//!
//! For one design it counts the treated municipalities per start (cohort), the comparison
//! municipalities never treated in the window, the periods before and after each start, the
//! municipality × period cells without a value and who has them, and where the participants
//! are. [`Profile::warnings`] names what an evaluator should know before reading an estimate:
//! one treated municipality, a short pre-period, event-study leads the data cannot fill, gaps
//! that make Callaway–Sant'Anna leave municipalities out, a cohort of one, and participants
//! filling a region with no comparison municipality. `validate` prints it, `run` writes it into
//! `results.json` and the report.

use serde::{Deserialize, Serialize};

use super::Design;
use crate::ingest::Panel;
use crate::period::Month;
use crate::registry::{Code, Registry};

/// Fewer pre-periods than this and the pre-trend tests (and the placebo, which splits the
/// pre-period in halves) have little to test with. One more than diff-diff's `short_pre_panel`
/// (3), because of the placebo's halves.
pub const SHORT_PRE: usize = 4;

/// Fewer periods from the start than this (in the latest cohort) and the effect is read off a
/// few periods (diff-diff's `short_post_panel`).
pub const SHORT_POST: usize = 3;

/// The treated municipalities that start in one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// The first treated month (the first month of its period).
    pub start: Month,
    pub n: usize,
    /// Observed periods of the window before the start and from the start on (COVID months
    /// left out under `handling = "exclude"`).
    pub pre_periods: usize,
    pub post_periods: usize,
}

/// Treated municipalities in one region, and the comparison municipalities there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionCount {
    pub region: String,
    pub treated: usize,
    pub comparison: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfileWarning {
    /// One treated municipality: cluster-robust intervals rest on one cluster; randomization
    /// inference and the synthetic designs carry the verdict.
    OneTreated,
    /// Fewer than [`SHORT_PRE`] periods before the (earliest) start.
    ShortPre { periods: usize },
    /// Fewer than [`SHORT_POST`] periods from the (latest) start on.
    ShortPost { periods: usize },
    /// The event study asks for more leads than there are periods before the start.
    LeadsBeyondPre { leads: usize, periods: usize },
    /// Treated municipalities missing a period of the window: Callaway–Sant'Anna leaves them out.
    TreatedGaps { n: usize, of: usize },
    /// Comparison municipalities missing a period of the window: Callaway–Sant'Anna leaves them out.
    ComparisonGaps { n: usize, of: usize },
    /// With staggered starts, a cohort of one municipality: its effects rest on it alone.
    CohortOfOne { start: Month },
    /// Every participant in one region that holds no comparison municipality: the trial and
    /// the region cannot be told apart.
    OneRegion { region: String },
}

impl ProfileWarning {
    /// The key of its sentence in the wording tables (`profile_<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            ProfileWarning::OneTreated => "one_treated",
            ProfileWarning::ShortPre { .. } => "short_pre",
            ProfileWarning::ShortPost { .. } => "short_post",
            ProfileWarning::LeadsBeyondPre { .. } => "leads_beyond_pre",
            ProfileWarning::TreatedGaps { .. } => "treated_gaps",
            ProfileWarning::ComparisonGaps { .. } => "comparison_gaps",
            ProfileWarning::CohortOfOne { .. } => "cohort_of_one",
            ProfileWarning::OneRegion { .. } => "one_region",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub cohorts: Vec<Cohort>,
    pub n_treated: usize,
    /// Comparison municipalities, none of them treated in the window.
    pub n_never: usize,
    /// Observed periods of the window.
    pub periods: usize,
    /// Municipality × period cells of the window (treated and comparison), and those without
    /// a value.
    pub cells: usize,
    pub missing: usize,
    /// Treated municipalities missing at least one period.
    pub treated_gaps: Vec<Code>,
    /// Comparison municipalities missing at least one period.
    pub comparison_gaps: usize,
    /// Where the treated municipalities are, regions with most participants first.
    pub regions: Vec<RegionCount>,
    /// The event study's leads, in periods.
    pub leads: usize,
    pub warnings: Vec<ProfileWarning>,
}

impl Profile {
    /// The profile of `design` on `panel`, whose event study shows `leads` periods before the start.
    pub fn of(design: &Design, panel: &Panel, registry: &Registry, leads: usize) -> Profile {
        let months = design.observation_months();
        let sample = design.sample(panel);
        let periods = months.len();
        let gaps =
            |treated: bool| sample.units.iter().filter(move |u| u.start.is_some() == treated && u.obs.len() < periods);
        let treated_gaps: Vec<Code> = gaps(true).map(|u| u.code as Code).collect();
        let comparison_gaps = gaps(false).count();
        let cells = sample.units.len() * months.len();
        let missing = cells - sample.units.iter().map(|u| u.obs.len()).sum::<usize>();

        let mut starts: Vec<Month> = design.treated.iter().map(|t| t.start).collect();
        starts.sort();
        starts.dedup();
        let cohorts: Vec<Cohort> = starts
            .iter()
            .map(|&s| Cohort {
                start: s,
                n: design.treated.iter().filter(|t| t.start == s).count(),
                pre_periods: months.iter().filter(|&&m| m < s).count(),
                post_periods: months.iter().filter(|&&m| m >= s).count(),
            })
            .collect();

        let mut regions: Vec<RegionCount> = Vec::new();
        for t in &design.treated {
            let region = registry.get(t.code).map(|m| m.region.clone()).unwrap_or_default();
            match regions.iter_mut().find(|r| r.region == region) {
                Some(r) => r.treated += 1,
                None => regions.push(RegionCount { region, treated: 1, comparison: 0 }),
            }
        }
        for r in &mut regions {
            r.comparison =
                design.comparison.iter().filter(|&&c| registry.get(c).is_some_and(|m| m.region == r.region)).count();
        }
        regions.sort_by(|a, b| b.treated.cmp(&a.treated).then(a.region.cmp(&b.region)));

        let n_treated = design.treated.len();
        let pre = cohorts.first().map_or(0, |c| c.pre_periods);
        let mut warnings = Vec::new();
        if n_treated == 1 {
            warnings.push(ProfileWarning::OneTreated);
        }
        if pre < SHORT_PRE {
            warnings.push(ProfileWarning::ShortPre { periods: pre });
        }
        let post = cohorts.last().map_or(0, |c| c.post_periods);
        if post < SHORT_POST {
            warnings.push(ProfileWarning::ShortPost { periods: post });
        }
        if leads > pre {
            warnings.push(ProfileWarning::LeadsBeyondPre { leads, periods: pre });
        }
        if !treated_gaps.is_empty() {
            warnings.push(ProfileWarning::TreatedGaps { n: treated_gaps.len(), of: n_treated });
        }
        if comparison_gaps > 0 {
            warnings.push(ProfileWarning::ComparisonGaps { n: comparison_gaps, of: design.comparison.len() });
        }
        if cohorts.len() > 1 {
            warnings
                .extend(cohorts.iter().filter(|c| c.n == 1).map(|c| ProfileWarning::CohortOfOne { start: c.start }));
        }
        if let [only] = regions.as_slice()
            && n_treated > 1
            && only.comparison == 0
            && !only.region.is_empty()
        {
            warnings.push(ProfileWarning::OneRegion { region: only.region.clone() });
        }
        Profile {
            cohorts,
            n_treated,
            n_never: design.comparison.len(),
            periods: months.len(),
            cells,
            missing,
            treated_gaps,
            comparison_gaps,
            regions,
            leads,
            warnings,
        }
    }

    /// Periods before the earliest start.
    pub fn pre_periods(&self) -> usize {
        self.cohorts.first().map_or(0, |c| c.pre_periods)
    }
}
