//! Bad input: each case gets a clear message naming the file, line/row and field, exit code 2,
//! no output folder, and no panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_frikommune"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temp folder holding a copy of the example study (with its panel and cases beside it) so a test
/// can break one thing.
fn study_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("example")).unwrap();
    std::fs::copy(repo().join("data/study.toml"), dir.path().join("study.toml")).unwrap();
    std::fs::copy(repo().join("data/example/panel.csv"), dir.path().join("example/panel.csv")).unwrap();
    std::fs::copy(repo().join("data/example/cases.csv"), dir.path().join("example/cases.csv")).unwrap();
    let p = dir.path().join("study.toml");
    (dir, p)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "fixture text `{from}` not found in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn run(study: &Path, out: &Path) -> Output {
    bin().args(["run"]).arg(study).arg("--out").arg(out).output().unwrap()
}

fn assert_bad_input(o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks `{n}`:\n{err}");
    }
}

#[test]
fn missing_study_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let o = run(&missing, &dir.path().join("out"));
    assert_bad_input(&o, &["nope.toml", "could not read study file"]);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn missing_data_file() {
    let (dir, study) = study_copy();
    std::fs::remove_file(dir.path().join("example/panel.csv")).unwrap();
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["panel.csv"]);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn malformed_toml_names_the_line() {
    let (dir, study) = study_copy();
    edit(&study, "conf_level = 0.95", "conf_level = = 0.95");
    let text = std::fs::read_to_string(&study).unwrap();
    let line = text.lines().position(|l| l.contains("conf_level = =")).unwrap() + 1;
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &[&format!("study.toml:{line}:")]);
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let (dir, study) = study_copy();
    edit(&study, "min_cell = 5", "min_cel = 5");
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["unknown field `min_cel` (did you mean `min_cell`?)"]);
}

#[test]
fn unknown_municipality_in_the_study_suggests_the_nearest() {
    let (dir, study) = study_copy();
    edit(&study, "participants = [\"Hillerød\"", "participants = [\"Hilerød\"");
    let text = std::fs::read_to_string(&study).unwrap();
    let line = text.lines().position(|l| l.contains("\"Hilerød\"")).unwrap() + 1;
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(
        &o,
        &[
            "unknown municipality `Hilerød`",
            "did you mean `Hillerød`",
            &format!("study.toml:{line}:"),
            "participants[0]",
        ],
    );
}

#[test]
fn unknown_municipality_code_in_the_data_names_the_row() {
    let (dir, study) = study_copy();
    let panel = dir.path().join("example/panel.csv");
    let text = std::fs::read_to_string(&panel).unwrap();
    // Line 3 of the file is the second data row.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replacen("101,", "999,", 1);
    std::fs::write(&panel, lines.join("\n") + "\n").unwrap();
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["panel.csv", "row 3", "column `municipality`", "`999`"]);
}

#[test]
fn non_numeric_value_names_row_and_column() {
    let (dir, study) = study_copy();
    let panel = dir.path().join("example/panel.csv");
    let text = std::fs::read_to_string(&panel).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[4].split(',').map(String::from).collect();
    cells[2] = "74,1x".replace(',', ";");
    lines[4] = cells.join(",");
    std::fs::write(&panel, lines.join("\n") + "\n").unwrap();
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["row 5", "column `employment_rate`", "`74;1x`", "a number"]);
}

#[test]
fn trial_that_ends_before_it_starts() {
    let (dir, study) = study_copy();
    edit(&study, "end = \"2026-12-31\"", "end = \"2022-12-31\"");
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["study.toml:", "ends (2022-12-31) before it starts (2023-07-01)"]);
}

#[test]
fn a_failed_run_leaves_earlier_outputs_untouched() {
    let (dir, study) = study_copy();
    let out = dir.path().join("out");
    let previous = out.join("nordjylland-eksempel");
    std::fs::create_dir_all(&previous).unwrap();
    std::fs::write(previous.join("results.json"), "earlier").unwrap();
    edit(&study, "\"Greve\"", "\"Grevee\"");
    let o = run(&study, &out);
    assert_bad_input(&o, &["Grevee"]);
    assert_eq!(std::fs::read_to_string(previous.join("results.json")).unwrap(), "earlier");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "no staging folder is left");
}

#[test]
fn validate_accepts_the_example_and_rejects_a_broken_copy() {
    let o = bin().arg("validate").arg(repo().join("data/study.toml")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("98 municipalities"));
    let (_dir, study) = study_copy();
    edit(&study, "outcomes = [\"employment_rate\", \"public_support_share\"]", "outcomes = [\"employment_rat\"]");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(&o, &["no outcome `employment_rat`", "did you mean `employment_rate`"]);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let o = bin().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_empty_data_file() {
    let (dir, study) = study_copy();
    std::fs::write(dir.path().join("example/panel.csv"), "").unwrap();
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["panel.csv", "empty"]);
}

#[test]
fn a_participant_without_data() {
    let (dir, study) = study_copy();
    let panel = dir.path().join("example/panel.csv");
    let text = std::fs::read_to_string(&panel).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("253,")).collect();
    std::fs::write(&panel, kept.join("\n") + "\n").unwrap();
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["participant 253 Greve has no data", "velfaerd2023"]);
}

#[test]
fn a_study_without_trials() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("s.toml");
    std::fs::write(
        &study,
        "outcomes = []\ntrials = []\n[study]\nname = \"x\"\ntitle = \"t\"\n[data]\npanel = \"p.csv\"\n",
    )
    .unwrap();
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["at least one [[outcomes]]", "at least one [[trials]]"]);
}

