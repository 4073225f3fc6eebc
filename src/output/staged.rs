//! A folder of outputs written as a whole: staged beside its target and swapped in when complete.
//!
//! What holds for every output folder (each checked in `tests/output_safety.rs`):
//! - **One writer at a time.** A lock file beside the folder (`.<name>.lock`, kept between runs)
//!   is held from the moment a run claims the folder, before any estimation, until it ends. A
//!   second run into the same folder fails at once, naming the process that holds it.
//! - **An interrupted run is recovered by the next one.** Holding the lock, a run removes any
//!   staging folder left by a killed run, and puts the previous outputs back if a kill parked
//!   them (`.<name>.old`) before the new ones were swapped in; if the swap had happened, the
//!   parked copy is removed.
//! - **Signals clean up.** SIGINT, SIGTERM and SIGHUP remove the staging folder before the
//!   process ends ([`clean_up_on_signals`]); a swap under way is finished first.
//! - **Files the tool did not write are kept.** Every folder carries a manifest
//!   ([`MANIFEST`]) of the files frikommune wrote into it. Anything else found there (notes, a
//!   notebook) is carried into the new folder; a file the new run would overwrite stops the run
//!   with its name. A folder without a manifest (written before there was one) counts the files
//!   the new run writes as the tool's and keeps the rest.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// The manifest of files frikommune wrote into an output folder, one relative path per line.
pub const MANIFEST: &str = ".frikommune-outputs";

/// Staging folders and temporary files of this process that a signal must remove.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Set once a signal arrived: writes into a staging folder fail from then on.
static STOPPING: AtomicBool = AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A path this process is writing; removed by a signal, forgotten when dropped.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new(path: PathBuf) -> Scratch {
        live().push(path.clone());
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        live().retain(|p| p != &self.0);
    }
}

fn remove_any(path: &Path) {
    // A writer may still be adding files while a signal removes the folder: try a few times.
    for _ in 0..5 {
        let gone = match fs::symlink_metadata(path) {
            Err(_) => true,
            Ok(m) if m.is_dir() => fs::remove_dir_all(path).is_ok(),
            Ok(_) => fs::remove_file(path).is_ok(),
        };
        if gone {
            return;
        }
    }
}

/// Removes this process's staging folders and temporary files when it is interrupted (SIGINT,
/// SIGTERM, SIGHUP), then exits with 128 + the signal's number. Call once, early in `main`.
pub fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            STOPPING.store(true, Ordering::SeqCst);
            let live = live();
            for path in live.iter() {
                remove_any(path);
            }
            std::process::exit(128 + signal);
        }
    });
}

/// A test hook: with `FRIKOMMUNE_ABORT_AT` set to a stage's name, the process aborts there, as a
/// kill at that instant would (no destructor runs). Used only by the recovery tests.
fn abort_point(stage: &str) {
    if std::env::var_os("FRIKOMMUNE_ABORT_AT").is_some_and(|v| v == stage) {
        std::process::abort();
    }
}

/// A folder being filled; [`StagedDir::commit`] swaps it in for `target`.
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    parked: PathBuf,
    _scratch: Scratch,
    lock: Option<(fs::File, PathBuf)>,
    /// The parent folder did not exist before this run: a failed run removes it again (with the
    /// lock file), so that nothing at all is left behind.
    made_parent: bool,
    committed: bool,
}

/// What a commit did.
pub struct Committed {
    pub dir: PathBuf,
    /// Files in the folder that frikommune did not write, carried over (relative paths).
    pub kept: Vec<String>,
}

