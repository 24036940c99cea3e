//! Loads the routes declared in SQL (api.routes) into the server's route table, and loads
//! them again whenever a migration changes them: `hedgerow migrate` ends with NOTIFY
//! hedgerow_routes, which a dedicated connection listens for (as PostgREST reloads its schema
//! cache). After a lost connection the routes are loaded again, since a notification may have
//! been missed meanwhile. Behind a pooler in transaction mode, where LISTEN cannot work, a
//! fingerprint of the same rows is polled instead.

use std::{sync::Arc, time::Duration};

use arc_swap::ArcSwap;
use deadpool_postgres::Pool;
use hyper::{Method, StatusCode};
use serde_json::Value;
use tokio_postgres::AsyncMessage;

use super::{PgTarget, pooler::Pooler};
use crate::http::{
    openapi,
    routes::{Auth, Route, RouteTable},
    validate::RouteSchemas,
};

const CHANNEL: &str = "hedgerow_routes";

/// The routes and what the server needs to know of each route's function, in a stable order.
const ROUTES_SQL: &str = "SELECT r.method, r.path, format('%I.%I', n.nspname, p.proname), r.operation_id, \
        r.summary, r.status, r.auth, r.params, r.query, r.body, r.response, r.paged, r.logs_access, \
        r.html, r.share_token, r.etag, r.kind, p.provolatile = 'v', r.other_statuses \
   FROM api.routes r JOIN pg_proc p ON p.oid = r.function \
   JOIN pg_namespace n ON n.oid = p.pronamespace \
  ORDER BY r.path, r.method";

/// How a running server learns that a migration changed the routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadOn {
    /// NOTIFY hedgerow_routes, on a connection of its own.
    Notification,
    /// A change of the routes' fingerprint, checked this often.
    Poll(std::time::Duration),
}