#[test]
fn savings_and_durations_sections_are_checked_with_suggestions() {
    let (_dir, study) = study_copy();
    edit(&study, "\"reval_grant.lae265\", \"ressource.lae265\"]", "\"reval_grant.lae256\", \"ressource.lae265\"]");
    edit(&study, "component = \"rehab.jaf\"", "component = \"rehab.jafx\"");
    let text = std::fs::read_to_string(&study).unwrap();
    // A second savings analysis from the panel, pricing by a misspelt tariff, and one from the
    // cases with a misspelt source.
    let extra = "\n[[savings]]\nkey = \"panel\"\nname = \"x\"\noutcome = \"lae265_count\"\ntariff = \"lae2655\"\n\
                 components = [\"rehab.lae265\"]\n\n[[savings]]\nkey = \"typo\"\nname = \"y\"\nsource = \"case\"\n\
                 count_column = \"certificates\"\ncomponents = [\"rehab.lae265\"]\n";
    let at = text.find("# ── Exposure register").unwrap();
    std::fs::write(&study, format!("{}{extra}\n{}", &text[..at], &text[at..])).unwrap();
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(
        &o,
        &[
            "savings[0].components[2]",
            "did you mean `reval_grant.lae265`",
            "savings[1].tariff",
            "no tariff `lae2655`",
            "savings[2].source",
            "did you mean `cases`",
            "durations[0].component",
            "did you mean `rehab.jaf`",
        ],
    );
}

#[test]
fn case_savings_settings_are_checked() {
    let (_dir, study) = study_copy();
    edit(
        &study,
        "type_column = \"certificate_type\"",
        "type_column = \"certificate_type\"\ntypes = { \"LÆ 265\" = \"lae256\" }",
    );
    edit(&study, "source = \"cases\"", "source = \"cases\"\ndate = \"middle\"");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(
        &o,
        &[
            "savings[0].types.LÆ 265",
            "no tariff `lae256`",
            "did you mean `lae265`",
            "savings[0].date",
            "`start` or `end`",
        ],
    );
    let (_dir, study) = study_copy();
    edit(&study, "count_column = \"certificates\"", "count_column = \"attester\"");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(&o, &["cases.csv", "column `attester`", "certificate_type"]);
}

#[test]
fn a_bad_case_row_names_file_row_and_column_and_nothing_is_written() {
    let (dir, study) = study_copy();
    let cases = std::fs::read_to_string(repo().join("data/example/cases.csv")).unwrap();
    let mut lines: Vec<&str> = cases.lines().collect();
    lines[5000] = "5000,851,jaf,2018-02-30,,,";
    lines[7000] = "7000,Atlantis,jaf,2018-01-05,2018-03-01,,";
    lines[9000] = "9000,851,rehabilitering,2018-01-05,2018-03-01,two,LÆ 265";
    lines[11000] = "11000,851,rehabilitering,2018-01-05,2018-03-01,2,LÆ 999";
    lines[13000] = "13000,851,rehabilitering,2018-01-05,2018-03-01,2,";
    std::fs::write(dir.path().join("example/cases.csv"), lines.join("\n") + "\n").unwrap();
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(
        &o,
        &[
            "cases.csv has 5 problem(s)",
            "row 5001, column `start`",
            "2018-02-30",
            "row 7001, column `municipality`",
            "Atlantis",
            "row 9001, column `certificates`: expected a whole number",
            "row 11001, column `certificate_type`",
            "LÆ 999",
            "lae265 = \"LÆ 265\", lae285 = \"LÆ 285\"",
            "row 13001, column `certificate_type`",
        ],
    );
    let out = dir.path().join("out");
    let o = run(&study, &out);
    assert_bad_input(&o, &["row 5001"]);
    assert!(!out.exists());
}

#[test]
fn report_languages_are_checked() {
    let (dir, study) = study_copy();
    edit(&study, "language = [\"da\", \"en\"]", "language = [\"da\", \"de\"]");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(&o, &["study.toml:", "study.language", "found `de`"]);
    edit(&study, "language = [\"da\", \"de\"]", "language = [\"en\", \"en\"]");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(&o, &["`en` is listed twice"]);
    edit(&study, "language = [\"en\", \"en\"]", "language = 7");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(&o, &["study.language", "expected `\"da\"`, `\"en\"` or a list"]);
    let o = run(&study, &dir.path().join("out"));
    assert_bad_input(&o, &["study.language"]);
    edit(&study, "language = 7", "language = \"da\"");
    edit(&study, "provisional_months = 3", "provisional_months = -1");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(&o, &["data.provisional_months", "from 0 to 120"]);
    let o = bin().args(["run", "--lang", "da,da"]).arg(repo().join("data/study.toml")).output().unwrap();
    assert_bad_input(&o, &["--lang lists `da` twice"]);
}

// Devices, pipes, values beyond any plausible range, impossible dates and counts, results of a
// newer schema and a constant outcome are whole commands in the hostile catalogue
// (tests/hostile/catalogue.toml, `[[command]]`), run under its memory and time limits.

/// A wide row given twice is one problem naming every outcome it repeats, not one per outcome.
#[test]
fn a_repeated_wide_row_is_one_problem() {
    let (dir, study) = study_copy();
    edit(&dir.path().join("example/panel.csv"), "101,2014-01-01,", "101,2014-02-01,");
    let o = bin().arg("validate").arg(&study).output().unwrap();
    assert_bad_input(
        &o,
        &[
            "has 1 problem(s)",
            "row 3, column `period`",
            "already has `employment_rate`, `public_support_share`, `jaf_duration_weeks`, `lae265_count` and `lae265_cost_dkk` for 2014-02 on row 2",
        ],
    );
}
