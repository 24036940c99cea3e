//! How far behind the read replica is, measured from both ends and never per request.
//!
//! Every check samples the primary's WAL insert position together with the time just before
//! it was read, and reads how far the replica has replayed. A replica that has replayed past a
//! sample's position holds every transaction the primary had committed at that sample's time:
//! it is *current as of* that time. A read may go to the replica while that time is at most
//! the maximum lag ago, so a change committed longer ago than the maximum lag is always seen —
//! however often the checks run, whether or not the primary is busy, and whatever the clocks
//! of the two servers say (only hedgerow's own monotonic clock is used).

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use tokio::sync::watch;
use tokio_postgres::{Client, types::PgLsn};

use super::{ConnectError, PgTarget, describe};

/// What the last check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not checked yet.
    Unchecked,
    /// The replica had replayed everything the primary had committed at this instant.
    CurrentAsOf(Instant),
    /// Answering, but behind every sample of the last maximum lag.
    Behind,
    /// Not answering, unreachable, or not a standby of the primary: why.
    Away(String),
}

/// The primary's WAL insert positions of the last maximum lag, oldest first.
#[derive(Debug)]
pub struct PrimaryPositions {
    samples: VecDeque<(Instant, u64)>,
    keep: Duration,
}

impl PrimaryPositions {
    pub fn new(keep: Duration) -> Self {
        PrimaryPositions {
            samples: VecDeque::new(),
            keep,
        }
    }

    /// Records that at `at`, or later, the primary's insert position was `lsn` (so everything
    /// it had committed at `at` lies below it); forgets samples older than the maximum lag,
    /// which could no longer make the replica usable.
    pub fn record(&mut self, at: Instant, lsn: u64) {
        self.samples.push_back((at, lsn));
        while let Some(&(oldest, _)) = self.samples.front() {
            if at.duration_since(oldest) <= self.keep {
                break;
            }
            self.samples.pop_front();
        }
    }

    /// The latest sample time at which the primary had committed nothing that a replica having
    /// replayed up to `replayed` lacks.
    pub fn current_as_of(&self, replayed: u64) -> Option<Instant> {
        self.samples
            .iter()
            .rev()
            .find(|&&(_, lsn)| lsn <= replayed)
            .map(|&(at, _)| at)
    }
}

/// How often the lag is checked: often enough that a replica a little behind stays usable
/// (a quarter of the maximum lag), never more often than every 10 ms nor less than every second.
pub fn check_interval(max_lag: Duration) -> Duration {
    (max_lag / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// The two connections a check uses, opened on first use and dropped after a failure.
struct Checker {
    primary: PgTarget,
    replica: PgTarget,
    timeout: Duration,
    connections: Option<(Client, Client)>,
    positions: PrimaryPositions,
}

/// Checks the replica every `check_interval(max_lag)` for as long as the server runs and
/// publishes what it finds; a check that takes longer than `timeout` finds the replica away.
pub fn watch(
    primary: PgTarget,
    replica: PgTarget,
    max_lag: Duration,
    timeout: Duration,
    state: watch::Sender<ReplicaState>,
) {
    let mut checker = Checker {
        primary,
        replica,
        timeout,
        connections: None,
        positions: PrimaryPositions::new(max_lag),
    };
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(check_interval(max_lag));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let found = match tokio::time::timeout(timeout, checker.check()).await {
                Ok(Ok(Some(as_of))) => ReplicaState::CurrentAsOf(as_of),
                Ok(Ok(None)) => ReplicaState::Behind,
                Ok(Err(reason)) => ReplicaState::Away(reason),
                Err(_) => ReplicaState::Away(format!("no answer within {timeout:?}")),
            };
            if matches!(found, ReplicaState::Away(_)) {
                checker.connections = None;
            }
            report_change(&state.borrow(), &found, max_lag);
            // A receiver may have marked the replica away meanwhile (a request that failed
            // there); this check is newer news either way.
            state.send_replace(found);
        }
    });
}

