//! `hedgerow check`: exits non-zero, with a list, when a live database breaks an invariant.

use clap::Args;

use super::{AdminConnection, CliResult, KindsDir};
use crate::db::{check, connect, migrate::RepeatableSql};

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    admin: AdminConnection,
    #[command(flatten)]
    kinds: KindsDir,
}

pub async fn run(args: CheckArgs) -> CliResult {
    let repeatable = RepeatableSql::load(args.kinds.kinds_dir.as_deref())?;
    let client = connect(&args.admin.url()?)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let findings = check::run(&client, &repeatable).await?;
    for finding in &findings {
        if finding.passed() {
            println!("ok    {}", finding.check);
        } else {
            println!("FAIL  {}", finding.check);
            for violation in &finding.violations {
                println!("        {violation}");
            }
        }
    }
    let failed = findings.iter().filter(|f| !f.passed()).count();
    if failed > 0 {
        return Err(format!("{failed} check(s) failed").into());
    }
    Ok(())
}
