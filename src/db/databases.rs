//! Where each request's transaction runs: on the primary (DATABASE_URL), or on the read replica
//! (HEDGEROW_READ_DATABASE_URL) when the route only reads, the replica is current enough, and
//! the caller has not just written.

use deadpool_postgres::Pool;

use super::{
    PgTarget,
    pool::{self, PoolSetupError},
    pooler::Pooler,
    replica::ReadReplica,
    request::{self, FunctionCall, FunctionOutput, RequestContext, RequestError, Routing},
};
use crate::config::Config;

pub struct Databases {
    primary: Pool,
    pooler: Pooler,
    replica: Option<ReadReplica>,
}

impl Databases {
    /// The pools `config` asks for: the primary's at `primary`, and the replica's at `replica`
    /// (whose lag checks start now).
    pub fn open(
        config: &Config,
        primary: PgTarget,
        replica: Option<PgTarget>,
    ) -> Result<Self, PoolSetupError> {
        let open_pool =
            |target: PgTarget| pool::create(target, config.pool_size, config.pool_timeout);
        let replica = match replica {
            Some(target) => Some(ReadReplica::start(
                primary.clone(),
                target.clone(),
                open_pool(target)?,
                config.read_max_lag,
                config.pool_timeout,
            )),
            None => None,
        };
        Ok(Databases {
            primary: open_pool(primary)?,
            pooler: config.pooler,
            replica,
        })
    }

    /// The primary's pool.
    pub fn primary(&self) -> &Pool {
        &self.primary
    }

    /// Runs one request's transaction where its routing allows.
    pub async fn call(
        &self,
        context: RequestContext,
        call: FunctionCall,
    ) -> Result<FunctionOutput, RequestError> {
        let Some(replica) = &self.replica else {
            return request::call(&self.primary, self.pooler, context, call).await;
        };
        let routing = call.routing;
        if routing == Routing::Replica
            && replica.may_serve(&context.user_id)
            && let Some(served) = replica
                .serve(self.pooler, context.clone(), call.clone())
                .await
        {
            return served;
        }
        let user = context.user_id.clone();
        let result = request::call(&self.primary, self.pooler, context, call).await;
        if routing == Routing::Write && result.is_ok() {
            replica.wrote(&user);
        }
        result
    }

    /// Whether the primary answers; Ok carries the replica's state when there is one.
    pub async fn ready(&self) -> Result<Option<String>, RequestError> {
        request::ping(&self.primary).await?;
        Ok(self.replica.as_ref().map(ReadReplica::status))
    }

    pub fn close(&self) {
        self.primary.close();
        if let Some(replica) = &self.replica {
            replica.close();
        }
    }
}
