//! JWT verification: who is calling. A bad token is refused here, before any database work,
//! with a reason that is logged and sent back (never the token itself).
//!
//! Keys: an HMAC secret (HS256/384/512), a PEM public key, or a provider's JWK set chosen by
//! `kid` (see `keys` for the algorithms each key type allows). The secret may be combined with
//! a JWK set (Supabase: user tokens from the JWK set, the anon key signed with the secret).
//! A token's `alg` only selects among the configured keys: HMAC tokens are checked with the
//! secret alone and never with a public key, and `alg: none` is refused.

mod jwks;
mod keys;
mod subject;
mod verifier;

use std::{fmt, sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::Map;
use uuid::Uuid;

pub use jwks::{JwksSource, JwksTiming};
pub use subject::{ClaimPath, SUBJECT_NAMESPACE, user_id};
pub use verifier::Verifier;

use crate::config::ConfigError;
use jwks::Jwks;
use keys::VerificationKey;
use verifier::Inner;

/// Tokens longer than this are refused unread (a real one is a few hundred bytes).
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
const MIN_SECRET_BYTES: usize = 32;
const HMAC: &[Algorithm] = &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// How tokens are verified (and, with a shared secret, minted).
#[derive(Clone)]
pub struct JwtConfig {
    secret: Option<Vec<u8>>,
    public_keys: Vec<VerificationKey>,
    jwks: Option<(JwksSource, JwksTiming)>,
    audience: Option<String>,
    issuer: Option<String>,
    user_claim: ClaimPath,
    anonymous_tokens: bool,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .field("public_keys", &self.public_keys.len())
            .field("jwks", &self.jwks)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("user_claim", &self.user_claim)
            .field("anonymous_tokens", &self.anonymous_tokens)
            .finish()
    }
}

impl JwtConfig {
    fn empty() -> Self {
        JwtConfig {
            secret: None,
            public_keys: Vec::new(),
            jwks: None,
            audience: None,
            issuer: None,
            user_claim: ClaimPath::default(),
            anonymous_tokens: false,
        }
    }

    /// HMAC (HS256/384/512) with a shared secret of at least 32 bytes.
    pub fn hs256(secret: &[u8]) -> Result<Self, ConfigError> {
        Self::empty().with_secret(secret)
    }

    /// A PEM public key: RSA (RS/PS 256/384/512), EC P-256 (ES256), P-384 (ES384) or Ed25519.
    pub fn public_key(pem: &[u8]) -> Result<Self, ConfigError> {
        let key = keys::from_pem(pem).map_err(|reason| ConfigError::Invalid {
            name: "HEDGEROW_JWT_PUBLIC_KEY",
            reason,
        })?;
        Ok(JwtConfig {
            public_keys: vec![key],
            ..Self::empty()
        })
    }

    /// The keys of a JWK set, chosen by `kid`.
    pub fn jwks(source: JwksSource) -> Self {
        JwtConfig {
            jwks: Some((source, JwksTiming::default())),
            ..Self::empty()
        }
    }

    /// Also accepts HMAC tokens signed with `secret`.
    pub fn with_secret(mut self, secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: "HEDGEROW_JWT_SECRET",
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes"),
            });
        }
        self.secret = Some(secret.to_vec());
        Ok(self)
    }

    pub fn with_audience(mut self, audience: Option<String>) -> Self {
        self.audience = audience;
        self
    }

    pub fn with_issuer(mut self, issuer: Option<String>) -> Self {
        self.issuer = issuer;
        self
    }

    /// Where the user id is in the claims (`sub` by default).
    pub fn with_user_claim(mut self, claim: ClaimPath) -> Self {
        self.user_claim = claim;
        self
    }

    /// Whether a verified token without the user claim is anonymous (true) or a 401.
    pub fn with_anonymous_tokens(mut self, anonymous: bool) -> Self {
        self.anonymous_tokens = anonymous;
        self
    }

    /// How long JWK sets are cached and how often unknown `kid`s may cause a fetch.
    pub fn with_jwks_timing(mut self, timing: JwksTiming) -> Self {
        if let Some((_, current)) = &mut self.jwks {
            *current = timing;
        }
        self
    }

    /// Signs a token for `sub` valid for `ttl` (needs the shared secret).
    pub fn mint(&self, sub: Uuid, ttl: Duration) -> Result<String, String> {
        self.mint_subject(&sub.to_string(), ttl)
    }

    /// Signs an HS256 token whose `sub` is any subject (a UUID or not) valid for `ttl`.
    pub fn mint_subject(&self, sub: &str, ttl: Duration) -> Result<String, String> {
        let secret = self.secret.as_ref().ok_or(
            "minting needs HEDGEROW_JWT_SECRET; with public keys, tokens come from your identity provider",
        )?;
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = Map::new();
        claims.insert("sub".into(), sub.into());
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

    /// A verifier with its own key cache (a JWK set is fetched on first use, or by
    /// [`Verifier::load_keys`]).
    pub fn verifier(&self) -> Verifier {
        Verifier {
            inner: Arc::new(Inner {
                hmac: self.secret.as_deref().map(DecodingKey::from_secret),
                public_keys: self.public_keys.clone(),
                jwks: self
                    .jwks
                    .clone()
                    .map(|(source, timing)| Arc::new(Jwks::new(source, timing))),
                audience: self.audience.clone(),
                issuer: self.issuer.clone(),
                user_claim: self.user_claim.clone(),
                anonymous_tokens: self.anonymous_tokens,
            }),
        }
    }
}

/// The identity a request runs as.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    Anonymous,
    /// A verified user: the internal user id (the subject, mapped to a UUID when it is not
    /// one), which the request's transaction gets as `request.user_id`.
    User {
        id: Uuid,
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

/// Why a token was refused; the message is safe to show the client and to log.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("the Authorization header must be 'Bearer <token>'")]
    Malformed,
    #[error("the token is too large")]
    TooLarge,
    #[error("the token is not a well-formed JWT")]
    NotAJwt,
    #[error("unsigned tokens (alg none) are not accepted")]
    Unsigned,
    #[error("tokens signed with {0:?} are not accepted here")]
    AlgorithmNotAccepted(Algorithm),
    #[error("no key of the identity provider has the token's kid")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token has no exp (expiry)")]
    MissingExpiry,
    #[error("the token's {0} claim is malformed")]
    BadClaim(String),
    #[error("the token is meant for another audience (aud)")]
    WrongAudience,
    #[error("the token is from another issuer (iss)")]
    WrongIssuer,
    #[error("the token has no user claim ({0})")]
    NoUser(String),
    #[error("the token's user claim {0}")]
    BadSubject(&'static str),
}

#[cfg(test)]
mod tests;
