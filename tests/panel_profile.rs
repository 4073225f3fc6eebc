//! The panel profile: what a design's data can carry, counted before estimation and shown by
//! `validate`, in results.json and in the report. Its counts agree with what the estimators
//! then do (Callaway–Sant'Anna leaves out exactly the municipalities the profile says have gaps).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use frikommune::design::profile::ProfileWarning;
use frikommune::period::Month;
use frikommune::pipeline::{Silent, analyse};
use frikommune::results::Results;
use frikommune::study::Lang;

/// 30 municipalities over 2016–2021, monthly, a level per municipality, noise and a rise of 1 in
/// the participants from their start; `missing` lists (municipality index, month) cells left out.
fn write(
    dir: &Path,
    participants: &[usize],
    later: Option<(usize, &str)>,
    pre_months: u32,
    missing: &[(usize, Month)],
) {
    let registry = frikommune::registry::Registry::embedded();
    let units: Vec<_> = registry.all().iter().take(30).collect();
    let gone: BTreeSet<(usize, Month)> = missing.iter().copied().collect();
    let mut rng = frikommune::rng::Stream::new(7, 0);
    let mut csv = String::from("municipality,period,y\n");
    for (i, m) in units.iter().enumerate() {
        for year in 2016..=2021 {
            for month in 1..=12 {
                let at = Month::new(year, month).unwrap();
                let y = 20.0
                    + i as f64 * 0.1
                    + rng.normal()
                    + if participants.contains(&i) && year >= 2020 { 1.0 } else { 0.0 };
                // A missing month is an empty value, as the data contract asks.
                let value = if gone.contains(&(i, at)) { String::new() } else { format!("{y:.3}") };
                writeln!(csv, "{},{year}-{month:02}-01,{value}", m.code).unwrap();
            }
        }
    }
    std::fs::write(dir.join("panel.csv"), csv).unwrap();
    let list = participants.iter().map(|&i| format!("\"{}\"", units[i].name)).collect::<Vec<_>>().join(", ");
    let later =
        later.map(|(i, date)| format!("  starts = {{ \"{}\" = \"{date}\" }}\n", units[i].name)).unwrap_or_default();
    let study = format!(
        r#"
[study]
name = "profil"
title = "Profil"
synthetic = true

[data]
panel = "panel.csv"
layout = "wide"

[inference]
reps = 99
band_reps = 99

[[outcomes]]
key = "y"
label = "Udfald"
unit = "weeks"
better = "lower"

[[trials]]
key = "t"
name = "Forsøg"
end = "2021-12-31"
pre_months = {pre_months}

  [[trials.components]]
  key = "c"
  name = "Del"
  start = "2020-01-01"
  participants = [{list}]
{later}  outcomes = ["y"]
"#
    );
    std::fs::write(dir.join("study.toml"), study).unwrap();
}

