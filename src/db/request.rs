//! The request protocol of DESIGN §4: one transaction per request, as the caller's role with
//! the caller's claims, around one `api.*` function call.
//!
//! The four statements (BEGIN, the settings, the function, COMMIT) are sent together, so a
//! request costs one network round trip. They are prepared once per connection, or — behind a
//! pooler in transaction mode — sent unnamed, parsed with their parameters in one message. When
//! the function raises, PostgreSQL turns the COMMIT into a ROLLBACK.

use std::sync::Arc;

use deadpool_postgres::{Object, Pool, PoolError, TimeoutType};
use tokio_postgres::{
    Row,
    error::SqlState,
    types::{ToSql, Type},
};

use super::{ConnectError, pooler::Pooler};

/// Sets the transaction-local context that policies and functions read — only what some
/// function or policy reads — server settings included: per transaction, so no session
/// state is needed (poolers that share server connections between clients cannot mix them
/// up). JIT is off: on million-row tables the estimated costs pass jit_above_cost and
/// compiling took 1.4 s of a 0.7 ms feed page. Plans are generic: each statement of the API's
/// functions is planned once per connection instead of for every call's values (planning
/// was most of a feed page's time); a function whose plan must follow its values says so
/// with its own plan_cache_mode.
const SET_CONTEXT: &str = "SELECT set_config('role', $1, true), \
     set_config('request.user_id', $2, true), set_config('request.ip', $3, true), \
     set_config('request.share_token', $4, true), set_config('statement_timeout', $5, true), \
     set_config('hedgerow.public_url', $6, true), set_config('hedgerow.signup_url', $7, true), \
     set_config('hedgerow.truncate_ips', $8, true), set_config('jit', 'off', true), \
     set_config('plan_cache_mode', 'force_generic_plan', true)";

/// What the transaction knows about the request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub role: &'static str,
    /// The caller's user id (hedgerow.current_user_id()), empty for anonymous callers.
    pub user_id: String,
    pub ip: String,
    /// The share token the request carries, empty when none.
    pub share_token: String,
    pub server: Arc<ServerSettings>,
}

/// Server configuration SQL functions read (as `hedgerow.*` settings).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub statement_timeout_ms: u64,
    pub public_url: String,
    pub signup_url: String,
    /// "on" or "off".
    pub truncate_ips: &'static str,
}

/// One call of `api.<function>(args)`.
#[derive(Debug, Clone)]
pub struct FunctionCall {
    /// The function's qualified name, `api.<name>`.
    pub function: String,
    /// Runs in a READ ONLY transaction.
    pub read_only: bool,
    /// Which database may run it.
    pub routing: Routing,
    /// The function's argument: path, query and body fields as one JSON object.
    pub args: String,
}

/// Which database may run a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// A GET whose function does not write (not VOLATILE): a read replica that is current
    /// enough may serve it.
    Replica,
    /// A read that must see the primary: it logs the access, or its function is VOLATILE.
    Primary,
    /// A change: on the primary, and the caller's own reads follow it there for a while.
    Write,
}

