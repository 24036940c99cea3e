//! Everything that talks to PostgreSQL: the pool, the per-request transaction, migrations,
//! and the local cluster used by the embedded default and the tests.

pub mod cluster;
pub mod embedded;
pub mod migrate;
pub mod pool;
pub mod request;

/// Opens one connection and drives it in the background (for admin work, not requests).
pub async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}
