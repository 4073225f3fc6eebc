//! An outcome without variation (every municipality the same in every year) gives no interval
//! anywhere: each estimator that would have published one of width 0 reports a problem instead,
//! and the findings have nothing to decide on.

#[allow(dead_code)] // this file uses the study, not the shared run
mod common;

use std::fmt::Write as _;

#[test]
fn a_constant_outcome_publishes_no_interval_of_zero_width() {
    let dir = tempfile::tempdir().unwrap();
    common::write_study(dir.path());
    let mut flat = String::from("OMRÅDE;TID;INDHOLD\n");
    for m in frikommune::registry::Registry::embedded().all() {
        for y in 2008..=2021 {
            writeln!(flat, "{};{y};70,0", m.name).unwrap();
        }
    }
    std::fs::write(dir.path().join("aar.csv"), flat).unwrap();
    let study = frikommune::study::Study::load(&dir.path().join("study.toml")).unwrap();
    let panel = frikommune::ingest::read_panel(&study).unwrap();
    let results = frikommune::pipeline::analyse(&study, &panel, &frikommune::pipeline::Silent).unwrap();
    let mut refused = 0;
    for a in &results.analyses {
        for e in &a.estimates {
            assert!(e.interval.has_width(), "{} {:?}: [{}, {}]", a.id, e.method, e.interval.ci_low, e.interval.ci_high);
        }
        refused += a.problems.iter().filter(|p| p.contains("no variation left")).count();
        assert!(a.event_study.is_none(), "{}: an event study of zero-width rows", a.id);
    }
    assert!(refused >= results.analyses.len(), "{refused} refusals");
    for f in &results.findings {
        assert!(f.ci_high > f.ci_low || f.ci_low.is_nan(), "{f:?}");
    }
}