/// The function's response: the body, and what it asked the server to say beside it.
#[derive(Debug)]
pub struct FunctionOutput {
    pub body: String,
    /// A status other than the route's (`response.status`).
    pub status: Option<u16>,
    /// The resource's ETag (`response.etag`).
    pub etag: Option<String>,
    /// Where a created resource lives (`response.location`).
    pub location: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no database connection: {}", describe_pool(.0))]
    Pool(#[from] PoolError),
    #[error("{}", super::describe(.0))]
    Database(#[from] tokio_postgres::Error),
}

/// Why the pool gave no connection: the connection failure's cause, not deadpool's "db error".
fn describe_pool(error: &PoolError) -> String {
    match error {
        PoolError::Backend(e) => ConnectError::new(e).to_string(),
        PoolError::Timeout(TimeoutType::Wait) => {
            "every connection is busy (HEDGEROW_POOL_SIZE) and none came free in time".into()
        }
        PoolError::Timeout(TimeoutType::Create) => {
            "timed out: connecting took longer than HEDGEROW_POOL_TIMEOUT".into()
        }
        other => other.to_string(),
    }
}

/// Runs one request's transaction. It is spawned as its own task, so a client that hangs up
/// mid-request cannot leave a connection half-way through a transaction.
pub async fn call(
    pool: &Pool,
    pooler: Pooler,
    context: RequestContext,
    call: FunctionCall,
) -> Result<FunctionOutput, RequestError> {
    let pool = pool.clone();
    let result = tokio::spawn(async move { run(&pool, pooler, &context, &call).await })
        .await
        .expect("request transaction task panicked");
    if pooler.named_statements()
        && let Err(RequestError::Database(e)) = &result
        && e.code().is_some_and(|code| {
            [
                SqlState::INVALID_SQL_STATEMENT_NAME,
                SqlState::DUPLICATE_PSTATEMENT,
            ]
            .contains(code)
        })
    {
        tracing::error!(
            "a prepared statement went missing or collided with another: is DATABASE_URL a \
             pooler in transaction mode? Then set HEDGEROW_DATABASE_POOLER=transaction"
        );
    }
    result
}

async fn run(
    pool: &Pool,
    pooler: Pooler,
    context: &RequestContext,
    call: &FunctionCall,
) -> Result<FunctionOutput, RequestError> {
    let client = pool.get().await?;
    let function_sql = format!(
        "WITH r AS MATERIALIZED (SELECT {}($1::text::jsonb)::text AS body) \
         SELECT body, current_setting('response.status', true), current_setting('response.etag', true), \
                current_setting('response.location', true) FROM r",
        call.function
    );
    let begin_sql = if call.read_only {
        "BEGIN READ ONLY"
    } else {
        "BEGIN"
    };
    let timeout = context.server.statement_timeout_ms.to_string();
    let settings: [&(dyn ToSql + Sync); 8] = [
        &context.role,
        &context.user_id,
        &context.ip,
        &context.share_token,
        &timeout,
        &context.server.public_url,
        &context.server.signup_url,
        &context.server.truncate_ips,
    ];
    let args: [&(dyn ToSql + Sync); 1] = [&call.args];
    // Each future sends its statement when first polled, so they leave in this order.
    let (began, set, row, committed) = if pooler.named_statements() {
        let (begin, set_context, function, commit) = tokio::try_join!(
            client.prepare_cached(begin_sql),
            client.prepare_cached(SET_CONTEXT),
            client.prepare_cached(&function_sql),
            client.prepare_cached("COMMIT"),
        )?;
        tokio::join!(
            client.query(&begin, &[]),
            client.query(&set_context, &settings),
            client.query_one(&function, &args),
            client.query(&commit, &[]),
        )
    } else {
        let (settings, args) = (as_text(&settings), as_text(&args));
        tokio::join!(
            client.query_typed(begin_sql, &[]),
            client.query_typed(SET_CONTEXT, &settings),
            client.query_typed_one(&function_sql, &args),
            client.query_typed("COMMIT", &[]),
        )
    };
    if committed.is_err() {
        // The transaction's end is unknown: this connection must not serve anyone else.
        let _ = Object::take(client);
    }
    began?;
    set?;
    let row: Row = row?;
    committed?;
    let setting = |n: usize| row.get::<_, Option<String>>(n).filter(|s| !s.is_empty());
    Ok(FunctionOutput {
        body: row.get(0),
        status: setting(1).and_then(|s| s.parse().ok()),
        etag: setting(2),
        location: setting(3),
    })
}

/// Parameters declared as text, as an unnamed statement needs them (every parameter of a
/// request is text).
fn as_text<'a>(params: &[&'a (dyn ToSql + Sync)]) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    params.iter().map(|&param| (param, Type::TEXT)).collect()
}

/// Whether the database answers at all (for `/ready`).
pub async fn ping(pool: &Pool) -> Result<(), RequestError> {
    let client = pool.get().await?;
    // A simple query: no statement name to outlive it behind a transaction-mode pooler.
    client.simple_query("SELECT 1").await?;
    Ok(())
}
