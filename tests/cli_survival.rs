//! `frikommune survival`: Kaplan–Meier medians, the log-rank test and Cox regression on a file of
//! spells agree with lifelines (the fixtures of `tests/reference/make_survival_fixtures.py`), small
//! cells are suppressed, and bad input is named.

use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn survival(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune")).arg("survival").args(args).output().unwrap()
}

fn json(args: &[&str]) -> Value {
    let o = survival(&[args, &["--format", "json"]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("survival_reference.json")).unwrap()).unwrap()
}

#[test]
fn groups_medians_and_logrank_match_lifelines() {
    let r = reference();
    let path = fixture("waltons.csv");
    let j = json(&["--data", &path, "--duration", "T", "--event", "E", "--group", "group", "--min-cell", "1"]);
    let groups = j["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        let name = g["group"].as_str().unwrap();
        let theirs = &r["waltons"][name];
        assert_eq!(g["n"], theirs["n"]);
        for key in ["median", "median_ci_low", "median_ci_high"] {
            assert_eq!(g[key].as_f64(), theirs[key].as_f64(), "{name} {key}");
        }
        let curve = g["curve"].as_array().unwrap();
        assert_eq!(curve.len(), theirs["time"].as_array().unwrap().len());
        let last = curve.last().unwrap();
        let s = theirs["survival"].as_array().unwrap().last().unwrap().as_f64().unwrap();
        assert!((last["survival"].as_f64().unwrap() - s).abs() < 1e-9);
    }
    let stat = j["logrank"]["stat"].as_f64().unwrap();
    assert!((stat - r["waltons_logrank"]["stat"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(j["logrank"]["df"], 1);
}

#[test]
fn cox_rows_match_lifelines_with_and_without_clusters() {
    let r = reference();
    let path = fixture("rossi_cox.csv");
    let j = json(&["--data", &path, "--duration", "week", "--event", "arrest", "--cox", "fin,age,prio,wexp"]);
    let rows = j["cox"]["rows"].as_array().unwrap();
    for (k, row) in rows.iter().enumerate() {
        let (b, se) = (r["cox_rossi"]["beta"][k].as_f64().unwrap(), r["cox_rossi"]["se"][k].as_f64().unwrap());
        assert!((row["estimate"].as_f64().unwrap() - b).abs() < 1e-6, "{}", row["name"]);
        assert!((row["se"].as_f64().unwrap() - se).abs() < 1e-6, "{}", row["name"]);
    }
    assert_eq!(j["cox"]["ties"], "efron");
    let path = fixture("cox_clustered.csv");
    let j = json(&["--data", &path, "--duration", "T", "--event", "E", "--cox", "x1,x2", "--cluster", "cl"]);
    assert_eq!(j["cox"]["clusters"], 25);
    let se = j["cox"]["rows"][0]["se"].as_f64().unwrap();
    assert!((se - r["cox_clustered"]["se"][0].as_f64().unwrap()).abs() < 1e-6);
}

#[test]
fn rows_behind_fewer_spells_than_min_cell_are_suppressed() {
    let path = fixture("waltons.csv");
    let j = json(&["--data", &path, "--duration", "T", "--event", "E", "--min-cell", "5"]);
    let curve = j["groups"][0]["curve"].as_array().unwrap();
    // Hidden rows are left out whole, their times with them (a time is a spell length).
    let every = json(&["--data", &path, "--duration", "T", "--event", "E", "--min-cell", "1"]);
    let all_times = every["groups"][0]["curve"].as_array().unwrap().len();
    assert!(!curve.is_empty() && curve.len() < all_times, "{} of {all_times} rows shown", curve.len());
    assert!(curve.iter().all(|row| row["survival"].is_number() && row["at_risk"].is_number()));
    // Between two shown rows (secondary suppression) there are no or at least 5 events, and the
    // numbers at risk differ by 0 or at least 5: differencing reveals no small count.
    let csv = std::fs::read_to_string(&path).unwrap();
    let spells: Vec<(f64, bool)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap().parse().unwrap(), f.next().unwrap() == "1")
        })
        .collect();
    let shown: Vec<&Value> = curve.iter().collect();
    for w in shown.windows(2) {
        let (a, b) = (w[0]["time"].as_f64().unwrap(), w[1]["time"].as_f64().unwrap());
        let events = spells.iter().filter(|(t, e)| *e && *t > a && *t <= b).count();
        let exits = w[0]["at_risk"].as_u64().unwrap() - w[1]["at_risk"].as_u64().unwrap();
        assert!(events == 0 || events >= 5, "{events} events in ({a}, {b}]");
        assert!(exits == 0 || exits >= 5, "{exits} exits in [{a}, {b})");
    }
}

