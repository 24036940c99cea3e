//! The invariants of `hedgerow check` (DESIGN §3, §7), read from the catalog of a migrated
//! database — and proof that each check notices when its invariant is broken.

use hedgerow::db::check;

use crate::helpers::{hedgerow_cli, spawn_app};

fn hedgerow_check(database: &str) -> (bool, String) {
    let output = hedgerow_cli(database, &["check"]);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn every_invariant_holds_on_a_migrated_database() {
    let app = spawn_app().await;
    let repeatable = hedgerow::db::migrate::RepeatableSql::load(None).unwrap();
    let findings = check::run(&app.admin().await, &repeatable).await.unwrap();
    assert!(findings.len() >= 8);
    for finding in &findings {
        assert!(
            finding.passed(),
            "{}: {:?}",
            finding.check,
            finding.violations
        );
    }
    let (ok, output) = hedgerow_check(&app.database);
    assert!(ok, "{output}");
    assert!(!output.contains("FAIL"));
}

#[tokio::test]
async fn hedgerow_check_fails_with_a_list_when_an_invariant_breaks() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let unlimited = format!("unlimited_{}", uuid::Uuid::new_v4().simple());
    admin
        .batch_execute(&format!(
            "CREATE ROLE {unlimited} LOGIN IN ROLE hedgerow_analyst; \
             INSERT INTO data.analyst_accounts (role_name) VALUES ('{unlimited}'); \
             CREATE VIEW analytics.leak AS SELECT * FROM data.sessions; \
             GRANT SELECT ON analytics.leak TO hedgerow_analyst; \
             GRANT SELECT ON data.plans TO hedgerow_analyst; \
             GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_get_live_tuples(oid) TO PUBLIC;"
        ))
        .await
        .unwrap();
    admin
        .batch_execute(
            "ALTER TABLE data.sessions NO FORCE ROW LEVEL SECURITY; \
             GRANT EXECUTE ON FUNCTION hedgerow.current_user_id() TO PUBLIC; \
             GRANT SELECT (token) ON data.share_links TO hedgerow_analyst; \
             CREATE FUNCTION hedgerow.unpinned() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'; \
             DELETE FROM hedgerow_meta.refinery_schema_history WHERE version = 1; \
             INSERT INTO data.public_counts VALUES ('plan', '', 7); \
             DROP INDEX data.share_links_owner;",
        )
        .await
        .unwrap();
    let (ok, output) = hedgerow_check(&app.database);
    assert!(!ok, "check passed a broken database:\n{output}");
    let lacks = format!("{unlimited} lacks statement_timeout");
    let unbounded = format!("{unlimited} has no connection limit");
    for expected in [
        "data.sessions",
        "hedgerow.current_user_id",
        "hedgerow_analyst can read data.share_links.token",
        "hedgerow.unpinned",
        "V1__profiles_and_settings is not applied",
        "plan '': kept 7, counted 0",
        "data.share_links (owner_id)",
        "analytics.leak reads data.sessions directly",
        "an analyst may read data.plans",
        "the catalog is not hardened",
        &lacks,
        &unbounded,
    ] {
        assert!(
            output.contains(expected),
            "missing {expected:?} in:\n{output}"
        );
    }
}

#[tokio::test]
async fn migration_bookkeeping_is_invisible_to_api_and_analyst_roles() {
    let app = spawn_app().await;
    let row = app
        .admin()
        .await
        .query_one(
            "SELECT bool_or(has_schema_privilege(rolname, 'hedgerow_meta', 'USAGE')) FROM pg_roles \
              WHERE rolname IN ('hedgerow_anon', 'hedgerow_user', 'hedgerow_analyst', 'hedgerow_authenticator')",
            &[],
        )
        .await
        .unwrap();
    assert!(!row.get::<_, bool>(0));
}
