//! Each part of the study file on its own: a minimal valid study with one section changed, and
//! the problem (key, line and message) or the value it gives.

use std::path::Path;

use super::*;
use crate::inference::cluster::SmallSample;

const MINIMAL: &str = r#"
[study]
name = "t"
title = "T"

[data]
panel = "panel.csv"

[[outcomes]]
key = "rate"
label = "Rate"
unit = "percent"
better = "higher"

[[trials]]
key = "tr"
name = "Trial"
end = "2021-12-31"

  [[trials.components]]
  key = "c"
  name = "C"
  start = "2019-01-01"
  participants = ["Aalborg", "Hjørring"]
  outcomes = ["rate"]
"#;

fn parse(text: &str) -> Result<Study, Vec<Problem>> {
    match Study::parse(text, Path::new("/tmp/study.toml")) {
        Ok(s) => Ok(s),
        Err(StudyError::Invalid { problems, .. }) => Err(problems),
        Err(e) => panic!("{e}"),
    }
}

/// The minimal study with `extra` appended (new sections) or `from` replaced by `to`.
fn with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "`{from}` is not in the minimal study");
    MINIMAL.replacen(from, to, 1)
}

fn problem(text: &str, key: &str) -> Problem {
    let problems = parse(text).expect_err("a problem");
    problems.into_iter().find(|p| p.key == key).unwrap_or_else(|| panic!("no problem at `{key}`"))
}

#[test]
fn the_minimal_study_is_valid_with_its_defaults() {
    let s = parse(MINIMAL).unwrap();
    assert_eq!(s.conf_level.get(), 0.95);
    assert_eq!(s.min_cell, crate::settings::MinCell::DST);
    assert_eq!(s.languages, [Lang::Da]);
    assert_eq!(s.trials[0].pre_months, 36);
    assert_eq!(s.data.panel.as_deref(), Some(Path::new("/tmp/panel.csv")));
}

#[test]
fn study_section() {
    let p = problem(&with("name = \"t\"", "name = \"a b\""), "study.name");
    assert!(p.message.contains("folder-safe"), "{p}");
    assert_eq!(p.line, 3);
    let p = problem(&with("title = \"T\"", "title = \"T\"\nlanguage = [\"da\", \"da\"]"), "study.language");
    assert!(p.message.contains("listed twice"), "{p}");
    let s = parse(&with("title = \"T\"", "title = \"T\"\nlanguage = [\"en\", \"da\"]")).unwrap();
    assert_eq!(s.languages, [Lang::En, Lang::Da]);
}

#[test]
fn data_section() {
    let p = problem(&with("panel = \"panel.csv\"", "panel = \"panel.csv\"\nseparator = \";;\""), "data.separator");
    assert!(p.message.contains("single character"), "{p}");
    let p = problem(&with("panel = \"panel.csv\"", "panel = \"panel.csv\"\nlayout = \"tall\""), "data.layout");
    assert!(p.message.contains("`long`, `wide`"), "{p}");
    let p = problem(&with("panel = \"panel.csv\"", ""), "data.panel");
    assert!(p.message.contains("needs data"), "{p}");
    let text = with("panel = \"panel.csv\"", "[[data.sources]]\nfile = \"a.csv\"\noutcome = \"rat\"\ndecimal = \";\"");
    assert!(problem(&text, "data.sources[0].outcome").message.contains("did you mean `rate`?"));
    assert!(problem(&text, "data.sources[0].decimal").message.contains("expected `,` or `.`"));
}

