//! `hedgerow migrate`.

use clap::Args;

use super::{CliResult, KindsDir};
use crate::config::parse_duration;
use crate::db::{
    connect,
    migrate::{self, MigrateOptions, RepeatableSql},
};

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
    #[command(flatten)]
    kinds: KindsDir,
    /// How long to wait for another migration's lock before giving up (e.g. 60s, 5m).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    lock_timeout: std::time::Duration,
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
            let repeatable = RepeatableSql::load(args.kinds.kinds_dir.as_deref())?;
            let current = migrate::repeatable_is_current(&client, &repeatable).await?;
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
    let options = MigrateOptions {
        kinds_dir: args.kinds.kinds_dir,
        lock_timeout: args.lock_timeout,
    };
    let report = migrate::migrate(&mut client, &options).await?;
    if let Some(sql) = report.unhardened {
        eprintln!(
            "warning: this connection is not a superuser's, so PostgreSQL's statistics, sizes and locks \
             stay open to analysts here, and `hedgerow analyst add` refuses to add any. An administrator \
             closes them with:\n\n{sql}"
        );
    }
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
