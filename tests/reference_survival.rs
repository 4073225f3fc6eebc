//! Kaplan–Meier curves, medians, restricted means and log-rank tests against lifelines, from
//! fixtures made by `tests/reference/make_survival_fixtures.py` (lifelines' waltons and rossi data).

use std::collections::BTreeMap;

use frikommune::estimate::survival::{EventTable, kaplan_meier, logrank};
use serde_json::Value;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Event tables per group from a CSV with duration, event (0/1) and group columns.
fn groups(csv: &str, duration: &str, event: &str, group: &str) -> BTreeMap<String, EventTable> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (d, e, g) = (col(duration), col(event), col(group));
    let mut spells: BTreeMap<String, (Vec<f64>, Vec<bool>)> = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let entry = spells.entry(f[g].to_string()).or_default();
        entry.0.push(f[d].parse().unwrap());
        entry.1.push(f[e].parse::<f64>().unwrap() == 1.0);
    }
    spells.into_iter().map(|(k, (d, e))| (k, EventTable::from_spells(&d, &e).unwrap())).collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

#[test]
fn kaplan_meier_matches_lifelines() {
    let reference: Value = serde_json::from_str(&fixture("survival_reference.json")).unwrap();
    let data = [
        ("waltons", groups(&fixture("waltons.csv"), "T", "E", "group")),
        ("rossi", groups(&fixture("rossi.csv"), "week", "arrest", "group")),
    ];
    let mut checked = 0;
    for (name, tables) in &data {
        for (group, table) in tables {
            let r = &reference[*name][group];
            let km = kaplan_meier(table, frikommune::settings::Level::P95).unwrap();
            assert_eq!(km.n, r["n"].as_u64().unwrap(), "{name} {group}");
            assert_eq!(km.time, floats(&r["time"]), "{name} {group}: timeline");
            let at_risk: Vec<u64> = r["at_risk"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
            assert_eq!(km.at_risk, at_risk, "{name} {group}: at risk");
            for (what, ours, theirs) in [
                ("survival", &km.survival, floats(&r["survival"])),
                ("ci_low", &km.ci_low, floats(&r["ci_low"])),
                ("ci_high", &km.ci_high, floats(&r["ci_high"])),
            ] {
                for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                    assert!(close(*a, *b), "{name} {group} {what}[{k}] (t = {}): {a} vs lifelines {b}", km.time[k]);
                }
            }
            let finite = |v: &Value| v.as_f64().unwrap_or(f64::INFINITY);
            assert_eq!(km.median(), finite(&r["median"]), "{name} {group}: median");
            let (lo, hi) = km.median_ci();
            assert_eq!(
                (lo, hi),
                (finite(&r["median_ci_low"]), finite(&r["median_ci_high"])),
                "{name} {group}: median CI"
            );
            let horizon = r["horizon"].as_f64().unwrap();
            assert!(close(km.restricted_mean(horizon), r["restricted_mean"].as_f64().unwrap()), "{name} {group}: RMST");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

#[test]
fn logrank_matches_lifelines() {
    let reference: Value = serde_json::from_str(&fixture("survival_reference.json")).unwrap();
    for (data, key) in [
        (groups(&fixture("waltons.csv"), "T", "E", "group"), "waltons_logrank"),
        (groups(&fixture("rossi.csv"), "week", "arrest", "group"), "rossi_logrank"),
    ] {
        let tables: Vec<EventTable> = data.into_values().collect();
        let test = logrank(&tables).unwrap();
        let r = &reference[key];
        assert_eq!(test.df as u64, r["df"].as_u64().unwrap(), "{key}");
        assert!(close(test.stat, r["stat"].as_f64().unwrap()), "{key}: {} vs {}", test.stat, r["stat"]);
        assert!((test.p_value - r["p_value"].as_f64().unwrap()).abs() < 1e-9, "{key}: p {}", test.p_value);
    }
}

/// Columns of a CSV as numbers.
fn columns(csv: &str, names: &[&str]) -> Vec<Vec<f64>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx: Vec<usize> = names.iter().map(|n| header.iter().position(|h| h == n).unwrap()).collect();
    let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect()).collect();
    idx.iter().map(|&i| rows.iter().map(|r| r[i]).collect()).collect()
}

fn check_cox(fit: &frikommune::estimate::survival::CoxFit, r: &Value, name: &str) {
    for (what, ours, theirs) in [
        ("beta", &fit.beta, floats(&r["beta"])),
        ("se", &fit.se, floats(&r["se"])),
        ("p", &fit.p_value, floats(&r["p_value"])),
    ] {
        for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert!((a - b).abs() < 1e-6 * (1.0 + b.abs()), "{name} {what}[{k}]: {a} vs lifelines {b}");
        }
    }
    let ll = r["log_likelihood"].as_f64().unwrap();
    assert!((fit.log_likelihood - ll).abs() < 1e-6 * ll.abs(), "{name}: log-likelihood {} vs {ll}", fit.log_likelihood);
}

