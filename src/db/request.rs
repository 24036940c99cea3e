//! The request protocol of DESIGN §4: one transaction per request, as the caller's role with
//! the caller's claims, around one `api.*` function call.
//!
//! All four statements are prepared once per connection and sent together, so a request costs
//! one network round trip: BEGIN, the settings, the function, COMMIT. When the function raises,
//! PostgreSQL turns the COMMIT into a ROLLBACK.

use std::sync::Arc;

use deadpool_postgres::{Object, Pool, PoolError, TimeoutType};
use tokio_postgres::{Statement, types::ToSql};

use super::ConnectError;

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
    /// The function's argument: path, query and body fields as one JSON object.
    pub args: String,
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
    context: RequestContext,
    call: FunctionCall,
) -> Result<FunctionOutput, RequestError> {
    let pool = pool.clone();
    tokio::spawn(async move { run(&pool, &context, &call).await })
        .await
        .expect("request transaction task panicked")
}

async fn run(
    pool: &Pool,
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
    let (begin, set_context, function, commit) = tokio::try_join!(
        client.prepare_cached(begin_sql),
        client.prepare_cached(SET_CONTEXT),
        client.prepare_cached(&function_sql),
        client.prepare_cached("COMMIT"),
    )?;
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
    let (began, set, row, committed) = tokio::join!(
        client.execute(&begin, &[]),
        client.execute(&set_context, &settings),
        client.query_one(&function, &args),
        client.execute(&commit, &[]),
    );
    if committed.is_err() {
        // The transaction's end is unknown: this connection must not serve anyone else.
        let _ = Object::take(client);
    }
    began?;
    set?;
    let row = row?;
    committed?;
    let setting = |n: usize| row.get::<_, Option<String>>(n).filter(|s| !s.is_empty());
    Ok(FunctionOutput {
        body: row.get(0),
        status: setting(1).and_then(|s| s.parse().ok()),
        etag: setting(2),
        location: setting(3),
    })
}

/// Whether the database answers at all (for `/ready`).
pub async fn ping(pool: &Pool) -> Result<(), RequestError> {
    let client = pool.get().await?;
    let statement: Statement = client.prepare_cached("SELECT 1").await?;
    client.query_one(&statement, &[]).await?;
    Ok(())
}
