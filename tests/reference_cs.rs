//! Callaway–Sant'Anna against csdid (R did's Python port) on mpdta, from fixtures made by
//! `tests/reference/make_cs_fixtures.py`: ATT(g,t), analytic standard errors, the pre-trend
//! Wald test and the four aggregations, with never-treated and not-yet-treated comparisons: on
//! mpdta as it is, with 15 % of its rows dropped and the unbalanced units kept (R did's
//! `allow_unbalanced_panel`), and doubly robust with the log population as covariate.

mod mpdta;

use std::collections::BTreeMap;

use frikommune::design::long::LongSample;
use frikommune::estimate::cs::{Aggregation, CallawaySantAnna, Control, Covariates, CsFit, Unbalanced};
use frikommune::inference::multiplier::Multiplier;
use frikommune::period::Month;
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// mpdta as the estimate command reads it: years ranked as consecutive periods.
fn mpdta() -> LongSample {
    mpdta::mpdta(&[])
}

fn year(long: &LongSample, m: Month) -> i64 {
    long.label(m).parse().unwrap()
}

fn close(what: &str, ours: f64, theirs: &Value) {
    let theirs = theirs.as_f64().unwrap_or_else(|| panic!("{what}: reference has no number"));
    assert!((ours - theirs).abs() < TOL, "{what}: frikommune {ours} vs csdid {theirs}");
}

fn fit(control: Control, bootstrap: Option<Multiplier>) -> CsFit {
    CallawaySantAnna { control, conf_level: frikommune::settings::Level::P95, bootstrap, unbalanced: Unbalanced::Drop }
        .fit(&mpdta().sample)
        .unwrap()
}

fn check_rows(kind: &str, ours: &Aggregation, theirs: &Value, label: impl Fn(i64) -> i64) {
    close(&format!("{kind} overall"), ours.overall.estimate, &theirs["estimate"]);
    close(&format!("{kind} overall se"), ours.overall.se, &theirs["se"]);
    let rows = theirs["rows"].as_array().unwrap();
    assert_eq!(ours.rows.len(), rows.len(), "{kind}: number of rows");
    for (o, t) in ours.rows.iter().zip(rows) {
        assert_eq!(label(o.label), t["label"].as_i64().unwrap(), "{kind}: row label");
        close(&format!("{kind} {}", t["label"]), o.interval.estimate, &t["estimate"]);
        close(&format!("{kind} {} se", t["label"]), o.interval.se, &t["se"]);
    }
}

fn reference() -> Value {
    serde_json::from_str(&fixture("cs_reference.json")).unwrap()
}

/// ATT(g,t), the pre-trend test and the aggregations of `f` against csdid's `r`.
fn check_against(f: &CsFit, r: &Value, long: &LongSample) {
    let year = |m: Month| year(long, m);
    let cells = r["att_gt"].as_array().unwrap();
    assert_eq!(f.cells.len(), cells.len(), "number of ATT(g,t)");
    for (o, t) in f.cells.iter().zip(cells) {
        let (g, tt) = (t["group"].as_i64().unwrap(), t["time"].as_i64().unwrap());
        assert_eq!((year(o.group), year(o.time)), (g, tt));
        close(&format!("ATT({g},{tt})"), o.interval.estimate, &t["estimate"]);
        close(&format!("se ATT({g},{tt})"), o.interval.se, &t["se"]);
    }
    let pre = f.pretrend.as_ref().expect("pre-periods exist");
    close("pre-trend W", pre.stat, &r["pretrend"]["stat"]);
    // csdid rounds the p-value to 5 decimals.
    assert!((pre.p_value - r["pretrend"]["p_value"].as_f64().unwrap()).abs() < 1e-5);
    let a = &r["aggregations"];
    close("simple", f.simple.estimate, &a["simple"]["estimate"]);
    close("simple se", f.simple.se, &a["simple"]["se"]);
    // Labels: months written yyyymm map back to years; event times stay in periods.
    let to_year = |l: i64| year(Month::new((l / 100) as i32, (l % 100) as u32).unwrap());
    check_rows("group", &f.group, &a["group"], to_year);
    check_rows("dynamic", &f.dynamic, &a["dynamic"], |l| l);
    check_rows("calendar", &f.calendar, &a["calendar"], to_year);
}

