//! The `hedgerow` command line.

mod analyst;
mod check;
mod logs;
mod migrate;
mod serve;
mod token;

use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

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
    /// Serve the HTTP API (on an embedded PostgreSQL unless DATABASE_URL is set); its
    /// settings are environment variables, listed by `hedgerow serve --help`.
    Serve,
    /// Apply migrations, functions and policies to a database.
    Migrate(migrate::MigrateArgs),
    /// Print a JWT for a user id, signed with the configured or embedded secret.
    Token(token::TokenArgs),
    /// Access-log maintenance.
    Logs(logs::LogsArgs),
    /// Analysts' logins for direct SQL under the same rules.
    Analyst(analyst::AnalystArgs),
    /// Check a live database's invariants; exits non-zero with a list when one fails.
    Check(check::CheckArgs),
}

/// The app's own kinds: a directory of kind files (see docs/KINDS.md).
#[derive(Args)]
struct KindsDir {
    #[arg(long, env = "HEDGEROW_KINDS_DIR")]
    kinds_dir: Option<std::path::PathBuf>,
}

/// An operator's connection: a superuser, or a member of hedgerow_owner — never the
/// authenticator's.
#[derive(Args)]
struct AdminConnection {
    #[arg(long, env = "HEDGEROW_ADMIN_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl AdminConnection {
    /// The URL given, else the embedded cluster's superuser (which `hedgerow serve` must be
    /// running).
    fn url(&self) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let config = crate::config::Config::from_env()?;
        match crate::db::embedded::EmbeddedSecrets::load(&config.data_dir)? {
            Some(secrets) => Ok(secrets.admin_url()),
            None => Err(
                "this needs an owner or superuser connection: --database-url or \
                         HEDGEROW_ADMIN_DATABASE_URL (or a running embedded `hedgerow serve`)"
                    .into(),
            ),
        }
    }
}

pub fn main() -> ExitCode {
    let matches = Cli::command()
        .mut_subcommand("serve", |serve| {
            serve.after_help(crate::config::settings_help())
        })
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    run_command(async {
        match cli.command {
            Command::Serve => serve::run().await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Token(args) => token::run(args),
            Command::Logs(args) => logs::run(args).await,
            Command::Analyst(args) => analyst::run(args).await,
            Command::Check(args) => check::run(args).await,
        }
    })
}

/// Runs a command on a multi-threaded runtime; an error is printed as `error: …` and exits 1.
pub fn run_command(command: impl std::future::Future<Output = CliResult>) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime");
    match runtime.block_on(command) {
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
