//! `hedgerow serve`.

use std::sync::Arc;

use tokio::net::TcpListener;

use super::CliResult;
use crate::auth::JwtConfig;
use crate::config::Config;
use crate::db::{embedded::Embedded, pool};
use crate::http::{server, service::App};

pub async fn run() -> CliResult {
    let config = Config::from_env()?;
    super::init_logging(config.log_json);
    let embedded = match config.database_url {
        Some(_) => None,
        None => {
            tracing::info!(data_dir = %config.data_dir.display(), "starting the embedded PostgreSQL");
            Some(Embedded::start(&config.data_dir, &config.migrate_options()).await?)
        }
    };
    let database_url = match (&config.database_url, &embedded) {
        (Some(url), _) => url.clone(),
        (None, Some(embedded)) => embedded.authenticator_url(),
        (None, None) => unreachable!("embedded mode always has a cluster"),
    };
    let jwt =
        match (config.jwt.clone(), &embedded) {
            (Some(jwt), _) => jwt,
            (None, Some(embedded)) => JwtConfig::hs256(embedded.secrets.jwt_secret.as_bytes())?,
            (None, None) => return Err(
                "with DATABASE_URL set, HEDGEROW_JWT_SECRET or HEDGEROW_JWT_PUBLIC_KEY is required"
                    .into(),
            ),
        };
    let pg_config = database_url
        .parse::<tokio_postgres::Config>()
        .map_err(|e| format!("DATABASE_URL is not a valid PostgreSQL connection string: {e}"))?;
    let pg_config_for_listen = pg_config.clone();
    let pool = pool::create(pg_config, config.pool_size, config.pool_timeout)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let routes = std::sync::Arc::new(arc_swap::ArcSwap::from_pointee(
        crate::db::routes::load(&pool).await?,
    ));
    crate::db::routes::keep_current(pg_config_for_listen, pool.clone(), routes.clone());
    let app = App::new(pool.clone(), jwt.verifier(), &config, routes);
    tracing::info!(address = %listener.local_addr()?, "hedgerow is serving");
    if let Some(embedded) = &embedded {
        eprintln!(
            "hedgerow is serving http://{} on an embedded PostgreSQL (data in {}).\n\
             Mint a token:  hedgerow token --sub $(cat /proc/sys/kernel/random/uuid)\n\
             Then:          curl -H \"Authorization: Bearer $TOKEN\" http://{}/api/auth/profile",
            config.listen,
            embedded.data_dir.display(),
            config.listen
        );
    }
    server::serve(listener, Arc::new(app), server::shutdown_signal()).await;
    pool.close();
    if let Some(mut embedded) = embedded {
        tracing::info!("stopping the embedded PostgreSQL");
        embedded.cluster.stop();
    }
    Ok(())
}
