//! Access-log retention (`hedgerow logs prune`).

use std::time::Duration;

use super::{OwnerError, become_owner};

/// Deletes access-log rows older than `older_than`, as hedgerow_owner; returns how many.
pub async fn prune_access_log(
    client: &tokio_postgres::Client,
    older_than: Duration,
) -> Result<i64, OwnerError> {
    become_owner(client).await?;
    let seconds = older_than.as_secs_f64();
    let row = client
        .query_one(
            "SELECT hedgerow.prune_access_log(make_interval(secs => $1))",
            &[&seconds],
        )
        .await?;
    Ok(row.get(0))
}
