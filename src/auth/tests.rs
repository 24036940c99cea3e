use hyper::header::HeaderValue;
use serde_json::Value;

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn bearer(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("Bearer {token}")).unwrap()
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn hs256(claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

async fn authenticate(config: &JwtConfig, token: &str) -> Result<Caller, AuthError> {
    config.verifier().authenticate(Some(&bearer(token))).await
}

#[tokio::test]
async fn a_minted_token_authenticates_its_subject() {
    let config = JwtConfig::hs256(SECRET).unwrap();
    let sub = Uuid::new_v4();
    let token = config.mint(sub, Duration::from_secs(60)).unwrap();
    match authenticate(&config, &token).await.unwrap() {
        Caller::User { id } => assert_eq!(id, sub),
        other => panic!("expected a user, got {other:?}"),
    }
}

#[tokio::test]
async fn no_header_is_anonymous_and_a_non_bearer_header_is_refused() {
    let verifier = JwtConfig::hs256(SECRET).unwrap().verifier();
    assert_eq!(verifier.authenticate(None).await, Ok(Caller::Anonymous));
    let basic = HeaderValue::from_static("Basic dXNlcjpwYXNz");
    assert_eq!(
        verifier.authenticate(Some(&basic)).await,
        Err(AuthError::Malformed)
    );
}

#[tokio::test]
async fn a_token_signed_with_another_secret_has_a_bad_signature() {
    let other = JwtConfig::hs256(b"another-secret-that-is-32-bytes!").unwrap();
    let token = other.mint(Uuid::new_v4(), Duration::from_secs(60)).unwrap();
    let config = JwtConfig::hs256(SECRET).unwrap();
    assert_eq!(
        authenticate(&config, &token).await,
        Err(AuthError::BadSignature)
    );
}

#[tokio::test]
async fn audience_and_issuer_are_checked_when_configured() {
    let minter = JwtConfig::hs256(SECRET)
        .unwrap()
        .with_audience(Some("other-app".into()));
    let token = minter
        .mint(Uuid::new_v4(), Duration::from_secs(60))
        .unwrap();
    let config = JwtConfig::hs256(SECRET)
        .unwrap()
        .with_audience(Some("hedgerow".into()));
    assert_eq!(
        authenticate(&config, &token).await,
        Err(AuthError::WrongAudience)
    );

    let minter = JwtConfig::hs256(SECRET)
        .unwrap()
        .with_issuer(Some("mallory".into()));
    let token = minter
        .mint(Uuid::new_v4(), Duration::from_secs(60))
        .unwrap();
    let config = JwtConfig::hs256(SECRET)
        .unwrap()
        .with_issuer(Some("auth.example".into()));
    assert_eq!(
        authenticate(&config, &token).await,
        Err(AuthError::WrongIssuer)
    );
}

#[tokio::test]
async fn an_oversized_header_is_refused_unread() {
    let config = JwtConfig::hs256(SECRET).unwrap();
    let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(authenticate(&config, &huge).await, Err(AuthError::TooLarge));
}

#[tokio::test]
async fn each_refusal_names_its_reason() {
    let config = JwtConfig::hs256(SECRET).unwrap();
    let sub = Uuid::new_v4().to_string();
    let unsigned = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        hs256(json!({ "sub": sub, "exp": now() + 600 }))
            .split('.')
            .nth(1)
            .unwrap()
    );
    let cases = [
        (hs256(json!({ "sub": sub })), AuthError::MissingExpiry),
        (
            hs256(json!({ "sub": sub, "exp": now() - 3600 })),
            AuthError::Expired,
        ),
        (
            hs256(json!({ "sub": sub, "exp": now() + 7200, "nbf": now() + 3600 })),
            AuthError::NotYetValid,
        ),
        (
            hs256(json!({ "exp": now() + 600 })),
            AuthError::NoUser("sub".into()),
        ),
        (
            hs256(json!({ "sub": "", "exp": now() + 600 })),
            AuthError::BadSubject("is empty"),
        ),
        (unsigned, AuthError::Unsigned),
        ("not.a.jwt".to_string(), AuthError::NotAJwt),
    ];
    for (token, expected) in cases {
        assert_eq!(authenticate(&config, &token).await, Err(expected));
    }
}

#[tokio::test]
async fn a_public_key_never_verifies_hmac_tokens() {
    let pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rsa_public.pem"
    ))
    .unwrap();
    let config = JwtConfig::public_key(&pem).unwrap();
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({ "sub": Uuid::new_v4(), "exp": now() + 600 }),
        &EncodingKey::from_secret(&pem),
    )
    .unwrap();
    assert_eq!(
        authenticate(&config, &confused).await,
        Err(AuthError::AlgorithmNotAccepted(Algorithm::HS256))
    );
}

#[tokio::test]
async fn a_token_without_a_user_is_anonymous_only_when_configured() {
    let anon_key = hs256(json!({ "role": "anon", "iss": "supabase", "exp": now() + 600 }));
    let strict = JwtConfig::hs256(SECRET)
        .unwrap()
        .with_audience(Some("authenticated".into()));
    assert_eq!(
        authenticate(&strict, &anon_key).await,
        Err(AuthError::NoUser("sub".into()))
    );
    let lenient = strict.with_anonymous_tokens(true);
    assert_eq!(
        authenticate(&lenient, &anon_key).await,
        Ok(Caller::Anonymous)
    );
    // Still verified: a forged anon key is refused.
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({ "role": "anon", "exp": now() + 600 }),
        &EncodingKey::from_secret(b"forged-forged-forged-forged-forged"),
    )
    .unwrap();
    assert_eq!(
        authenticate(&lenient, &forged).await,
        Err(AuthError::BadSignature)
    );
}

#[tokio::test]
async fn the_user_claim_can_be_anywhere_in_the_claims() {
    let config = JwtConfig::hs256(SECRET)
        .unwrap()
        .with_user_claim(".app_metadata.\"user-id\"".parse().unwrap());
    let token = hs256(json!({
        "sub": "ignored", "exp": now() + 600, "app_metadata": { "user-id": "auth0|42" }
    }));
    match authenticate(&config, &token).await.unwrap() {
        Caller::User { id, .. } => assert_eq!(id, user_id(&json!("auth0|42")).unwrap()),
        other => panic!("expected a user, got {other:?}"),
    }
}

use serde_json::json;
