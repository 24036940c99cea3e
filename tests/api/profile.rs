//! Profiles: POST/GET/PATCH /api/auth/profile and GET /api/users/{username}.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn creating_a_profile_returns_201_and_it_can_be_read_back() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let token = app.token_for(id);
    let created = app
        .post(
            "/api/auth/profile",
            Some(&token),
            json!({ "username": "ada_l", "display_name": "Ada", "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["error"], json!(null));
    assert_eq!(created.body["data"]["id"], id.to_string());
    assert_eq!(created.body["data"]["username"], "ada_l");

    let read = app.get("/api/auth/profile", Some(&token)).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["data"]["email"], "ada@example.com");
    assert_eq!(read.body["data"]["display_name"], "Ada");
}

#[tokio::test]
async fn a_second_profile_for_the_same_user_is_409_profile_exists() {
    let app = spawn_app().await;
    let user = app.user("first_one").await;
    let again = app
        .post(
            "/api/auth/profile",
            Some(&user.token),
            json!({ "username": "second_one" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "PROFILE_EXISTS");
}

#[tokio::test]
async fn a_taken_username_is_409_username_taken() {
    let app = spawn_app().await;
    app.user("popular").await;
    let token = app.token_for(Uuid::new_v4());
    let reply = app
        .post(
            "/api/auth/profile",
            Some(&token),
            json!({ "username": "popular" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.code(), "USERNAME_TAKEN");
}

#[tokio::test]
async fn usernames_must_be_3_to_32_lowercase_letters_digits_or_underscores() {
    let app = spawn_app().await;
    let token = app.token_for(Uuid::new_v4());
    for bad in [
        "ab",
        "UPPER",
        "has space",
        "dash-es",
        &"x".repeat(33),
        "émile",
    ] {
        let reply = app
            .post(
                "/api/auth/profile",
                Some(&token),
                json!({ "username": bad }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(reply.code(), "INVALID_USERNAME", "{bad:?}");
    }
    for wrong_type in [
        json!({}),
        json!({ "username": 42 }),
        json!({ "username": ["ada"] }),
    ] {
        let reply = app
            .post("/api/auth/profile", Some(&token), wrong_type.clone())
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{wrong_type}");
    }
    let ok = app
        .post(
            "/api/auth/profile",
            Some(&token),
            json!({ "username": "ok_name_3" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
}

#[tokio::test]
async fn reading_or_changing_a_profile_before_creating_it_is_404() {
    let app = spawn_app().await;
    let token = app.token_for(Uuid::new_v4());
    let reply = app.get("/api/auth/profile", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "PROFILE_NOT_FOUND");
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&token),
            json!({ "display_name": "x" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn patch_updates_display_name_and_email_and_returns_the_seed_shape() {
    let app = spawn_app().await;
    let user = app.user("patcher").await;
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&user.token),
            json!({ "display_name": "New Name", "email": "new@example.com" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["username"], "patcher");
    assert_eq!(data["display_name"], "New Name");
    assert_eq!(data["email"], "new@example.com");
    assert!(data["updated_at"].is_string());

    // Absent fields stay as they are; null clears an optional one.
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&user.token),
            json!({ "email": null }),
        )
        .await;
    assert_eq!(reply.body["data"]["display_name"], "New Name");
    assert_eq!(reply.body["data"]["email"], json!(null));
}

#[tokio::test]
async fn invalid_display_names_and_emails_are_400() {
    let app = spawn_app().await;
    let user = app.user("validator").await;
    for (body, code) in [
        (json!({ "display_name": "" }), "INVALID_DISPLAY_NAME"),
        (
            json!({ "display_name": "x".repeat(101) }),
            "INVALID_DISPLAY_NAME",
        ),
        (json!({ "display_name": 7 }), "INVALID_DISPLAY_NAME"),
        (json!({ "displayname": "typo" }), "UNKNOWN_FIELD"),
        (json!({ "email": "not-an-email" }), "INVALID_EMAIL"),
        (json!({ "email": "two@@example.com" }), "INVALID_EMAIL"),
        (json!({ "email": "spaces in@example.com" }), "INVALID_EMAIL"),
        (
            json!({ "email": format!("{}@example.com", "a".repeat(250)) }),
            "INVALID_EMAIL",
        ),
    ] {
        let reply = app
            .patch("/api/auth/profile", Some(&user.token), body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.code(), code, "{body}");
    }
    let unchanged = app.get("/api/auth/profile", Some(&user.token)).await;
    assert_eq!(unchanged.body["data"]["display_name"], "validator");
}

#[tokio::test]
async fn an_email_in_use_by_another_account_is_409_whatever_its_case() {
    let app = spawn_app().await;
    let first = app.user("first_email").await;
    let second = app.user("second_email").await;
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&first.token),
            json!({ "email": "shared@example.com" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&second.token),
            json!({ "email": "Shared@Example.COM" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.code(), "EMAIL_TAKEN");
    assert!(
        !reply.body.to_string().contains("first_email"),
        "the conflict must not say whose email it is"
    );
    // Re-saving one's own email is not a conflict.
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&first.token),
            json!({ "email": "SHARED@example.com" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_username_never_changes() {
    let app = spawn_app().await;
    let user = app.user("permanent").await;
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&user.token),
            json!({ "username": "renamed" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "USERNAME_IMMUTABLE");
    // Sending the same username along is harmless.
    let reply = app
        .patch(
            "/api/auth/profile",
            Some(&user.token),
            json!({ "username": "permanent", "display_name": "P" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    // Not even a direct UPDATE as the user role can change it.
    let admin = app.admin().await;
    let claims = json!({ "sub": user.id }).to_string();
    let result = admin
        .batch_execute(&format!(
            "BEGIN; SET LOCAL ROLE hedgerow_user; SELECT set_config('request.jwt.claims', '{claims}', true); \
             UPDATE data.profiles SET username = 'renamed' WHERE id = '{}'; COMMIT;",
            user.id
        ))
        .await;
    assert_eq!(
        result.unwrap_err().code(),
        Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );
}

#[tokio::test]
async fn public_profiles_show_username_and_display_name_but_never_the_email() {
    let app = spawn_app().await;
    let user = app.user("visible").await;
    app.patch(
        "/api/auth/profile",
        Some(&user.token),
        json!({ "email": "hidden@example.com" }),
    )
    .await;
    let other = app.user("onlooker").await;
    for token in [None, Some(other.token.as_str()), Some(user.token.as_str())] {
        let reply = app.get("/api/users/visible", token).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["data"]["username"], "visible");
        assert_eq!(reply.body["data"]["display_name"], "visible");
        assert!(!reply.body.to_string().contains("hidden@example.com"));
    }
    let missing = app.get("/api/users/nobody_here", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "USER_NOT_FOUND");
}

#[tokio::test]
async fn anonymous_callers_cannot_create_or_change_profiles() {
    let app = spawn_app().await;
    let create = app
        .post("/api/auth/profile", None, json!({ "username": "ghost" }))
        .await;
    assert_eq!(create.status, StatusCode::UNAUTHORIZED);
    let change = app
        .patch(
            "/api/auth/profile",
            None,
            json!({ "display_name": "ghost" }),
        )
        .await;
    assert_eq!(change.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/users/ghost", None).await.status,
        StatusCode::NOT_FOUND
    );
}
