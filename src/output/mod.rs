//! Atomic outputs: nothing half-written is ever left where a reader looks.
//!
//! A single file is written to a temporary sibling and renamed into place. A folder of outputs
//! is staged in a hidden sibling folder and swapped in only when every file is written; if the
//! run fails, the staging folder is removed and the previous outputs stay untouched (see
//! [`StagedDir`] for locking, recovery after a kill, signals and the user's own files).

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};

mod staged;

pub use staged::{Committed, MANIFEST, StagedDir, clean_up_on_signals};

/// Where `text` holds what looks like a Danish CPR number: ten digits (or six, a hyphen and four)
/// standing alone, whose first six are a valid day and month (DDMMYY). Digits after a decimal
/// point or before one, or inside a longer run, are numbers, not identifiers. Returns the byte
/// offset and the number with its last four digits masked.
pub fn find_identifier(text: &[u8]) -> Option<(usize, String)> {
    let digit = |i: usize| text.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = 0;
    while i < text.len() {
        if !digit(i) || (i > 0 && (digit(i - 1) || text[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        let run = (i..text.len()).take_while(|&j| digit(j)).count();
        let len = if run == 10 {
            10
        } else if run == 6 && text.get(i + 6) == Some(&b'-') && (i + 7..i + 11).all(digit) {
            11
        } else {
            i += run;
            continue;
        };
        let after = text.get(i + len).copied();
        let standalone = !matches!(after, Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'-'));
        let two = |k: usize| (text[k] - b'0') as u32 * 10 + (text[k + 1] - b'0') as u32;
        let (day, month) = (two(i), two(i + 2));
        if standalone && (1..=31).contains(&day) && (1..=12).contains(&month) {
            let shown = String::from_utf8_lossy(&text[i..i + 6]).into_owned();
            return Some((i, format!("{shown}-****")));
        }
        i += run;
    }
    None
}

/// Refuses to write `bytes` to `name` when it holds an identifier (see [`find_identifier`]).
pub fn check_no_identifiers(name: &str, bytes: &[u8]) -> Result<()> {
    match find_identifier(bytes) {
        Some((offset, masked)) => Err(Error::Confidential {
            what: name.to_string(),
            message: format!(
                "byte {offset} holds what looks like a CPR number ({masked}); identifiers are never written to outputs. Remove identifying columns or names from the inputs"
            ),
        }),
        None => Ok(()),
    }
}

/// Output files that are text and therefore scanned for identifiers (PNG charts are drawn from
/// the same results; the PDF is typeset from them).
fn is_text(relative: &str) -> bool {
    [".json", ".csv", ".md", ".svg", ".html", ".txt"].iter().any(|e| relative.ends_with(e))
}

/// Writes `bytes` to `path` via a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    write_atomic_with(path, |file| file.write_all(bytes).map_err(|e| Error::write(path, e)))
}

/// Streams a file to `path` through `fill`, via a temporary sibling renamed into place only when
/// `fill` succeeds (a failure leaves any earlier file untouched and no temporary behind).
///
/// The temporary file (`.<name>.tmp-<pid>`) is locked while it is written, so one left by a
/// writer that was killed (SIGKILL, a power cut) is known by its lock being free and is removed
/// by the next write of the same file.
pub fn write_atomic_with<T, E: From<Error>>(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    sweep_stale_temporaries(dir, &name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let _scratch = staged::Scratch::new(tmp.clone());
    let mut file = fs::File::create(&tmp).map_err(|e| Error::write(&tmp, e))?;
    file.lock().map_err(|e| Error::write(&tmp, e))?;
    let value = match fill(&mut file) {
        Ok(v) => v,
        Err(e) => {
            drop(file);
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    drop(file);
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::write(path, e)
    })?;
    Ok(value)
}

/// Removes `.<name>.tmp-*` in `dir` whose lock is free: their writers are gone.
fn sweep_stale_temporaries(dir: &Path, name: &str) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let free = fs::OpenOptions::new().write(true).open(entry.path()).is_ok_and(|f| f.try_lock().is_ok());
        if free {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod atomic_tests {
    use super::*;

    /// A temporary left by a killed writer goes with the next write; one a live writer holds
    /// (its lock taken) stays.
    #[test]
    fn stale_temporaries_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".panel.csv.tmp-4000000");
        fs::write(&stale, "half a file").unwrap();
        let live = dir.path().join(".panel.csv.tmp-4000001");
        let held = fs::File::create(&live).unwrap();
        held.lock().unwrap();
        let other = dir.path().join(".cases.csv.tmp-4000000");
        fs::write(&other, "another file's").unwrap();
        write_atomic(&dir.path().join("panel.csv"), b"a,b\n").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("panel.csv")).unwrap(), "a,b\n");
        assert!(!stale.exists(), "the stale temporary is still there");
        assert!(live.exists(), "a live writer's temporary was removed");
        assert!(other.exists(), "another file's temporary was removed");
        drop(held);
        write_atomic(&dir.path().join("panel.csv"), b"c\n").unwrap();
        assert!(!live.exists());
    }
}

#[cfg(test)]
mod identifier_tests {
    use super::find_identifier;

    #[test]
    fn cpr_numbers_are_found_and_masked() {
        assert_eq!(find_identifier(b"case 0103851234 ended").map(|f| f.1), Some("010385-****".into()));
        assert_eq!(find_identifier(b"{\"id\":\"311299-4321\"}").map(|f| f.0), Some(7));
        assert!(find_identifier(b"x,2402901111\n").is_some());
    }

    /// A run whose results would hold an identifier writes nothing: the earlier outputs stay.
    #[test]
    fn staged_outputs_with_an_identifier_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("study");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("results.json"), "earlier").unwrap();
        let stage = super::StagedDir::new(&target).unwrap();
        stage.write("charts/a.png", b"\x89PNG 0103851234").unwrap(); // binary: not scanned
        let err = stage.write("results.json", b"{\"name\": \"trial 0103851234\"}").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("010385-****"));
        drop(stage);
        assert_eq!(std::fs::read_to_string(target.join("results.json")).unwrap(), "earlier");
    }

    #[test]
    fn ordinary_numbers_are_not_identifiers() {
        for text in [
            "0.0103851234",    // a fraction
            "1211850000.0",    // a large float
            "12125169.823",    // money
            "01038512345",     // eleven digits
            "3213851234",      // day 32
            "0113851234",      // month 13
            "2018-01-01,1544", // dates and prices
            "1.0103851234e-5", // scientific notation
        ] {
            assert_eq!(find_identifier(text.as_bytes()), None, "{text}");
        }
    }
}
