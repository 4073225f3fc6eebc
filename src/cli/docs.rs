//! `frikommune completions SHELL` and `frikommune man`: generated from the clap definition, so
//! they always match the commands.

use std::path::PathBuf;

use frikommune::error::Error;

use super::Output;

#[derive(clap::Args)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// Write `frikommune.1` and a page per command (`frikommune-run.1` …) into this folder
    /// instead of printing the main page.
    #[arg(long)]
    dir: Option<PathBuf>,
}

pub fn completions(args: CompletionArgs) -> frikommune::Result<()> {
    let mut command = super::command();
    clap_complete::generate(args.shell, &mut command, "frikommune", &mut std::io::stdout());
    Ok(())
}

pub fn man(args: ManArgs, out: &Output) -> frikommune::Result<()> {
    let command = super::command();
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    match args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page).map_err(io("stdout".as_ref()))?;
            use std::io::Write;
            let _ = std::io::stdout().write_all(&page);
        }
        Some(dir) => {
            // clap_mangen names the pages (`frikommune-run.1` …); they are made in a scratch
            // folder and each is then written into `dir` by rename, so nothing is half-written.
            let scratch = std::env::temp_dir().join(format!("frikommune-man-{}", std::process::id()));
            std::fs::create_dir_all(&scratch).map_err(io(&scratch))?;
            let made = clap_mangen::generate_to(command, &scratch).map_err(io(&scratch));
            let mut written = 0;
            let result = made.and_then(|()| {
                std::fs::create_dir_all(&dir).map_err(io(&dir))?;
                let mut pages: Vec<_> = std::fs::read_dir(&scratch)
                    .map_err(io(&scratch))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .collect();
                pages.sort();
                for page in pages {
                    let bytes = std::fs::read(&page).map_err(io(&page))?;
                    frikommune::output::write_atomic(&dir.join(page.file_name().expect("a file")), &bytes)?;
                    written += 1;
                }
                Ok(())
            });
            let _ = std::fs::remove_dir_all(&scratch);
            result?;
            out.say(format!("{written} man pages in {}", dir.display()));
        }
    }
    Ok(())
}
