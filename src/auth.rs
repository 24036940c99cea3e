//! JWT verification: who is calling. A bad token is refused here, before any database work.
//!
//! The accepted algorithm comes from configuration (HS256 with a secret, or RS256/ES256 with a
//! public key), never from the token's header, so `alg: none` and algorithm-confusion tokens
//! fail signature checks by construction.

use std::{fmt, time::Duration};

use hyper::header::HeaderValue;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::config::ConfigError;

/// Tokens longer than this are refused unread (a real one is a few hundred bytes).
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
const MIN_SECRET_BYTES: usize = 32;

/// How tokens are verified (and, with a shared secret, minted).
#[derive(Clone)]
pub struct JwtConfig {
    algorithm: Algorithm,
    key: DecodingKey,
    secret: Option<Vec<u8>>,
    audience: Option<String>,
    issuer: Option<String>,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("algorithm", &self.algorithm)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl JwtConfig {
    /// HS256 with a shared secret of at least 32 bytes.
    pub fn hs256(secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: "HEDGEROW_JWT_SECRET",
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes"),
            });
        }
        Ok(JwtConfig {
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret),
            secret: Some(secret.to_vec()),
            audience: None,
            issuer: None,
        })
    }

    /// RS256 or ES256, chosen by the kind of PEM public key given.
    pub fn public_key(pem: &[u8]) -> Result<Self, ConfigError> {
        let (algorithm, key) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            (Algorithm::RS256, key)
        } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            (Algorithm::ES256, key)
        } else {
            return Err(ConfigError::Invalid {
                name: "HEDGEROW_JWT_PUBLIC_KEY",
                reason: "not an RSA or EC (P-256) public key in PEM format".into(),
            });
        };
        Ok(JwtConfig {
            algorithm,
            key,
            secret: None,
            audience: None,
            issuer: None,
        })
    }

    pub(crate) fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let config = match (
            lookup("HEDGEROW_JWT_SECRET"),
            lookup("HEDGEROW_JWT_PUBLIC_KEY"),
        ) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    name: "HEDGEROW_JWT_SECRET",
                    reason: "set it or HEDGEROW_JWT_PUBLIC_KEY, not both".into(),
                });
            }
            (Some(secret), None) => Self::hs256(secret.as_bytes())?,
            (None, Some(path)) => {
                let pem = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
                    name: "HEDGEROW_JWT_PUBLIC_KEY",
                    reason: format!("cannot read {path}: {e}"),
                })?;
                Self::public_key(&pem)?
            }
            (None, None) => return Ok(None),
        };
        Ok(Some(
            config
                .with_audience(lookup("HEDGEROW_JWT_AUDIENCE"))
                .with_issuer(lookup("HEDGEROW_JWT_ISSUER")),
        ))
    }

    pub fn with_audience(mut self, audience: Option<String>) -> Self {
        self.audience = audience;
        self
    }

    pub fn with_issuer(mut self, issuer: Option<String>) -> Self {
        self.issuer = issuer;
        self
    }

    /// Signs a token for `sub` valid for `ttl` (HS256 configurations only).
    pub fn mint(&self, sub: Uuid, ttl: Duration) -> Result<String, String> {
        let secret = self.secret.as_ref().ok_or(
            "minting needs HEDGEROW_JWT_SECRET; with a public key, tokens come from your identity provider",
        )?;
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = Map::new();
        claims.insert("sub".into(), sub.to_string().into());
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + ttl.as_secs()).into());
        if let Some(aud) = &self.audience {
            claims.insert("aud".into(), aud.clone().into());
        }
        if let Some(iss) = &self.issuer {
            claims.insert("iss".into(), iss.clone().into());
        }
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .map_err(|e| e.to_string())
    }

    pub fn verifier(&self) -> Verifier {
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_aud = self.audience.is_some();
        if let Some(aud) = &self.audience {
            validation.set_audience(&[aud]);
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        Verifier {
            key: self.key.clone(),
            validation,
        }
    }
}

