//! The imputation (Borusyak–Jaravel–Spiess) and Sun–Abraham estimators against diff-diff 3.13 and
//! pyfixest on mpdta, balanced and with 15 % of its rows dropped, from fixtures made by
//! `tests/reference/make_staggered_fixtures.py`.

mod mpdta;

use frikommune::design::long::LongSample;
use frikommune::estimate::event::{EventBase, EventStudy};
use frikommune::estimate::imputation::Imputation;
use frikommune::estimate::sunab::SunAbraham;
use frikommune::inference::cluster::SmallSample;
use frikommune::settings::Level;
use serde_json::Value;

fn reference() -> Value {
    let path = format!("{}/tests/fixtures/staggered_reference.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn panel(key: &str) -> (LongSample, Value) {
    let r = reference()[key].clone();
    let dropped = mpdta::dropped(&r);
    let long = mpdta::mpdta(&dropped);
    let n_obs: usize = long.sample.units.iter().map(|u| u.obs.len()).sum();
    assert_eq!(n_obs, 2500 - dropped.len());
    (long, r)
}

fn close(what: &str, ours: f64, theirs: &Value, tol: f64) {
    let theirs = theirs.as_f64().unwrap_or_else(|| panic!("{what}: reference has no number"));
    assert!((ours - theirs).abs() <= tol * (1.0 + theirs.abs()), "{what}: frikommune {ours} vs reference {theirs}");
}

fn window(long: &LongSample) -> (frikommune::period::Month, frikommune::period::Month) {
    let origin = frikommune::design::long::ORIGIN;
    (origin, origin.plus(long.periods.len() as i32 - 1))
}

fn check_imputation(key: &str) {
    let (long, r) = panel(key);
    let (first, last) = window(&long);
    let fit = Imputation { first, last, conf_level: Level::P95 }.fit(&long.sample).unwrap();
    let (plain, loo) = (&r["bjs"], &r["bjs_loo"]);
    close(&format!("{key} overall"), fit.overall.interval.estimate, &plain["estimate"], 1e-9);
    close(&format!("{key} overall se"), fit.overall_reference.se, &plain["se"], 1e-9);
    close(&format!("{key} overall se, leave-one-out"), fit.overall.interval.se, &loo["se"], 1e-9);
    let (rows, rows_loo) = (plain["horizons"].as_array().unwrap(), loo["horizons"].as_array().unwrap());
    assert_eq!(fit.horizons.len(), rows.len(), "{key}: horizons");
    for ((ours, theirs), theirs_loo) in fit.horizons.iter().zip(rows).zip(rows_loo) {
        let h = ours.rel_time;
        assert_eq!(h as i64, theirs["rel_time"].as_i64().unwrap());
        // diff-diff counts the observations of a unit it cannot impute (no untreated year),
        // which frikommune leaves out and counts in `dropped_units`.
        let unimputable = if key == "unbalanced" && h >= 1 { 1 } else { 0 };
        assert_eq!(ours.n_obs as u64 + unimputable, theirs["n_obs"].as_u64().unwrap(), "{key} horizon {h}");
        close(&format!("{key} horizon {h}"), ours.reference.estimate, &theirs["estimate"], 1e-9);
        close(&format!("{key} horizon {h} se"), ours.reference.se, &theirs["se"], 1e-9);
        close(&format!("{key} horizon {h} se, leave-one-out"), ours.interval.se, &theirs_loo["se"], 1e-9);
    }
    // The few-cluster interval uses t with the treated counties less one.
    // County 17199 (cohort 2004) lost its 2003 row in the unbalanced panel and has nothing to
    // impute from. The few-cluster interval uses t with the treated counties less one.
    let dropped = if key == "unbalanced" { 1 } else { 0 };
    assert_eq!(fit.dropped_units, dropped);
    let treated_clusters = long
        .sample
        .units
        .iter()
        .filter(|u| u.start.is_some_and(|s| u.obs.iter().any(|o| o.0 < s) && u.obs.iter().any(|o| o.0 >= s)))
        .count();
    assert_eq!(treated_clusters, if key == "unbalanced" { 169 } else { 191 });
    assert_eq!(fit.overall.inference.df, (treated_clusters - 1) as f64);
}

#[test]
fn imputation_matches_diff_diff_on_a_balanced_panel() {
    check_imputation("balanced");
}

#[test]
fn imputation_matches_diff_diff_on_an_unbalanced_panel() {
    check_imputation("unbalanced");
}

fn check_sunab(key: &str, tol: f64) {
    let (long, r) = panel(key);
    let (first, last) = window(&long);
    let fit =
        SunAbraham { first, last, conf_level: Level::P95, ssc: SmallSample::Fixest, base: EventBase::PeriodBefore }
            .fit(&long.sample)
            .unwrap();
    let s = &r["sunab"];
    for (k, v) in [
        ("estimate", fit.estimate.interval.estimate),
        ("se", fit.estimate.interval.se),
        ("ci_low", fit.estimate.interval.ci_low),
        ("ci_high", fit.estimate.interval.ci_high),
    ] {
        close(&format!("{key} overall {k}"), v, &s[k], tol);
    }
    let rows = s["rows"].as_array().unwrap();
    assert_eq!(fit.rows.len(), rows.len(), "{key}: event times");
    for (ours, theirs) in fit.rows.iter().zip(rows) {
        let e = ours.rel_time;
        assert_eq!(e as i64, theirs["rel_time"].as_i64().unwrap());
        for (k, v) in [
            ("estimate", ours.interval.estimate),
            ("se", ours.interval.se),
            ("ci_low", ours.interval.ci_low),
            ("ci_high", ours.interval.ci_high),
        ] {
            close(&format!("{key} event time {e} {k}"), v, &theirs[k], tol);
        }
    }
    assert_eq!(fit.estimate.inference.df, 499.0);
    assert!(fit.pretrend.is_some());
}

#[test]
fn sun_abraham_matches_diff_diff_on_a_balanced_panel() {
    check_sunab("balanced", 1e-9);
}

/// On the unbalanced panel the demeaning is iterative in all three implementations; diff-diff
/// and pyfixest themselves agree to about 1e-9 relative there.
#[test]
fn sun_abraham_matches_diff_diff_on_an_unbalanced_panel() {
    check_sunab("unbalanced", 1e-7);
}

/// The cohort × event-time coefficients are pyfixest's feols on the same interaction dummies.
#[test]
fn sun_abraham_cohort_effects_match_pyfixest() {
    let (long, r) = panel("balanced");
    let (first, last) = window(&long);
    let fit =
        SunAbraham { first, last, conf_level: Level::P95, ssc: SmallSample::Fixest, base: EventBase::PeriodBefore }
            .fit(&long.sample)
            .unwrap();
    let theirs = r["sunab"]["cohort_effects"].as_array().unwrap();
    assert_eq!(fit.cells.len(), theirs.len());
    for (ours, t) in fit.cells.iter().zip(theirs) {
        assert_eq!(long.label(ours.cohort), t["cohort"].to_string());
        assert_eq!(ours.rel_time as i64, t["rel_time"].as_i64().unwrap());
        close("cohort effect", ours.interval.estimate, &t["estimate"], 1e-9);
        close("cohort effect se", ours.interval.se, &t["se"], 1e-9);
    }
}

/// With one start cohort and no binning, Sun–Abraham is the pooled event study, under either
/// base: the same coefficients, standard errors and headline (the cohort is balanced, so the
/// observation weights of the headline are equal).
#[test]
fn one_cohort_sun_abraham_is_the_event_study_in_either_base() {
    let (mut long, _) = panel("balanced");
    let cohort_2006 = |u: &frikommune::estimate::SampleUnit| u.start.is_none_or(|s| long_label(&long, s) == "2006");
    let keep: Vec<bool> = long.sample.units.iter().map(cohort_2006).collect();
    let mut k = keep.iter();
    long.sample.units.retain(|_| *k.next().unwrap());
    let (first, last) = window(&long);
    for base in [EventBase::PeriodBefore, EventBase::PreMean] {
        let sa = SunAbraham { first, last, conf_level: Level::P95, ssc: SmallSample::Fixest, base }
            .fit(&long.sample)
            .unwrap();
        let es =
            EventStudy { first, last, leads: None, lags: None, conf_level: Level::P95, ssc: SmallSample::Fixest, base }
                .fit(&long.sample)
                .unwrap();
        let es_rows: Vec<_> = es.rows.iter().filter(|r| r.rel_time != -1).collect();
        assert_eq!(sa.rows.len(), es_rows.len(), "{base:?}");
        for (a, b) in sa.rows.iter().zip(es_rows) {
            assert_eq!(a.rel_time, b.rel_time);
            assert!((a.interval.estimate - b.interval.estimate).abs() < 1e-12, "{base:?} {}", a.rel_time);
            assert!((a.interval.se - b.interval.se).abs() < 1e-12, "{base:?} {} se", a.rel_time);
        }
        assert!((sa.estimate.interval.estimate - es.estimate.interval.estimate).abs() < 1e-12, "{base:?}");
        assert!((sa.estimate.interval.se - es.estimate.interval.se).abs() < 1e-12, "{base:?}");
        assert_eq!(sa.pretrend.unwrap().stat.to_bits(), es.pretrend.unwrap().stat.to_bits());
    }
}

fn long_label(long: &LongSample, m: frikommune::period::Month) -> String {
    long.label(m).to_string()
}
