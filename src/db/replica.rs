//! A read replica: its pool, what the lag checks found (replica_lag.rs), and serving a read
//! there only while it is current enough — or handing the read back to the primary when the
//! replica fails in a way the primary would not.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::watch;

use super::{
    PgTarget,
    pooler::Pooler,
    recent_writers::RecentWriters,
    replica_lag::{self, ReplicaState},
    request::{self, FunctionCall, FunctionOutput, RequestContext, RequestError},
};

pub struct ReadReplica {
    pool: Pool,
    max_lag: Duration,
    state: watch::Sender<ReplicaState>,
    recent_writers: RecentWriters,
}

impl ReadReplica {
    /// A replica served by `pool` (connections to `replica`), checked against `primary` from
    /// now on; reads go to the primary until the first check finds it current.
    pub fn start(
        primary: PgTarget,
        replica: PgTarget,
        pool: Pool,
        max_lag: Duration,
        check_timeout: Duration,
    ) -> Self {
        let (state, _) = watch::channel(ReplicaState::Unchecked);
        replica_lag::watch(primary, replica, max_lag, check_timeout, state.clone());
        ReadReplica {
            pool,
            max_lag,
            state,
            recent_writers: RecentWriters::new(max_lag),
        }
    }

    /// Whether a read by `user` (empty: anonymous) may go to the replica now: it has replayed
    /// everything committed more than the maximum lag ago, and the user has not written since.
    pub fn may_serve(&self, user: &str) -> bool {
        self.is_current() && !self.recent_writers.wrote_lately(user)
    }

    fn is_current(&self) -> bool {
        matches!(*self.state.borrow(), ReplicaState::CurrentAsOf(as_of) if as_of.elapsed() <= self.max_lag)
    }

    /// Notes that `user` changed something on the primary: their reads follow it there.
    pub fn wrote(&self, user: &str) {
        self.recent_writers.wrote(user);
    }

    /// Runs `call` on the replica. None when the replica failed where the primary would not —
    /// it went away (also while the read was waiting on it), a recovery conflict cancelled the
    /// read, it has not replayed a migration yet — so the caller runs it on the primary.
    pub async fn serve(
        &self,
        pooler: Pooler,
        context: RequestContext,
        call: FunctionCall,
    ) -> Option<Result<FunctionOutput, RequestError>> {
        let mut state = self.state.subscribe();
        let away = async move {
            let _ = state
                .wait_for(|state| matches!(state, ReplicaState::Away(_)))
                .await;
        };
        let result = tokio::select! {
            result = request::call(&self.pool, pooler, context, call) => result,
            () = away => {
                tracing::warn!("the read replica went away during a read: serving it from the primary");
                return None;
            }
        };
        match result.as_ref().err().map(trouble) {
            None | Some(Trouble::None) => Some(result),
            Some(trouble) => {
                let cause = result.err().map(|e| e.to_string()).unwrap_or_default();
                tracing::warn!(cause = %cause, "a read failed on the replica: serving it from the primary");
                if trouble == Trouble::Away {
                    self.state
                        .send_replace(ReplicaState::Away(format!("a read failed: {cause}")));
                }
                None
            }
        }
    }

    pub fn close(&self) {
        self.pool.close();
    }

    /// The replica's state in a few words, for `/ready`.
    pub fn status(&self) -> String {
        if self.is_current() {
            return "in use".into();
        }
        match &*self.state.borrow() {
            ReplicaState::Unchecked => "not checked yet: reads go to the primary".into(),
            ReplicaState::CurrentAsOf(_) | ReplicaState::Behind => format!(
                "more than {:?} behind (HEDGEROW_READ_MAX_LAG): reads go to the primary",
                self.max_lag
            ),
            ReplicaState::Away(reason) => format!("unusable ({reason}): reads go to the primary"),
        }
    }
}

/// How a read failed on the replica.
#[derive(Debug, PartialEq, Eq)]
enum Trouble {
    /// As it would have on the primary (not found, invalid input, a statement timeout…).
    None,
    /// The replica could not serve this read; the next one may do better.
    ThisRead,
    /// No connection, or it broke: nothing more goes there until a check finds it back.
    Away,
}

fn trouble(error: &RequestError) -> Trouble {
    let database = match error {
        RequestError::Pool(_) => return Trouble::Away,
        RequestError::Database(e) => e,
    };
    let Some(db) = database.as_db_error() else {
        return Trouble::Away;
    };
    match db.code().code() {
        // Shut down, crashed, starting up, database dropped; connection failures.
        code if code.starts_with("57P") || code.starts_with("08") => Trouble::Away,
        // Recovery conflicts (the standby cancels reads that would hold up replay).
        "40001" | "40P01" => Trouble::ThisRead,
        // A migration the primary has and the replica has not replayed yet.
        "42883" | "42P01" | "3F000" => Trouble::ThisRead,
        // Its connections are all taken.
        "53300" => Trouble::ThisRead,
        _ => Trouble::None,
    }
}