#[test]
fn settings_sections() {
    let inference = |line: &str| with("[[outcomes]]", &format!("[inference]\n{line}\n\n[[outcomes]]"));
    let p = problem(&inference("conf_level = 1.2"), "inference.conf_level");
    assert!(p.message.contains("between 0.5 and 1"), "{p}");
    assert!(problem(&inference("reps = 10"), "inference.reps").message.contains("99"));
    assert!(problem(&inference("ssc = \"hc1\""), "inference.ssc").message.contains("`fixest`, `cluster`, `none`"));
    assert!(problem(&inference("cs_control = \"all\""), "inference.cs_control").message.contains("notyet"));
    assert!(problem(&inference("event_leads = 0"), "inference.event_leads").message.contains("1 to 240"));
    let s = parse(&inference("conf_level = 0.9\nssc = \"none\"")).unwrap();
    assert_eq!((s.conf_level.get(), s.ssc), (0.9, SmallSample::None));
    let covid = with(
        "[[outcomes]]",
        "[covid]\nhandling = \"exclude\"\nwindows = [{ start = \"2020-05-01\", end = \"2020-03-01\" }]\n\n[[outcomes]]",
    );
    assert!(problem(&covid, "covid.windows[0].end").message.contains("before it starts"));
    let min_cell = with("[[outcomes]]", "[confidentiality]\nmin_cell = 0\n\n[[outcomes]]");
    assert!(problem(&min_cell, "confidentiality.min_cell").message.contains("at least 1"));
}

#[test]
fn outcomes_and_tariffs() {
    let p = problem(&with("unit = \"percent\"", "unit = \"pct\""), "outcomes[0].unit");
    assert!(p.message.contains("`percent`"), "{p}");
    let p = problem(&with("better = \"higher\"", "better = \"higher\"\nmargin = -1"), "outcomes[0].margin");
    assert!(p.message.contains("positive"), "{p}");
    let p = problem(&with("better = \"higher\"", "better = \"higher\"\nprice = \"x\""), "outcomes[0].price");
    assert!(p.message.contains("no tariff `x`"), "{p}");
    let tariff = with("[[outcomes]]", "[tariffs.x]\nlabel = \"X\"\nprices = { \"2019\" = -5 }\n\n[[outcomes]]");
    let p = problem(&tariff, "tariffs.x.prices");
    assert!(p.message.contains("positive price"));
    // Located at the table's `prices` line, not at 1:1.
    let line = tariff.lines().position(|l| l.starts_with("prices")).unwrap() + 1;
    assert_eq!((p.line, p.column), (line, 1));
    let p = problem(
        &with("[[outcomes]]", "[tariffs.x]\nlabel = \"X\"\nprices = { \"1850\" = 5 }\n\n[[outcomes]]"),
        "tariffs.x.prices",
    );
    assert!(p.message.contains("from 1900 to 2100"), "{p}");
    // A wrong price is one problem; "needs at least one price" is for a table with none.
    let problems = parse(&tariff).unwrap_err();
    assert_eq!(problems.iter().filter(|p| p.key.starts_with("tariffs.x")).count(), 1, "{problems:?}");
    let p = problem(&with("[[outcomes]]", "[tariffs.x]\nlabel = \"X\"\nprices = {}\n\n[[outcomes]]"), "tariffs.x");
    assert!(p.message.contains("needs at least one price"), "{p}");
}

#[test]
fn trials_components_and_comparisons() {
    let p = problem(&with("\"Hjørring\"]", "\"Hjøring\", \"Aalborg\"]"), "trials[0].components[0].participants[1]");
    assert!(p.message.contains("did you mean `Hjørring`?"), "{p}");
    let p = problem(&with("\"Hjørring\"]", "\"Hjørring\", \"Aalborg\"]"), "trials[0].components[0].participants[2]");
    assert!(p.message.contains("listed twice"), "{p}");
    let p = problem(&with("outcomes = [\"rate\"]", "outcomes = [\"rte\"]"), "trials[0].components[0].outcomes[0]");
    assert!(p.message.contains("did you mean `rate`?"), "{p}");
    let p = problem(&with("end = \"2021-12-31\"", "end = \"2018-12-31\""), "trials[0].components[0].end");
    assert!(p.message.contains("before it starts"), "{p}");
    let comparison = |lines: &str| {
        with("  [[trials.components]]", &format!("  [trials.comparison]\n{lines}\n\n  [[trials.components]]"))
    };
    let p = problem(&comparison("design = \"list\"\nunits = [\"Rebild\"]"), "trials[0].comparison.units");
    assert!(p.message.contains("at least two"), "{p}");
    let p = problem(&comparison("design = \"matching\"\nmatch_on = [\"levl\"]"), "trials[0].comparison.match_on[0]");
    assert!(p.message.contains("did you mean `level`?"), "{p}");
    let s = parse(&comparison("design = \"synth\"")).unwrap();
    assert_eq!(s.trials[0].comparison.design, ComparisonDesign::Synth);
    let exposure =
        format!("{MINIMAL}\n[[exposures]]\nname = \"x\"\nmunicipalities = [\"Nowhere\"]\nstart = \"2018-01-01\"\n");
    assert!(problem(&exposure, "exposures[0].municipalities[0]").message.contains("unknown municipality"));
}

