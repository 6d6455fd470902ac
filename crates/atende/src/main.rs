//! The `atende` binary: the command line, configuration and wiring of the other crates.
//! What belongs here: argument parsing, configuration, reading files, printing, exit codes.
//! Access rules live in `access`; the access test file format in `scenario`; SQL in `store`;
//! HTTP in `server`.

mod account;
mod config;
mod demo;
mod logging;
mod policy;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

/// Atende: a self-hosted customer-service inbox with one exact access model.
#[derive(Debug, Parser)]
#[command(name = "atende", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Flags shared by the commands that open the database.
#[derive(Debug, Args)]
struct ServerFlags {
    /// Address to listen on (default 127.0.0.1:8080; ATENDE_LISTEN).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory of the embedded SQLite database (default ./data; ATENDE_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Configuration file (default ./atende.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (SQLite under the data directory, or PostgreSQL with ATENDE_DATABASE_URL).
    Serve {
        #[command(flatten)]
        flags: ServerFlags,
        /// Fill the demo account when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Fill the demo account in an empty database and print the demo logins.
    Demo {
        #[command(flatten)]
        flags: ServerFlags,
        /// Then grow the demo account to this many conversations (copies of the demo's, older
        /// each week, without messages), for measuring the inbox at scale.
        #[arg(long, value_name = "N")]
        conversations: Option<i64>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Rewrite the database compactly (SQLite: VACUUM, holding the write lock while it runs;
    /// PostgreSQL: VACUUM ANALYZE).
    Compact {
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Exit 0 when the server answers /healthz (for container and service health checks).
    Healthcheck {
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Create an account (tenant) and its owner, who gets a temporary password.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Print a documented example configuration file (atende.toml).
    DefaultConfig,
    /// Access test files: check them, or explain one decision.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create an account with its first owner.
    Create {
        #[command(flatten)]
        flags: ServerFlags,
        /// The account's name (the company).
        #[arg(long)]
        name: String,
        /// The owner's login email.
        #[arg(long)]
        owner_email: String,
        /// The owner's display name.
        #[arg(long, default_value = "")]
        owner_name: String,
    },
}

fn load(flags: &ServerFlags, demo: bool) -> Result<config::Config> {
    let overrides = config::Overrides {
        listen: flags.listen,
        data_dir: flags.data_dir.clone(),
        demo,
        config: flags.config.clone(),
    };
    let config = config::load(&overrides, &config::process_env)?;
    // The process's one log subscriber, for every command that opens the database or serves.
    logging::init(&config.log, config.log_format)?;
    Ok(config)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve { flags, demo } => {
            let config = load(&flags, demo)?;
            runtime()?.block_on(serve::serve(config))?;
        }
        Command::Demo {
            flags,
            conversations,
        } => {
            let config = load(&flags, true)?;
            runtime()?.block_on(async {
                let store = serve::open(&config).await?;
                serve::fill_demo(&store, &server::clock::SystemClock, &config).await?;
                if let Some(total) = conversations {
                    match demo::scale(&store, total).await? {
                        Some(n) => println!("The demo account has {n} conversations."),
                        None => println!("No demo account: nothing copied."),
                    }
                }
                store.close().await;
                anyhow::Ok(())
            })?;
        }
        Command::Migrate { flags } => {
            let config = load(&flags, false)?;
            runtime()?.block_on(async {
                let store = serve::open(&config).await?;
                store.close().await;
                println!(
                    "The database schema is at version {}.",
                    store::Store::latest_schema_version()
                );
                anyhow::Ok(())
            })?;
        }
        Command::Compact { flags } => {
            let config = load(&flags, false)?;
            runtime()?.block_on(async {
                let store = serve::open(&config).await?;
                store.compact().await?;
                store.close().await;
                println!("The database is compacted.");
                anyhow::Ok(())
            })?;
        }
        Command::Healthcheck { flags } => {
            let config = load(&flags, false)?;
            runtime()?.block_on(serve::healthcheck(config.listen))?;
        }
        Command::Account(AccountCommand::Create {
            flags,
            name,
            owner_email,
            owner_name,
        }) => {
            let config = load(&flags, false)?;
            runtime()?.block_on(async {
                let store = serve::open(&config).await?;
                account::create(&store, &name, &owner_email, &owner_name).await?;
                store.close().await;
                anyhow::Ok(())
            })?;
        }
        Command::DefaultConfig => print!("{}", config::DEFAULT_CONFIG),
        Command::Policy(cmd) => return policy::run(cmd),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
