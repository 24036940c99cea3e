//! The connection pool of the authenticator role.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

#[derive(Debug, thiserror::Error)]
#[error("cannot build the connection pool: {0}")]
pub struct PoolSetupError(String);

/// A pool of at most `size` connections; waiting for one, or opening one, gives up after
/// `timeout` so that a request answers 503 instead of hanging when the database is away.
pub fn create(
    mut pg_config: tokio_postgres::Config,
    size: usize,
    timeout: Duration,
) -> Result<Pool, PoolSetupError> {
    pg_config.connect_timeout(timeout);
    pg_config.application_name("hedgerow");
    let manager = Manager::from_config(
        pg_config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| PoolSetupError(e.to_string()))
}
