//! `hedgerow serve`.

use std::sync::Arc;

use tokio::net::TcpListener;

use super::CliResult;
use crate::auth::JwtConfig;
use crate::config::Config;
use crate::db::{ConnectError, PgTarget, embedded::Embedded, pool};
use crate::http::{demo::DemoSignIn, server, service::App};

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
    let jwt = match (config.jwt.clone(), &embedded) {
        (Some(jwt), _) => jwt,
        (None, Some(embedded)) => config
            .jwt_rules
            .apply(JwtConfig::hs256(embedded.secrets.jwt_secret.as_bytes())?),
        (None, None) => {
            return Err(
                "with DATABASE_URL set, tokens need keys: HEDGEROW_JWT_SECRET, \
                        HEDGEROW_JWT_PUBLIC_KEY, HEDGEROW_JWT_JWKS_URL or HEDGEROW_JWT_JWKS_FILE"
                    .into(),
            );
        }
    };
    let demo = DemoSignIn::allowed(&config).then(|| DemoSignIn::new(jwt.clone()));
    let verifier = jwt.verifier();
    verifier
        .load_keys()
        .await
        .map_err(|e| format!("cannot load the identity provider's keys: {e}"))?;
    let target = PgTarget::parse(&database_url).map_err(|e| format!("DATABASE_URL: {e}"))?;
    let pool = pool::create(target.clone(), config.pool_size, config.pool_timeout)?;
    check_database(&pool, &target).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let routes = crate::db::routes::start(&pool, target).await?;
    let mut app = App::new(pool.clone(), verifier, &config, routes);
    if let Some(demo) = demo {
        app = app.with_demo_sign_in(demo);
    }
    tracing::info!(address = %listener.local_addr()?, "hedgerow is serving");
    if let Some(embedded) = &embedded {
        eprintln!(
            "hedgerow is serving http://{} on an embedded PostgreSQL (data in {}).\n\
             Mint a token:  hedgerow token --sub $(cat /proc/sys/kernel/random/uuid)\n\
             Then:          curl -H \"Authorization: Bearer $TOKEN\" http://{}/api/auth/profile\n\
             Or try the demo app in a browser: http://{}/app/",
            config.listen,
            embedded.data_dir.display(),
            config.listen,
            config.listen
        );
    }
    server::serve(listener, Arc::new(app), server::shutdown_signal()).await;
    pool.close();
    if let Some(embedded) = embedded {
        tracing::info!("stopping the embedded PostgreSQL");
        embedded.cluster.stop();
    }
    Ok(())
}

/// Tries one connection before serving: a setting that can never work (wrong password, no such
/// database, TLS refused) stops hedgerow with the reason; a server that is only away (refused,
/// timed out) is logged and waited for, with `/ready` saying why meanwhile.
async fn check_database(pool: &deadpool_postgres::Pool, target: &PgTarget) -> CliResult {
    let error = match pool.get().await {
        Ok(_) => return Ok(()),
        Err(deadpool_postgres::PoolError::Backend(e)) => ConnectError::new(&e).at(target),
        Err(e) => {
            tracing::warn!(error = %e, "the database is not reachable yet; /ready says why until it is");
            return Ok(());
        }
    };
    if error.cause.is_permanent() {
        return Err(format!("DATABASE_URL: {error}").into());
    }
    tracing::warn!(error = %error, "the database is not reachable yet; /ready says why until it is");
    Ok(())
}
