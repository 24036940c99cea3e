//! Operators' commands against a real database: migrate --dry-run and --status.

use crate::helpers::{hedgerow_cli, spawn_app, test_server};

fn hedgerow(args: &[&str], database: &str) -> String {
    let output = hedgerow_cli(database, args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn dry_run_lists_what_would_run_and_changes_nothing() {
    let database = test_server().empty_database().await;
    let dry = hedgerow(&["migrate", "--dry-run"], &database);
    assert!(dry.contains("pending  V1__profiles_and_settings"), "{dry}");
    assert!(
        dry.contains("functions and policies: would be re-applied"),
        "{dry}"
    );
    assert_eq!(
        hedgerow(&["migrate", "--dry-run"], &database),
        dry,
        "a dry run must change nothing"
    );

    let applied = hedgerow(&["migrate"], &database);
    assert!(
        applied.contains("applied V1__profiles_and_settings"),
        "{applied}"
    );
    let dry = hedgerow(&["migrate", "--dry-run"], &database);
    assert!(!dry.contains("pending"), "{dry}");
    assert!(dry.contains("functions and policies: unchanged"), "{dry}");
    let status = hedgerow(&["migrate", "--status"], &database);
    assert!(
        status.lines().all(|line| line.starts_with("applied")),
        "{status}"
    );
}

#[tokio::test]
async fn migrate_on_a_current_database_does_nothing() {
    let app = spawn_app().await;
    let output = hedgerow(&["migrate"], &app.database);
    assert!(output.contains("no pending migrations"), "{output}");
    assert!(
        output.contains("functions and policies: unchanged"),
        "{output}"
    );
}

#[tokio::test]
async fn a_serving_server_keeps_answering_across_a_migration_that_recreates_its_functions() {
    let app = spawn_app().await;
    let user = app.user("steady").await;
    // Warm every pooled connection's prepared statements.
    for _ in 0..8 {
        assert!(
            app.get("/api/public/sessions", None)
                .await
                .status
                .is_success()
        );
        assert!(
            app.get("/api/auth/profile", Some(&user.token))
                .await
                .status
                .is_success()
        );
    }
    // Force the repeatable step: api and hedgerow are dropped and re-created under the server.
    let mut admin = app.admin().await;
    admin
        .batch_execute("DELETE FROM hedgerow_meta.repeatable_state")
        .await
        .unwrap();
    let report = hedgerow::db::migrate::migrate(&mut admin, &Default::default())
        .await
        .unwrap();
    assert!(report.reapplied_functions);
    for _ in 0..8 {
        let feed = app.get("/api/public/sessions", None).await;
        assert!(
            feed.status.is_success(),
            "a prepared statement went stale across the migration: {:?}",
            feed.body
        );
        assert!(
            app.get("/api/auth/profile", Some(&user.token))
                .await
                .status
                .is_success()
        );
    }
}
