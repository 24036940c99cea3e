//! `hedgerow migrate`: roles, versioned migrations (refinery, sql/migrations), then the
//! repeatable SQL (sql/functions, the kinds of sql/kinds and of the app's kinds directory,
//! policies/, sql/finish.sql) in one transaction — all under one advisory lock, so concurrent
//! migrators queue and the second finds nothing to do.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use tokio_postgres::Client;

mod embedded {
    refinery::embed_migrations!("sql/migrations");
}
mod repeatable {
    include!(concat!(env!("OUT_DIR"), "/repeatable.rs"));
}

/// Where refinery records applied migrations: a schema no API or analyst role can use.
const HISTORY_TABLE: &str = "hedgerow_meta.refinery_schema_history";
/// The advisory lock every migrator takes ("hedgerow" in ASCII).
const LOCK_KEY: i64 = 0x6865_6467_6572_6f77;
pub const ROLES_SQL: &str = include_str!("../../sql/roles.sql");
const DATABASE_SQL: &str = include_str!("../../sql/database.sql");
pub const HARDEN_SQL: &str = include_str!("../../sql/harden.sql");
const REAPPLY_SQL: &str = include_str!("../../sql/reapply.sql");
const FINISH_SQL: &str = include_str!("../../sql/finish.sql");
/// The roles `ROLES_SQL` creates.
const ROLES: &[&str] = &[
    "hedgerow_owner",
    "hedgerow_anon",
    "hedgerow_user",
    "hedgerow_analyst",
    "hedgerow_authenticator",
    "hedgerow_reader",
];

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "hedgerow's roles do not exist and this connection may not create them.\n\
         Ask an administrator to run this SQL once on the server, then migrate again:\n\n{0}"
    )]
    MissingRoles(&'static str),
    #[error(
        "this connection may not prepare database {database:?} for hedgerow.\n\
         Ask an administrator (the database owner or a superuser) to run this SQL in it:\n\n{sql}"
    )]
    MissingDatabaseRights { database: String, sql: &'static str },
    #[error(
        "migrations must run as a superuser or a member of hedgerow_owner (connected as {0:?})"
    )]
    NotOwner(String),
    #[error(
        "this database has migrations this hedgerow binary does not know: {0}.\n\
         It was migrated by a newer hedgerow; run that version (or newer) instead."
    )]
    UnknownMigrations(String),
    #[error(
        "another migration has held hedgerow's migration lock for {waited:?}, so this one gave up. \
         Holder: {holder}"
    )]
    LockTimeout { waited: Duration, holder: String },
    #[error("cannot read the kinds directory {path}: {detail}")]
    KindsDir { path: String, detail: String },
    #[error("migration failed: {0}")]
    Versioned(#[from] refinery::Error),
    #[error("{file} failed: {}", crate::db::describe(source))]
    Repeatable {
        file: String,
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
}

/// One versioned migration and whether it has been applied.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationState {
    pub version: i64,
    pub name: String,
    pub applied: bool,
}

/// What a migrate run did.
#[derive(Debug, Default)]
pub struct MigrateReport {
    pub created_roles: bool,
    pub applied: Vec<String>,
    /// Whether the repeatable SQL was re-applied (it is skipped when unchanged).
    pub reapplied_functions: bool,
    /// The SQL an administrator must run to close the catalog's side channels to analysts,
    /// when this connection could not (it is not a superuser's).
    pub unhardened: Option<&'static str>,
}

/// How to migrate: the app's own kinds, and how long to wait for another migrator.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// A directory of the app's kind files (*.sql, applied in name order after hedgerow's).
    pub kinds_dir: Option<PathBuf>,
    /// How long to wait for the migration lock before giving up with who holds it.
    pub lock_timeout: Duration,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            kinds_dir: None,
            lock_timeout: Duration::from_secs(60),
        }
    }
}

/// Migrates the database `client` is connected to. The connection must be a superuser, or a
/// member of hedgerow_owner once the roles and database grants exist.
pub async fn migrate(
    client: &mut Client,
    options: &MigrateOptions,
) -> Result<MigrateReport, MigrateError> {
    let repeatable = RepeatableSql::load(options.kinds_dir.as_deref())?;
    // "schema … does not exist, skipping" and the like are expected on every run.
    client
        .batch_execute("SET client_min_messages = warning")
        .await?;
    take_lock(client, options.lock_timeout).await?;
    let result = migrate_locked(client, &repeatable).await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await?;
    result
}

