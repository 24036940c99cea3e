//! Everything that talks to PostgreSQL: the pool, the per-request transaction, migrations,
//! and the local cluster used by the embedded default and the tests.

pub mod analysts;
pub mod check;
pub mod cluster;
pub mod connection;
pub mod embedded;
pub mod migrate;
pub mod pool;
pub mod request;
pub mod retention;
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