impl StagedDir {
    /// Claims `target` for this process: checks that it can be a folder, takes its lock,
    /// recovers any leftover of an interrupted run and opens an empty staging folder. Call it
    /// before the long work, so that a bad `--out` or a busy folder fails at once.
    pub fn new(target: &Path) -> Result<StagedDir> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.is_empty() || name == ".." {
            return Err(Error::Usage(format!("{}: not a folder name to write outputs to", target.display())));
        }
        if let Some(file) = parent.ancestors().find(|a| !a.as_os_str().is_empty() && a.is_file()) {
            return Err(Error::Usage(format!(
                "{} is a file; outputs go into a folder (choose another --out)",
                file.display()
            )));
        }
        if target.exists() && !target.is_dir() {
            return Err(Error::Usage(format!(
                "{} exists and is not a folder; outputs go into a folder of that name (move it or choose another --out)",
                target.display()
            )));
        }
        let made_parent = !parent.exists();
        fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = take_lock(&lock_path, target);
        if lock.is_err() && made_parent {
            let _ = fs::remove_file(&lock_path);
            let _ = fs::remove_dir(parent);
        }
        let lock = Some((lock?, lock_path));
        let parked = parent.join(format!(".{name}.old"));
        recover(parent, &name, target, &parked)?;
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        let scratch = Scratch::new(staging.clone());
        fs::create_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
        Ok(StagedDir {
            target: target.to_path_buf(),
            staging,
            parked,
            _scratch: scratch,
            lock,
            made_parent,
            committed: false,
        })
    }

    /// Writes a file at `relative` inside the staged folder; text files holding an identifier
    /// are refused (and the whole run with them).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        if super::is_text(relative) {
            super::check_no_identifiers(relative, bytes)?;
        }
        let path = self.path(relative)?;
        fs::write(&path, bytes).map_err(|e| Error::write(&path, e))
    }

    /// The path of `relative` inside the staged folder, its parent created (for writers that
    /// insist on a file path).
    pub fn path(&self, relative: &str) -> Result<PathBuf> {
        let path = self.staging.join(relative);
        if STOPPING.load(Ordering::SeqCst) {
            return Err(Error::write(&path, std::io::Error::other("interrupted")));
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        }
        Ok(path)
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces `target` with the staged folder, carrying over the files in it that
    /// frikommune did not write.
    pub fn commit(mut self) -> Result<Committed> {
        abort_point("staged");
        let written = files_under(&self.staging)?;
        let kept = foreign_files(&self.target, &written)?;
        // A signal waits until the swap is done (it removes only what is still staging).
        let live = live();
        for relative in &kept {
            carry(&self.target.join(relative), &self.staging.join(relative))?;
        }
        let manifest: String = written.iter().filter(|f| *f != MANIFEST).map(|f| format!("{f}\n")).collect();
        let manifest_path = self.staging.join(MANIFEST);
        fs::write(&manifest_path, manifest).map_err(|e| Error::write(&manifest_path, e))?;
        abort_point("carried");
        if self.target.exists() {
            fs::rename(&self.target, &self.parked).map_err(|e| Error::write(&self.target, e))?;
        }
        abort_point("parked");
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            if self.parked.exists() {
                let _ = fs::rename(&self.parked, &self.target);
            }
            return Err(Error::write(&self.target, e));
        }
        self.committed = true;
        drop(live);
        abort_point("swapped");
        if self.parked.exists() {
            let _ = fs::remove_dir_all(&self.parked);
        }
        Ok(Committed { dir: self.target.clone(), kept: kept.into_iter().collect() })
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            if self.made_parent
                && let Some((file, path)) = self.lock.take()
            {
                // Unlinked before it is released: a run that opens the path later makes a new one.
                let _ = fs::remove_file(&path);
                drop(file);
                if let Some(parent) = path.parent() {
                    let _ = fs::remove_dir(parent);
                }
            }
        }
    }
}

/// Opens and locks `path`; another live holder makes this fail at once, naming its process.
fn take_lock(path: &Path, target: &Path) -> Result<fs::File> {
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::write(path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(path).unwrap_or_default();
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another frikommune process".to_string()
            } else {
                format!("frikommune process {holder}")
            };
            return Err(Error::Busy(format!(
                "{} is being written by {who}; wait for it to finish or choose another --out",
                target.display()
            )));
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::write(path, e)),
    }
    file.set_len(0).map_err(|e| Error::write(path, e))?;
    write!(file, "{}", std::process::id()).map_err(|e| Error::write(path, e))?;
    Ok(file)
}

