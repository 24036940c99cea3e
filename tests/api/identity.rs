//! The identity rule (DESIGN §3): the request's identity (request.user_id, beside
//! request.jwt.claims) is trusted only in the authenticator's sessions. An analyst who sets
//! them to someone else's id gets nobody's identity.

use serde_json::json;
use tokio_postgres::error::SqlState;

use reqwest::StatusCode;

use crate::helpers::{
    AUTHENTICATOR_PASSWORD, analyst, connect_config, spawn_app, spawn_app_with, test_server,
    text_column,
};
use crate::sessions::create_session;

/// Sets what the server sets for a user: the claims and the mapped user id.
async fn claim_to_be(client: &tokio_postgres::Client, sub: uuid::Uuid) {
    let claims = json!({ "sub": sub }).to_string();
    client
        .execute(
            "SELECT set_config('request.jwt.claims', $1, false), \
                    set_config('request.user_id', $2, false)",
            &[&claims, &sub.to_string()],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn an_analyst_who_sets_claims_gets_no_identity_and_no_private_rows() {
    let app = spawn_app().await;
    let victim = app.user("victim").await;
    app.patch(
        "/api/auth/profile",
        Some(&victim.token),
        json!({ "email": "victim@example.com" }),
    )
    .await;
    let analyst = analyst(&app, None).await;

    claim_to_be(&analyst, victim.id).await;
    let me: Option<uuid::Uuid> = analyst
        .query_one("SELECT user_id FROM analytics.me", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(me, None);
    let emails = analyst
        .query(
            "SELECT email FROM analytics.me WHERE email IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    assert!(emails.is_empty(), "an analyst read another user's email");
    let settings = analyst
        .query("SELECT * FROM analytics.default_visibility", &[])
        .await
        .unwrap();
    assert!(
        settings.is_empty(),
        "an analyst read another user's settings"
    );
    let error = analyst
        .query("SELECT api.get_profile('{}')", &[])
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        Some(&SqlState::INSUFFICIENT_PRIVILEGE),
        "the API's functions are not for analysts"
    );
}

#[tokio::test]
async fn the_authenticator_does_get_the_identity_its_claims_name() {
    // The other side of the rule: the server's own sessions are trusted.
    let app = spawn_app().await;
    let user = app.user("trusted").await;
    let config = test_server().login_config(
        "hedgerow_authenticator",
        AUTHENTICATOR_PASSWORD,
        &app.database,
    );
    let authenticator = connect_config(&config).await;
    authenticator
        .batch_execute("SET ROLE hedgerow_user")
        .await
        .unwrap();
    claim_to_be(&authenticator, user.id).await;
    let me: Option<uuid::Uuid> = authenticator
        .query_one("SELECT hedgerow.current_user_id()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(me, Some(user.id));
}

#[tokio::test]
async fn a_mapped_analyst_sees_its_users_private_rows_and_nobody_elses() {
    let app = spawn_app().await;
    let mine = app.user("mapped_user").await;
    let other = app.user("other_user").await;
    app.patch(
        "/api/auth/profile",
        Some(&mine.token),
        json!({ "email": "mine@example.com" }),
    )
    .await;
    app.patch(
        "/api/auth/profile",
        Some(&other.token),
        json!({ "email": "other@example.com" }),
    )
    .await;
    let analyst = analyst(&app, Some(mine.id)).await;

    let emails: Vec<String> = text_column(&analyst, "SELECT email FROM analytics.me").await;
    assert_eq!(emails, vec!["mine@example.com"]);
    claim_to_be(&analyst, other.id).await;
    let emails: Vec<String> = text_column(&analyst, "SELECT email FROM analytics.me").await;
    assert_eq!(
        emails,
        vec!["mine@example.com"],
        "claims must not switch an analyst's identity"
    );
}

#[tokio::test]
async fn an_analyst_cannot_become_an_api_role_or_write_anything() {
    let app = spawn_app().await;
    let user = app.user("target").await;
    let analyst = analyst(&app, Some(user.id)).await;
    for role in [
        "hedgerow_user",
        "hedgerow_anon",
        "hedgerow_authenticator",
        "hedgerow_owner",
    ] {
        let error = analyst
            .batch_execute(&format!("SET ROLE {role}"))
            .await
            .unwrap_err();
        assert_eq!(
            error.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "SET ROLE {role}"
        );
    }
    for statement in [
        "UPDATE data.profiles SET display_name = 'pwned'",
        "DELETE FROM data.profiles",
        "INSERT INTO data.profiles (id, username) VALUES (gen_random_uuid(), 'intruder')",
        "UPDATE data.default_visibility SET visibility = 'public'",
        "SELECT * FROM data.sessions",
        "INSERT INTO data.analyst_accounts (role_name) VALUES ('someone')",
        "TRUNCATE data.profiles",
    ] {
        let error = analyst.batch_execute(statement).await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}"
        );
    }
    let error = analyst
        .query(
            "SELECT api.update_profile('{\"display_name\": \"pwned\"}')",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
}

#[tokio::test]
async fn nothing_a_request_sets_survives_into_the_next_request_on_the_same_connection() {
    // One connection: every request reuses the one before it.
    let app = spawn_app_with(|config| config.pool_size = 1).await;
    let owner = app.user("first_caller").await;
    let session = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let link = app
        .post(
            &format!("/api/sessions/{session}/shares"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    let token = link.body["data"]["token"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/auth/profile", Some(&owner.token))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.get("/api/auth/profile", None).await.status,
            StatusCode::UNAUTHORIZED,
            "the last caller's claims leaked"
        );
        assert_eq!(
            app.get(&format!("/api/sessions/{session}?token={token}"), None)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.get(&format!("/api/sessions/{session}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "the last share token leaked"
        );
    }
}
