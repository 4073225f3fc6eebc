//! Callaway–Sant'Anna against csdid (R did's Python port) on mpdta, from fixtures made by
//! `tests/reference/make_cs_fixtures.py`: ATT(g,t), analytic standard errors, the pre-trend
//! Wald test and the four aggregations, with never-treated and not-yet-treated comparisons.

use std::path::Path;

use frikommune::design::long::{LongSample, LongSpec, Treatment, long_sample};
use frikommune::estimate::cs::{Aggregation, CallawaySantAnna, Control, CsFit};
use frikommune::inference::multiplier::Multiplier;
use frikommune::ingest::polars_io::read_text_table;
use frikommune::period::Month;
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// mpdta as the estimate command reads it: years ranked as consecutive periods.
fn mpdta() -> LongSample {
    let path = format!("{}/tests/fixtures/mpdta.csv", env!("CARGO_MANIFEST_DIR"));
    let table = read_text_table(Path::new(&path), b',').unwrap();
    let spec = LongSpec {
        unit: "countyreal",
        time: "year",
        outcome: "lemp",
        treatment: Treatment::Cohort("first.treat"),
        cluster: None,
    };
    long_sample(&table, &path, &spec).unwrap()
}

fn year(long: &LongSample, m: Month) -> i64 {
    long.label(m).parse().unwrap()
}

fn close(what: &str, ours: f64, theirs: &Value) {
    let theirs = theirs.as_f64().unwrap_or_else(|| panic!("{what}: reference has no number"));
    assert!((ours - theirs).abs() < TOL, "{what}: frikommune {ours} vs csdid {theirs}");
}

fn fit(control: Control, bootstrap: Option<Multiplier>) -> CsFit {
    CallawaySantAnna { control, conf_level: frikommune::settings::Level::P95, bootstrap }.fit(&mpdta().sample).unwrap()
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

fn check(control: Control, key: &str) {
    let reference: Value = serde_json::from_str(&fixture("cs_reference.json")).unwrap();
    let r = &reference[key];
    let f = fit(control, None);
    let long = mpdta();
    let year = |m: Month| year(&long, m);
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
    assert_eq!(f.n_units, 500);
    assert_eq!(f.n_treated, 191);
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