/// Takes the migration lock, trying until `timeout`; then fails naming who holds it.
async fn take_lock(client: &Client, timeout: Duration) -> Result<(), MigrateError> {
    let started = Instant::now();
    loop {
        let taken: bool = match client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
        {
            Ok(row) => row.get(0),
            // Advisory locks are hedgerow_owner's alone once the database is hardened.
            Err(e)
                if e.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) =>
            {
                let user: String = client
                    .query_one("SELECT current_user::text", &[])
                    .await?
                    .get(0);
                return Err(MigrateError::NotOwner(user));
            }
            Err(e) => return Err(e.into()),
        };
        if taken {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            let holder = client
                .query_opt(
                    "SELECT format('pid %s, role %s, application %L, connected since %s, %s', \
                                   a.pid, a.usename, a.application_name, a.backend_start, a.state) \
                       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                      WHERE l.locktype = 'advisory' AND l.granted \
                        AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()) \
                        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 LIMIT 1",
                    &[&LOCK_KEY],
                )
                .await?
                .map_or_else(
                    || "unknown (it may just have ended)".to_string(),
                    |row| row.get(0),
                );
            return Err(MigrateError::LockTimeout {
                waited: started.elapsed(),
                holder,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn migrate_locked(
    client: &mut Client,
    repeatable: &RepeatableSql,
) -> Result<MigrateReport, MigrateError> {
    let mut report = MigrateReport {
        created_roles: ensure_roles(client).await?,
        ..Default::default()
    };
    prepare_database(client).await?;
    report.unhardened = harden(client).await?;
    super::become_owner(client).await.map_err(|e| match e {
        super::OwnerError::NotOwner(user) => MigrateError::NotOwner(user),
        super::OwnerError::Database(e) => MigrateError::Database(e),
    })?;
    refuse_unknown_migrations(client).await?;
    let mut runner = embedded::migrations::runner();
    runner.set_migration_table_name(HISTORY_TABLE);
    let applied = runner
        .set_abort_missing(true)
        .set_abort_divergent(true)
        .run_async(client)
        .await?;
    report.applied = applied
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect();
    report.reapplied_functions = reapply_if_changed(client, repeatable).await?;
    Ok(report)
}

/// Every embedded migration, applied or pending (read-only).
pub async fn status(client: &Client) -> Result<Vec<MigrationState>, MigrateError> {
    let applied = applied_versions(client).await?;
    let mut states: Vec<MigrationState> = embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| MigrationState {
            version: i64::from(m.version()),
            name: m.name().to_string(),
            applied: applied
                .iter()
                .any(|(version, _)| *version == i64::from(m.version())),
        })
        .collect();
    states.sort_by_key(|s| s.version);
    Ok(states)
}

async fn applied_versions(client: &Client) -> Result<Vec<(i64, String)>, tokio_postgres::Error> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY_TABLE])
        .await?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!("SELECT version::bigint, name FROM {HISTORY_TABLE} ORDER BY version"),
            &[],
        )
        .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

async fn refuse_unknown_migrations(client: &Client) -> Result<(), MigrateError> {
    let unknown = unknown_migrations(client).await?;
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::UnknownMigrations(unknown.join(", ")))
    }
}

/// Applied migrations this binary does not have (the database is newer than the binary).
pub async fn unknown_migrations(client: &Client) -> Result<Vec<String>, tokio_postgres::Error> {
    let known = embedded::migrations::runner();
    Ok(applied_versions(client)
        .await?
        .into_iter()
        .filter(|(version, _)| {
            !known
                .get_migrations()
                .iter()
                .any(|m| i64::from(m.version()) == *version)
        })
        .map(|(version, name)| format!("V{version}__{name}"))
        .collect())
}

/// Creates the cluster-wide roles when any is missing; true when it ran.
async fn ensure_roles(client: &Client) -> Result<bool, MigrateError> {
    let roles: Vec<String> = ROLES.iter().map(|r| r.to_string()).collect();
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = ANY ($1)) = cardinality($1), \
                    r.rolsuper OR r.rolcreaterole \
               FROM pg_roles r WHERE r.rolname = current_user",
            &[&roles],
        )
        .await?;
    let (all_exist, may_create): (bool, bool) = (row.get(0), row.get(1));
    if all_exist {
        return Ok(false);
    }
    if !may_create {
        return Err(MigrateError::MissingRoles(ROLES_SQL));
    }
    client.batch_execute(ROLES_SQL).await?;
    Ok(true)
}

/// Lets the owner create schemas here and makes hedgerow_meta, unless already done.
async fn prepare_database(client: &Client) -> Result<(), MigrateError> {
    let row = client
        .query_one(
            "SELECT has_database_privilege('hedgerow_owner', current_database(), 'CREATE') \
                    AND to_regnamespace('hedgerow_meta') IS NOT NULL, \
                    current_database()::text",
            &[],
        )
        .await?;
    if row.get::<_, bool>(0) {
        return Ok(());
    }
    client.batch_execute(DATABASE_SQL).await.map_err(|e| {
        if e.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) {
            MigrateError::MissingDatabaseRights {
                database: row.get(1),
                sql: DATABASE_SQL,
            }
        } else {
            MigrateError::Database(e)
        }
    })
}

