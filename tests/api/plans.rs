//! Plans (seed 002): every line of the seed's testing checklist, each also from the side that
//! must be refused (other user, anonymous, analyst, revoked grantee, old token, disabled link,
//! expired grant).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, Reply, TestApp, TestUser, analyst, spawn_app};

pub async fn create_plan(app: &TestApp, owner: &TestUser, body: Value) -> String {
    let reply = app.post("/api/plans", Some(&owner.token), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["data"]["id"].as_str().unwrap().to_string()
}

fn plan_body() -> Value {
    json!({ "title": "Launch plan", "filename": "launch.md", "content": "# Step 1\nShip it." })
}

/// The owner invites someone to the plan (body: {username, expires_at?}).
async fn invite(app: &TestApp, owner: &TestUser, plan: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/plans/{plan}/access"),
        Some(&owner.token),
        body,
    )
    .await
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> Reply {
    app.request(Method::PUT, path, token, Some(body)).await
}

/// The token in a share_url (…/plans/{id}?token={token}).
fn token_of(reply: &Reply) -> String {
    reply.body["data"]["share_url"]
        .as_str()
        .unwrap()
        .rsplit("token=")
        .next()
        .unwrap()
        .to_string()
}

async fn read_with_token(app: &TestApp, plan: &str, token: &str) -> StatusCode {
    let response = app
        .http
        .get(format!("{}/api/plans/{plan}", app.address))
        .header("x-share-token", token)
        .send()
        .await
        .unwrap();
    response.status()
}

#[tokio::test]
async fn a_new_plan_is_private_with_content_and_its_share_link_off() {
    let app = spawn_app().await;
    let owner = app.user("planner").await;
    let reply = app
        .post("/api/plans", Some(&owner.token), plan_body())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["data"]["is_public"], false);
    assert_eq!(reply.body["data"]["share_link_enabled"], false);
    assert_eq!(reply.body["data"]["content"], "# Step 1\nShip it.");
    let list = app.get("/api/plans", Some(&owner.token)).await;
    assert_eq!(list.body["pagination"]["total"], 1);
    assert!(
        list.body["data"][0].get("content").is_none(),
        "lists leave content out"
    );
    for bad in [
        json!({ "filename": "a.md", "content": "x" }),
        json!({ "title": "", "filename": "a.md", "content": "x" }),
        json!({ "title": "t", "filename": "a.md" }),
        json!({ "title": "t", "filename": "a.md", "content": 5 }),
    ] {
        assert_eq!(
            app.post("/api/plans", Some(&owner.token), bad.clone())
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn checklist_toggle_plan_public_and_private() {
    let app = spawn_app().await;
    let owner = app.user("toggle_owner").await;
    let other = app.user("toggle_other").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    let privacy = format!("/api/plans/{plan}/privacy");

    let reply = put(
        &app,
        &privacy,
        Some(&owner.token),
        json!({ "is_public": true }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["is_public"], true);
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), None).await.status,
        StatusCode::OK
    );
    // Refused: another user may see the public plan but not change it; anonymous callers neither.
    assert_eq!(
        put(
            &app,
            &privacy,
            Some(&other.token),
            json!({ "is_public": false })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&app, &privacy, None, json!({ "is_public": false }))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    put(
        &app,
        &privacy,
        Some(&owner.token),
        json!({ "is_public": false }),
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put(
            &app,
            &privacy,
            Some(&other.token),
            json!({ "is_public": true })
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn checklist_private_plan_not_accessible_to_other_users_and_owner_always_has_access() {
    let app = spawn_app().await;
    let owner = app.user("private_owner").await;
    let other = app.user("private_other").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    let missing = app
        .get(
            &format!("/api/plans/{}", uuid::Uuid::new_v4()),
            Some(&other.token),
        )
        .await;
    for token in [Some(other.token.as_str()), None] {
        let reply = app.get(&format!("/api/plans/{plan}"), token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, missing.body, "no hint that the plan exists");
    }
    let sql = analyst(&app, None).await;
    assert!(
        sql.query("SELECT * FROM analytics.plans", &[])
            .await
            .unwrap()
            .is_empty()
    );
    // The owner reads it whatever its settings.
    put(
        &app,
        &format!("/api/plans/{plan}/privacy"),
        Some(&owner.token),
        json!({ "share_link_enabled": false }),
    )
    .await;
    let own = app
        .get(&format!("/api/plans/{plan}"), Some(&owner.token))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["data"]["content"], "# Step 1\nShip it.");
}

#[tokio::test]
async fn checklist_enable_share_link_and_access_plan_via_it_but_never_while_disabled() {
    let app = spawn_app().await;
    let owner = app.user("link_plan_owner").await;
    let other = app.user("link_plan_other").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    let link = app
        .get(&format!("/api/plans/{plan}/share-link"), Some(&owner.token))
        .await;
    assert_eq!(link.status, StatusCode::OK);
    assert_eq!(link.body["data"]["enabled"], false);
    let token = token_of(&link);
    assert_eq!(
        link.body["data"]["share_url"],
        format!("{PUBLIC_URL}/plans/{plan}?token={token}")
    );
    assert_eq!(token.len(), 43);

    // Refused: a disabled link grants nothing, by header, query or page.
    assert_eq!(
        read_with_token(&app, &plan, &token).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/plans/{plan}?token={token}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.http
            .get(format!("{}/plans/{plan}?token={token}", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    // Refused: only the owner reads or changes the link.
    assert_eq!(
        app.get(&format!("/api/plans/{plan}/share-link"), Some(&other.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let enabled = put(
        &app,
        &format!("/api/plans/{plan}/privacy"),
        Some(&owner.token),
        json!({ "share_link_enabled": true }),
    )
    .await;
    assert_eq!(enabled.body["data"]["share_link_enabled"], true);
    assert_eq!(
        enabled.body["data"]["is_public"], false,
        "sharing by link does not make it public"
    );
    assert_eq!(read_with_token(&app, &plan, &token).await, StatusCode::OK);
    let by_query = app
        .get(
            &format!("/api/plans/{plan}?token={token}"),
            Some(&other.token),
        )
        .await;
    assert_eq!(by_query.status, StatusCode::OK);
    assert_eq!(by_query.header("referrer-policy"), Some("no-referrer"));
    let page = app
        .http
        .get(format!("{}/plans/{plan}?token={token}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<pre id=\"content\"># Step 1")
    );

    // Switched off again: refused at once.
    put(
        &app,
        &format!("/api/plans/{plan}/privacy"),
        Some(&owner.token),
        json!({ "share_link_enabled": false }),
    )
    .await;
    assert_eq!(
        read_with_token(&app, &plan, &token).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn checklist_regenerate_share_link_and_the_old_link_stops_working() {
    let app = spawn_app().await;
    let owner = app.user("regen_owner").await;
    let other = app.user("regen_other").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    put(
        &app,
        &format!("/api/plans/{plan}/privacy"),
        Some(&owner.token),
        json!({ "share_link_enabled": true }),
    )
    .await;
    let old = token_of(
        &app.get(&format!("/api/plans/{plan}/share-link"), Some(&owner.token))
            .await,
    );
    assert_eq!(read_with_token(&app, &plan, &old).await, StatusCode::OK);

    let regenerated = app
        .post(
            &format!("/api/plans/{plan}/share-link/regenerate"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    assert_eq!(regenerated.status, StatusCode::OK, "{:?}", regenerated.body);
    assert_eq!(regenerated.body["data"]["enabled"], true);
    let new = token_of(&regenerated);
    assert_ne!(new, old);
    assert_eq!(
        read_with_token(&app, &plan, &old).await,
        StatusCode::NOT_FOUND,
        "the old token must die at once"
    );
    assert_eq!(
        app.get(&format!("/api/shared/{old}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(read_with_token(&app, &plan, &new).await, StatusCode::OK);
    // Refused: nobody but the owner regenerates.
    let stolen = app
        .post(
            &format!("/api/plans/{plan}/share-link/regenerate"),
            Some(&other.token),
            json!({}),
        )
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert_eq!(read_with_token(&app, &plan, &new).await, StatusCode::OK);
}

#[tokio::test]
async fn checklist_grant_access_by_username_and_the_invited_user_can_read() {
    let app = spawn_app().await;
    let owner = app.user("grant_owner").await;
    let guest = app.user("guest").await;
    let stranger = app.user("stranger_plan").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    let access = format!("/api/plans/{plan}/access");

    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), Some(&guest.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let granted = app
        .post(&access, Some(&owner.token), json!({ "username": "guest" }))
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{:?}", granted.body);
    let grant = &granted.body["data"];
    assert_eq!(grant["plan_id"], plan.as_str());
    assert_eq!(grant["user_id"], guest.id.to_string());
    assert_eq!(grant["username"], "guest");
    assert_eq!(grant["granted_by"], owner.id.to_string());
    assert_eq!(grant["granted_by_username"], "grant_owner");
    assert!(grant["granted_at"].is_string());

    let again = app
        .post(&access, Some(&owner.token), json!({ "username": "guest" }))
        .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "granting twice is not an error: {:?}",
        again.body
    );

    let read = app
        .get(&format!("/api/plans/{plan}"), Some(&guest.token))
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["data"]["content"], "# Step 1\nShip it.");
    let listed = app.get(&access, Some(&owner.token)).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);

    // Refused: others still cannot read it, the guest cannot manage access, unknown users 404.
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), Some(&stranger.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(
            &access,
            Some(&guest.token),
            json!({ "username": "stranger_plan" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&access, Some(&guest.token)).await.status,
        StatusCode::FORBIDDEN
    );
    let unknown = app
        .post(
            &access,
            Some(&owner.token),
            json!({ "username": "nobody_known" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "USER_NOT_FOUND");
    let myself = app
        .post(
            &access,
            Some(&owner.token),
            json!({ "username": "grant_owner" }),
        )
        .await;
    assert_eq!(myself.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn checklist_revoke_access_and_the_user_can_no_longer_read() {
    let app = spawn_app().await;
    let owner = app.user("revoke_owner").await;
    let guest = app.user("revoked_guest").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    invite(&app, &owner, &plan, json!({ "username": "revoked_guest" })).await;
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), Some(&guest.token))
            .await
            .status,
        StatusCode::OK
    );
    let shared = app.get("/api/shared-with-me", Some(&guest.token)).await;
    assert_eq!(shared.body["pagination"]["total"], 1);
    assert_eq!(shared.body["data"][0]["kind"], "plan");
    assert_eq!(shared.body["data"][0]["owner"]["username"], "revoke_owner");

    let path = format!("/api/plans/{plan}/access/{}", guest.id);
    assert_eq!(
        app.request(Method::DELETE, &path, Some(&guest.token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let revoked = app
        .request(Method::DELETE, &path, Some(&owner.token), None)
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), Some(&guest.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/shared-with-me", Some(&guest.token))
            .await
            .body["pagination"]["total"],
        0
    );
    assert_eq!(
        app.request(Method::DELETE, &path, Some(&owner.token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_expired_grant_gives_nothing() {
    let app = spawn_app().await;
    let owner = app.user("expiry_owner").await;
    let guest = app.user("expiring_guest").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    let granted = invite(
        &app,
        &owner,
        &plan,
        json!({ "username": "expiring_guest", "expires_at": "2999-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        granted.body["data"]["expires_at"],
        "2999-01-01T00:00:00+00:00"
    );
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), Some(&guest.token))
            .await
            .status,
        StatusCode::OK
    );
    app.admin()
        .await
        .execute(
            "UPDATE data.grants SET expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/api/plans/{plan}"), Some(&guest.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/shared-with-me", Some(&guest.token))
            .await
            .body["pagination"]["total"],
        0
    );
    let past = invite(
        &app,
        &owner,
        &plan,
        json!({ "username": "expiring_guest", "expires_at": "2001-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn checklist_access_logs_show_all_visitors_to_the_owner_only() {
    let app = spawn_app().await;
    let owner = app.user("log_owner").await;
    let guest = app.user("log_guest").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    invite(&app, &owner, &plan, json!({ "username": "log_guest" })).await;
    put(
        &app,
        &format!("/api/plans/{plan}/privacy"),
        Some(&owner.token),
        json!({ "share_link_enabled": true }),
    )
    .await;
    let token = token_of(
        &app.get(&format!("/api/plans/{plan}/share-link"), Some(&owner.token))
            .await,
    );

    app.get(&format!("/api/plans/{plan}"), Some(&owner.token))
        .await;
    app.get(&format!("/api/plans/{plan}"), Some(&guest.token))
        .await;
    read_with_token(&app, &plan, &token).await;

    let logs = app
        .get(
            &format!("/api/plans/{plan}/access-logs"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(logs.status, StatusCode::OK, "{:?}", logs.body);
    let rows = logs.body["data"].as_array().unwrap();
    let via: Vec<&str> = rows
        .iter()
        .map(|r| r["accessed_via"].as_str().unwrap())
        .collect();
    assert_eq!(via, vec!["share_link", "invited", "owner"], "newest first");
    assert_eq!(rows[1]["username"], "log_guest");
    assert_eq!(rows[1]["user_id"], guest.id.to_string());
    assert_eq!(rows[0]["user_id"], json!(null));
    assert_eq!(rows[0]["ip_address"], "127.0.0.1");
    assert!(rows[0]["id"].is_u64());
    assert!(rows[0]["accessed_at"].is_string());

    // Refused: nobody else reads the log, not even someone invited.
    assert_eq!(
        app.get(
            &format!("/api/plans/{plan}/access-logs"),
            Some(&guest.token)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/plans/{plan}/access-logs"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let sql = analyst(&app, Some(guest.id)).await;
    let seen: i64 = sql
        .query_one("SELECT count(*) FROM analytics.access_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn access_logs_page_by_cursor_100_at_a_time() {
    let app = spawn_app().await;
    let owner = app.user("busy_owner").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    app.admin()
        .await
        .execute(
            "INSERT INTO data.access_log (resource_id, owner_id, accessed_via, accessed_at) \
             SELECT $1::text::uuid, $2::text::uuid, 'public', now() - n * interval '1 minute' FROM generate_series(1, 150) n",
            &[&plan, &owner.id.to_string()],
        )
        .await
        .unwrap();
    let first = app
        .get(
            &format!("/api/plans/{plan}/access-logs"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 100);
    assert_eq!(first.body["pagination"]["total"], 150);
    let cursor = first.body["pagination"]["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/plans/{plan}/access-logs?cursor={cursor}"),
            Some(&owner.token),
        )
        .await;
    let rows = second.body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(second.body["pagination"]["next_cursor"], json!(null));
    let last_of_first = first.body["data"][99]["accessed_at"].as_str().unwrap();
    assert!(rows[0]["accessed_at"].as_str().unwrap() < last_of_first);
}

#[tokio::test]
async fn invitations_show_up_for_the_invited_user_only() {
    let app = spawn_app().await;
    let owner = app.user("lister_owner").await;
    let guest = app.user("lister_guest").await;
    let stranger = app.user("lister_stranger").await;
    let plan = create_plan(&app, &owner, plan_body()).await;
    invite(&app, &owner, &plan, json!({ "username": "lister_guest" })).await;
    let guests = app.get("/api/shared-with-me", Some(&guest.token)).await;
    assert_eq!(guests.body["pagination"]["total"], 1);
    for user in [&stranger, &owner] {
        let theirs = app.get("/api/shared-with-me", Some(&user.token)).await;
        assert_eq!(
            theirs.body["pagination"]["total"], 0,
            "someone else's invitation leaked"
        );
    }
    assert_eq!(
        app.get("/api/shared-with-me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_plans_page_opens_only_with_that_plans_own_token() {
    let app = spawn_app().await;
    let owner = app.user("page_plan_owner").await;
    let shared = create_plan(&app, &owner, plan_body()).await;
    let other = create_plan(&app, &owner, plan_body()).await;
    put(
        &app,
        &format!("/api/plans/{shared}/privacy"),
        Some(&owner.token),
        json!({ "share_link_enabled": true }),
    )
    .await;
    let token = token_of(
        &app.get(
            &format!("/api/plans/{shared}/share-link"),
            Some(&owner.token),
        )
        .await,
    );
    let page = |plan: &str| {
        app.http
            .get(format!("{}/plans/{plan}?token={token}", app.address))
            .send()
    };
    assert_eq!(page(&shared).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        page(&other).await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "a token opened a plan it was not made for"
    );
}

#[tokio::test]
async fn only_the_owner_reads_a_public_plans_share_link() {
    let app = spawn_app().await;
    let owner = app.user("public_link_owner").await;
    let other = app.user("public_link_other").await;
    let plan = create_plan(
        &app,
        &owner,
        json!({ "title": "t", "filename": "f", "content": "c", "is_public": true }),
    )
    .await;
    let reply = app
        .get(&format!("/api/plans/{plan}/share-link"), Some(&other.token))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["data"].is_null());
    let regenerated = app
        .post(
            &format!("/api/plans/{plan}/share-link/regenerate"),
            Some(&other.token),
            json!({}),
        )
        .await;
    assert_eq!(regenerated.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/plans/{plan}/share-link"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