#[test]
fn cox_with_efron_ties_matches_lifelines() {
    let reference: Value = serde_json::from_str(&fixture("survival_reference.json")).unwrap();
    let full = columns(&fixture("rossi_cox.csv"), &["week", "arrest", "fin", "age", "prio", "wexp"]);
    let x: Vec<Vec<f64>> = (0..full[0].len()).map(|i| (2..6).map(|k| full[k][i]).collect()).collect();
    let ended: Vec<bool> = full[1].iter().map(|e| *e == 1.0).collect();
    let fit = frikommune::estimate::survival::cox(&full[0], &ended, &x, None).unwrap();
    check_cox(&fit, &reference["cox_rossi"], "rossi");
}

#[test]
fn cox_cluster_robust_matches_lifelines() {
    let reference: Value = serde_json::from_str(&fixture("survival_reference.json")).unwrap();
    let c = columns(&fixture("cox_clustered.csv"), &["T", "E", "x1", "x2", "cl"]);
    let x: Vec<Vec<f64>> = (0..c[0].len()).map(|i| vec![c[2][i], c[3][i]]).collect();
    let ended: Vec<bool> = c[1].iter().map(|e| *e == 1.0).collect();
    let cluster: Vec<u32> = c[4].iter().map(|v| *v as u32).collect();
    let fit = frikommune::estimate::survival::cox(&c[0], &ended, &x, Some(&cluster)).unwrap();
    assert_eq!(fit.clusters, 25);
    check_cox(&fit, &reference["cox_clustered"], "clustered");
}

/// Heavily tied durations (whole weeks, up to dozens of spells ending in one week) in 30
/// clusters: the cluster-robust standard errors use Efron-form score residuals, as R's
/// `coxph(..., ties = "efron", cluster = cl)` (tests/reference/make_cox_ties_fixture.R). The
/// same fit with counted rows (identical spells folded) gives the same numbers.
#[test]
fn cox_robust_standard_errors_with_ties_match_r_survival() {
    let reference: Value = serde_json::from_str(&fixture("cox_ties_reference.json")).unwrap();
    let r = &reference["efron"];
    let c = columns(&fixture("cox_ties.csv"), &["T", "E", "x1", "x2", "cl"]);
    let x: Vec<Vec<f64>> = (0..c[0].len()).map(|i| vec![c[2][i], c[3][i]]).collect();
    let ended: Vec<bool> = c[1].iter().map(|e| *e == 1.0).collect();
    let cluster: Vec<u32> = c[4].iter().map(|v| *v as u32).collect();
    // Ties are what this case is about.
    let mut per_week = BTreeMap::new();
    c[0].iter().zip(&ended).filter(|(_, e)| **e).for_each(|(t, _)| *per_week.entry(*t as u32).or_insert(0) += 1);
    assert!(per_week.values().max().unwrap() >= &10, "{per_week:?}");

    let close = |what: &str, ours: &[f64], theirs: Vec<f64>| {
        for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "{what}[{k}]: {a} vs R {b}");
        }
    };
    let robust = frikommune::estimate::survival::cox(&c[0], &ended, &x, Some(&cluster)).unwrap();
    assert_eq!(robust.clusters, reference["clusters"].as_u64().unwrap() as usize);
    close("beta", &robust.beta, floats(&r["beta"]));
    close("robust se", &robust.se, floats(&r["robust_se"]));
    let ll = r["log_likelihood"].as_f64().unwrap();
    assert!((robust.log_likelihood - ll).abs() < 1e-9 * ll.abs(), "log-likelihood {} vs R {ll}", robust.log_likelihood);
    let plain = frikommune::estimate::survival::cox(&c[0], &ended, &x, None).unwrap();
    close("se", &plain.se, floats(&r["se"]));

    // Spells doubled by a count of 2 on each row = every spell written out twice.
    let twice: Vec<f64> = c[0].iter().chain(&c[0]).copied().collect();
    let twice_ended: Vec<bool> = ended.iter().chain(&ended).copied().collect();
    let twice_x: Vec<Vec<f64>> = x.iter().chain(&x).cloned().collect();
    let twice_cluster: Vec<u32> = cluster.iter().chain(&cluster).copied().collect();
    let spelled = frikommune::estimate::survival::cox(&twice, &twice_ended, &twice_x, Some(&twice_cluster)).unwrap();
    let counted =
        frikommune::estimate::survival::cox_counted(&c[0], &ended, &x, &vec![2; c[0].len()], Some(&cluster)).unwrap();
    close("counted se", &counted.se, spelled.se.clone());
    close("counted beta", &counted.beta, spelled.beta.clone());
}