/// With the lock held, nobody else writes beside `target`: staging folders there are from
/// killed runs, and a parked folder is the previous outputs, to put back if the swap never
/// happened or to remove if it did.
fn recover(parent: &Path, name: &str, target: &Path, parked: &Path) -> Result<()> {
    let prefix = format!(".{name}.staging-");
    for entry in fs::read_dir(parent).map_err(|e| Error::write(parent, e))?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(|e| Error::write(&path, e))?;
        }
    }
    if parked.is_dir() {
        if target.exists() {
            fs::remove_dir_all(parked).map_err(|e| Error::write(parked, e))?;
        } else {
            fs::rename(parked, target).map_err(|e| Error::write(target, e))?;
        }
    }
    Ok(())
}

/// Every file (and symbolic link) under `dir`, relative, with `/` between folders.
fn files_under(dir: &Path) -> Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        for entry in fs::read_dir(&here).map_err(|e| Error::write(&here, e))?.flatten() {
            let rel = relative.join(entry.file_name());
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(rel),
                _ => {
                    found.insert(rel.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/"));
                }
            }
        }
    }
    Ok(found)
}

/// The files in `target` that frikommune did not write: not in its manifest (or, without one,
/// not among the files this run writes). One of them that this run would overwrite is an error.
fn foreign_files(target: &Path, written: &BTreeSet<String>) -> Result<BTreeSet<String>> {
    if !target.is_dir() {
        return Ok(BTreeSet::new());
    }
    let manifest: Option<BTreeSet<String>> =
        fs::read_to_string(target.join(MANIFEST)).ok().map(|text| text.lines().map(str::to_string).collect());
    let present = files_under(target)?;
    let foreign: BTreeSet<String> = present
        .into_iter()
        .filter(|f| f != MANIFEST)
        .filter(|f| match &manifest {
            Some(ours) => !ours.contains(f),
            None => !written.contains(f),
        })
        .collect();
    let clash: Vec<&String> = foreign.iter().filter(|f| written.contains(*f)).collect();
    if !clash.is_empty() {
        let names: Vec<String> = clash.iter().map(|f| target.join(f).display().to_string()).collect();
        return Err(Error::Usage(format!(
            "{} {} not written by frikommune and this run would replace {}; move {} out of the folder or choose another --out",
            names.join(", "),
            if names.len() == 1 { "was" } else { "were" },
            if names.len() == 1 { "it" } else { "them" },
            if names.len() == 1 { "it" } else { "them" },
        )));
    }
    Ok(foreign)
}

