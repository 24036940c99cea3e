//! `hedgerow migrate`: idempotent, complete, safe to run concurrently, clear when refused.

use hedgerow::db::migrate::{self, MigrateError};

use crate::helpers::{connect_config, test_server};

/// The files refinery should have found (a misnamed file would be skipped silently).
fn migration_files() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/migrations");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn every_migration_file_is_well_named_and_applied() {
    let server = test_server();
    let database = server.empty_database().await;
    let mut client = connect_config(&server.admin_config(&database)).await;
    let files = migration_files();
    for name in &files {
        let stem = name
            .strip_suffix(".sql")
            .unwrap_or_else(|| panic!("{name} is not a .sql file"));
        let (version, rest) = stem
            .split_once("__")
            .unwrap_or_else(|| panic!("{name} lacks V{{n}}__"));
        assert!(
            version
                .strip_prefix('V')
                .is_some_and(|v| v.parse::<u32>().is_ok()),
            "{name}"
        );
        assert!(
            rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{name}: refinery skips names with other characters"
        );
    }
    let before = migrate::status(&client).await.unwrap();
    assert_eq!(before.len(), files.len());
    assert!(before.iter().all(|m| !m.applied));

    let report = migrate::migrate(&mut client, &Default::default())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), files.len());
    assert!(report.reapplied_functions);
    let after = migrate::status(&client).await.unwrap();
    assert!(after.iter().all(|m| m.applied), "{after:?}");
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    let server = test_server();
    let database = server.empty_database().await;
    let mut client = connect_config(&server.admin_config(&database)).await;
    migrate::migrate(&mut client, &Default::default())
        .await
        .unwrap();
    let mut again = connect_config(&server.admin_config(&database)).await;
    let report = migrate::migrate(&mut again, &Default::default())
        .await
        .unwrap();
    assert!(report.applied.is_empty());
    assert!(
        !report.reapplied_functions,
        "unchanged functions and policies must not be re-applied"
    );
}

#[tokio::test]
async fn concurrent_migrations_queue_and_only_one_does_the_work() {
    let server = test_server();
    let database = server.empty_database().await;
    let mut first = connect_config(&server.admin_config(&database)).await;
    let mut second = connect_config(&server.admin_config(&database)).await;
    let options = migrate::MigrateOptions::default();
    let (a, b) = tokio::join!(
        migrate::migrate(&mut first, &options),
        migrate::migrate(&mut second, &options)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.applied.len() + b.applied.len(), migration_files().len());
    assert!(a.applied.is_empty() || b.applied.is_empty());
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_hedgerow_is_refused() {
    let server = test_server();
    let database = server.fresh_database().await;
    let mut client = connect_config(&server.admin_config(&database)).await;
    client
        .batch_execute(
            "INSERT INTO hedgerow_meta.refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (9999, 'from_the_future', now()::text, '0')",
        )
        .await
        .unwrap();
    let error = migrate::migrate(&mut client, &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, MigrateError::UnknownMigrations(_)),
        "{error}"
    );
    assert!(
        error.to_string().contains("V9999__from_the_future"),
        "{error}"
    );
}

#[tokio::test]
async fn a_connection_without_rights_is_told_what_an_administrator_must_run() {
    let server = test_server();
    let database = server.empty_database().await;
    let role = format!("plain_{}", uuid::Uuid::new_v4().simple());
    let admin = connect_config(&server.admin_config(&database)).await;
    admin
        .batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD 'pw'"))
        .await
        .unwrap();

    // A new database has none of hedgerow's database-level grants.
    let mut plain = connect_config(&server.login_config(&role, "pw", &database)).await;
    let error = migrate::migrate(&mut plain, &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, MigrateError::MissingDatabaseRights { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("GRANT CREATE, CONNECT ON DATABASE"),
        "{error}"
    );

    // Once prepared, a role that is not the owner still may not migrate (nor take the lock).
    let mut superuser = connect_config(&server.admin_config(&database)).await;
    migrate::migrate(&mut superuser, &Default::default())
        .await
        .unwrap();
    let error = migrate::migrate(&mut plain, &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(error, MigrateError::NotOwner(_)), "{error}");
}

#[test]
fn the_roles_sql_an_administrator_is_shown_creates_every_role() {
    for role in [
        "hedgerow_owner",
        "hedgerow_authenticator",
        "hedgerow_anon",
        "hedgerow_user",
        "hedgerow_analyst",
        "hedgerow_reader",
    ] {
        assert!(
            migrate::ROLES_SQL.contains(&format!("CREATE ROLE {role}")),
            "{role}"
        );
    }
    assert!(
        MigrateError::MissingRoles(migrate::ROLES_SQL)
            .to_string()
            .contains("CREATE ROLE hedgerow_owner")
    );
}

#[tokio::test]
async fn a_held_migration_lock_makes_migrate_give_up_in_time_and_name_the_holder() {
    let server = test_server();
    let database = server.fresh_database().await;
    let holder = connect_config(&server.admin_config(&database)).await;
    holder
        .batch_execute(
            "SET application_name = 'the lock holder'; \
             SELECT pg_advisory_lock(x'6865646765726f77'::bigint)",
        )
        .await
        .unwrap();
    let mut client = connect_config(&server.admin_config(&database)).await;
    let options = migrate::MigrateOptions {
        lock_timeout: std::time::Duration::from_millis(600),
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let error = migrate::migrate(&mut client, &options).await.unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "it waited {:?}",
        started.elapsed()
    );
    match &error {
        MigrateError::LockTimeout { holder, .. } => {
            assert!(holder.contains("'the lock holder'"), "{holder}")
        }
        other => panic!("expected a lock timeout, got {other}"),
    }
    assert!(error.to_string().contains("gave up"), "{error}");
    // Once the holder lets go, migrate runs.
    holder
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .await
        .unwrap();
    migrate::migrate(&mut client, &options).await.unwrap();
}
