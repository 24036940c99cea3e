//! The `hedgerow` command line.

mod migrate;
mod serve;
mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Parser)]
#[command(
    name = "hedgerow",
    version,
    about = "Privacy and sharing rules in PostgreSQL, served over HTTP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (on an embedded PostgreSQL unless DATABASE_URL is set).
    Serve,
    /// Apply migrations, functions and policies to a database.
    Migrate(migrate::MigrateArgs),
    /// Print a JWT for a user id, signed with the configured or embedded secret.
    Token(token::TokenArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve => serve::run().await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Token(args) => token::run(args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Text logs by default, JSON lines with HEDGEROW_LOG=json; RUST_LOG filters (default info).
fn init_logging(json: bool) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}
