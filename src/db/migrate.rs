//! `hedgerow migrate`: roles, versioned migrations (refinery, sql/migrations), then the
//! repeatable SQL (sql/functions and policies/) in one transaction — all under one advisory
//! lock, so concurrent migrators queue and the second finds nothing to do.

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
const REAPPLY_SQL: &str = include_str!("../../sql/reapply.sql");

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
    #[error("migration failed: {0}")]
    Versioned(#[from] refinery::Error),
    #[error("{file} failed: {source}")]
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
    /// Whether sql/functions and policies/ were re-applied (they are skipped when unchanged).
    pub reapplied_functions: bool,
}

/// Migrates the database `client` is connected to. The connection must be a superuser, or a
/// member of hedgerow_owner once the roles and database grants exist.
pub async fn migrate(client: &mut Client) -> Result<MigrateReport, MigrateError> {
    // "schema … does not exist, skipping" and the like are expected on every run.
    client
        .batch_execute("SET client_min_messages = warning")
        .await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await?;
    let result = migrate_locked(client).await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await?;
    result
}

async fn migrate_locked(client: &mut Client) -> Result<MigrateReport, MigrateError> {
    let mut report = MigrateReport {
        created_roles: ensure_roles(client).await?,
        ..Default::default()
    };
    prepare_database(client).await?;
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
    report.reapplied_functions = reapply_if_changed(client).await?;
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
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM pg_roles WHERE rolname IN ('hedgerow_owner', 'hedgerow_anon', \
                     'hedgerow_user', 'hedgerow_analyst', 'hedgerow_authenticator')) = 5, \
                    r.rolsuper OR r.rolcreaterole \
               FROM pg_roles r WHERE r.rolname = current_user",
            &[],
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

/// All repeatable SQL, in the order it is applied.
fn repeatable_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    std::iter::once(("sql/reapply.sql", REAPPLY_SQL))
        .chain(
            repeatable::FUNCTIONS
                .iter()
                .map(|(name, sql)| (*name, *sql)),
        )
        .chain(repeatable::POLICIES.iter().map(|(name, sql)| (*name, *sql)))
}

/// The text of all repeatable SQL, as hashed to tell whether it changed.
fn repeatable_text() -> String {
    repeatable_files()
        .map(|(name, sql)| format!("-- {name}\n{sql}\n"))
        .collect()
}

/// Whether the database's functions and policies are this binary's (read-only).
pub async fn repeatable_is_current(client: &Client) -> Result<bool, tokio_postgres::Error> {
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
            &[&repeatable_text()],
        )
        .await?
        .get(0))
}

/// Re-applies sql/functions and policies/ in one transaction when their text changed since
/// the last run (re-creating policies takes locks that would stall serving traffic).
async fn reapply_if_changed(client: &mut Client) -> Result<bool, MigrateError> {
    if repeatable_is_current(client).await? {
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
    for (file, sql) in repeatable_files() {
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
            &[&repeatable_text()],
        )
        .await?;
    transaction.commit().await?;
    Ok(true)
}
