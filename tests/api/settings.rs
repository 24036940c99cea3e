//! Settings: GET/PATCH /api/settings, each user's own.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn new_profiles_get_the_documented_defaults() {
    let app = spawn_app().await;
    let user = app.user("defaults").await;
    let reply = app.get("/api/settings", Some(&user.token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let data = &reply.body["data"];
    assert_eq!(data["defaults"]["session"], "private");
    assert_eq!(data["defaults"]["shelf"], "public");
    assert_eq!(data["defaults"]["plan"], "private");
}

#[tokio::test]
async fn patch_changes_only_the_fields_sent() {
    let app = spawn_app().await;
    let user = app.user("tweaker").await;
    let reply = app
        .patch(
            "/api/settings",
            Some(&user.token),
            json!({ "defaults": { "session": "unlisted" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["defaults"]["session"], "unlisted");
    assert_eq!(reply.body["data"]["defaults"]["shelf"], "public");
    let reply = app
        .patch(
            "/api/settings",
            Some(&user.token),
            json!({ "defaults": { "shelf": "private", "plan": "public" } }),
        )
        .await;
    assert_eq!(reply.body["data"]["defaults"]["session"], "unlisted");
    assert_eq!(reply.body["data"]["defaults"]["shelf"], "private");
    assert_eq!(reply.body["data"]["defaults"]["plan"], "public");
}

#[tokio::test]
async fn unknown_visibility_levels_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let user = app.user("strict").await;
    for bad in [json!("secret"), json!(1), json!(true), json!("PUBLIC")] {
        let reply = app
            .patch(
                "/api/settings",
                Some(&user.token),
                json!({ "defaults": { "plan": bad } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let reply = app.get("/api/settings", Some(&user.token)).await;
    assert_eq!(reply.body["data"]["defaults"]["plan"], "private");
}

#[tokio::test]
async fn settings_need_a_token_and_a_profile() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/api/settings", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.patch(
            "/api/settings",
            None,
            json!({ "defaults": { "plan": "public" } })
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    let stranger = app.token_for(Uuid::new_v4());
    assert_eq!(
        app.get("/api/settings", Some(&stranger)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn each_user_sees_and_changes_only_their_own_settings() {
    let app = spawn_app().await;
    let alice = app.user("alice_settings").await;
    let bob = app.user("bob_settings").await;
    app.patch(
        "/api/settings",
        Some(&alice.token),
        json!({ "defaults": { "session": "public" } }),
    )
    .await;
    let bobs = app.get("/api/settings", Some(&bob.token)).await;
    assert_eq!(bobs.body["data"]["defaults"]["session"], "private");
}
