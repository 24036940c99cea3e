//! Where access-log rows come from and how long they stay: the client IP (X-Forwarded-For
//! only from trusted proxies), IP truncation, and pruning by operators.

use serde_json::json;

use crate::helpers::{TestApp, hedgerow_cli, spawn_app, spawn_app_with, text_column};
use crate::sessions::create_session;

async fn logged_ips(app: &TestApp) -> Vec<String> {
    text_column(
        &app.admin().await,
        "SELECT abbrev(ip_address) FROM data.access_log ORDER BY accessed_at",
    )
    .await
}

async fn read_with_forwarded_for(app: &TestApp, id: &str, forwarded: &str) {
    let response = app
        .http
        .get(format!("{}/api/sessions/{id}", app.address))
        .header("x-forwarded-for", forwarded)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let untrusting = spawn_app().await;
    let owner = untrusting.user("ip_owner").await;
    let id = create_session(
        &untrusting,
        &owner,
        json!({ "track": "Spa", "is_public": true }),
    )
    .await;
    read_with_forwarded_for(&untrusting, &id, "203.0.113.7").await;
    assert_eq!(logged_ips(&untrusting).await, vec!["127.0.0.1"]);

    let trusting =
        spawn_app_with(|config| config.trusted_proxies = "127.0.0.1".parse().unwrap()).await;
    let owner = trusting.user("ip_owner").await;
    let id = create_session(
        &trusting,
        &owner,
        json!({ "track": "Spa", "is_public": true }),
    )
    .await;
    read_with_forwarded_for(&trusting, &id, "203.0.113.7").await;
    assert_eq!(logged_ips(&trusting).await, vec!["203.0.113.7"]);
}

#[tokio::test]
async fn truncation_stores_only_the_network() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = "127.0.0.1".parse().unwrap();
        config.truncate_ips = true;
    })
    .await;
    let owner = app.user("truncated").await;
    let id = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    read_with_forwarded_for(&app, &id, "203.0.113.77").await;
    read_with_forwarded_for(&app, &id, "2001:db8:abcd:12::1").await;
    assert_eq!(
        logged_ips(&app).await,
        vec!["203.0.113.0/24", "2001:db8:abcd::/48"]
    );
}

/// Retention, and reads that outlived what they read: a read that commits after its resource's
/// deletion has forgotten the resource's log leaves a row behind, which prune forgets too.
#[tokio::test]
async fn hedgerow_logs_prune_deletes_only_rows_past_retention_or_about_nothing() {
    let app = spawn_app().await;
    let owner = app.user("pruner").await;
    let id = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let admin = app.admin().await;
    admin
        .execute(
            "INSERT INTO data.access_log (resource_id, owner_id, accessed_via, accessed_at) \
             SELECT $1::text::uuid, $2::text::uuid, 'owner', now() - (d - 0.5) * interval '1 day' FROM generate_series(1, 100) d",
            &[&id, &owner.id.to_string()],
        )
        .await
        .unwrap();
    admin
        .execute(
            "INSERT INTO data.access_log (resource_id, owner_id, accessed_via) \
             SELECT gen_random_uuid(), $1::text::uuid, 'public' FROM generate_series(1, 3)",
            &[&owner.id.to_string()],
        )
        .await
        .unwrap();
    let output = hedgerow_cli(&app.database, &["logs", "prune", "--older-than", "90d"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "pruned 13 access-log rows"
    );
    let left: i64 = admin
        .query_one("SELECT count(*) FROM data.access_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 90);
}
