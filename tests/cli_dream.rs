//! `frikommune dream`: weekly benefit codes → a case file that the case reader accepts.

use std::process::Command;

use frikommune::ingest::cases::{OPEN, read_cases};
use frikommune::registry::Registry;

fn dream(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune")).arg("dream").args(args).output().unwrap()
}

#[test]
fn weekly_codes_become_a_case_file_the_run_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dream.csv");
    // 2019 week 1 to 2020 week 52 (2020 has 53 ISO weeks; stop at 52), 30 persons with one
    // spell each of 3 + (i mod 20) weeks starting in week 2 + i, code 774 (JAF) or 890 (other).
    let weeks: Vec<String> =
        (1..=52).map(|w| format!("y_19{w:02}")).chain((1..=52).map(|w| format!("y_20{w:02}"))).collect();
    let mut text = format!("pnr;kommune;{}\n", weeks.join(";"));
    for i in 0..30usize {
        let code = if i % 3 == 0 { "890" } else { "774" };
        let cells: Vec<&str> =
            (0..weeks.len()).map(|k| if k > i && k < 1 + i + 3 + i % 20 { code } else { "" }).collect();
        text.push_str(&format!("{};{};{}\n", 1000 + i, ["Aalborg", "101", "Thisted"][i % 3], cells.join(";")));
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("spells.csv");
    let o = dream(&[
        "--data",
        input.to_str().unwrap(),
        "--codes",
        "774",
        "--municipality",
        "kommune",
        "--separator",
        ";",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("30 persons"));
    let cases = read_cases(&out, b',', &Registry::embedded()).unwrap();
    assert_eq!(cases.len(), 20); // the 10 persons with code 890 have no JAF spell
    for k in 0..cases.len() {
        assert_ne!(cases.end[k], OPEN);
        let weeks = (cases.end[k] - cases.start[k] + 1) / 7;
        assert!((3..=22).contains(&weeks), "{weeks}");
    }
    assert!(!std::fs::read_to_string(&out).unwrap().contains("1001"), "person numbers must not be written");
}

#[test]
fn bad_input_exits_2_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dream.csv");
    std::fs::write(&input, "pnr,municipality,y_1801,y_1802\n1,101,774,\n2,Nowhere,,774\n").unwrap();
    let out = dir.path().join("spells.csv");
    let o = dream(&["--data", input.to_str().unwrap(), "--codes", "774", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("row 3") && err.contains("Nowhere"), "{err}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
}