#[test]
fn savings_and_durations() {
    let savings =
        format!("{MINIMAL}\n[[savings]]\nkey = \"s\"\nname = \"S\"\noutcome = \"rate\"\ncomponents = [\"tr.x\"]\n");
    assert!(problem(&savings, "savings[0].tariff").message.contains("not in kr."));
    assert!(problem(&savings, "savings[0].components[0]").message.contains("did you mean `tr.c`?"));
    let durations =
        format!("{MINIMAL}\n[[durations]]\nkey = \"d\"\nname = \"D\"\ncomponent = \"tr.c\"\nhorizon_weeks = -1\n");
    assert!(problem(&durations, "durations[0]").message.contains("needs a case file"));
    assert!(problem(&durations, "durations[0].horizon_weeks").message.contains("positive"));
    // A component with a problem of its own is reported once, where it is, and not again (as
    // "no component `tr.c` (did you mean `tr.c`?)") at every reference to it.
    let broken = with("start = \"2019-01-01\"", "start = \"2019-02-30\"");
    let referenced =
        format!("{broken}\n[[savings]]\nkey = \"s\"\nname = \"S\"\noutcome = \"rate\"\ncomponents = [\"tr.c\"]\n");
    let problems = parse(&referenced).unwrap_err();
    assert!(problems.iter().any(|p| p.key.ends_with("start")), "{problems:?}");
    assert!(problems.iter().all(|p| !p.message.contains("no component")), "{problems:?}");
}

#[test]
fn simulation_section() {
    let sim = format!(
        "{MINIMAL}\n[simulation]\nseed = 1\nfirst = \"2019-06\"\nlast = \"2018-01\"\n\n[[simulation.effects]]\ncomponent = \"tr.c\"\noutcome = \"rate\"\n"
    );
    assert!(problem(&sim, "simulation.last").message.contains("ends before it starts"));
    assert!(problem(&sim, "simulation.effects[0]").message.contains("exactly one"));
}

#[test]
fn problems_are_located_and_a_misspelt_key_gets_the_nearest() {
    let err = Study::parse(&with("title = \"T\"", "titel = \"T\""), Path::new("s.toml")).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("s.toml:4:1:"), "{text}");
    assert!(text.contains("did you mean `title`?"), "{text}");
}

/// A problem says what it found, as written in the file: the value's first line, quotes off,
/// at most 60 characters.
#[test]
fn every_problem_shows_the_value_it_found() {
    let p = problem(&with("end = \"2021-12-31\"", "end = \"2021-12-31\"\npre_months = 0"), "trials[0].pre_months");
    assert!(p.message.ends_with("found `0`"), "{p}");
    let p = problem(&with("name = \"t\"", "name = \"a/b\""), "study.name");
    assert!(p.message.ends_with("found `a/b`"), "{p}");
    let long = format!("name = \"{}\"", "x/".repeat(50));
    let p = problem(&with("name = \"t\"", &long), "study.name");
    assert!(p.message.ends_with(&format!("found `{}…`", &"x/".repeat(50)[..60])), "{p}");
}
