//! Command-line interface: one module per subcommand, each with `run(args) -> Result<()>`.

mod dream;
mod estimate;
mod montecarlo;
mod progress;
mod report;
mod run;
mod simulate;
mod survival;
mod validate;

use std::io::Write;

use clap::{Parser, Subcommand, ValueEnum};

use frikommune::study::Lang;

#[derive(Parser)]
#[command(name = "frikommune", version, about = "Evaluate Danish free-municipality trials with honest uncertainty")]
struct Cli {
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load the study and its data, estimate every trial × outcome, write results, charts and report.
    Run(run::Args),
    /// Check a study file and its data without estimating.
    Validate(validate::Args),
    /// Write realistic synthetic data with known true effects for a study (its [simulation] section).
    Simulate(simulate::Args),
    /// Run one estimator on any long panel (CSV) and print the estimate.
    Estimate(estimate::Args),
    /// Kaplan–Meier curves, medians, the log-rank test and Cox regression on a file of spells.
    Survival(survival::Args),
    /// Reshape DREAM-style weekly benefit codes (y_YYWW columns) into a case file of spells.
    Dream(dream::Args),
    /// Re-render report.pdf from a results.json (no re-estimation).
    Report(report::Args),
    /// Size and coverage of every interval on placebo and simulated trials of one analysis.
    Montecarlo(montecarlo::Args),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Da,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Da => Lang::Da,
            LangArg::En => Lang::En,
        }
    }
}

/// `--lang da`, `--lang en` or `--lang da,en`: the first is the main language.
pub fn languages(args: &[LangArg], default: &[Lang]) -> frikommune::Result<Vec<Lang>> {
    let mut out: Vec<Lang> = Vec::new();
    for &a in args {
        let l = Lang::from(a);
        if out.contains(&l) {
            return Err(frikommune::error::Error::Design(format!("--lang lists `{}` twice", l.code())));
        }
        out.push(l);
    }
    Ok(if out.is_empty() { default.to_vec() } else { out })
}

pub const DEFAULT_STUDY: &str = "data/study.toml";

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let out = Output { quiet: cli.quiet };
    let result = match cli.command {
        Command::Run(a) => run::run(a, &out),
        Command::Validate(a) => validate::run(a, &out),
        Command::Simulate(a) => simulate::run(a, &out),
        Command::Report(a) => report::run(a, &out),
        Command::Estimate(a) => estimate::run(a, &out),
        Command::Survival(a) => survival::run(a, &out),
        Command::Dream(a) => dream::run(a, &out),
        Command::Montecarlo(a) => montecarlo::run(a, &out),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            e.exit_code()
        }
    }
}

/// Where the binary talks to the user.
pub struct Output {
    pub quiet: bool,
}

impl Output {
    /// A line on stdout unless `--quiet`; a closed pipe is not an error.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            let _ = writeln!(std::io::stdout(), "{}", line.as_ref());
        }
    }
}