impl Checker {
    /// Samples the primary and reads the replica's replay position: how current it is.
    async fn check(&mut self) -> Result<Option<Instant>, String> {
        if self.connections.is_none() {
            let (primary, replica) = tokio::try_join!(
                connect(&self.primary, self.timeout, "the primary"),
                connect(&self.replica, self.timeout, "the replica"),
            )?;
            self.connections = Some((primary, replica));
        }
        let (primary, replica) = self.connections.as_ref().expect("connected above");
        let sampled_at = Instant::now();
        let (inserted, replayed) = tokio::try_join!(
            async {
                primary
                    .query_typed_one("SELECT pg_current_wal_insert_lsn()", &[])
                    .await
                    .map_err(|e| format!("the primary: {}", describe(&e)))
            },
            async {
                replica
                    .query_typed_one("SELECT pg_last_wal_replay_lsn()", &[])
                    .await
                    .map_err(|e| format!("the replica: {}", describe(&e)))
            },
        )?;
        let Some(replayed) = replayed.get::<_, Option<PgLsn>>(0) else {
            return Err("it is not a standby (pg_last_wal_replay_lsn() is null): \
                        HEDGEROW_READ_DATABASE_URL must lead to a streaming replica of DATABASE_URL"
                .into());
        };
        self.positions
            .record(sampled_at, u64::from(inserted.get::<_, PgLsn>(0)));
        Ok(self.positions.current_as_of(u64::from(replayed)))
    }
}

/// A connection of the checker's own, named so that it can be told apart in pg_stat_activity.
/// Its failure says why, not where (it is shown by `/ready`, which anyone may call).
async fn connect(target: &PgTarget, timeout: Duration, which: &str) -> Result<Client, String> {
    let mut config = target.config.clone();
    config
        .application_name("hedgerow replica lag check")
        .connect_timeout(timeout);
    let (client, connection) = config
        .connect(target.connector())
        .await
        .map_err(|e| format!("{which}: {}", ConnectError::new(&e).reason()))?;
    tokio::spawn(connection);
    Ok(client)
}

/// Logs when reads move between the replica and the primary, and why.
fn report_change(before: &ReplicaState, now: &ReplicaState, max_lag: Duration) {
    match (before, now) {
        (ReplicaState::CurrentAsOf(_), ReplicaState::CurrentAsOf(_))
        | (ReplicaState::Behind, ReplicaState::Behind) => {}
        (ReplicaState::Away(was), ReplicaState::Away(is)) if was == is => {}
        (_, ReplicaState::CurrentAsOf(_)) => {
            tracing::info!("the read replica is current: reads that may go there do")
        }
        (_, ReplicaState::Behind) => tracing::warn!(
            max_lag = ?max_lag,
            "the read replica is further behind than HEDGEROW_READ_MAX_LAG: reads go to the primary"
        ),
        (_, ReplicaState::Away(reason)) => tracing::warn!(
            reason = %reason,
            "the read replica cannot be used: reads go to the primary"
        ),
        (_, ReplicaState::Unchecked) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_is_current_as_of_the_latest_sample_it_has_replayed_past() {
        let start = Instant::now();
        let mut positions = PrimaryPositions::new(Duration::from_secs(1));
        for (ms, lsn) in [(0, 100), (250, 200), (500, 300)] {
            positions.record(start + Duration::from_millis(ms), lsn);
        }
        let at = |ms| Some(start + Duration::from_millis(ms));
        assert_eq!(positions.current_as_of(300), at(500));
        assert_eq!(positions.current_as_of(299), at(250));
        assert_eq!(positions.current_as_of(200), at(250));
        assert_eq!(positions.current_as_of(150), at(0));
        assert_eq!(positions.current_as_of(99), None);
    }

    #[test]
    fn samples_older_than_the_maximum_lag_are_forgotten() {
        let start = Instant::now();
        let mut positions = PrimaryPositions::new(Duration::from_secs(1));
        positions.record(start, 100);
        positions.record(start + Duration::from_millis(1500), 200);
        // The replica has replayed the first sample only: too old to count.
        assert_eq!(positions.current_as_of(150), None);
        assert_eq!(
            positions.current_as_of(200),
            Some(start + Duration::from_millis(1500))
        );
    }

    #[test]
    fn checks_run_four_times_per_maximum_lag_within_bounds() {
        assert_eq!(
            check_interval(Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(
            check_interval(Duration::from_millis(20)),
            Duration::from_millis(10)
        );
        assert_eq!(
            check_interval(Duration::from_secs(3600)),
            Duration::from_secs(1)
        );
    }
}
