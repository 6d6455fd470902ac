//! The `atende` binary: the command line, configuration and wiring of the other crates.
//! What belongs here: argument parsing, reading files, printing, exit codes. Access rules live in
//! `access`; the access test file format in `scenario`.

mod policy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Atende: a self-hosted customer-service inbox with one exact access model.
#[derive(Debug, Parser)]
#[command(name = "atende", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Access test files: check them, or explain one decision.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(cmd) => policy::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
