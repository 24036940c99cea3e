//! `hedgerow serve`.

use std::{sync::Arc, time::Duration};

use tokio::net::TcpListener;

use super::CliResult;
use crate::auth::JwtConfig;
use crate::config::Config;
use crate::db::{PgTarget, databases::Databases, embedded::Embedded, routes::ReloadOn};
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
    let replica = match &config.read_database_url {
        Some(url) => {
            Some(PgTarget::parse(url).map_err(|e| format!("HEDGEROW_READ_DATABASE_URL: {e}"))?)
        }
        None => None,
    };
    check_database("DATABASE_URL", &target, config.pool_timeout).await?;
    if let Some(replica) = &replica {
        check_database("HEDGEROW_READ_DATABASE_URL", replica, config.pool_timeout).await?;
    }
    let databases = Databases::open(&config, target.clone(), replica)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let reload_on = ReloadOn::for_pooler(config.pooler, config.routes_poll);
    let routes = crate::db::routes::start(databases.primary(), target, reload_on).await?;
    let mut app = App::new(databases, verifier, &config, routes);
    if let Some(demo) = demo {
        app = app.with_demo_sign_in(demo);
    }
    let app = Arc::new(app);
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
    server::serve(listener, app.clone(), server::shutdown_signal()).await;
    app.close_databases();
    if let Some(embedded) = embedded {
        tracing::info!("stopping the embedded PostgreSQL");
        embedded.cluster.stop();
    }
    Ok(())
}

/// Tries one connection to `target` (the setting `name`) before serving: a setting that can
/// never work (wrong password, no such database, TLS refused) stops hedgerow with the reason; a
/// server that is only away (refused, timed out) is logged and waited for, with `/ready` saying
/// why meanwhile.
async fn check_database(name: &str, target: &PgTarget, timeout: Duration) -> CliResult {
    let error = match tokio::time::timeout(timeout, target.connect()).await {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(error)) if error.cause.is_permanent() => {
            return Err(format!("{name}: {error}").into());
        }
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("{} did not answer within {timeout:?}", target.describe()),
    };
    tracing::warn!(setting = name, error = %error, "the database is not reachable yet; /ready says why until it is");
    Ok(())
}