impl ReloadOn {
    /// LISTEN where the connection is the server's own; polling through a transaction-mode pooler.
    pub fn for_pooler(pooler: Pooler, poll_every: std::time::Duration) -> Self {
        match pooler {
            Pooler::None => ReloadOn::Notification,
            Pooler::Transaction => ReloadOn::Poll(poll_every),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the routes: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("cannot read the routes: {}", super::describe(.0))]
    Database(#[from] tokio_postgres::Error),
    #[error("route {method} {path} is declared wrongly: {reason}")]
    Invalid {
        method: String,
        path: String,
        reason: String,
    },
    #[error("the database declares no routes: run `hedgerow migrate` first")]
    Empty,
}

/// The routes of a server starting now, kept current from then on: loaded when the database
/// answers (an error if it answers without any: it is not migrated), else none until it does.
pub async fn start(
    pool: &Pool,
    target: PgTarget,
    reload_on: ReloadOn,
) -> Result<SharedRoutes, LoadError> {
    let table = match load(pool).await {
        Ok(table) => table,
        Err(LoadError::Pool(e)) => {
            tracing::warn!(error = %e, "no routes until the database answers");
            RouteTable::default()
        }
        Err(e) => return Err(e),
    };
    let routes = Arc::new(ArcSwap::from_pointee(table));
    match reload_on {
        ReloadOn::Notification => listen_for_changes(target, pool.clone(), routes.clone()),
        ReloadOn::Poll(every) => poll_for_changes(every, pool.clone(), routes.clone()),
    }
    Ok(routes)
}

/// The routes as the database declares them now.
pub async fn load(pool: &Pool) -> Result<RouteTable, LoadError> {
    let client = pool.get().await?;
    // Unnamed: nothing outlives the statement, whatever pooler is in between.
    let rows = client.query_typed(ROUTES_SQL, &[]).await?;
    if rows.is_empty() {
        return Err(LoadError::Empty);
    }
    let mut routes = Vec::with_capacity(rows.len());
    for row in rows {
        let method: String = row.get(0);
        let path: String = row.get(1);
        let invalid = |reason: String| LoadError::Invalid {
            method: method.clone(),
            path: path.clone(),
            reason,
        };
        let object = |value: Value| match value {
            Value::Object(fields) => Ok(fields),
            _ => Err(invalid("params and query must be JSON objects".into())),
        };
        let schemas = RouteSchemas::compile(
            object(row.get::<_, Value>(7))?,
            object(row.get::<_, Value>(8))?,
            row.get::<_, Option<Value>>(9),
            row.get::<_, Value>(10),
        )
        .map_err(|e| invalid(format!("its schema is invalid: {e}")))?;
        routes.push(Route {
            method: Method::from_bytes(method.as_bytes()).map_err(|e| invalid(e.to_string()))?,
            pattern: path.clone(),
            function: row.get(2),
            operation_id: row.get(3),
            summary: row.get(4),
            status: StatusCode::from_u16(row.get::<_, i32>(5) as u16)
                .map_err(|e| invalid(e.to_string()))?,
            other_statuses: row
                .get::<_, Vec<i32>>(18)
                .into_iter()
                .map(|status| StatusCode::from_u16(status as u16))
                .collect::<Result<_, _>>()
                .map_err(|e| invalid(e.to_string()))?,
            auth: match row.get::<_, &str>(6) {
                "user" => Auth::User,
                _ => Auth::Optional,
            },
            paged: row.get(11),
            logs_access: row.get(12),
            html: row.get(13),
            share_token: row.get(14),
            etag: row.get(15),
            kind: row.get(16),
            writes: row.get(17),
            schemas,
        });
    }
    let mut table = RouteTable {
        routes,
        openapi: Default::default(),
    };
    table.openapi = openapi::document(&table).to_string().into();
    Ok(table)
}

/// The route table in use: swapped whole when the routes change, read by every request.
pub type SharedRoutes = Arc<ArcSwap<RouteTable>>;

/// Keeps `routes` current for as long as the server runs: listens for hedgerow_routes on a
/// connection of its own (reconnecting after a failure) and reloads on each notification.
fn listen_for_changes(target: PgTarget, pool: Pool, routes: SharedRoutes) {
    tokio::spawn(async move {
        let mut wait = Duration::from_millis(200);
        loop {
            match listen(&target).await {
                Ok(mut notifications) => {
                    wait = Duration::from_millis(200);
                    reload(&pool, &routes).await;
                    while notifications.recv().await.is_some() {
                        reload(&pool, &routes).await;
                    }
                    tracing::warn!("the route notification connection ended; reconnecting");
                }
                Err(e) => {
                    tracing::warn!(error = %super::describe(&e), "cannot listen for route changes");
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
    });
}

/// Keeps `routes` current for as long as the server runs: every `every`, compares a fingerprint
/// of the rows `load` reads with the last one, and reloads when it changed.
fn poll_for_changes(every: Duration, pool: Pool, routes: SharedRoutes) {
    tokio::spawn(async move {
        let mut loaded: Option<String> = None;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match fingerprint(&pool).await {
                Ok(now) if loaded.as_ref() != Some(&now) => {
                    if reload(&pool, &routes).await {
                        loaded = Some(now);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot check the routes for changes"),
            }
        }
    });
}

/// A digest of everything `load` reads: it changes exactly when the route table would.
async fn fingerprint(pool: &Pool) -> Result<String, LoadError> {
    let client = pool.get().await?;
    let sql = format!(
        "SELECT coalesce(md5(string_agg(routes::text, E'\\n' ORDER BY routes::text)), '') \
           FROM ({ROUTES_SQL}) routes"
    );
    Ok(client.query_typed_one(&sql, &[]).await?.get(0))
}

/// Loads the routes into `routes`; false (the previous routes kept) when that fails.
async fn reload(pool: &Pool, routes: &SharedRoutes) -> bool {
    match load(pool).await {
        Ok(table) => {
            tracing::info!(routes = table.routes.len(), "routes loaded");
            routes.store(Arc::new(table));
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "keeping the previous routes");
            false
        }
    }
}

/// A connection listening on hedgerow_routes: `notifications` yields once per notification
/// and ends with the connection.
struct Listener {
    /// Keeps the connection open.
    _client: tokio_postgres::Client,
    notifications: tokio::sync::mpsc::UnboundedReceiver<()>,
}

impl Listener {
    async fn recv(&mut self) -> Option<()> {
        self.notifications.recv().await
    }
}

async fn listen(target: &PgTarget) -> Result<Listener, tokio_postgres::Error> {
    let (client, mut connection) = target.config.connect(target.connector()).await?;
    let (sender, notifications) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(n)) if n.channel() == CHANNEL => {
                    if sender.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    Ok(Listener {
        _client: client,
        notifications,
    })
}
