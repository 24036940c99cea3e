//! `hedgerow migrate`.

use clap::Args;

use super::CliResult;
use crate::db::{connect, migrate};

#[derive(Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    admin: super::AdminConnection,
    /// List applied and pending migrations; change nothing.
    #[arg(long)]
    status: bool,
    /// Print what migrate would do; change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: MigrateArgs) -> CliResult {
    let mut client = connect(&args.admin.url()?).await?;
    if args.status || args.dry_run {
        for state in migrate::status(&client).await? {
            let mark = if state.applied { "applied" } else { "pending" };
            if args.status || !state.applied {
                println!("{mark:8} V{}__{}", state.version, state.name);
            }
        }
        for unknown in migrate::unknown_migrations(&client).await? {
            println!("unknown  {unknown} (applied by a newer hedgerow: migrate would refuse)");
        }
        if args.dry_run {
            let current = migrate::repeatable_is_current(&client).await?;
            println!(
                "functions and policies: {}",
                if current {
                    "unchanged"
                } else {
                    "would be re-applied"
                }
            );
        }
        return Ok(());
    }
    let report = migrate::migrate(&mut client).await?;
    if report.created_roles {
        println!("created hedgerow's roles");
    }
    for applied in &report.applied {
        println!("applied {applied}");
    }
    if report.applied.is_empty() {
        println!("no pending migrations");
    }
    println!(
        "functions and policies: {}",
        if report.reapplied_functions {
            "re-applied"
        } else {
            "unchanged"
        }
    );
    Ok(())
}
