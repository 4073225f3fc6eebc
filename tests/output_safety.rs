//! Output safety under interruption: a run killed at any moment — at each step of the swap, at
//! points spread over a whole run, or by a signal — leaves the earlier outputs readable, keeps
//! the user's own files, and the next run recovers and succeeds. A second run into a folder
//! being written fails at once.

#[allow(dead_code)] // this file uses the study, not the shared run
mod common;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frikommune"));
    c.args(["run", "--quiet", "--lang", "da"]).arg(dir.join("study.toml")).arg("--out").arg(dir.join("out"));
    c.env_remove("FRIKOMMUNE_ABORT_AT");
    c
}

fn run(dir: &Path) -> Output {
    command(dir).output().unwrap()
}

fn spawn(dir: &Path) -> Child {
    command(dir).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// A study run once, its results.json replaced by a marker (to tell earlier outputs from new
/// ones) and two files of the user's added to the folder.
fn earlier_outputs(dir: &Path) -> PathBuf {
    common::write_study(dir);
    let o = run(dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("out/aarlig");
    fs::write(out.join("results.json"), "EARLIER").unwrap();
    fs::write(out.join("notes.md"), "the evaluator's notes").unwrap();
    fs::create_dir_all(out.join("work")).unwrap();
    fs::write(out.join("work/check.ipynb"), "{}").unwrap();
    out
}

/// Every file the manifest lists is present, and the user's files are there.
fn assert_complete(folder: &Path, why: &str) {
    let manifest = fs::read_to_string(folder.join(".frikommune-outputs")).unwrap_or_else(|e| panic!("{why}: {e}"));
    for file in manifest.lines() {
        assert!(folder.join(file).is_file(), "{why}: {file} is listed but missing");
    }
    assert!(manifest.lines().any(|f| f == "report.pdf"), "{why}: the manifest lists the report");
    assert_eq!(fs::read_to_string(folder.join("notes.md")).unwrap(), "the evaluator's notes", "{why}");
    assert!(folder.join("work/check.ipynb").is_file(), "{why}");
}

#[test]
fn a_kill_at_each_step_of_the_swap_loses_nothing_and_the_next_run_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = earlier_outputs(dir);
    let parked = dir.join("out/.aarlig.old");
    for stage in ["staged", "carried", "parked", "swapped"] {
        let o = command(dir).env("FRIKOMMUNE_ABORT_AT", stage).output().unwrap();
        // Aborted at the stage itself, so the claim before it (and its recovery of the previous
        // kill's leftovers) succeeded.
        assert_eq!(o.status.signal(), Some(6), "{stage}: {}", String::from_utf8_lossy(&o.stderr));
        match stage {
            "parked" => {
                assert!(!out.exists(), "the earlier outputs were parked");
                assert_eq!(fs::read_to_string(parked.join("results.json")).unwrap(), "EARLIER");
                assert_complete(&parked, stage);
            }
            "swapped" => {
                assert_ne!(fs::read_to_string(out.join("results.json")).unwrap(), "EARLIER");
                assert_complete(&out, stage);
            }
            _ => {
                assert_eq!(fs::read_to_string(out.join("results.json")).unwrap(), "EARLIER", "{stage}");
                assert_complete(&out, stage);
            }
        }
    }
    let o = run(dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_complete(&out, "after recovery");
    assert!(fs::read_to_string(out.join("results.json")).unwrap().contains("schema_version"));
    assert_eq!(entries(&dir.join("out")), [".aarlig.lock", "aarlig"], "nothing left beside the outputs");
}

#[test]
fn kills_spread_over_a_whole_run_never_lose_the_earlier_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let started = Instant::now();
    let out = earlier_outputs(dir);
    let whole = started.elapsed();
    let parked = dir.join("out/.aarlig.old");
    // From the first instant to past the end of a run.
    for fraction in [0.0, 0.2, 0.45, 0.7, 0.85, 0.95, 1.1] {
        let mut child = spawn(dir);
        std::thread::sleep(whole.mul_f64(fraction));
        let _ = child.kill();
        child.wait().unwrap();
        let readable = if out.exists() { &out } else { &parked };
        assert_complete(readable, &format!("killed at {fraction} of a run"));
    }
    let o = run(dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_complete(&out, "after the kills");
    assert_eq!(entries(&dir.join("out")), [".aarlig.lock", "aarlig"]);
}

/// Waits until a run has claimed the folder (its staging folder exists).
fn wait_for_staging(out_root: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if fs::read_dir(out_root)
            .is_ok_and(|d| d.flatten().any(|e| e.file_name().to_string_lossy().contains(".staging-")))
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn signals_remove_the_staging_folder_and_a_second_run_is_refused_meanwhile() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::write_study(dir);
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let child = spawn(dir);
        assert!(wait_for_staging(&dir.join("out")), "the run claims its folder");
        let second = run(dir);
        assert_eq!(second.status.code(), Some(1));
        let message = String::from_utf8_lossy(&second.stderr);
        assert!(
            message.contains("being written by frikommune process") && message.contains(&child.id().to_string()),
            "{message}"
        );
        let killed = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "SIG{signal}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(entries(&dir.join("out")), [".aarlig.lock"], "SIG{signal} left no staging folder");
    }
    let o = run(dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn an_output_folder_that_is_a_file_fails_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::write_study(dir);
    fs::write(dir.join("out"), "not a folder").unwrap();
    let o = run(dir);
    assert_eq!(o.status.code(), Some(2));
    let message = String::from_utf8_lossy(&o.stderr);
    assert!(message.contains("is a file") && message.contains("--out"), "{message}");
    assert_eq!(fs::read_to_string(dir.join("out")).unwrap(), "not a folder");
}
