//! The evaluator's everyday commands: `init` a study that runs as it is, shell completions and
//! man pages, and logs for people (`--verbose`) and machines (`--log-format json`).

use std::path::Path;
use std::process::{Command, Output};

fn frikommune(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_frikommune")).args(args).current_dir(dir).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

#[test]
fn init_makes_a_study_that_validates_and_runs_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let o = frikommune(&["init", "nyt-forsøg"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let study = dir.path().join("nyt-forsøg");
    for f in ["study.toml", "data/panel.csv", "README.md"] {
        assert!(study.join(f).is_file(), "{f}");
    }
    // The folder's name, made folder-safe, names the study and its output folder.
    let toml = std::fs::read_to_string(study.join("study.toml")).unwrap();
    assert!(toml.contains("name = \"nyt-forsoeg\""), "{toml}");
    assert!(text(&o.stdout).contains("frikommune validate"));

    let o = frikommune(&["validate", "nyt-forsøg/study.toml"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));

    let o = frikommune(&["--quiet", "run", "nyt-forsøg/study.toml", "--out", "out", "--lang", "da"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json = std::fs::read_to_string(dir.path().join("out/nyt-forsoeg/results.json")).unwrap();
    let r: frikommune::results::Results = serde_json::from_str(&json).unwrap();
    assert!(r.study.synthetic, "the scaffold's data are synthetic and say so");
    // The scaffold's panel has the participants' rate 0,8 points higher from the start.
    let a = r.analyses.iter().find(|a| a.outcome == "employment_rate").unwrap();
    let did = a.estimates.iter().find(|e| e.method.key() == "did2x2").unwrap();
    assert!((did.interval.estimate - 0.8).abs() < 0.3, "{}", did.interval.estimate);

    // A folder that is not empty is left alone.
    let o = frikommune(&["init", "nyt-forsøg"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not empty"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(study.join("study.toml")).unwrap(), toml);
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let o = frikommune(&["completions", "bash"], dir.path());
    assert!(o.status.success());
    let bash = text(&o.stdout);
    for command in ["init", "run", "validate", "estimate", "report", "montecarlo", "completions"] {
        assert!(bash.contains(command), "bash completion lacks {command}");
    }
    assert!(bash.contains("--log-format"));
    let o = frikommune(&["completions", "zsh"], dir.path());
    assert!(o.status.success() && text(&o.stdout).contains("#compdef frikommune"));

    let o = frikommune(&["man"], dir.path());
    assert!(o.status.success());
    let page = text(&o.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH frikommune"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("init") && page.contains("verbose"));

    let o = frikommune(&["man", "--dir", "man"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = std::fs::read_to_string(dir.path().join("man/frikommune-run.1")).unwrap();
    assert!(run.contains(".TH frikommune-run") && run.contains("lang"), "{run}");
}

#[test]
fn logs_for_people_and_for_machines() {
    let dir = tempfile::tempdir().unwrap();
    assert!(frikommune(&["--quiet", "init", "s"], dir.path()).status.success());

    // --verbose: each step with its time, on stderr.
    let o = frikommune(&["--verbose", "run", "s/study.toml", "--out", "out", "--lang", "da"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for step in ["reading data", "estimating", "drawing charts", "writing reports"] {
        assert!(err.contains(&format!("{step}: done in")), "no `{step}` in {err}");
    }

    // --log-format json: every stderr line is a JSON object, and the summary on stdout is one.
    let o = frikommune(&["--log-format", "json", "run", "s/study.toml", "--out", "out", "--lang", "da"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let events: Vec<serde_json::Value> =
        text(&o.stderr).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"))).collect();
    let done: Vec<&str> =
        events.iter().filter(|e| e["event"] == "step_done").map(|e| e["step"].as_str().unwrap()).collect();
    assert!(done.contains(&"estimating") && done.contains(&"writing reports"), "{done:?}");
    assert!(events.iter().all(|e| e["level"].is_string()));
    let summary: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(summary["event"], "written");
    assert!(summary["files"].as_array().unwrap().iter().any(|f| f == "results.parquet"));

    // An error in JSON: the message and the exit code.
    let o = frikommune(&["--log-format", "json", "run", "missing.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let e: serde_json::Value = serde_json::from_str(text(&o.stderr).trim()).unwrap();
    assert_eq!((e["level"].as_str(), e["exit_code"].as_i64()), (Some("error"), Some(2)));
    assert!(e["message"].as_str().unwrap().contains("missing.toml"));
}
