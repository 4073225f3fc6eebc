//! `frikommune init DIR`: a new study folder that validates and runs as it is.

use std::path::{Path, PathBuf};

use frikommune::error::Error;

use super::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The folder to create; it must not exist or be empty. Its name becomes the study's name.
    dir: PathBuf,
}

pub fn run(args: Args, out: &Output) -> frikommune::Result<()> {
    let dir = &args.dir;
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Error::Usage(format!(
            "{} is not empty; init writes a new study into a new or empty folder",
            dir.display()
        )));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} is a file; init writes a new study into a new or empty folder",
            dir.display()
        )));
    }
    let name = study_name(dir);
    // Staged beside the folder and swapped in, so that a failure leaves nothing half-written.
    let stage = frikommune::output::StagedDir::new(dir)?;
    let files = frikommune::scaffold::files(&name);
    for (relative, bytes) in &files {
        stage.write(relative, bytes)?;
    }
    stage.commit()?;
    out.say(format!("a new study `{name}` in {}:", dir.display()));
    for (relative, _) in &files {
        out.say(format!("  {}", dir.join(relative).display()));
    }
    let study = dir.join("study.toml").display().to_string();
    let study = if study.contains(char::is_whitespace) { format!("\"{study}\"") } else { study };
    out.say(format!("next: frikommune validate {study}, then frikommune run {study}"));
    Ok(())
}

/// The folder's name made folder-safe, as `[study] name` must be: ASCII letters, digits, `-`
/// and `_`, with æ, ø and å written ae, oe and aa.
fn study_name(dir: &Path) -> String {
    let raw = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut safe = String::new();
    for c in raw.chars() {
        match c {
            'æ' => safe.push_str("ae"),
            'ø' => safe.push_str("oe"),
            'å' => safe.push_str("aa"),
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => safe.push(c),
            _ => safe.push('-'),
        }
    }
    let safe = safe.trim_matches('-');
    if safe.is_empty() { "ny-studie".to_string() } else { safe.to_string() }
}
