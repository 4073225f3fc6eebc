//! The `frikommune` binary: parse flags, call the library, print the outcome, exit with
//! 0 (ok), 1 (failure) or 2 (bad input or usage).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