fn run(dir: &Path) -> Results {
    let study = frikommune::study::Study::load(&dir.join("study.toml")).unwrap_or_else(|e| panic!("{e}"));
    let panel = frikommune::ingest::read_panel(&study).unwrap_or_else(|e| panic!("{e}"));
    analyse(&study, &panel, &Silent).unwrap_or_else(|e| panic!("{e}"))
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

/// Staggered starts, a treated municipality with gaps and two comparison municipalities with
/// gaps: every count of the profile, its warnings, and Callaway–Sant'Anna leaving out exactly
/// the three municipalities it names.
#[test]
fn a_staggered_design_with_gaps_is_counted_as_the_estimators_see_it() {
    let dir = tempfile::tempdir().unwrap();
    // Participants 3, 10 and 17; 17 starts in October 2020. Participant 10 misses three months
    // of the window, comparison municipalities 5 and 6 one and two; 9 misses a month before
    // the window, which does not count.
    let missing = [
        (10, month(2019, 3)),
        (10, month(2020, 6)),
        (10, month(2021, 1)),
        (5, month(2018, 5)),
        (6, month(2021, 11)),
        (6, month(2021, 12)),
        (9, month(2017, 2)),
    ];
    write(dir.path(), &[3, 10, 17], Some((17, "2020-10-01")), 24, &missing);
    let r = run(dir.path());
    let a = &r.analyses[0];
    let p = a.design.profile.as_ref().expect("a profile");
    let codes: Vec<u16> = frikommune::registry::Registry::embedded().all().iter().take(30).map(|m| m.code).collect();

    assert_eq!(p.n_treated, 3);
    assert_eq!(p.n_never, 27);
    let cohorts: Vec<(Month, usize, usize, usize)> =
        p.cohorts.iter().map(|c| (c.start, c.n, c.pre_periods, c.post_periods)).collect();
    // The window runs from January 2018 (24 months before the first start) to December 2021.
    assert_eq!(cohorts, vec![(month(2020, 1), 2, 24, 24), (month(2020, 10), 1, 33, 15)]);
    assert_eq!(p.periods, 48);
    assert_eq!((p.cells, p.missing), (30 * 48, 6));
    assert_eq!(p.treated_gaps, vec![codes[10]]);
    assert_eq!(p.comparison_gaps, 2);
    assert_eq!(
        p.warnings,
        vec![
            ProfileWarning::TreatedGaps { n: 1, of: 3 },
            ProfileWarning::ComparisonGaps { n: 2, of: 27 },
            ProfileWarning::CohortOfOne { start: month(2020, 10) },
        ]
    );
    // What Callaway–Sant'Anna then leaves out is what the profile counted.
    let cs = a.cs.as_ref().expect("a Callaway–Sant'Anna fit");
    assert_eq!(cs.dropped_units, p.treated_gaps.len() + p.comparison_gaps);

    // In words, in both languages, naming the treated municipality with gaps.
    let name = frikommune::registry::Registry::embedded().all()[10].name.clone();
    let report = frikommune::report::for_languages(r.clone(), &[Lang::Da]).unwrap();
    let html = frikommune::report::documents(Lang::Da)
        .into_iter()
        .find(|d| d.file_name().ends_with(".html"))
        .expect("an HTML report")
        .render(&report, &Default::default())
        .unwrap();
    let text = String::from_utf8(html).unwrap();
    assert!(text.contains("Forsøgskommuner: 3, med start januar 2020 (2), oktober 2020 (1)."), "{text}");
    assert!(text.contains("6 af 1.440 værdier mangler i vinduet"), "{text}");
    assert!(text.contains(&format!("1 af 3 forsøgskommuner mangler værdier i vinduet ({name})")), "{text}");
    assert!(text.contains("Kun én kommune starter oktober 2020"), "{text}");
}

/// One participant and three months before the start: the profile warns of both and of the
/// event study's twelve leads the data cannot fill; `validate` prints the warnings.
#[test]
fn one_participant_and_a_short_pre_period_are_warned_of_by_validate() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[4], None, 3, &[]);
    let r = run(dir.path());
    let p = r.analyses[0].design.profile.as_ref().expect("a profile");
    assert_eq!(p.missing, 0);
    assert_eq!(
        p.warnings,
        vec![
            ProfileWarning::OneTreated,
            ProfileWarning::ShortPre { periods: 3 },
            ProfileWarning::LeadsBeyondPre { leads: 12, periods: 3 },
        ]
    );
    let out = Command::new(env!("CARGO_BIN_EXE_frikommune"))
        .args(["validate", dir.path().join("study.toml").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("t.c.y: Trial municipalities: 1, starting January 2020."), "{said}");
    assert!(said.contains("No values are missing in the window."), "{said}");
    assert!(said.contains("warning: Only one trial municipality"), "{said}");
    assert!(said.contains("warning: Only 3 months before the start"), "{said}");
    assert!(
        said.contains("warning: The event study shows 12 months before the start, but the data hold 3 months"),
        "{said}"
    );
}

fn html_of(r: &frikommune::results::Results) -> String {
    let report = frikommune::report::for_languages(r.clone(), &[Lang::Da]).unwrap();
    let html = frikommune::report::documents(Lang::Da)
        .into_iter()
        .find(|d| d.file_name().ends_with(".html"))
        .expect("an HTML report")
        .render(&report, &Default::default())
        .unwrap();
    String::from_utf8(html).unwrap()
}

/// With staggered starts the report names the estimators that let the effect differ by cohort
/// beside two-way fixed effects, and warns when the latter lies outside the imputation
/// interval; with one start it says nothing of them.
#[test]
fn staggered_starts_bring_the_cohort_robust_estimators_into_the_report() {
    use frikommune::estimate::Method;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[3, 10, 17], Some((17, "2020-10-01")), 24, &[]);
    let mut r = run(dir.path());
    let a = &r.analyses[0];
    let find = |m: Method, name: &str| {
        a.estimates
            .iter()
            .find(|e| e.method == m && e.inference.name == name)
            .unwrap_or_else(|| panic!("{m:?}"))
            .clone()
    };
    let (bjs, twfe) = (find(Method::Bjs, "IF-LOO"), find(Method::Twfe, "CR1"));
    find(Method::Sunab, "CR1");
    assert!(bjs.interval.ci_low <= twfe.interval.estimate && twfe.interval.estimate <= bjs.interval.ci_high);
    let text = html_of(&r);
    assert!(text.contains("Forskudt start (2 startkohorter): Estimatorer, der tillader effekten"), "{text}");
    assert!(!text.contains("uden for imputationens interval"));
    // Two-way fixed effects beyond the imputation interval: the warning follows.
    let beyond = bjs.interval.ci_high + 1.0;
    let e = r.analyses[0].estimates.iter_mut().find(|e| e.method == Method::Twfe && e.inference.name == "CR1").unwrap();
    e.interval.estimate = beyond;
    let text = html_of(&r);
    assert!(text.contains("Den to-vejs faste effekt ligger uden for imputationens interval"), "{text}");

    // One start: no sentence.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[3, 10, 17], None, 24, &[]);
    let r = run(dir.path());
    assert!(!html_of(&r).contains("Forskudt start ("));
}
