//! Lap sessions: private by default, the privacy toggle, and owner-only changes — each rule
//! from the side that may and the side that may not.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, spawn_app};

pub async fn create_session(app: &TestApp, owner: &TestUser, body: Value) -> String {
    let reply = app.post("/api/sessions", Some(&owner.token), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["data"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_new_session_is_private_and_only_its_owner_sees_it() {
    let app = spawn_app().await;
    let owner = app.user("racer").await;
    let other = app.user("rival").await;
    let created = app
        .post(
            "/api/sessions",
            Some(&owner.token),
            json!({ "track": "Spa", "title": "Quali", "laps": [138000, 136500] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let session = &created.body["data"];
    assert_eq!(session["is_public"], false);
    assert_eq!(session["visibility"], "private");
    assert_eq!(session["best_lap_ms"], 136500);
    assert_eq!(session["owner"]["username"], "racer");
    let id = session["id"].as_str().unwrap();

    assert_eq!(
        app.get(&format!("/api/sessions/{id}"), Some(&owner.token))
            .await
            .status,
        StatusCode::OK
    );
    let for_other = app
        .get(&format!("/api/sessions/{id}"), Some(&other.token))
        .await;
    let for_anon = app.get(&format!("/api/sessions/{id}"), None).await;
    let missing = app
        .get(&format!("/api/sessions/{}", uuid::Uuid::new_v4()), None)
        .await;
    for reply in [&for_other, &for_anon] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        // Exactly what a session that does not exist gets: no hint that it does.
        assert_eq!(reply.body, missing.body);
    }
}

#[tokio::test]
async fn the_owners_default_visibility_applies_unless_the_request_names_one() {
    let app = spawn_app().await;
    let owner = app.user("sharer").await;
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "defaults": { "session": "public" } }),
    )
    .await;
    let defaulted = app
        .post(
            "/api/sessions",
            Some(&owner.token),
            json!({ "track": "Monza" }),
        )
        .await;
    assert_eq!(defaulted.body["data"]["visibility"], "public");
    let explicit = app
        .post(
            "/api/sessions",
            Some(&owner.token),
            json!({ "track": "Monza", "is_public": false }),
        )
        .await;
    assert_eq!(explicit.body["data"]["visibility"], "private");
    let unlisted = app
        .post(
            "/api/sessions",
            Some(&owner.token),
            json!({ "track": "Monza", "visibility": "unlisted" }),
        )
        .await;
    assert_eq!(unlisted.body["data"]["visibility"], "unlisted");
}

#[tokio::test]
async fn the_privacy_toggle_makes_a_session_public_and_private_again() {
    let app = spawn_app().await;
    let owner = app.user("toggler").await;
    let id = create_session(&app, &owner, json!({ "track": "Suzuka" })).await;
    let path = format!("/api/sessions/{id}");

    let reply = app
        .request(
            Method::PUT,
            &format!("{path}/privacy"),
            Some(&owner.token),
            Some(json!({ "is_public": true })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["is_public"], true);
    assert_eq!(app.get(&path, None).await.status, StatusCode::OK);

    let reply = app
        .request(
            Method::PUT,
            &format!("{path}/privacy"),
            Some(&owner.token),
            Some(json!({ "is_public": false })),
        )
        .await;
    assert_eq!(reply.body["data"]["is_public"], false);
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);

    let reply = app
        .request(
            Method::PUT,
            &format!("{path}/privacy"),
            Some(&owner.token),
            Some(json!({ "visibility": "unlisted" })),
        )
        .await;
    assert_eq!(reply.body["data"]["visibility"], "unlisted");
}

#[tokio::test]
async fn only_the_owner_toggles_privacy_403_when_visible_404_when_not() {
    let app = spawn_app().await;
    let owner = app.user("owner_p").await;
    let other = app.user("other_p").await;
    let private = create_session(&app, &owner, json!({ "track": "Imola" })).await;
    let public = create_session(&app, &owner, json!({ "track": "Imola", "is_public": true })).await;
    let body = Some(json!({ "is_public": true }));

    let reply = app
        .request(
            Method::PUT,
            &format!("/api/sessions/{private}/privacy"),
            Some(&other.token),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/sessions/{public}/privacy"),
            Some(&other.token),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/sessions/{public}/privacy"),
            None,
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // Nothing changed.
    assert_eq!(
        app.get(&format!("/api/sessions/{private}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn privacy_requests_must_say_something_valid() {
    let app = spawn_app().await;
    let owner = app.user("precise").await;
    let id = create_session(&app, &owner, json!({ "track": "Zandvoort" })).await;
    for body in [
        json!({}),
        json!({ "is_public": "yes" }),
        json!({ "visibility": "secret" }),
        json!({ "visibility": null }),
        json!({ "visibility": "public", "is_public": false }),
    ] {
        let reply = app
            .request(
                Method::PUT,
                &format!("/api/sessions/{id}/privacy"),
                Some(&owner.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn bad_session_input_is_400_with_a_reason() {
    let app = spawn_app().await;
    let owner = app.user("sloppy").await;
    for body in [
        json!({}),
        json!({ "track": "" }),
        json!({ "track": "x".repeat(101) }),
        json!({ "track": 5 }),
        json!({ "track": "Spa", "laps": "fast" }),
        json!({ "track": "Spa", "laps": [1000, -5] }),
        json!({ "track": "Spa", "laps": [1000, 0] }),
        json!({ "track": "Spa", "laps": [1.5] }),
        json!({ "track": "Spa", "laps": ["1000"] }),
        json!({ "track": "Spa", "laps": vec![1000; 10_001] }),
        json!({ "track": "Spa", "recorded_at": "yesterday-ish" }),
        json!({ "track": "Spa", "visibility": "friends" }),
    ] {
        let reply = app
            .post("/api/sessions", Some(&owner.token), body.clone())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{}",
            &body.to_string()[..body.to_string().len().min(80)]
        );
        assert!(reply.body["error"].is_string());
    }
    let ok = app
        .post(
            "/api/sessions",
            Some(&owner.token),
            json!({ "track": "Spa", "laps": vec![1000; 10_000] }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(
        app.get("/api/sessions/not-a-uuid", Some(&owner.token))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn creating_a_session_needs_an_account() {
    let app = spawn_app().await;
    let anonymous = app
        .post("/api/sessions", None, json!({ "track": "Spa" }))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let no_profile = app
        .post(
            "/api/sessions",
            Some(&app.token_for(uuid::Uuid::new_v4())),
            json!({ "track": "Spa" }),
        )
        .await;
    assert_eq!(no_profile.status, StatusCode::CONFLICT);
    assert_eq!(no_profile.code(), "PROFILE_REQUIRED");
}

#[tokio::test]
async fn the_session_list_is_the_callers_own_newest_first_and_paginated() {
    let app = spawn_app().await;
    let owner = app.user("lister").await;
    let other = app.user("noise").await;
    for day in 1..=5 {
        create_session(
            &app,
            &owner,
            json!({ "track": "Spa", "recorded_at": format!("2026-01-0{day}T10:00:00Z") }),
        )
        .await;
    }
    create_session(&app, &other, json!({ "track": "Spa", "is_public": true })).await;
    let first = app.get("/api/sessions?limit=2", Some(&owner.token)).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let cursor = first.body["pagination"]["next_cursor"].as_str().unwrap();
    let page = app
        .get(
            &format!("/api/sessions?limit=2&cursor={cursor}"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let dates: Vec<&str> = page.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["recorded_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        vec!["2026-01-03T10:00:00+00:00", "2026-01-02T10:00:00+00:00"]
    );
    let pagination = &page.body["pagination"];
    assert_eq!(
        (
            &pagination["total"],
            &pagination["limit"],
            &pagination["offset"],
            &pagination["has_more"]
        ),
        (&json!(5), &json!(2), &json!(2), &json!(true))
    );
    assert_eq!(
        app.get("/api/sessions", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn only_the_owner_changes_or_deletes_a_session() {
    let app = spawn_app().await;
    let owner = app.user("keeper").await;
    let other = app.user("meddler").await;
    let public = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    let private = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let path = format!("/api/sessions/{public}");

    assert_eq!(
        app.patch(&path, Some(&other.token), json!({ "title": "mine" }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.patch(
            &format!("/api/sessions/{private}"),
            Some(&other.token),
            json!({ "title": "x" })
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.request(Method::DELETE, &path, Some(&other.token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.request(Method::DELETE, &path, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    let changed = app
        .patch(
            &path,
            Some(&owner.token),
            json!({ "title": "Race", "laps": [90000] }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["data"]["title"], "Race");
    assert_eq!(changed.body["data"]["laps"], json!([90000]));
    assert_eq!(changed.body["data"]["track"], "Spa");

    assert_eq!(
        app.request(Method::DELETE, &path, Some(&owner.token), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, Some(&owner.token)).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Any RFC 3339 offset (to ±23:59) is read, though PostgreSQL's own cast stops at ±15:59.
#[tokio::test]
async fn recorded_at_takes_any_rfc_3339_offset() {
    let app = spawn_app().await;
    let ada = app.user("offsets").await;
    for (sent, utc) in [
        ("2026-01-01T10:00:00-05:00", "2026-01-01T15:00:00+00:00"),
        (
            "2026-01-02T06:44:36.35+16:56",
            "2026-01-01T13:48:36.35+00:00",
        ),
        ("2026-01-03T00:00:00-23:59", "2026-01-03T23:59:00+00:00"),
    ] {
        let created = app
            .post(
                "/api/sessions",
                Some(&ada.token),
                json!({ "track": "Spa", "recorded_at": sent }),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{sent}: {:?}",
            created.body
        );
        assert_eq!(created.body["data"]["recorded_at"], utc, "{sent}");
    }
}