/// True when the catalog's side channels are closed in this database (sql/harden.sql).
pub const HARDENED: &str = "NOT has_function_privilege('public', 'pg_catalog.pg_stat_get_live_tuples(oid)', 'EXECUTE') \
     AND NOT has_column_privilege('public', 'pg_catalog.pg_class', 'reltuples', 'SELECT') \
     AND NOT has_function_privilege('public', 'pg_catalog.pg_advisory_lock(bigint)', 'EXECUTE') \
     AND NOT has_database_privilege('public', current_database(), 'TEMPORARY')";

/// Whether the catalog's side channels are closed in this database.
pub async fn is_hardened(client: &Client) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .query_one(&format!("SELECT {HARDENED}"), &[])
        .await?
        .get(0))
}

/// Closes the catalog's side channels when they are open: as a superuser, by running
/// sql/harden.sql; otherwise that SQL is returned for an administrator.
async fn harden(client: &Client) -> Result<Option<&'static str>, MigrateError> {
    if is_hardened(client).await? {
        return Ok(None);
    }
    let superuser: bool = client
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await?
        .get(0);
    if !superuser {
        return Ok(Some(HARDEN_SQL));
    }
    client.batch_execute(HARDEN_SQL).await?;
    Ok(None)
}

/// All repeatable SQL, in the order it is applied: hedgerow's functions, its kinds and the
/// app's, the policies of the core's tables, and the epilogue.
pub struct RepeatableSql {
    app_kinds: Vec<(String, String)>,
}

impl RepeatableSql {
    /// hedgerow's own SQL, and the app's kind files from `kinds_dir`.
    pub fn load(kinds_dir: Option<&Path>) -> Result<Self, MigrateError> {
        let mut app_kinds = Vec::new();
        if let Some(dir) = kinds_dir {
            let unreadable = |e: std::io::Error| MigrateError::KindsDir {
                path: dir.display().to_string(),
                detail: e.to_string(),
            };
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(unreadable)?
                .map(|entry| entry.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(unreadable)?;
            paths.retain(|path| path.extension().is_some_and(|ext| ext == "sql"));
            paths.sort();
            for path in paths {
                let sql = std::fs::read_to_string(&path).map_err(unreadable)?;
                app_kinds.push((path.display().to_string(), sql));
            }
        }
        Ok(RepeatableSql { app_kinds })
    }

    fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        std::iter::once(("sql/reapply.sql", REAPPLY_SQL))
            .chain(repeatable::FUNCTIONS.iter().copied())
            .chain(repeatable::KINDS.iter().copied())
            .chain(
                self.app_kinds
                    .iter()
                    .map(|(name, sql)| (name.as_str(), sql.as_str())),
            )
            .chain(repeatable::POLICIES.iter().copied())
            .chain(std::iter::once(("sql/finish.sql", FINISH_SQL)))
    }

    /// The text of all repeatable SQL, as hashed to tell whether it changed.
    fn text(&self) -> String {
        self.files()
            .map(|(name, sql)| format!("-- {name}\n{sql}\n"))
            .collect()
    }
}

/// Whether the database's functions and policies are this SQL's (read-only).
pub async fn repeatable_is_current(
    client: &Client,
    repeatable: &RepeatableSql,
) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT to_regclass('hedgerow_meta.repeatable_state') IS NOT NULL",
            &[],
        )
        .await?;
    if !row.get::<_, bool>(0) {
        return Ok(false);
    }
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT FROM hedgerow_meta.repeatable_state \
                             WHERE sha256 = encode(sha256(convert_to($1, 'UTF8')), 'hex'))",
            &[&repeatable.text()],
        )
        .await?
        .get(0))
}

/// Re-applies sql/functions and policies/ in one transaction when their text changed since
/// the last run (re-creating policies takes locks that would stall serving traffic).
async fn reapply_if_changed(
    client: &mut Client,
    repeatable: &RepeatableSql,
) -> Result<bool, MigrateError> {
    if repeatable_is_current(client, repeatable).await? {
        return Ok(false);
    }
    let transaction = client.transaction().await?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS hedgerow_meta.repeatable_state ( \
               singleton bool PRIMARY KEY DEFAULT true CHECK (singleton), \
               sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    for (file, sql) in repeatable.files() {
        transaction
            .batch_execute(sql)
            .await
            .map_err(|source| MigrateError::Repeatable {
                file: file.to_string(),
                source,
            })?;
    }
    transaction
        .execute(
            "INSERT INTO hedgerow_meta.repeatable_state (sha256) \
             VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex')) \
             ON CONFLICT (singleton) DO UPDATE SET sha256 = excluded.sha256, applied_at = now()",
            &[&repeatable.text()],
        )
        .await?;
    transaction.commit().await?;
    Ok(true)
}
