//! `hedgerow check`: exits non-zero, with a list, when a live database breaks an invariant.

use super::{AdminConnection, CliResult};
use crate::db::{check, connect};

pub async fn run(admin: AdminConnection) -> CliResult {
    let client = connect(&admin.url()?).await?;
    let findings = check::run(&client).await?;
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
