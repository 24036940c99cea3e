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
}

pub async fn run(args: MigrateArgs) -> CliResult {
    let mut client = connect(&args.admin.url()?)
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
