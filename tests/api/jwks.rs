//! Keys from a JWK set on loopback, end to end: chosen by kid, rotated, refreshed when their
//! lifetime ends, never fetched more than once per interval for made-up kids, and every
//! algorithm the key types allow.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Reply, ScratchDir, TestApp, spawn_app_with_settings};
use crate::idp::{IdentityProvider, SigningKey};

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims(sub: &str) -> Value {
    json!({ "sub": sub, "exp": now() + 600, "iat": now() })
}

async fn profile(app: &TestApp, token: &str) -> Reply {
    app.get("/api/auth/profile", Some(token)).await
}

fn assert_refused_because(reply: &Reply, reason: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    let challenge = reply.header("www-authenticate").unwrap_or("");
    assert!(challenge.contains(reason), "{challenge}");
    assert!(reply.body["error"].as_str().unwrap().contains(reason));
}

#[tokio::test]
async fn a_rotated_key_is_fetched_when_its_kid_first_arrives_and_the_retired_key_stops_working() {
    let old = SigningKey::rsa("rsa", "2024-key", Algorithm::RS256);
    let new = SigningKey::rsa("rsa2", "2025-key", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![old.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        ("HEDGEROW_JWT_JWKS_MIN_INTERVAL", "200ms"),
    ])
    .await;
    assert_eq!(idp.fetches(), 1, "fetched once, at start");

    let sub = Uuid::new_v4().to_string();
    let created = app
        .post(
            "/api/auth/profile",
            Some(&old.sign(&claims(&sub))),
            json!({ "username": "rotating" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);

    // The provider rotates: the new key signs from now on, the old one is retired.
    idp.publish(vec![new.jwk()]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let after = profile(&app, &new.sign(&claims(&sub))).await;
    assert_eq!(after.status, StatusCode::OK, "{:?}", after.body);
    assert_eq!(
        after.body["data"]["username"], "rotating",
        "same person, same data"
    );
    assert_eq!(idp.fetches(), 2, "the unknown kid caused one fetch");

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_refused_because(
        &profile(&app, &old.sign(&claims(&sub))).await,
        "no key of the identity provider has the token's kid",
    );
}

#[tokio::test]
async fn tokens_with_made_up_kids_cannot_make_hedgerow_hammer_the_provider() {
    let key = SigningKey::rsa("rsa", "real", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        ("HEDGEROW_JWT_JWKS_MIN_INTERVAL", "60s"),
    ])
    .await;
    let forged = SigningKey::rsa("rsa2", "x", Algorithm::RS256);
    for _ in 0..25 {
        let kid = Uuid::new_v4().to_string();
        let token = forged.sign_as(&claims(&Uuid::new_v4().to_string()), Some(&kid));
        assert_refused_because(&profile(&app, &token).await, "kid");
    }
    assert_eq!(idp.fetches(), 1, "made-up kids fetched nothing");
    let genuine = profile(&app, &key.sign(&claims(&Uuid::new_v4().to_string()))).await;
    assert_eq!(genuine.status, StatusCode::NOT_FOUND, "{:?}", genuine.body);
}

#[tokio::test]
async fn the_key_set_is_fetched_again_when_its_cache_lifetime_ends() {
    let key = SigningKey::rsa("rsa", "k1", Algorithm::RS256);
    let idp = IdentityProvider::start(vec![key.jwk()]).await;
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url),
        // Long enough that a first request on a busy machine ends well within it.
        ("HEDGEROW_JWT_JWKS_CACHE", "2s"),
        ("HEDGEROW_JWT_JWKS_MIN_INTERVAL", "100ms"),
    ])
    .await;
    let token = key.sign(&claims(&Uuid::new_v4().to_string()));
    assert_eq!(profile(&app, &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(idp.fetches(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // A known kid after the lifetime: served with the held keys, refreshed in the background.
    assert_eq!(profile(&app, &token).await.status, StatusCode::NOT_FOUND);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while idp.fetches() < 2 {
        assert!(std::time::Instant::now() < deadline, "never fetched again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_algorithm_the_key_types_allow_is_accepted_and_none_or_hmac_are_not() {
    let rsa = SigningKey::rsa("rsa", "rsa", Algorithm::RS256);
    let keys = [
        SigningKey::generated("p256", Algorithm::ES256),
        SigningKey::generated("p384", Algorithm::ES384),
        SigningKey::generated("ed", Algorithm::EdDSA),
    ];
    let mut published: Vec<Value> = keys.iter().map(SigningKey::jwk).collect();
    published.push(rsa.jwk());
    let idp = IdentityProvider::start(published).await;
    let app = spawn_app_with_settings(&[("HEDGEROW_JWT_JWKS_URL", &idp.jwks_url)]).await;
    let mut signers: Vec<SigningKey> = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ]
    .into_iter()
    .map(|alg| rsa.with_alg(alg))
    .collect();
    signers.extend(keys);
    for signer in &signers {
        let reply = profile(&app, &signer.sign(&claims(&Uuid::new_v4().to_string()))).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{:?}: {:?}",
            signer.alg,
            reply.body
        );
    }
    // A P-384 signature presented under the P-256 key's kid: that key verifies ES256 only.
    let p384_under_p256 = signers[7].sign_as(&claims("x"), Some("p256"));
    assert_refused_because(
        &profile(&app, &p384_under_p256).await,
        "tokens signed with ES384 are not accepted",
    );

    // HS256 "signed" with the published RSA key's modulus: no public key verifies HMAC.
    let modulus = rsa.jwk()["n"].as_str().unwrap().to_string();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa".into());
    let confused = jsonwebtoken::encode(
        &header,
        &claims("x"),
        &EncodingKey::from_secret(modulus.as_bytes()),
    )
    .unwrap();
    assert_refused_because(
        &profile(&app, &confused).await,
        "tokens signed with HS256 are not accepted",
    );
    let payload = rsa.sign(&claims("x"));
    let unsigned = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        payload.split('.').nth(1).unwrap()
    );
    assert_refused_because(&profile(&app, &unsigned).await, "alg none");
}

#[tokio::test]
async fn a_jwks_file_is_read_at_start_and_again_for_a_new_kid() {
    let dir = ScratchDir::new("hedgerow-jwks");
    let file = dir.0.join("jwks.json");
    let first = SigningKey::generated("first", Algorithm::ES256);
    let second = SigningKey::generated("second", Algorithm::EdDSA);
    std::fs::write(&file, json!({ "keys": [first.jwk()] }).to_string()).unwrap();
    let app = spawn_app_with_settings(&[
        ("HEDGEROW_JWT_JWKS_FILE", file.to_str().unwrap()),
        ("HEDGEROW_JWT_JWKS_MIN_INTERVAL", "0s"),
    ])
    .await;
    let sub = Uuid::new_v4().to_string();
    assert_eq!(
        profile(&app, &first.sign(&claims(&sub))).await.status,
        StatusCode::NOT_FOUND
    );
    std::fs::write(
        &file,
        json!({ "keys": [first.jwk(), second.jwk()] }).to_string(),
    )
    .unwrap();
    assert_eq!(
        profile(&app, &second.sign(&claims(&sub))).await.status,
        StatusCode::NOT_FOUND
    );
}
