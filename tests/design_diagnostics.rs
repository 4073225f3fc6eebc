//! Every rule that lets a finding say "Bedre"/"forsøget øgede" is tested where it should fail:
//! a design that breaks it must lose the causal wording and the plain badge, and carry a named
//! caveat. The rules are checked on a clean analysis made to break one rule at a time, and
//! end to end on the confound real trials have: every participant in one region.

use std::path::Path;

use frikommune::design::profile::ProfileWarning;
use frikommune::findings::{Caveat, Verdict, assess, wording};
use frikommune::ingest::read_panel;
use frikommune::pipeline::{Silent, analyse};
use frikommune::results::Results;
use frikommune::study::{Lang, Study};

/// The 11 municipalities of the North Jutland network: all of Region Nordjylland.
const NORTH: [&str; 11] = [
    "Aalborg",
    "Brønderslev",
    "Frederikshavn",
    "Hjørring",
    "Jammerbugt",
    "Læsø",
    "Mariagerfjord",
    "Morsø",
    "Rebild",
    "Thisted",
    "Vesthimmerlands",
];

fn study(dir: &Path, participants: &[&str]) -> Study {
    study_with(dir, participants, "")
}

fn study_with(dir: &Path, participants: &[&str], inference: &str) -> Study {
    let registry = frikommune::registry::Registry::embedded();
    // Yearly values with a unit level, a common trend and a rise of 1,5 in the participants
    // from 2016, as Statbank writes them (`OMRÅDE;TID;INDHOLD`, decimal commas).
    let mut csv = String::from("OMRÅDE;TID;INDHOLD\n");
    for (i, m) in registry.all().iter().enumerate() {
        for y in 2010..=2021 {
            let rise = if participants.contains(&m.name.as_str()) && y >= 2016 { 1.5 } else { 0.0 };
            let v = 72.0
                + 1.5 * ((i * 37 % 11) as f64 / 10.0 - 0.5)
                + 0.2 * (y - 2010) as f64
                + 0.15 * ((i * 13 + y as usize * 7) % 5) as f64
                + rise;
            csv.push_str(&format!("{};{y};{}\n", m.name, format!("{v:.2}").replace('.', ",")));
        }
    }
    std::fs::write(dir.join("aar.csv"), csv).unwrap();
    let names: Vec<String> = participants.iter().map(|p| format!("{p:?}")).collect();
    let text = format!(
        r#"
[study]
name = "diagnostik"
title = "Diagnostik"
synthetic = true

[[data.sources]]
file = "aar.csv"
outcome = "rate"

[inference]
reps = 499
band_reps = 99
{}

[[outcomes]]
key = "rate"
label = "Beskæftigelsesfrekvens"
unit = "percent"
better = "higher"

[[trials]]
key = "t"
name = "Forsøget"
end = "2021-12-31"
pre_months = 72

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2016-01-01"
  participants = [{}]
  outcomes = ["rate"]
"#,
        inference,
        names.join(", ")
    );
    std::fs::write(dir.join("study.toml"), text).unwrap();
    Study::load(&dir.join("study.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn results(participants: &[&str]) -> Results {
    let dir = tempfile::tempdir().unwrap();
    let study = study(dir.path(), participants);
    let panel = read_panel(&study).unwrap_or_else(|e| panic!("{e}"));
    analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"))
}

/// A clean analysis: every diagnostic passes, so the finding is "Bedre" and causal.
fn clean() -> Results {
    // One participant in each region.
    let mut r = results(&["Aalborg", "Odense", "Aarhus", "Roskilde", "Gentofte"]);
    let a = &mut r.analyses[0];
    for b in &mut a.design.balance {
        b.smd_after = Some(0.0);
        if b.variable.contains(':') {
            (b.treated, b.after) = (0.2, 0.2);
        }
    }
    if let Some(p) = &mut a.placebo {
        p.interval.p_value = 0.9;
    }
    if let Some(w) = a.cs.as_mut().and_then(|cs| cs.pretrend.as_mut()) {
        w.p_value = 0.9;
    }
    for e in &mut a.estimates {
        (e.interval.estimate, e.interval.ci_low, e.interval.ci_high) = (1.5, 1.0, 2.0);
    }
    r.findings = assess(&r);
    r
}

fn finding(r: &Results) -> &frikommune::findings::Finding {
    r.findings.first().expect("one finding")
}

/// The finding of `r` after `change`: its caveat kinds, whether causal, and its badge.
fn broken(change: impl FnOnce(&mut Results)) -> (Vec<Caveat>, bool, String, Verdict) {
    let mut r = clean();
    change(&mut r);
    r.findings = assess(&r);
    let f = finding(&r);
    (f.caveats.clone(), f.causal, wording::verdict_badge(f, Lang::Da).to_string(), f.verdict)
}

#[test]
fn a_clean_design_is_better_and_causal() {
    let r = clean();
    let f = finding(&r);
    assert_eq!(f.verdict, Verdict::Better);
    assert!(f.causal, "{:?}", f.caveats);
    assert!(!f.caveats.iter().any(Caveat::doubts_design), "{:?}", f.caveats);
    assert_eq!(wording::verdict_badge(f, Lang::Da), "Bedre");
    assert!(wording::sentence(&r, f, Lang::Da).contains("Forsøget øgede"));
}

/// What breaks, how, and the caveat it must earn.
type Check = (&'static str, Box<dyn FnOnce(&mut Results)>, fn(&Caveat) -> bool);

#[test]
fn each_failed_diagnostic_downgrades_the_wording() {
    let checks: Vec<Check> = vec![
        (
            "a region with every participant and no comparison",
            Box::new(|r| {
                let b = r.analyses[0].design.balance.iter_mut().find(|b| b.variable.contains(':')).unwrap();
                (b.treated, b.after) = (1.0, 0.0);
            }),
            |c| matches!(c, Caveat::Confounded { .. }),
        ),
        (
            "a pre-period level 0,4 standard deviations apart",
            Box::new(|r| {
                r.analyses[0].design.balance.iter_mut().find(|b| b.variable == "level").unwrap().smd_after = Some(-0.4)
            }),
            |c| matches!(c, Caveat::Imbalance { variable, .. } if variable == "level"),
        ),
        (
            "a pre-trend 0,3 standard deviations apart",
            Box::new(|r| {
                r.analyses[0].design.balance.iter_mut().find(|b| b.variable == "trend").unwrap().smd_after = Some(0.3)
            }),
            |c| matches!(c, Caveat::Imbalance { variable, .. } if variable == "trend"),
        ),
        (
            "CR1 and the wild bootstrap include zero where the deciding interval does not",
            Box::new(|r| {
                for e in r.analyses[0].estimates.iter_mut().filter(|e| e.inference.name != "RI") {
                    e.interval.ci_low = -0.5;
                }
            }),
            |c| matches!(c, Caveat::Disagree { intervals } if !intervals.is_empty()),
        ),
        (
            "a failed pre-period placebo",
            Box::new(|r| {
                let a = &mut r.analyses[0];
                let mut placebo = a.placebo.clone().unwrap_or_else(|| a.estimates[0].clone());
                placebo.interval.p_value = 0.01;
                a.placebo = Some(placebo);
            }),
            |c| matches!(c, Caveat::PreTrend { .. }),
        ),
    ];
    for (what, change, is) in checks {
        let (caveats, causal, badge, verdict) = broken(change);
        assert!(caveats.iter().any(is), "{what}: no caveat in {caveats:?}");
        assert!(!causal, "{what}: still causal");
        assert_eq!(verdict, Verdict::Better, "{what}");
        assert_eq!(badge, "Bedre, med forbehold", "{what}");
    }
}

/// Callaway–Sant'Anna's joint pre-test rejects in every placebo trial with a handful of
/// participants (docs/montecarlo.md): it is named among the caveats but does not take the causal
/// wording or the plain badge away.
#[test]
fn a_rejected_callaway_santanna_pre_test_is_named_but_does_not_decide() {
    let (caveats, causal, badge, verdict) = broken(|r| {
        let cs = r.analyses[0].cs.as_mut().expect("Callaway–Sant'Anna ran");
        let test = cs.pretrend.get_or_insert_with(|| frikommune::inference::wald::WaldTest {
            stat: 0.0,
            df: 1,
            df2: None,
            p_value: 1.0,
            reference: "chi2(1)".into(),
        });
        test.p_value = 0.02;
    });
    let named = caveats.iter().find(|c| matches!(c, Caveat::CsPretest { .. })).expect("named");
    assert!(!named.doubts_design());
    assert!(causal, "{caveats:?}");
    assert_eq!((badge.as_str(), verdict), ("Bedre", Verdict::Better));
}

#[test]
fn an_interval_of_no_width_is_never_a_verdict() {
    let (caveats, causal, badge, verdict) = broken(|r| {
        for e in &mut r.analyses[0].estimates {
            (e.interval.ci_low, e.interval.ci_high) = (e.interval.estimate, e.interval.estimate);
        }
    });
    assert!(caveats.contains(&Caveat::ZeroWidth), "{caveats:?}");
    assert_eq!(verdict, Verdict::Inconclusive);
    assert!(!causal);
    assert_eq!(badge, "Kan ikke afgøres");
}

/// End to end: all 11 North Jutland municipalities against the rest of Denmark. Region is
/// 1 vs 0, so no finding may call the difference the trial's doing.
#[test]
fn a_trial_of_one_whole_region_is_not_worded_causally() {
    let r = results(&NORTH);
    let f = finding(&r);
    let confound = f.caveats.iter().find(|c| matches!(c, Caveat::Confounded { .. }));
    assert_eq!(confound, Some(&Caveat::Confounded { variable: "region:Region Nordjylland".into() }), "{:?}", f.caveats);
    assert!(!f.causal);
    let sentence = wording::sentence(&r, f, Lang::Da);
    assert!(!sentence.contains("Forsøget øgede"), "{sentence}");
    let said = wording::caveat(&r, f, confound.unwrap(), Lang::Da);
    assert!(said.contains("Alle forsøgskommuner ligger i Region Nordjylland"), "{said}");
    // The panel profile says so before anything is estimated.
    let profile = r.analyses[0].design.profile.as_ref().expect("a profile");
    assert!(
        profile.warnings.contains(&ProfileWarning::OneRegion { region: "Region Nordjylland".into() }),
        "{:?}",
        profile.warnings
    );
    assert_eq!(profile.regions.len(), 1);
    assert_eq!((profile.regions[0].treated, profile.regions[0].comparison), (11, 0));
}

/// Randomization inference within regions: a trial of one whole region cannot be reassigned
/// (no comparison municipality shares its region), so it rejects nothing and does not decide;
/// one participant per region is reassigned within each region, every assignment enumerated.
#[test]
fn randomization_within_regions_respects_how_participants_were_chosen() {
    let run = |participants: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let study = study_with(dir.path(), participants, "strata = [\"region\"]");
        let panel = read_panel(&study).unwrap();
        analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"))
    };
    let ri = |r: &Results| {
        r.analyses[0]
            .estimates
            .iter()
            .find(|e| e.inference.name == "RI")
            .cloned()
            .unwrap_or_else(|| panic!("{:?}", r.analyses[0].problems))
    };
    let whole_region = run(&NORTH);
    let e = ri(&whole_region);
    assert!(e.inference.description.contains("within strata (region)"), "{}", e.inference.description);
    assert!(e.interval.ci_low.is_infinite() && e.interval.ci_high.is_infinite(), "{:?}", e.interval);
    assert_eq!(e.interval.p_value, 1.0);
    let f = finding(&whole_region);
    assert!(f.inference != "RI", "an unbounded interval does not decide");

    // One participant in each of two regions: 11 · 22 assignments, each region keeping its one,
    // every one enumerated.
    let registry = frikommune::registry::Registry::embedded();
    let count = |region: &str| registry.all().iter().filter(|m| m.region == region).count();
    let two = run(&["Aalborg", "Odense"]);
    let e = ri(&two);
    let product = count("Region Nordjylland") * count("Region Syddanmark");
    assert!(e.inference.description.contains(&format!("{product} assignments (exact)")), "{}", e.inference.description);
    // One per region in all five: 11 · 22 · 19 · 17 · 29 ≈ 2,3 million assignments, more than
    // the studentised test enumerates, so seeded draws within the regions.
    let spread = run(&["Aalborg", "Odense", "Aarhus", "Roskilde", "Gentofte"]);
    let e = ri(&spread);
    assert!(e.inference.description.contains("within strata (region)"), "{}", e.inference.description);
    assert!(e.inference.description.contains("(Monte Carlo, seed"), "{}", e.inference.description);
    assert!(e.interval.ci_low.is_finite() && e.interval.ci_high.is_finite());
    assert!(e.interval.ci_low > 0.0, "the rise of 1,5 is found: {:?}", e.interval);
}

/// Without `pre_months`, yearly data get five pre-years (not the monthly default's three), as
/// far as the data reach back; a declared `pre_months` is kept as written.
#[test]
fn yearly_data_get_five_pre_years_by_default() {
    let dir = tempfile::tempdir().unwrap();
    study(dir.path(), &["Aalborg", "Odense"]);
    let path = dir.path().join("study.toml");
    let pre = |text: &str| {
        std::fs::write(&path, text).unwrap();
        let study = Study::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let panel = read_panel(&study).unwrap();
        let r = analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"));
        let d = &r.analyses[0].design;
        (d.pre.first.to_string(), d.pre.last.to_string())
    };
    let declared = std::fs::read_to_string(&path).unwrap();
    assert_eq!(pre(&declared.replace("pre_months = 72", "pre_months = 24")), ("2014-01".into(), "2015-12".into()));
    let default = declared.replace("pre_months = 72\n", "");
    assert_eq!(pre(&default), ("2011-01".into(), "2015-12".into()));
}

/// A synthetic control on three yearly pre-periods with the default predictors (six blocks and
/// the last year, i.e. seven rows for three values): the fit is exact for the participants and
/// for most placebos, so the placebo interval may not decide with confidence. No document
/// publishes an interval of no width, and the finding carries the synthetic-control caveats.
#[test]
fn a_synthetic_control_on_three_pre_years_is_flagged_and_never_confident() {
    let dir = tempfile::tempdir().unwrap();
    study(dir.path(), &["Aalborg", "Odense"]);
    let path = dir.path().join("study.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("pre_months = 72", "pre_months = 36")
        .replace("  [[trials.components]]", "  [trials.comparison]\n  design = \"synth\"\n\n  [[trials.components]]");
    std::fs::write(&path, text).unwrap();
    let study = Study::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let panel = read_panel(&study).unwrap();
    let r = analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"));
    let f = finding(&r);
    assert!(
        f.caveats.iter().any(|c| matches!(c, Caveat::FewPrePeriods { pre_periods: 3, predictors } if *predictors > 3)),
        "{:?}",
        f.caveats
    );
    // Three values, 96 donors: the participants' mean lies inside the donors' hull, so the
    // donor weights are not unique either (said, without doubting the design by itself).
    let non_unique = f.caveats.iter().find(|c| matches!(c, Caveat::NonUniqueWeights { .. })).expect("non-unique");
    assert!(!non_unique.doubts_design());
    assert!(
        f.caveats.iter().any(|c| matches!(c, Caveat::PerfectFit { perfect_placebos, .. } if *perfect_placebos > 0)),
        "{:?}",
        f.caveats
    );
    assert!(!f.causal);
    assert_ne!(wording::verdict_badge(f, Lang::Da), "Bedre");
    assert!(!frikommune::findings::zero_width(f.ci_low, f.ci_high, f.estimate) || f.verdict == Verdict::Inconclusive);
    let said: Vec<String> = f.caveats.iter().map(|c| wording::caveat(&r, f, c, Lang::Da)).collect();
    assert!(said.iter().any(|s| s.contains("med kun 3 år før forsøget")), "{said:?}");

    // The documents: no interval whose ends are equal, in any table.
    let out = dir.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["--quiet", "run", path.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let report = std::fs::read_to_string(out.join("diagnostik/report.md")).unwrap();
    let interval = regex_lite_intervals(&report);
    assert!(!interval.is_empty(), "the report prints intervals");
    for (lo, hi) in interval {
        assert_ne!(lo, hi, "an interval of no width in report.md");
    }
}

/// Every `[lo; hi]` of a Markdown report, as written.
fn regex_lite_intervals(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in text.split('[').skip(1) {
        if let Some((inside, _)) = part.split_once(']')
            && let Some((lo, hi)) = inside.split_once("; ")
            && !lo.contains(' ')
            && !hi.contains(' ')
        {
            out.push((lo.to_string(), hi.to_string()));
        }
    }
    out
}

/// An unbounded interval (randomization inference within regions for a whole-region trial)
/// survives results.json: written as "-inf"/"inf", and `report` re-reading it prints the same
/// "(−∞; +∞)", not a suppressed-looking "[..; ..]".
#[test]
fn an_unbounded_interval_survives_results_json_and_report() {
    let dir = tempfile::tempdir().unwrap();
    study_with(dir.path(), &NORTH, "strata = [\"region\"]");
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_frikommune");
    let run = std::process::Command::new(bin)
        .args(["--quiet", "run", dir.path().join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(run.success());
    let folder = out.join("diagnostik");
    let json = std::fs::read_to_string(folder.join("results.json")).unwrap();
    assert!(json.contains(r#""ci_low": "-inf""#) && json.contains(r#""ci_high": "inf""#), "no unbounded side written");
    // The HTML report's estimate tables show every interval (the Markdown one the findings).
    let before = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(before.contains("(−∞; +∞)"), "run's report shows the unbounded interval");
    std::fs::remove_file(folder.join("report.html")).unwrap();
    let report = std::process::Command::new(bin)
        .args(["--quiet", "report", folder.join("results.json").to_str().unwrap()])
        .status()
        .unwrap();
    assert!(report.success());
    let after = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(after.contains("(−∞; +∞)") && !after.contains("[..; ..]"), "report re-read loses the unbounded interval");
    assert_eq!(before, after, "report from results.json equals run's report");
}

/// An event study without rows, pre-trend test or sensitivity (six leads, five lags): the
/// caveat tests fill in what their rule reads.
fn bare_event_study() -> frikommune::results::EventStudyResult {
    frikommune::results::EventStudyResult {
        leads: 6,
        lags: 5,
        base: Default::default(),
        rows: Vec::new(),
        pretrend: None,
        sensitivity: None,
    }
}

/// The sensitivity caveat (Rambachan–Roth): a finding that excludes zero says how small a break
/// in parallel trends would explain it when the event study's breakdown value is below 1, and
/// not when it is 1 or more, when the event study itself does not exclude zero (breakdown 0),
/// or when the event study points the other way. Informative: the wording stays causal.
#[test]
fn a_small_breakdown_value_is_named_without_doubting_the_design() {
    let with = |breakdown: f64, flip: bool| {
        let mut r = clean();
        // The rule reads the event study's sensitivity: the mean from the start, its breakdown
        // value and the largest pre-period change (0,8 percentage points a year).
        let a = &mut r.analyses[0];
        let es = a.event_study.get_or_insert_with(bare_event_study);
        let s = es.sensitivity.get_or_insert_with(|| frikommune::inference::honest::Sensitivity {
            restriction: "relative_magnitude".into(),
            pre_first: -6,
            post_last: 5,
            max_pre_change: 0.8,
            critical: 2.0,
            conf_level: 0.95,
            mean: frikommune::inference::honest::Target { estimate: 1.5, se: 0.2, reach: 3.5, breakdown: None },
            grid: Vec::new(),
            periods: Vec::new(),
            smoothness: None,
            inputs: None,
        });
        s.mean.breakdown = Some(breakdown);
        s.max_pre_change = 0.8;
        if flip {
            s.mean.estimate = -s.mean.estimate.abs();
        } else {
            s.mean.estimate = s.mean.estimate.abs();
        }
        r.findings = assess(&r);
        let f = finding(&r).clone();
        let said: Vec<String> = f.caveats.iter().map(|c| wording::caveat(&r, &f, c, Lang::Da)).collect();
        (f, said)
    };
    let (f, said) = with(0.4, false);
    let sensitive = f.caveats.iter().find(|c| matches!(c, Caveat::Sensitive { .. }));
    match sensitive {
        Some(Caveat::Sensitive { breakdown, drift }) => {
            assert!((breakdown - 0.4).abs() < 1e-12 && (drift - 0.32).abs() < 1e-12, "{sensitive:?}")
        }
        _ => panic!("no sensitivity caveat: {:?}", f.caveats),
    }
    assert!(f.causal && f.verdict == Verdict::Better, "informative only: {:?}", f.caveats);
    assert!(
        said.iter().any(|s| s.contains("ændrer sig 0,40 gange") && s.contains("0,320 pct.-point pr. år")),
        "{said:?}"
    );
    for (breakdown, flip, why) in [(1.2, false, "at least 1"), (0.0, false, "breakdown 0"), (0.4, true, "other sign")] {
        let (f, _) = with(breakdown, flip);
        assert!(!f.caveats.iter().any(|c| matches!(c, Caveat::Sensitive { .. })), "{why}: {:?}", f.caveats);
    }
}
