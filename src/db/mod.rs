//! Everything that talks to PostgreSQL: the pool, the per-request transaction, migrations,
//! and the local cluster used by the embedded default and the tests.

pub mod analysts;
pub mod check;
pub mod child_process;
pub mod cluster;
pub mod connection;
pub mod databases;
pub mod embedded;
pub mod migrate;
pub mod pool;
pub mod pooler;
pub mod recent_writers;
pub mod replica;
pub mod replica_lag;
pub mod request;
pub mod retention;
pub mod routes;
pub mod tls;

pub use connection::{ConnectError, PgTarget};

/// Opens one connection to `url` (TLS as its sslmode says) and drives it in the background,
/// for admin work, not requests.
pub async fn connect(url: &str) -> Result<tokio_postgres::Client, ConnectError> {
    PgTarget::parse(url)
        .map_err(ConnectError::settings)?
        .connect()
        .await
}

/// A database error with its SQLSTATE, message, detail and context (tokio-postgres alone
/// says "db error").
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("database error {}: {}", db.code().code(), db.message());
            for (label, part) in [
                ("detail", db.detail()),
                ("hint", db.hint()),
                ("where", db.where_()),
            ] {
                if let Some(part) = part {
                    text.push_str(&format!("\n  {label}: {part}"));
                }
            }
            text
        }
        None => format!("database connection error: {error}"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    #[error("this must run as a superuser or a member of hedgerow_owner (connected as {0:?})")]
    NotOwner(String),
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
}

/// Switches an operator's connection to hedgerow_owner, which owns everything hedgerow
/// creates and is the only role its maintenance policies admit.
pub async fn become_owner(client: &tokio_postgres::Client) -> Result<(), OwnerError> {
    let row = client
        .query_one(
            "SELECT pg_has_role(current_user, 'hedgerow_owner', 'MEMBER'), current_user::text",
            &[],
        )
        .await?;
    if !row.get::<_, bool>(0) {
        return Err(OwnerError::NotOwner(row.get(1)));
    }
    client.batch_execute("SET ROLE hedgerow_owner").await?;
    Ok(())
}
