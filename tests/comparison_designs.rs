//! Comparison designs declared in the study file: named lists, the exposure register, matching
//! with and without replacement, balance tables, and the synthetic designs end to end on a small
//! study over the example data.

use std::path::{Path, PathBuf};

use frikommune::design::Design;
use frikommune::estimate::Method;
use frikommune::ingest::{Panel, read_panel};
use frikommune::pipeline::{Silent, analyse};
use frikommune::study::{Study, StudyError};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A study over the example panel with one trial (the 2023 welfare agreements) and the given
/// `[trials.comparison]` body; `extra` is appended (e.g. an exposure register).
fn study_text(comparison: &str, extra: &str) -> String {
    let panel = repo().join("data/example/panel.csv");
    format!(
        r#"
[study]
name = "designs"
title = "Designs"
synthetic = true
[data]
panel = "{}"
layout = "wide"
[inference]
reps = 999
sdid_reps = 50
[[outcomes]]
key = "employment_rate"
label = "Beskæftigelsesfrekvens"
unit = "percent"
better = "higher"
[[outcomes]]
key = "public_support_share"
label = "Andel på offentlig forsørgelse"
unit = "percent"
better = "lower"
[[trials]]
key = "velfaerd"
name = "Velfærdsaftaler"
end = "2026-12-31"
pre_months = 24
  [trials.comparison]
  {comparison}
  [[trials.components]]
  key = "frisaettelse"
  name = "Frisættelse"
  start = "2023-07-01"
  participants = ["Hillerød", "Greve", "Silkeborg", "Aabenraa"]
  outcomes = ["employment_rate"]
{extra}
"#,
        panel.display().to_string().replace('\\', "/")
    )
}

fn load(comparison: &str, extra: &str) -> (Study, Panel) {
    let study = Study::parse(&study_text(comparison, extra), Path::new("designs.toml")).unwrap();
    let panel = read_panel(&study).unwrap();
    (study, panel)
}

fn code(study: &Study, name: &str) -> u16 {
    study.registry.resolve(name).unwrap()
}

#[test]
fn a_named_list_is_the_comparison_and_ineligible_names_are_reported() {
    let extra = r#"
[[exposures]]
name = "Tidligere netværk"
municipalities = ["Odense"]
start = "2016-01-01""#;
    let (study, panel) = load(
        r#"design = "list"
  units = ["Odense", "Aarhus", "Vejle", "Kolding", "Greve"]"#,
        extra,
    );
    let d = Design::build(&study, &panel, 0, 0, "employment_rate").unwrap();
    let names: Vec<u16> = ["Aarhus", "Vejle", "Kolding"].iter().map(|n| code(&study, n)).collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(d.comparison, expected);
    // Odense is in the exposure register, Greve is a participant: both named in the notes.
    assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
    assert!(d.notes.iter().any(|n| n.contains("Odense") && n.contains("exposure:Tidligere netværk")));
    assert!(d.notes.iter().any(|n| n.contains("Greve") && n.contains("participant")));
    assert!(d.pool.len() > 80, "the pool is every eligible municipality");
}

