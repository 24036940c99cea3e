//! Tokens: only valid ones get in, every bad one is a 401 before any database work.

use std::{str::FromStr, time::Duration};

use hedgerow::auth::JwtConfig;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{JWT_SECRET, spawn_app, spawn_app_on};

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn hs256(claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

/// Asserts the refusal every bad token gets.
fn assert_refused(reply: &crate::helpers::Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    // RFC 6750: the reason follows as error_description.
    let challenge = reply.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
    assert_eq!(reply.body["data"], json!(null));
    assert_eq!(reply.code(), "INVALID_TOKEN");
}

#[tokio::test]
async fn a_valid_token_gets_in_and_no_token_gets_a_401_on_private_endpoints() {
    let app = spawn_app().await;
    let user = app.user("valid_user").await;
    assert_eq!(
        app.get("/api/auth/profile", Some(&user.token)).await.status,
        StatusCode::OK
    );

    let anonymous = app.get("/api/auth/profile", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    assert_eq!(anonymous.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_refused() {
    let app = spawn_app().await;
    let sub = Uuid::new_v4().to_string();
    let secret = JWT_SECRET.as_bytes();
    let unsigned = {
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        let payload = hs256(json!({ "sub": sub, "exp": now() + 600 }), secret);
        format!("{header}.{}.", payload.split('.').nth(1).unwrap())
    };
    let cases = [
        (
            "wrong secret",
            hs256(
                json!({ "sub": sub, "exp": now() + 600 }),
                b"not-the-secret-but-also-32-bytes-long",
            ),
        ),
        (
            "expired",
            hs256(json!({ "sub": sub, "exp": now() - 3600 }), secret),
        ),
        (
            "not yet valid",
            hs256(
                json!({ "sub": sub, "exp": now() + 7200, "nbf": now() + 3600 }),
                secret,
            ),
        ),
        ("no exp", hs256(json!({ "sub": sub }), secret)),
        ("no sub", hs256(json!({ "exp": now() + 600 }), secret)),
        (
            "sub not a string",
            hs256(json!({ "sub": { "id": 1 }, "exp": now() + 600 }), secret),
        ),
        (
            "sub empty",
            hs256(json!({ "sub": "", "exp": now() + 600 }), secret),
        ),
        ("alg none", unsigned),
        ("garbage", "not.a.jwt".to_string()),
        ("huge", "a".repeat(10 * 1024)),
    ];
    for (case, token) in cases {
        let reply = app.get("/api/auth/profile", Some(&token)).await;
        assert_refused(&reply);
        assert!(
            !reply.body.to_string().contains(&sub),
            "{case}: the response echoes the token"
        );
    }
}

#[tokio::test]
async fn a_bad_token_is_refused_before_any_database_work() {
    // No database at all: a token check that touched it would answer 503, not 401.
    let unreachable =
        tokio_postgres::Config::from_str("postgres://nobody@127.0.0.1:1/none").unwrap();
    let app = spawn_app_on("none", Some(unreachable)).await;
    let forged = hs256(
        json!({ "sub": Uuid::new_v4(), "exp": now() + 600 }),
        b"forged-forged-forged-forged-forged",
    );
    assert_refused(&app.get("/api/auth/profile", Some(&forged)).await);
    // So is a malformed subject: never a database error.
    for sub in [json!(""), json!({ "id": 1 }), json!("x".repeat(300))] {
        let token = hs256(
            json!({ "sub": sub, "exp": now() + 600 }),
            JWT_SECRET.as_bytes(),
        );
        assert_refused(&app.get("/api/auth/profile", Some(&token)).await);
    }
}

#[tokio::test]
async fn public_key_configurations_accept_their_algorithm_and_refuse_confusion() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for (private, public, algorithm) in [
        ("rsa_private.pem", "rsa_public.pem", Algorithm::RS256),
        ("ec_private.pem", "ec_public.pem", Algorithm::ES256),
    ] {
        let private_pem = std::fs::read(format!("{fixtures}/{private}")).unwrap();
        let public_pem = std::fs::read(format!("{fixtures}/{public}")).unwrap();
        let verifier = JwtConfig::public_key(&public_pem).unwrap().verifier();
        let claims = json!({ "sub": Uuid::new_v4(), "exp": now() + 600 });
        let key = match algorithm {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&private_pem).unwrap(),
            _ => EncodingKey::from_ec_pem(&private_pem).unwrap(),
        };
        let good = jsonwebtoken::encode(&Header::new(algorithm), &claims, &key).unwrap();
        let header = reqwest::header::HeaderValue::from_str(&format!("Bearer {good}")).unwrap();
        assert!(
            verifier.authenticate(Some(&header)).await.is_ok(),
            "{algorithm:?}"
        );

        // Algorithm confusion: HS256 "signed" with the public key as the shared secret.
        let confused = hs256(claims.clone(), &public_pem);
        let header = reqwest::header::HeaderValue::from_str(&format!("Bearer {confused}")).unwrap();
        assert!(
            verifier.authenticate(Some(&header)).await.is_err(),
            "{algorithm:?} accepted an HS256 token"
        );
    }
}

#[tokio::test]
async fn pem_public_keys_of_every_type_verify_the_algorithms_of_their_type() {
    use crate::idp::SigningKey;
    let rsa_public = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rsa_public.pem"
    ))
    .unwrap();
    let rsa = SigningKey::rsa("rsa", "any", Algorithm::RS256);
    let mut cases: Vec<(SigningKey, Vec<u8>)> =
        [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256]
            .into_iter()
            .map(|alg| (rsa.with_alg(alg), rsa_public.clone()))
            .collect();
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let key = SigningKey::generated("any", alg);
        let pem = key.public_pem.clone().unwrap().into_bytes();
        cases.push((key, pem));
    }
    for (key, pem) in cases {
        let verifier = JwtConfig::public_key(&pem).unwrap().verifier();
        let token = key.sign(&json!({ "sub": Uuid::new_v4(), "exp": now() + 600 }));
        let header = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
        assert!(
            verifier.authenticate(Some(&header)).await.is_ok(),
            "{:?}",
            key.alg
        );
    }
}

#[test]
fn minted_tokens_expire_after_their_ttl() {
    let config = JwtConfig::hs256(JWT_SECRET.as_bytes()).unwrap();
    let token = config
        .mint(Uuid::new_v4(), Duration::from_secs(3600))
        .unwrap();
    let claims = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&token)
        .unwrap()
        .claims;
    let exp = claims["exp"].as_u64().unwrap();
    assert!((now() + 3590..=now() + 3610).contains(&exp));
}