#[test]
fn bad_spells_are_named_with_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    for (body, expected) in [
        ("d,e\n3,1\n-2,0\n", "row 3, column `d`"),
        ("d,e\n3,1\n4,2\n", "row 3, column `e`"),
        ("d,e\n3,1\nabc,0\n", "row 3, column `d`"),
    ] {
        let path = dir.path().join("spells.csv");
        std::fs::write(&path, body).unwrap();
        let o = survival(&["--data", path.to_str().unwrap(), "--duration", "d", "--event", "e"]);
        assert_eq!(o.status.code(), Some(2), "{body}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expected) && err.contains("spells.csv"), "{body}: {err}");
    }
    let o = survival(&["--data", &fixture("waltons.csv"), "--duration", "weeks", "--event", "E"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no column `weeks`"));
    // Settings out of range are refused at the door, in the study file's words.
    let waltons = fixture("waltons.csv");
    for (flag, value, expected) in [
        ("--min-cell", "0", "expected a whole number of persons, at least 1, found 0"),
        ("--conf-level", "1", "expected a level between 0.5 and 1, found 1"),
    ] {
        let o = survival(&["--data", &waltons, "--duration", "T", "--event", "E", flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(expected), "{flag} {value}");
    }
}

#[test]
fn person_identifiers_never_reach_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spells.csv");
    // Grouping by a CPR-like column would print each person's number as a group label.
    let mut body = String::from("d,e,cpr\n");
    for i in 0..12 {
        body.push_str(&format!("{},1,{}\n", 3 + i, if i < 6 { "0103851234" } else { "1507901111" }));
    }
    std::fs::write(&path, body).unwrap();
    for format in ["table", "json"] {
        let o = survival(&[
            "--data",
            path.to_str().unwrap(),
            "--duration",
            "d",
            "--event",
            "e",
            "--group",
            "cpr",
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(o.stdout.is_empty(), "{}", String::from_utf8_lossy(&o.stdout));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("CPR") && err.contains("010385-****") && !err.contains("0103851234"), "{err}");
    }
}

/// Seven spells of which six ended: showing both counts would show the one open spell.
#[test]
fn events_are_hidden_when_the_censored_spells_are_few() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spells.csv");
    let mut body = String::from("d,e\n");
    for (d, e) in [(3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 0)] {
        body.push_str(&format!("{d},{e}\n"));
    }
    std::fs::write(&path, &body).unwrap();
    let j = json(&["--data", path.to_str().unwrap(), "--duration", "d", "--event", "e"]);
    let g = &j["groups"][0];
    assert_eq!(g["n"], 7);
    assert!(g["events"].is_null(), "n − events would show one censored spell: {g}");
    // With ten censored of fifteen both counts are shown.
    for d in 10..18 {
        body.push_str(&format!("{d},0\n"));
    }
    std::fs::write(&path, &body).unwrap();
    let j = json(&["--data", path.to_str().unwrap(), "--duration", "d", "--event", "e"]);
    assert_eq!((j["groups"][0]["n"].as_u64(), j["groups"][0]["events"].as_u64()), (Some(15), Some(6)));
    let table = survival(&["--data", path.to_str().unwrap(), "--duration", "d", "--event", "e", "--min-cell", "10"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.lines().nth(1).is_some_and(|l| l.split_whitespace().nth(2) == Some("..")), "{table}");
}
