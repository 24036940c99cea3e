//! `hedgerow migrate`.

use clap::Args;

use super::CliResult;
use crate::db::{connect, migrate};

#[derive(Args)]
pub struct MigrateArgs {
    /// A superuser's or hedgerow_owner member's connection (not the authenticator's).
    #[arg(long, env = "HEDGEROW_ADMIN_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// List applied and pending migrations; change nothing.
    #[arg(long)]
    status: bool,
}

pub async fn run(args: MigrateArgs) -> CliResult {
    let url = args.database_url.ok_or(
        "migrate needs an owner or superuser connection: --database-url or HEDGEROW_ADMIN_DATABASE_URL \
         (the embedded default migrates itself when `hedgerow serve` starts)",
    )?;
    let mut client = connect(&url)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    if args.status {
        for state in migrate::status(&client).await? {
            let mark = if state.applied { "applied" } else { "pending" };
            println!("{mark:8} V{}__{}", state.version, state.name);
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
