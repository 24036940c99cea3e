//! The README's settings for each identity provider, with tokens shaped like that provider's
//! (claims, algorithm, subject) and its JWK set served on loopback in place of the real URL.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app_with_settings};
use crate::idp::{IdentityProvider, SigningKey};

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Signs up with `token`, reads the profile back with `again` (a later token of the same
/// person), and checks that its id is the subject's user id.
async fn sign_up(app: &TestApp, token: &str, again: &str, username: &str, subject: &str) {
    let created = app
        .post(
            "/api/auth/profile",
            Some(token),
            json!({ "username": username }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let expected = hedgerow::auth::user_id(&json!(subject)).unwrap();
    assert_eq!(created.body["data"]["id"], json!(expected));
    let read = app.get("/api/auth/profile", Some(again)).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.body["data"]["username"], username);
}

#[tokio::test]
async fn auth0_access_tokens_with_auth0_subjects_get_in() {
    let key = SigningKey::rsa("rsa", "auth0-key-1", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        (
            "HEDGEROW_JWT_ISSUER",
            "https://example-tenant.us.auth0.com/",
        ),
        ("HEDGEROW_JWT_AUDIENCE", "https://api.hedgerow.example"),
    ])
    .await;
    let sub = "auth0|64f1c2a9e5b7d3a1f0c8e912";
    let token = |iat: u64| {
        key.sign(&json!({
            "iss": "https://example-tenant.us.auth0.com/",
            "sub": sub,
            "aud": ["https://api.hedgerow.example", "https://example-tenant.us.auth0.com/userinfo"],
            "iat": iat, "exp": iat + 86400, "scope": "openid profile", "azp": "aBcD123"
        }))
    };
    sign_up(&app, &token(now()), &token(now() + 1), "auth0_user", sub).await;

    let other_api = key.sign(&json!({
        "iss": "https://example-tenant.us.auth0.com/", "sub": sub,
        "aud": "https://another-api.example", "exp": now() + 600
    }));
    let refused = app.get("/api/auth/profile", Some(&other_api)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body["error"].as_str().unwrap().contains("audience"));
}

#[tokio::test]
async fn keycloak_tokens_are_verified_by_the_realms_signing_key_and_not_its_encryption_key() {
    let key = SigningKey::rsa("rsa", "kc-sig", Algorithm::RS256);
    // A realm publishes an RSA-OAEP key for encryption beside its signing key.
    let mut encryption = SigningKey::rsa("rsa2", "kc-enc", Algorithm::RS256).jwk();
    encryption["use"] = json!("enc");
    encryption["alg"] = json!("RSA-OAEP");
    let idp = IdentityProvider::start(vec![encryption, key.jwk()]).await;
    let issuer = "https://keycloak.example/realms/hedgerow";
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        ("HEDGEROW_JWT_ISSUER", issuer),
        ("HEDGEROW_JWT_AUDIENCE", "hedgerow"),
    ])
    .await;
    let token = |sub: &str| {
        key.sign(&json!({
            "iss": issuer, "sub": sub, "aud": ["hedgerow", "account"], "typ": "Bearer",
            "azp": "hedgerow-web", "preferred_username": "jdoe", "exp": now() + 300,
            "realm_access": { "roles": ["default-roles-hedgerow"] }
        }))
    };
    let uuid = Uuid::new_v4().to_string();
    sign_up(&app, &token(&uuid), &token(&uuid), "keycloak_user", &uuid).await;
    // A user federated with a custom id.
    let federated = "f:6d1b3c4e:jdoe";
    sign_up(
        &app,
        &token(federated),
        &token(federated),
        "keycloak_ldap",
        federated,
    )
    .await;
    // Signed with the private half of the encryption key, under its kid: refused.
    let under_enc = SigningKey::rsa("rsa2", "kc-enc", Algorithm::RS256).sign(&json!({
        "iss": issuer, "sub": uuid, "aud": "hedgerow", "exp": now() + 300
    }));
    assert_eq!(
        app.get("/api/auth/profile", Some(&under_enc)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn clerk_session_tokens_with_user_ids_get_in() {
    let key = SigningKey::rsa("rsa", "ins_2abc", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let issuer = "https://clerk.hedgerow.example";
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        ("HEDGEROW_JWT_ISSUER", issuer),
    ])
    .await;
    let sub = "user_2NNEqL2nrIRdJ194ndJqAHwEfxC";
    let token = || {
        key.sign(&json!({
            "azp": "https://hedgerow.example", "exp": now() + 60, "iat": now(),
            "iss": issuer, "nbf": now() - 10, "sid": "sess_2NNEqM1", "sub": sub
        }))
    };
    sign_up(&app, &token(), &token(), "clerk_user", sub).await;
}

#[tokio::test]
async fn firebase_id_tokens_with_firebase_uids_get_in() {
    let key = SigningKey::rsa("rsa", "f1b2c3d4e5", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        (
            "HEDGEROW_JWT_ISSUER",
            "https://securetoken.google.com/hedgerow-app",
        ),
        ("HEDGEROW_JWT_AUDIENCE", "hedgerow-app"),
    ])
    .await;
    let uid = "kZ4u4Xb3b5Pn3P6ZbUq3v0sJ9x12";
    let token = || {
        key.sign(&json!({
            "iss": "https://securetoken.google.com/hedgerow-app", "aud": "hedgerow-app",
            "auth_time": now(), "user_id": uid, "sub": uid, "iat": now(), "exp": now() + 3600,
            "email": "ada@example.com",
            "firebase": { "identities": {}, "sign_in_provider": "password" }
        }))
    };
    sign_up(&app, &token(), &token(), "firebase_user", uid).await;
}

