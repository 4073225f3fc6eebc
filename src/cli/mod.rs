//! Command-line interface: one module per subcommand, each with `run(args) -> Result<()>`.

mod docs;
mod dream;
mod estimate;
mod init;
mod montecarlo;
mod progress;
mod report;
mod run;
mod simulate;
mod survival;
mod validate;

use std::io::Write;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use frikommune::study::Lang;

#[derive(Parser)]
#[command(name = "frikommune", version, about = "Evaluate Danish free-municipality trials with honest uncertainty")]
struct Cli {
    /// Print nothing but errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say what each step does and how long it took (on stderr), instead of progress bars.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// How messages are written: `text` for people, `json` for machines (one JSON object per
    /// line on stderr: steps with their timings, warnings, errors with their exit code; `run`
    /// also writes its summary to stdout as one JSON object).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new study folder (a commented study.toml, a synthetic panel, a README) that runs as it is.
    Init(init::Args),
    /// Load the study and its data, estimate every trial × outcome, write results, charts and report.
    Run(run::Args),
    /// Check a study file and its data without estimating.
    Validate(validate::Args),
    /// Write realistic synthetic data with known true effects for a study (its [simulation] section).
    Simulate(simulate::Args),
    /// Run one estimator on any long panel (CSV) and print the estimate.
    Estimate(Box<estimate::Args>),
    /// Kaplan–Meier curves, medians, the log-rank test and Cox regression on a file of spells.
    Survival(survival::Args),
    /// Reshape DREAM-style weekly benefit codes (y_YYWW columns) into a case file of spells.
    Dream(dream::Args),
    /// Re-render report.pdf from a results.json (no re-estimation).
    Report(report::Args),
    /// Size and coverage of every interval on placebo and simulated trials of one analysis.
    Montecarlo(montecarlo::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions(docs::CompletionArgs),
    /// Print the man page (roff) to stdout, or write a page per command into a folder.
    Man(docs::ManArgs),
}

/// The command-line definition, for completions and man pages.
pub fn command() -> clap::Command {
    Cli::command()
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
            return Err(frikommune::error::Error::Usage(format!("--lang lists `{}` twice", l.code())));
        }
        out.push(l);
    }
    Ok(if out.is_empty() { default.to_vec() } else { out })
}

pub const DEFAULT_STUDY: &str = "data/study.toml";

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> i32 {
    frikommune::output::clean_up_on_signals();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let out = Output { quiet: cli.quiet, verbose: cli.verbose, json: cli.log_format == LogFormat::Json };
    let result = match cli.command {
        Command::Init(a) => init::run(a, &out),
        Command::Run(a) => run::run(a, &out),
        Command::Validate(a) => validate::run(a, &out),
        Command::Simulate(a) => simulate::run(a, &out),
        Command::Report(a) => report::run(a, &out),
        Command::Estimate(a) => estimate::run(*a, &out),
        Command::Survival(a) => survival::run(a, &out),
        Command::Dream(a) => dream::run(a, &out),
        Command::Montecarlo(a) => montecarlo::run(a, &out),
        Command::Completions(a) => docs::completions(a),
        Command::Man(a) => docs::man(a, &out),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let code = e.exit_code();
            if out.json {
                let line = serde_json::json!({ "level": "error", "message": e.to_string(), "exit_code": code });
                let _ = writeln!(std::io::stderr(), "{line}");
            } else {
                let _ = writeln!(std::io::stderr(), "error: {e}");
            }
            code
        }
    }
}

/// Where the binary talks to the user.
pub struct Output {
    pub quiet: bool,
    pub verbose: bool,
    /// `--log-format json`: messages as JSON lines on stderr.
    pub json: bool,
}

impl Output {
    /// A line on stdout unless `--quiet`; a closed pipe is not an error.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            let _ = writeln!(std::io::stdout(), "{}", line.as_ref());
        }
    }

    /// A log message on stderr: with `--verbose` as text, with `--log-format json` always (as
    /// `{"level": …, "message": …}` plus `fields`), otherwise not at all.
    pub fn log(&self, level: &str, message: impl AsRef<str>, fields: serde_json::Value) {
        if self.quiet {
            return;
        }
        if self.json {
            let mut line = serde_json::json!({ "level": level, "message": message.as_ref() });
            if let (Some(o), serde_json::Value::Object(f)) = (line.as_object_mut(), fields) {
                o.extend(f);
            }
            let _ = writeln!(std::io::stderr(), "{line}");
        } else if self.verbose {
            let _ = writeln!(std::io::stderr(), "{}", message.as_ref());
        }
    }
}
