//! `hedgerow logs`: access-log maintenance.

use clap::{Args, Subcommand};

use super::CliResult;
use crate::config::parse_duration;
use crate::db::{connect, retention};

#[derive(Args)]
pub struct LogsArgs {
    #[command(subcommand)]
    command: LogsCommand,
}

#[derive(Subcommand)]
enum LogsCommand {
    /// Delete access-log rows older than a duration (retention).
    Prune {
        /// e.g. 90d, 12h.
        #[arg(long, value_parser = parse_duration)]
        older_than: std::time::Duration,
        #[command(flatten)]
        admin: super::AdminConnection,
    },
}

pub async fn run(args: LogsArgs) -> CliResult {
    match args.command {
        LogsCommand::Prune { older_than, admin } => {
            let client = connect(&admin.url()?).await?;
            let pruned = retention::prune_access_log(&client, older_than).await?;
            println!("pruned {pruned} access-log rows");
            Ok(())
        }
    }
}