fn check(control: Control, key: &str) {
    let f = fit(control, None);
    check_against(&f, &reference()[key], &mpdta());
    assert_eq!(f.n_units, 500);
    assert_eq!(f.n_treated, 191);
}

fn cs(control: Control, unbalanced: Unbalanced) -> CallawaySantAnna {
    CallawaySantAnna { control, conf_level: frikommune::settings::Level::P95, bootstrap: None, unbalanced }
}

/// diff-diff's ATT(g,t) and simple aggregation against ours, each within `tol` × (the
/// larger of the estimate and its standard error), standard errors after multiplying ours by
/// `se_factor`.
fn check_diff_diff(f: &CsFit, r: &Value, long: &LongSample, tol: f64, se_factor: f64) {
    let near = |what: &str, ours: f64, theirs: &Value, scale: f64| {
        let theirs = theirs.as_f64().unwrap();
        let bound = tol * scale.max(theirs.abs());
        assert!((ours - theirs).abs() <= bound, "{what}: frikommune {ours} vs diff-diff {theirs}");
    };
    let cells = r["att_gt"].as_array().unwrap();
    assert_eq!(f.cells.len(), cells.len());
    for (o, t) in f.cells.iter().zip(cells) {
        let (g, tt) = (t["group"].as_i64().unwrap(), t["time"].as_i64().unwrap());
        assert_eq!((year(long, o.group), year(long, o.time)), (g, tt));
        let se = o.interval.se * se_factor;
        near(&format!("ATT({g},{tt})"), o.interval.estimate, &t["estimate"], se);
        near(&format!("se ATT({g},{tt})"), se, &t["se"], se);
    }
    let se = f.simple.se * se_factor;
    near("simple", f.simple.estimate, &r["simple"]["estimate"], se);
    near("simple se", se, &r["simple"]["se"], se);
}

/// With 15 % of the county-years gone, keeping the unbalanced counties gives csdid's
/// `allow_unbalanced_panel = TRUE` numbers; dropping them (the default) gives different ones
/// from fewer counties. diff-diff agrees on the estimates and, once its CR1 factor
/// √(G/(G−1)) is taken out, on the standard errors.
#[test]
fn unbalanced_units_kept_match_csdid_allow_unbalanced_panel() {
    let r = &reference()["unbalanced"];
    let long = mpdta::mpdta(&mpdta::dropped(r));
    for (control, key, dd) in [(Control::Never, "never", "never"), (Control::NotYet, "notyet", "notyet")] {
        let kept = cs(control, Unbalanced::Keep).fit(&long.sample).unwrap();
        check_against(&kept, &r[key], &long);
        assert_eq!(
            (kept.n_units, kept.dropped_units, kept.n_obs),
            (500, 0, 2500 - r["dropped"].as_array().unwrap().len())
        );
        let g = kept.inference.clusters as f64;
        check_diff_diff(&kept, &r["diff_diff"][dd], &long, 1e-9, (g / (g - 1.0)).sqrt());

        let dropped = cs(control, Unbalanced::Drop).fit(&long.sample).unwrap();
        assert!(dropped.dropped_units > 100 && dropped.n_units + dropped.dropped_units == 500);
        assert!((dropped.simple.estimate - kept.simple.estimate).abs() > 1e-4);
    }
}

/// Each county's log population, the covariate of the doubly robust reference.
fn lpop(long: &LongSample) -> Covariates {
    let text = fixture("mpdta.csv");
    let mut header = text.lines().next().unwrap().split(',');
    let (county, value) = (
        header.clone().position(|c| c == "countyreal").unwrap(),
        header.position(|c| c == "lpop").expect("mpdta.csv has lpop"),
    );
    let by_county: BTreeMap<String, f64> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[county].to_string(), f[value].parse().unwrap())
        })
        .collect();
    Covariates {
        names: vec!["lpop".into()],
        rows: long.sample.units.iter().map(|u| (u.code, vec![by_county[&long.units[u.code as usize]]])).collect(),
    }
}

