//! The connection pool of the authenticator role.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

#[derive(Debug, thiserror::Error)]
#[error("cannot build the connection pool: {0}")]
pub struct PoolSetupError(String);

/// A pool of at most `size` connections; waiting for one, or opening one, gives up after
/// `timeout` so that a request answers 503 instead of hanging when the database is away.
/// Each connection starts with `settings` as session settings (e.g. `hedgerow.public_url`),
/// so SQL functions can read server configuration at no per-request cost.
pub fn create(
    mut pg_config: tokio_postgres::Config,
    settings: &[(&str, String)],
    size: usize,
    timeout: Duration,
) -> Result<Pool, PoolSetupError> {
    pg_config.options(session_options(settings));
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

/// `-c name=value` options for the startup packet, with spaces and backslashes escaped.
fn session_options(settings: &[(&str, String)]) -> String {
    settings
        .iter()
        .map(|(name, value)| {
            let escaped = value.replace('\\', "\\\\").replace(' ', "\\ ");
            format!("-c {name}={escaped}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_escape_spaces_and_backslashes() {
        let options = session_options(&[("a.b", "x y\\z".into()), ("c.d", "plain".into())]);
        assert_eq!(options, "-c a.b=x\\ y\\\\z -c c.d=plain");
    }
}
