//! Atomic outputs: nothing half-written is ever left where a reader looks.
//!
//! A single file is written to a temporary sibling and renamed into place. A folder of outputs
//! is staged in a hidden sibling folder and swapped in only when every file is written; if the
//! run fails, the staging folder is removed and the previous outputs stay untouched.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` via a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| Error::write(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::write(path, e)
    })
}

/// A folder being filled; [`StagedDir::commit`] swaps it in for `target`.
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl StagedDir {
    pub fn new(target: &Path) -> Result<StagedDir> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
        }
        fs::create_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
        Ok(StagedDir { target: target.to_path_buf(), staging, committed: false })
    }

    /// Writes a file at `relative` inside the staged folder.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staging.join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        }
        fs::write(&path, bytes).map_err(|e| Error::write(&path, e))
    }

    /// The path of `relative` inside the staged folder, its parent created (for writers that
    /// insist on a file path).
    pub fn path(&self, relative: &str) -> Result<PathBuf> {
        let path = self.staging.join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        }
        Ok(path)
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces `target` with the staged folder.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.staging.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &old).map_err(|e| Error::write(&self.target, e))?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            if old.exists() {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(Error::write(&self.target, e));
        }
        if old.exists() {
            let _ = fs::remove_dir_all(&old);
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "no staging folder is left behind");
        let stage = StagedDir::new(&target).unwrap();
        stage.write("a.txt", b"new").unwrap();
        stage.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.txt")).unwrap(), "new");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
