//! `athar`: the command line. Thin: it parses arguments, reads and writes files, prints, and
//! calls the engine crates, which hold all the logic.

mod names_cmd;
mod names_eval;

use clap::{Parser, Subcommand};

/// Name analysis makes many small, short-lived allocations; mimalloc serves them much faster
/// than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// Athar (أثر, "trace"): an offline-first registry and matching engine to find the detained
/// and the disappeared.
#[derive(Parser, Debug)]
#[command(name = "athar", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The cross-script name engine: analyse and compare names.
    #[command(subcommand)]
    Names(names_cmd::NamesCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Names(cmd) => names_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