#[test]
fn the_exposure_register_excludes_unless_switched_off() {
    let extra = r#"
[[exposures]]
name = "Andet forsøg"
municipalities = ["Odense", "Vejle"]
start = "2020-01-01"
[[exposures]]
name = "Senere forsøg"
municipalities = ["Kolding"]
start = "2030-01-01""#;
    let (study, panel) = load(r#"design = "all""#, extra);
    let d = Design::build(&study, &panel, 0, 0, "employment_rate").unwrap();
    for name in ["Odense", "Vejle"] {
        let c = code(&study, name);
        assert!(!d.comparison.contains(&c));
        assert!(d.excluded.iter().any(|e| e.code == c && e.reason == "exposure:Andet forsøg"), "{name}");
    }
    // An exposure that begins after the window ends does not exclude.
    assert!(d.comparison.contains(&code(&study, "Kolding")));
    let (study, panel) = load("design = \"all\"\n  exclude_exposed = false", extra);
    let d = Design::build(&study, &panel, 0, 0, "employment_rate").unwrap();
    assert!(d.comparison.contains(&code(&study, "Odense")) && d.excluded.is_empty());
}

#[test]
fn matching_without_replacement_uses_each_neighbour_once_and_improves_balance() {
    let (study, panel) = load(
        r#"design = "matching"
  k = 3
  match_on = ["level", "trend", "population", "region"]"#,
        "",
    );
    let d = Design::build(&study, &panel, 0, 0, "employment_rate").unwrap();
    assert_eq!(d.matches.len(), 12, "3 neighbours for each of 4 participants");
    assert_eq!(d.comparison.len(), 12, "without replacement no municipality is used twice");
    for t in &d.treated {
        assert_eq!(d.matches.iter().filter(|m| m.treated == t.code).count(), 3);
    }
    // Greedy by distance: the first pair taken is the closest pair overall.
    let closest = d.matches.iter().map(|m| m.distance).fold(f64::INFINITY, f64::min);
    assert!(d.matches.iter().any(|m| m.distance == closest));
    let weights: Vec<(u16, f64)> = d.comparison.iter().map(|&c| (c, 1.0)).collect();
    let rows = d.balance(&study, &panel, &d.balance_variables(&study, &[]), &weights);
    let smd =
        |v: &str| rows.iter().find(|r| r.variable == v).map(|r| (r.smd_before.unwrap(), r.smd_after.unwrap())).unwrap();
    let (before, after) = (smd("level").0.abs() + smd("trend").0.abs(), smd("level").1.abs() + smd("trend").1.abs());
    assert!(after < before, "matching on level and trend should balance them: |SMD| {before:.3} → {after:.3}");
    // Same input, same matches.
    assert_eq!(d.matches, Design::build(&study, &panel, 0, 0, "employment_rate").unwrap().matches);
}

#[test]
fn matching_with_replacement_gives_each_participant_its_own_nearest() {
    let on = r#"design = "matching"
  k = 2
  replace = true
  match_on = ["level", "trend"]"#;
    let (study, panel) = load(on, "");
    let d = Design::build(&study, &panel, 0, 0, "employment_rate").unwrap();
    assert_eq!(d.matches.len(), 8);
    // Each participant's neighbours are its two nearest in the pool: recompute the standardised
    // distances from the design's own variables and compare.
    let pool_and_treated: Vec<u16> = d.pool.iter().copied().chain(d.treated.iter().map(|t| t.code)).collect();
    let sd = |v: &str| {
        let x: Vec<f64> = pool_and_treated.iter().filter_map(|&c| d.variable(&study, &panel, c, v)).collect();
        let m = x.iter().sum::<f64>() / x.len() as f64;
        (x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
    };
    let (sl, st) = (sd("level"), sd("trend"));
    for t in &d.treated {
        let f =
            |c: u16| (d.variable(&study, &panel, c, "level").unwrap(), d.variable(&study, &panel, c, "trend").unwrap());
        let (tl, tt) = f(t.code);
        let mut dist: Vec<(f64, u16)> = d
            .pool
            .iter()
            .map(|&c| {
                let (l, tr) = f(c);
                ((((tl - l) / sl).powi(2) + ((tt - tr) / st).powi(2)).sqrt(), c)
            })
            .collect();
        dist.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut mine: Vec<u16> = d.matches.iter().filter(|m| m.treated == t.code).map(|m| m.control).collect();
        let mut nearest: Vec<u16> = dist[..2].iter().map(|x| x.1).collect();
        mine.sort();
        nearest.sort();
        assert_eq!(mine, nearest, "participant {}", t.code);
    }
}

#[test]
fn synthetic_control_and_sdid_end_to_end() {
    let (study, panel) = load(r#"design = "synth""#, "");
    let results = analyse(&study, &panel, &Silent).unwrap();
    let a = &results.analyses[0];
    let s = a.synth.as_ref().expect("a synthetic control");
    let p = &s.pooled;
    let total: f64 = p.weights.iter().map(|w| w.weight).sum();
    assert!((total - 1.0).abs() < 1e-6, "positive weights sum to {total}");
    assert!((p.v.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert_eq!(s.units.len(), 4);
    assert_eq!(p.n_placebos, s.donors.len(), "every donor is a placebo");
    // A rank p-value: (1 + k) / (1 + J).
    let k = p.p_value * (1.0 + p.n_placebos as f64) - 1.0;
    assert!((k - k.round()).abs() < 1e-9 && k >= 0.0);
    assert!(p.ci_low.unwrap() <= p.estimate && p.estimate <= p.ci_high.unwrap());
    assert_eq!(p.synthetic.len(), s.periods.len());
    assert!(s.placebo_in_time.is_some() && !s.leave_one_out.is_empty());
    let est = a.estimates.iter().find(|e| e.method == Method::Synth).unwrap();
    assert_eq!(est.interval.estimate, p.estimate);
    assert_eq!(a.design.pre_rmspe, Some(p.pre_rmspe));
    // The balance table's "after" is the synthetic control: the pre-period level matches far
    // better than the unweighted pool.
    let level = a.design.balance.iter().find(|b| b.variable == "level").unwrap();
    assert!(level.smd_after.unwrap().abs() < level.smd_before.unwrap().abs());

    // The design is decided by SDID and the 2×2 RI together: the smallest interval holding
    // both, p the larger. Where the RI interval holds zero, so does the deciding one, and the
    // verdict cannot be "better" however clear the SDID interval is.
    let find = |a: &frikommune::results::Analysis, m: Method, name: &str| {
        a.estimates.iter().find(|e| e.method == m && e.inference.name == name).cloned().unwrap()
    };
    let (sdid, ri) = (find(a, Method::Sdid, "placebo"), find(a, Method::Did2x2, "RI"));
    let both = find(a, Method::Sdid, frikommune::estimate::SDID_AND_RI);
    assert_eq!(both.interval.ci_low, sdid.interval.ci_low.min(ri.interval.ci_low));
    assert_eq!(both.interval.ci_high, sdid.interval.ci_high.max(ri.interval.ci_high));
    assert_eq!(both.interval.p_value, sdid.interval.p_value.max(ri.interval.p_value));
    let decides = frikommune::findings::deciding_estimate(a).unwrap();
    assert_eq!(
        (decides.method, &decides.inference.name, decides.interval.ci_low),
        (Method::Sdid, &both.inference.name, both.interval.ci_low)
    );
    let mut doubtful = results.clone();
    let a = &mut doubtful.analyses[0];
    let sdid_clear = frikommune::estimate::Estimate {
        interval: frikommune::inference::Interval {
            ci_low: 0.5,
            ci_high: 1.5,
            p_value: 0.001,
            estimate: 1.0,
            ..sdid.interval
        },
        ..sdid.clone()
    };
    let ri_unsure = frikommune::estimate::Estimate {
        interval: frikommune::inference::Interval { ci_low: -0.5, ci_high: 2.0, p_value: 0.3, ..ri.interval },
        ..ri
    };
    for e in a.estimates.iter_mut() {
        if e.method == Method::Sdid && e.inference.name == "placebo" {
            *e = sdid_clear.clone();
        } else if e.method == Method::Sdid {
            *e = frikommune::analysis::panel::sdid_and_ri(&sdid_clear, &ri_unsure);
        }
    }
    let f = &frikommune::findings::assess(&doubtful)[0];
    assert_eq!((f.ci_low, f.ci_high, f.p_value), (-0.5, 2.0, 0.3));
    assert_ne!(f.verdict, frikommune::findings::Verdict::Better);

    let (study, panel) = load(r#"design = "sdid""#, "");
    let results = analyse(&study, &panel, &Silent).unwrap();
    let a = &results.analyses[0];
    let d = a.sdid.as_ref().expect("an SDID fit");
    let time_total: f64 = d.time_weights.iter().map(|w| w.weight).sum();
    assert!((time_total - 1.0).abs() < 1e-6 && d.se > 0.0 && d.reps == 50);
    let est = a.estimates.iter().find(|e| e.method == Method::Sdid).unwrap();
    assert!(est.interval.ci_low < est.interval.estimate && est.interval.estimate < est.interval.ci_high);
    assert!(a.design.pre_rmspe.is_some_and(|f| f > 0.0));

    // The pre-period fit of a DiD design is the spread of the treated-minus-comparison gap
    // around its mean; the synthetic control, fitted to the pre-period, tracks it more closely.
    let (study, panel) = load(r#"design = "all""#, "");
    let results = analyse(&study, &panel, &Silent).unwrap();
    let all = results.analyses[0].design.pre_rmspe.unwrap();
    assert!(all > 0.0 && all.is_finite());
}

#[test]
fn study_file_mistakes_in_the_comparison_are_named() {
    let bad = study_text(
        r#"design = "synthetic"
  match_on = ["levle"]
  predictors = ["blocks:0", "populaton"]
  k = 50"#,
        "",
    );
    let Err(StudyError::Invalid { problems, .. }) = Study::parse(&bad, Path::new("designs.toml")) else {
        panic!("the study should be rejected");
    };
    let text: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect();
    let has = |key: &str, words: &str| text.iter().any(|t| t.starts_with(key) && t.contains(words));
    assert!(has("trials[0].comparison.design", "`synth`"), "{text:#?}");
    assert!(has("trials[0].comparison.match_on[0]", "did you mean `level`"), "{text:#?}");
    assert!(has("trials[0].comparison.predictors[0]", "blocks:B"), "{text:#?}");
    assert!(has("trials[0].comparison.predictors[1]", "did you mean `population`"), "{text:#?}");
    assert!(has("trials[0].comparison.k", "between 1 and 20"), "{text:#?}");
}
