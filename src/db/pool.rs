//! The connection pool of the authenticator role.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, QueueMode, RecyclingMethod, Runtime};

use super::PgTarget;

#[derive(Debug, thiserror::Error)]
#[error("cannot build the connection pool: {0}")]
pub struct PoolSetupError(String);

/// A pool of at most `size` connections (TLS as the target says); waiting for one, or opening
/// one, gives up after `timeout` so that a request answers 503 instead of hanging when the
/// database is away.
pub fn create(
    target: impl Into<PgTarget>,
    size: usize,
    timeout: Duration,
) -> Result<Pool, PoolSetupError> {
    let target = target.into();
    let connector = target.connector();
    let mut pg_config = target.config;
    pg_config.connect_timeout(timeout);
    pg_config.application_name("hedgerow");
    let manager = Manager::from_config(
        pg_config,
        connector,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        // The connection returned last is handed out first: a few hot backends serve a light
        // load instead of every connection in turn (feed at c = 8: 2,750 → 3,950 req/s with
        // 32 connections, BENCHMARKS.md).
        .queue_mode(QueueMode::Lifo)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| PoolSetupError(e.to_string()))
}