/// The identity a request runs as.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    Anonymous,
    /// A verified user: their id (`sub`) and the claims, as JSON, for `request.jwt.claims`.
    User {
        id: Uuid,
        claims: String,
    },
}

impl Caller {
    /// The database role the request's transaction runs as.
    pub fn role(&self) -> &'static str {
        match self {
            Caller::Anonymous => "hedgerow_anon",
            Caller::User { .. } => "hedgerow_user",
        }
    }
}

/// Why a token was refused; the message is safe to show the client.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("the Authorization header must be 'Bearer <token>'")]
    Malformed,
    #[error("the token is too large")]
    TooLarge,
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
    #[error("the token's sub must be a user id (UUID)")]
    BadSubject,
}

#[derive(Clone)]
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    /// The caller named by an `Authorization` header, anonymous without one.
    pub fn authenticate(&self, header: Option<&HeaderValue>) -> Result<Caller, AuthError> {
        let Some(header) = header else {
            return Ok(Caller::Anonymous);
        };
        if header.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TooLarge);
        }
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(AuthError::Malformed)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
            _ => AuthError::Invalid,
        })?;
        let id = data
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .and_then(|sub| Uuid::parse_str(sub).ok())
            .ok_or(AuthError::BadSubject)?;
        let claims = Value::Object(data.claims).to_string();
        Ok(Caller::User { id, claims })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn bearer(token: &str) -> HeaderValue {
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap()
    }

    #[test]
    fn a_minted_token_authenticates_its_subject() {
        let config = JwtConfig::hs256(SECRET).unwrap();
        let sub = Uuid::new_v4();
        let token = config.mint(sub, Duration::from_secs(60)).unwrap();
        match config
            .verifier()
            .authenticate(Some(&bearer(&token)))
            .unwrap()
        {
            Caller::User { id, claims } => {
                assert_eq!(id, sub);
                assert!(claims.contains(&sub.to_string()));
            }
            other => panic!("expected a user, got {other:?}"),
        }
    }

    #[test]
    fn no_header_is_anonymous_and_a_non_bearer_header_is_refused() {
        let verifier = JwtConfig::hs256(SECRET).unwrap().verifier();
        assert_eq!(verifier.authenticate(None), Ok(Caller::Anonymous));
        let basic = HeaderValue::from_static("Basic dXNlcjpwYXNz");
        assert_eq!(
            verifier.authenticate(Some(&basic)),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let other = JwtConfig::hs256(b"another-secret-that-is-32-bytes!").unwrap();
        let token = other.mint(Uuid::new_v4(), Duration::from_secs(60)).unwrap();
        let verifier = JwtConfig::hs256(SECRET).unwrap().verifier();
        assert_eq!(
            verifier.authenticate(Some(&bearer(&token))),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn audience_and_issuer_are_checked_when_configured() {
        let minter = JwtConfig::hs256(SECRET)
            .unwrap()
            .with_audience(Some("other-app".into()));
        let token = minter
            .mint(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        let verifier = JwtConfig::hs256(SECRET)
            .unwrap()
            .with_audience(Some("hedgerow".into()))
            .verifier();
        assert_eq!(
            verifier.authenticate(Some(&bearer(&token))),
            Err(AuthError::Invalid)
        );

        let minter = JwtConfig::hs256(SECRET)
            .unwrap()
            .with_issuer(Some("mallory".into()));
        let token = minter
            .mint(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        let verifier = JwtConfig::hs256(SECRET)
            .unwrap()
            .with_issuer(Some("auth.example".into()))
            .verifier();
        assert_eq!(
            verifier.authenticate(Some(&bearer(&token))),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn an_oversized_header_is_refused_unread() {
        let verifier = JwtConfig::hs256(SECRET).unwrap().verifier();
        let huge = bearer(&"a".repeat(MAX_TOKEN_BYTES + 1));
        assert_eq!(verifier.authenticate(Some(&huge)), Err(AuthError::TooLarge));
    }
}