/// Puts a copy of `from` at `to`: a hard link where possible (no bytes copied), otherwise a copy;
/// a symbolic link stays a link.
fn carry(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    let meta = fs::symlink_metadata(from).map_err(|e| Error::write(from, e))?;
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        let link = fs::read_link(from).map_err(|e| Error::write(from, e))?;
        return std::os::unix::fs::symlink(link, to).map_err(|e| Error::write(to, e));
    }
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    if !meta.is_file() {
        return Err(Error::write(from, std::io::Error::other("not a regular file; it cannot be carried over")));
    }
    fs::copy(from, to).map(|_| ()).map_err(|e| Error::write(to, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn an_uncommitted_stage_leaves_the_old_output() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("a.txt"), "old").unwrap();
        {
            let stage = StagedDir::new(&target).unwrap();
            stage.write("a.txt", b"new").unwrap();
            // dropped without commit: a failed run
        }
        assert_eq!(fs::read_to_string(target.join("a.txt")).unwrap(), "old");
        assert_eq!(entries(tmp.path()), [".out.lock", "out"], "no staging folder is left behind");
        let stage = StagedDir::new(&target).unwrap();
        stage.write("a.txt", b"new").unwrap();
        stage.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.txt")).unwrap(), "new");
        assert_eq!(entries(tmp.path()), [".out.lock", "out"]);
    }

    #[test]
    fn a_failed_first_run_leaves_no_folder_behind() {
        let tmp = tempfile::tempdir().unwrap();
        drop(StagedDir::new(&tmp.path().join("out/study")).unwrap());
        assert!(entries(tmp.path()).is_empty(), "{:?}", entries(tmp.path()));
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("study");
        let first = StagedDir::new(&target).unwrap();
        let err = StagedDir::new(&target).err().expect("the folder is taken");
        let message = err.to_string();
        assert!(message.contains(&std::process::id().to_string()) && message.contains("study"), "{message}");
        assert_eq!(err.exit_code(), 1);
        drop(first);
        StagedDir::new(&target).expect("free again once the first is done");
    }

    #[test]
    fn leftovers_of_a_killed_run_are_recovered() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("study");
        // Killed after parking the old outputs, before the swap: they are put back.
        fs::create_dir_all(tmp.path().join(".study.old")).unwrap();
        fs::write(tmp.path().join(".study.old/results.json"), "earlier").unwrap();
        fs::create_dir_all(tmp.path().join(".study.staging-4242/charts")).unwrap();
        drop(StagedDir::new(&target).unwrap());
        assert_eq!(fs::read_to_string(target.join("results.json")).unwrap(), "earlier");
        assert_eq!(entries(tmp.path()), [".study.lock", "study"]);
        // Killed after the swap: the parked copy goes, the new outputs stay.
        fs::create_dir_all(tmp.path().join(".study.old")).unwrap();
        fs::write(tmp.path().join(".study.old/results.json"), "older").unwrap();
        drop(StagedDir::new(&target).unwrap());
        assert_eq!(fs::read_to_string(target.join("results.json")).unwrap(), "earlier");
        assert_eq!(entries(tmp.path()), [".study.lock", "study"]);
    }

    #[test]
    fn files_the_tool_did_not_write_are_kept_and_a_clash_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("study");
        let stage = StagedDir::new(&target).unwrap();
        stage.write("results.json", b"one").unwrap();
        stage.write("charts/a.svg", b"<svg/>").unwrap();
        stage.commit().unwrap();
        fs::write(target.join("notes.md"), "my notes").unwrap();
        fs::create_dir_all(target.join("work")).unwrap();
        fs::write(target.join("work/analysis.ipynb"), "{}").unwrap();
        fs::write(target.join("charts/mine.png"), "png").unwrap();
        // The next run no longer draws a.svg: it goes; the user's files stay.
        let stage = StagedDir::new(&target).unwrap();
        stage.write("results.json", b"two").unwrap();
        let done = stage.commit().unwrap();
        assert_eq!(done.kept, ["charts/mine.png", "notes.md", "work/analysis.ipynb"]);
        assert_eq!(fs::read_to_string(target.join("results.json")).unwrap(), "two");
        assert_eq!(fs::read_to_string(target.join("notes.md")).unwrap(), "my notes");
        assert_eq!(fs::read_to_string(target.join("work/analysis.ipynb")).unwrap(), "{}");
        assert!(!target.join("charts/a.svg").exists());
        // A file of the user's where this run writes one of its own: refused, nothing changes.
        fs::write(target.join("report.pdf"), "the user's").unwrap();
        let stage = StagedDir::new(&target).unwrap();
        stage.write("results.json", b"three").unwrap();
        stage.write("report.pdf", b"%PDF").unwrap();
        let err = stage.commit().err().expect("a clash");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("report.pdf"), "{err}");
        assert_eq!(fs::read_to_string(target.join("results.json")).unwrap(), "two");
        assert_eq!(fs::read_to_string(target.join("report.pdf")).unwrap(), "the user's");
    }

    #[test]
    fn an_output_path_through_a_file_fails_before_any_work() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("out"), "a file").unwrap();
        let err = StagedDir::new(&tmp.path().join("out/study")).err().expect("a file in the way");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("is a file"), "{err}");
        let err = StagedDir::new(&tmp.path().join("out")).err().expect("the target is a file");
        assert!(err.to_string().contains("not a folder"), "{err}");
    }
}
