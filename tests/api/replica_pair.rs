//! A real streaming replica on loopback: a throwaway primary cluster, migrated like the shared
//! test server, and a hot standby cloned from it with `pg_basebackup -R`, both run from the
//! PostgreSQL server binaries. Shared by the tests of read_replica.rs one at a time (they pause
//! its replay); both clusters are stopped and their directory removed when the tests end.

use std::{
    str::FromStr,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use hedgerow::{
    db::cluster::{ClusterOptions, LocalCluster},
    secret::random_hex,
};
use tokio::sync::{Mutex, MutexGuard};

use crate::helpers::{
    AUTHENTICATOR_PASSWORD, TestServer, at_exit, connect_config, migrated_server, run_directory,
    throwaway_cluster,
};

pub struct ReplicaPair {
    /// The primary, with this run's migrated templates.
    pub primary: TestServer,
    replica: Arc<LocalCluster>,
    replica_admin: tokio_postgres::Config,
}

/// The pair, for one test at a time, with replay running.
pub async fn replica_pair() -> (MutexGuard<'static, ()>, &'static ReplicaPair) {
    static TURN: Mutex<()> = Mutex::const_new(());
    static PAIR: OnceLock<ReplicaPair> = OnceLock::new();
    let turn = TURN.lock().await;
    let pair = PAIR.get_or_init(|| {
        // Set-up is async, and tests already run inside a runtime: use a thread of its own.
        std::thread::spawn(|| {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(ReplicaPair::start())
        })
        .join()
        .expect("starting the primary and its replica")
    });
    // An earlier test may have failed while replay was paused.
    pair.replica_admin("postgres")
        .await
        .batch_execute("SELECT pg_wal_replay_resume()")
        .await
        .unwrap();
    (turn, pair)
}

impl ReplicaPair {
    async fn start() -> Self {
        let dir = run_directory("hedgerow-replica");
        // Removed last, after both clusters (exit clean-ups run newest first).
        let removed = dir.clone();
        at_exit(move || {
            let _ = std::fs::remove_dir_all(&removed);
        });
        let options = ClusterOptions {
            admin_password: random_hex(16),
            preferred_port: None,
            durable: false,
            tls: None,
        };
        let primary = throwaway_cluster(dir.join("primary"), &options);
        let admin = tokio_postgres::Config::from_str(&primary.admin_url("postgres")).unwrap();
        let server = migrated_server(admin, Some(primary.clone())).await;
        primary
            .clone_as_standby(&dir.join("replica"))
            .expect("cloning the primary as a standby");
        // Stopped before the primary (exit clean-ups run newest first).
        let replica = throwaway_cluster(dir.join("replica"), &options);
        let replica_admin =
            tokio_postgres::Config::from_str(&replica.admin_url("postgres")).unwrap();
        ReplicaPair {
            primary: server,
            replica,
            replica_admin,
        }
    }

    pub fn replica_port(&self) -> u16 {
        self.replica.port()
    }

    /// The authenticator's connection string for `database` on the replica, through `port`
    /// (the replica's own, or a proxy's in front of it).
    pub fn replica_url(&self, database: &str, port: u16) -> String {
        format!(
            "postgres://hedgerow_authenticator:{AUTHENTICATOR_PASSWORD}@127.0.0.1:{port}/{database}?sslmode=disable"
        )
    }

    /// A superuser's connection to `database` on the replica (read only, as a standby is).
    pub async fn replica_admin(&self, database: &str) -> tokio_postgres::Client {
        let mut config = self.replica_admin.clone();
        config.dbname(database);
        connect_config(&config).await
    }

    /// A new migrated database on the primary, once the replica has it too.
    pub async fn fresh_database(&self) -> String {
        let database = self.primary.fresh_database().await;
        self.wait_until_replayed().await;
        database
    }

    /// Waits until the replica has replayed everything the primary has written so far.
    pub async fn wait_until_replayed(&self) {
        let primary = connect_config(&self.primary.admin_config("postgres")).await;
        let written: String = primary
            .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
            .await
            .unwrap()
            .get(0);
        let replica = self.replica_admin("postgres").await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let replayed: bool = replica
                .query_one(
                    "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
                    &[&written],
                )
                .await
                .unwrap()
                .get(0);
            if replayed {
                return;
            }
            assert!(Instant::now() < deadline, "the replica does not catch up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops replaying the primary's changes (the replica keeps answering, with what it has).
    pub async fn pause_replay(&self) {
        let replica = self.replica_admin("postgres").await;
        replica
            .batch_execute("SELECT pg_wal_replay_pause()")
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let state: String = replica
                .query_one("SELECT pg_get_wal_replay_pause_state()", &[])
                .await
                .unwrap()
                .get(0);
            if state == "paused" {
                return;
            }
            assert!(Instant::now() < deadline, "replay does not pause: {state}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn resume_replay(&self) {
        self.replica_admin("postgres")
            .await
            .batch_execute("SELECT pg_wal_replay_resume()")
            .await
            .unwrap();
    }
}