/// Doubly robust ATT(g,t) with a time-invariant covariate equal R did's (csdid's) `drdid_panel`
/// numbers to 1e-9. diff-diff normalises the comparison units' odds weights by the cohort
/// size rather than by their own sum, which moves its numbers by up to a few thousandths of a
/// standard error.
#[test]
fn doubly_robust_with_a_covariate_matches_csdid() {
    let r = &reference()["covariates"];
    let long = mpdta();
    let x = lpop(&long);
    for (control, key) in [(Control::Never, "never"), (Control::NotYet, "notyet")] {
        let f = cs(control, Unbalanced::Drop).fit_with(&long.sample, &x).unwrap();
        check_against(&f, &r[key], &long);
        assert_eq!(f.covariates, ["lpop"]);
        check_diff_diff(&f, &r["diff_diff"][key], &long, 1e-3, 1.0);
        // The covariate matters: the estimate is not the unadjusted one.
        let plain = cs(control, Unbalanced::Drop).fit(&long.sample).unwrap();
        assert!((plain.simple.estimate - f.simple.estimate).abs() > 1e-3);
    }
}

/// Covariates on the panel with gaps kept: R's `drdid_rc` on each cell's pooled observations,
/// as csdid computes it with `allow_unbalanced_panel = TRUE` and `xformla = ~lpop`.
#[test]
fn doubly_robust_on_kept_unbalanced_units_matches_csdid() {
    let all = reference();
    let gaps = mpdta::mpdta(&mpdta::dropped(&all["unbalanced"]));
    let x = lpop(&gaps);
    for (control, key) in [(Control::Never, "never"), (Control::NotYet, "notyet")] {
        let f = cs(control, Unbalanced::Keep).fit_with(&gaps.sample, &x).unwrap();
        check_against(&f, &all["unbalanced_covariates"][key], &gaps);
        assert!(f.inference.description.contains("drdid_rc"));
        let plain = cs(control, Unbalanced::Keep).fit(&gaps.sample).unwrap();
        assert!((plain.simple.estimate - f.simple.estimate).abs() > 1e-3);
    }
}

/// A covariate missing for a county leaves the county out and counts it.
#[test]
fn a_missing_covariate_leaves_its_unit_out_and_counts_it() {
    let long = mpdta();
    let mut x = lpop(&long);
    let first = *x.rows.keys().next().unwrap();
    x.rows.get_mut(&first).unwrap()[0] = f64::NAN;
    let f = cs(Control::Never, Unbalanced::Drop).fit_with(&long.sample, &x).unwrap();
    assert_eq!((f.n_units, f.missing_covariates), (499, 1));
}

#[test]
fn never_treated_comparison_matches_csdid() {
    check(Control::Never, "never");
}

#[test]
fn not_yet_treated_comparison_matches_csdid() {
    check(Control::NotYet, "notyet");
}

/// The multiplier bootstrap's standard errors agree with the analytic ones within Monte Carlo
/// error, its band is wider than pointwise, and it is reproducible.
#[test]
fn multiplier_bootstrap_band() {
    let m = Multiplier { reps: frikommune::settings::Reps::new(2000).unwrap(), seed: 7 };
    let f = fit(Control::Never, Some(m));
    assert!(f.band_crit > 1.96 && f.band_crit < 4.0, "{}", f.band_crit);
    let d = &f.dynamic;
    assert!(d.band_crit > 1.96);
    for row in &d.rows {
        assert!(row.band_low < row.interval.ci_low && row.band_high > row.interval.ci_high);
    }
    // NaN fields (the IF convention has no df) make `==` false; compare what is written out.
    let json = |f: &CsFit| serde_json::to_string(f).unwrap();
    assert_eq!(json(&f), json(&fit(Control::Never, Some(m))), "same seed, same bands");
}
