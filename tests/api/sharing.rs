//! Share links: created by the owner, opened without an account, revocable and expiring, one
//! 404 for every dead token — and each read logged.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PUBLIC_URL, Reply, TestApp, TestUser, spawn_app};
use crate::sessions::create_session;

async fn share(app: &TestApp, owner: &TestUser, session: &str, body: serde_json::Value) -> Reply {
    app.post(
        &format!("/api/sessions/{session}/share"),
        Some(&owner.token),
        body,
    )
    .await
}

fn assert_share_headers(reply: &Reply) {
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(reply.header("x-robots-tag"), Some("noindex"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn anyone_with_the_link_can_view_a_private_session_without_an_account() {
    let app = spawn_app().await;
    let owner = app.user("link_owner").await;
    let session = create_session(
        &app,
        &owner,
        json!({ "track": "Spa", "title": "Secret pace", "laps": [131000] }),
    )
    .await;

    let link = share(&app, &owner, &session, json!({})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let token = link.body["data"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256 bits in base64url");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(
        link.body["data"]["url"],
        format!("{PUBLIC_URL}/shared/{token}")
    );
    assert_eq!(link.body["data"]["expires_at"], json!(null));

    let opened = app.get(&format!("/api/shared/{token}"), None).await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.body);
    assert_eq!(opened.body["data"]["kind"], "session");
    assert_eq!(opened.body["data"]["resource"]["title"], "Secret pace");
    assert_eq!(
        opened.body["data"]["owner"],
        json!({ "username": "link_owner", "display_name": "link_owner" })
    );
    assert_share_headers(&opened);

    // The link did not make the session public.
    assert_eq!(
        app.get(&format!("/api/sessions/{session}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let feed = app.get("/api/public/sessions", None).await;
    assert_eq!(feed.body["pagination"]["total"], 0);
}

#[tokio::test]
async fn the_token_also_opens_the_session_by_id_and_nothing_else() {
    let app = spawn_app().await;
    let owner = app.user("two_sessions").await;
    let shared = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let other = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let token = share(&app, &owner, &shared, json!({})).await.body["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();

    let by_header = app
        .http
        .get(format!("{}/api/sessions/{shared}", app.address))
        .header("x-share-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), StatusCode::OK);
    let by_query = app
        .get(&format!("/api/sessions/{shared}?token={token}"), None)
        .await;
    assert_eq!(by_query.status, StatusCode::OK);
    assert_share_headers(&by_query);
    let elsewhere = app
        .get(&format!("/api/sessions/{other}?token={token}"), None)
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn revoked_expired_and_unknown_tokens_get_the_same_404() {
    let app = spawn_app().await;
    let owner = app.user("revoker").await;
    let session = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let revoked = share(&app, &owner, &session, json!({})).await;
    let expired = share(
        &app,
        &owner,
        &session,
        json!({ "expires_in_seconds": 3600 }),
    )
    .await;
    let alive = share(&app, &owner, &session, json!({})).await;
    let token = |reply: &Reply| reply.body["data"]["token"].as_str().unwrap().to_string();

    let revoke = app
        .request(
            Method::DELETE,
            &format!(
                "/api/sessions/{session}/shares/{}",
                revoked.body["data"]["id"].as_str().unwrap()
            ),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::OK, "{:?}", revoke.body);
    assert!(revoke.body["data"]["revoked_at"].is_string());
    app.admin()
        .await
        .execute("UPDATE data.share_links SET expires_at = now() - interval '1 second' WHERE id = $1::text::uuid", &[&expired.body["data"]["id"].as_str().unwrap()])
        .await
        .unwrap();

    let unknown = app
        .get(
            "/api/shared/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_share_headers(&unknown);
    for dead in [token(&revoked), token(&expired)] {
        let reply = app.get(&format!("/api/shared/{dead}"), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            reply.body, unknown.body,
            "a dead token must look exactly like an unknown one"
        );
        assert_eq!(
            app.get(&format!("/api/sessions/{session}?token={dead}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    // Revoking one link leaves the others working.
    assert_eq!(
        app.get(&format!("/api/shared/{}", token(&alive)), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn links_can_expire_by_duration_or_date_and_bad_expiries_are_refused() {
    let app = spawn_app().await;
    let owner = app.user("expirer").await;
    let session = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let by_duration = share(&app, &owner, &session, json!({ "expires_in_seconds": 60 })).await;
    assert_eq!(by_duration.status, StatusCode::CREATED);
    assert!(by_duration.body["data"]["expires_at"].is_string());
    let by_date = share(
        &app,
        &owner,
        &session,
        json!({ "expires_at": "2999-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        by_date.body["data"]["expires_at"],
        "2999-01-01T00:00:00+00:00"
    );
    for bad in [
        json!({ "expires_in_seconds": 0 }),
        json!({ "expires_in_seconds": -5 }),
        json!({ "expires_in_seconds": "soon" }),
        json!({ "expires_at": "2001-01-01T00:00:00Z" }),
        json!({ "expires_at": "tomorrow" }),
        json!({ "expires_at": "2999-01-01T00:00:00Z", "expires_in_seconds": 60 }),
    ] {
        assert_eq!(
            share(&app, &owner, &session, bad.clone()).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn only_the_owner_creates_lists_and_revokes_links() {
    let app = spawn_app().await;
    let owner = app.user("link_admin").await;
    let other = app.user("link_thief").await;
    let private = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let public = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    let link = share(&app, &owner, &public, json!({})).await;
    let link_id = link.body["data"]["id"].as_str().unwrap();

    assert_eq!(
        share(&app, &other, &private, json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        share(&app, &other, &public, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&format!("/api/sessions/{public}/share"), None, json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let listed = app
        .get(
            &format!("/api/sessions/{public}/shares"),
            Some(&other.token),
        )
        .await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
    assert!(
        !listed
            .body
            .to_string()
            .contains(link.body["data"]["token"].as_str().unwrap())
    );
    let revoke = app
        .request(
            Method::DELETE,
            &format!("/api/sessions/{public}/shares/{link_id}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::FORBIDDEN);
    // A link id of another session is not this session's.
    let revoke = app
        .request(
            Method::DELETE,
            &format!("/api/sessions/{private}/shares/{link_id}"),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_owner_sees_each_links_use_from_the_access_log() {
    let app = spawn_app().await;
    let owner = app.user("counter").await;
    let session = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let link = share(
        &app,
        &owner,
        &session,
        json!({ "expires_in_seconds": 3600 }),
    )
    .await;
    let token = link.body["data"]["token"].as_str().unwrap();
    app.get(&format!("/api/shared/{token}"), None).await;
    app.get(&format!("/api/sessions/{session}?token={token}"), None)
        .await;

    let listed = app
        .get(
            &format!("/api/sessions/{session}/shares"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let entry = &listed.body["data"][0];
    assert_eq!(entry["use_count"], 2);
    assert!(entry["last_used_at"].is_string());
    assert_eq!(entry["token"], token);
    for field in ["created_at", "expires_at", "revoked_at", "url", "active"] {
        assert!(entry.get(field).is_some(), "{field} missing");
    }
}

#[tokio::test]
async fn every_single_read_is_logged_with_how_access_was_granted() {
    let app = spawn_app().await;
    let owner = app.user("logged_owner").await;
    let viewer = app.user("logged_viewer").await;
    let public = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    let unlisted = create_session(
        &app,
        &owner,
        json!({ "track": "Spa", "visibility": "unlisted" }),
    )
    .await;
    let private = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let link = share(&app, &owner, &private, json!({})).await;
    let token = link.body["data"]["token"].as_str().unwrap();

    app.get(&format!("/api/sessions/{private}"), Some(&owner.token))
        .await;
    app.get(&format!("/api/sessions/{public}"), Some(&viewer.token))
        .await;
    app.get(&format!("/api/sessions/{unlisted}"), None).await;
    app.get(&format!("/api/shared/{token}"), None).await;
    // Refused reads are not logged.
    assert_eq!(
        app.get(&format!("/api/sessions/{private}"), Some(&viewer.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let rows = app
        .admin()
        .await
        .query(
            "SELECT resource_id::text, viewer_id::text, accessed_via::text, share_link_id::text, ip_address::text \
               FROM data.access_log ORDER BY accessed_at, id",
            &[],
        )
        .await
        .unwrap();
    let seen: Vec<(String, Option<String>, String, Option<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let link_id = link.body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        seen,
        vec![
            (
                private.clone(),
                Some(owner.id.to_string()),
                "owner".into(),
                None
            ),
            (public, Some(viewer.id.to_string()), "public".into(), None),
            (unlisted, None, "unlisted".into(), None),
            (private, None, "share_link".into(), Some(link_id)),
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.get::<_, Option<String>>(4).as_deref() == Some("127.0.0.1/32"))
    );
}