/// Supabase's legacy anon key: HS256 with the project's JWT secret, no `sub`.
fn anon_key(secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({ "iss": "supabase", "ref": "abcdefghijklmnop", "role": "anon",
                 "iat": now(), "exp": now() + 10 * 365 * 86400 }),
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn supabase_claims(sub: &str) -> Value {
    json!({
        "iss": "https://abcdefghijklmnop.supabase.co/auth/v1", "sub": sub,
        "aud": "authenticated", "exp": now() + 3600, "iat": now(),
        "email": "ada@example.com", "role": "authenticated", "aal": "aal1",
        "session_id": Uuid::new_v4(), "is_anonymous": false
    })
}

#[tokio::test]
async fn supabase_user_tokens_get_in_and_the_anon_key_is_anonymous() {
    let secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    let key = SigningKey::generated("b81269f1-21d8-4f2e-b719-c2240a840d90", Algorithm::ES256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        ("HEDGEROW_JWT_SECRET", secret),
        (
            "HEDGEROW_JWT_ISSUER",
            "https://abcdefghijklmnop.supabase.co/auth/v1",
        ),
        ("HEDGEROW_JWT_AUDIENCE", "authenticated"),
        ("HEDGEROW_JWT_ANONYMOUS_TOKENS", "true"),
    ])
    .await;
    let sub = Uuid::new_v4().to_string();
    let token = key.sign(&supabase_claims(&sub));
    sign_up(&app, &token, &token, "supabase_user", &sub).await;
    // A project still on the legacy secret signs user tokens with HS256.
    let legacy = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &supabase_claims(&sub),
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.get("/api/auth/profile", Some(&legacy)).await.status,
        StatusCode::OK
    );

    // supabase-js sends the anon key on every request: public endpoints answer.
    let anon = anon_key(secret);
    let feed = app.get("/api/public/sessions", Some(&anon)).await;
    assert_eq!(feed.status, StatusCode::OK, "{:?}", feed.body);
    let profile = app.get("/api/users/supabase_user", Some(&anon)).await;
    assert_eq!(profile.status, StatusCode::OK, "{:?}", profile.body);
    let private = app.get("/api/auth/profile", Some(&anon)).await;
    assert_eq!(private.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        private.code(),
        "UNAUTHENTICATED",
        "anonymous, not a bad token"
    );
    // A forged anon key is still a bad token.
    let forged = anon_key("not-the-project-secret-but-as-long-as-one-0123");
    let refused = app.get("/api/public/sessions", Some(&forged)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.code(), "INVALID_TOKEN");
}

#[tokio::test]
async fn without_anonymous_tokens_an_anon_key_is_refused_with_its_reason() {
    let secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    let app = spawn_app_with_settings(&[("HEDGEROW_JWT_SECRET", secret)]).await;
    let refused = app
        .get("/api/public/sessions", Some(&anon_key(secret)))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .contains("error_description=\"the token has no user claim (sub)\""),
        "{:?}",
        refused.headers
    );
}

#[tokio::test]
async fn a_user_claim_elsewhere_in_the_token_names_the_user() {
    let key = SigningKey::rsa("rsa", "k", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        (
            "HEDGEROW_JWT_USER_CLAIM",
            ".\"https://hedgerow.example/claims\".user_id",
        ),
    ])
    .await;
    let token = key.sign(&json!({
        "sub": "service-account", "exp": now() + 600,
        "https://hedgerow.example/claims": { "user_id": "legacy-42" }
    }));
    sign_up(&app, &token, &token, "namespaced", "legacy-42").await;
}
