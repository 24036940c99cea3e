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

use std::{fmt, sync::Arc, time::Duration};

use hyper::header::HeaderValue;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind as JwtErrorKind,
};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use jwks::{JwksSource, JwksTiming};
pub use subject::{ClaimPath, SUBJECT_NAMESPACE, user_id};

use crate::config::ConfigError;
use jwks::Jwks;
use keys::VerificationKey;

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
    /// one) and the claims, as JSON, for `request.jwt.claims`.
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

struct Inner {
    hmac: Option<DecodingKey>,
    public_keys: Vec<VerificationKey>,
    jwks: Option<Arc<Jwks>>,
    audience: Option<String>,
    issuer: Option<String>,
    user_claim: ClaimPath,
    anonymous_tokens: bool,
}

#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl Verifier {
    /// Fetches the JWK set now, if there is one (at start: a wrong URL stops hedgerow).
    pub async fn load_keys(&self) -> Result<(), String> {
        match &self.inner.jwks {
            Some(jwks) => jwks.refresh().await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// The caller named by an `Authorization` header, anonymous without one.
    pub async fn authenticate(&self, header: Option<&HeaderValue>) -> Result<Caller, AuthError> {
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
        let (alg, kid) = token_header(token)?;
        let claims = self.verified_claims(token, alg, kid.as_deref()).await?;
        let inner = &self.inner;
        let Some(subject) = inner.user_claim.find(&claims) else {
            // A provider's anonymous key: it grants nothing a request without a token lacks,
            // so its audience and issuer do not matter.
            return if inner.anonymous_tokens {
                Ok(Caller::Anonymous)
            } else {
                Err(AuthError::NoUser(inner.user_claim.to_string()))
            };
        };
        let id = user_id(subject).map_err(AuthError::BadSubject)?;
        check_audience_and_issuer(&claims, inner)?;
        Ok(Caller::User {
            id,
            claims: claims.to_string(),
        })
    }

    /// The claims of a token whose signature, `exp` and `nbf` verify with a configured key.
    async fn verified_claims(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Value, AuthError> {
        let inner = &self.inner;
        let mut validation = Validation::new(alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        if HMAC.contains(&alg) {
            let key = inner
                .hmac
                .as_ref()
                .ok_or(AuthError::AlgorithmNotAccepted(alg))?;
            return decode(token, key, &validation);
        }
        let mut candidates = self.candidates(alg, kid);
        if candidates.is_empty()
            && kid.is_some()
            && let Some(jwks) = &inner.jwks
            && jwks.refresh_for_unknown_kid().await
        {
            candidates = self.candidates(alg, kid);
        }
        if candidates.is_empty() {
            let kid_held = kid.is_some_and(|kid| self.holds_kid(kid));
            return Err(match kid {
                Some(_) if inner.jwks.is_some() && !kid_held => AuthError::UnknownKey,
                _ => AuthError::AlgorithmNotAccepted(alg),
            });
        }
        let mut refusal = AuthError::BadSignature;
        for key in &candidates {
            match decode(token, &key.key, &validation) {
                Ok(claims) => return Ok(claims),
                Err(AuthError::BadSignature) => {}
                Err(other) => refusal = other,
            }
        }
        Err(refusal)
    }

    /// Whether the JWK set holds a key with this id (for any algorithm).
    fn holds_kid(&self, kid: &str) -> bool {
        self.inner.jwks.as_ref().is_some_and(|jwks| {
            jwks.keys()
                .iter()
                .any(|key| key.kid.as_deref() == Some(kid))
        })
    }

    /// The public keys that may verify a token with this `alg` and `kid`.
    fn candidates(&self, alg: Algorithm, kid: Option<&str>) -> Vec<VerificationKey> {
        let held = self.inner.jwks.as_ref().map(|jwks| jwks.keys());
        self.inner
            .public_keys
            .iter()
            .chain(held.iter().flat_map(|keys| keys.iter()))
            .filter(|key| key.fits(alg, kid))
            .cloned()
            .collect()
    }
}

/// The header's algorithm and key id, read before any key is chosen.
fn token_header(token: &str) -> Result<(Algorithm, Option<String>), AuthError> {
    match jsonwebtoken::decode_header(token) {
        Ok(header) => Ok((header.alg, header.kid)),
        Err(_) => {
            // Tell `alg: none` (and other algorithms the library does not know) from garbage.
            use base64::Engine as _;
            let alg = token
                .split('.')
                .next()
                .and_then(|part| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(part)
                        .ok()
                })
                .and_then(|json| serde_json::from_slice::<Value>(&json).ok())
                .and_then(|header| {
                    header
                        .get("alg")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            match alg.as_deref() {
                Some(alg) if alg.eq_ignore_ascii_case("none") => Err(AuthError::Unsigned),
                _ => Err(AuthError::NotAJwt),
            }
        }
    }
}

fn decode(token: &str, key: &DecodingKey, validation: &Validation) -> Result<Value, AuthError> {
    jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)
        .map(|data| Value::Object(data.claims))
        .map_err(|e| match e.kind() {
            JwtErrorKind::ExpiredSignature => AuthError::Expired,
            JwtErrorKind::ImmatureSignature => AuthError::NotYetValid,
            JwtErrorKind::MissingRequiredClaim(claim) if claim == "exp" => AuthError::MissingExpiry,
            JwtErrorKind::InvalidClaimFormat(claim) => AuthError::BadClaim(claim.clone()),
            JwtErrorKind::InvalidToken
            | JwtErrorKind::Base64(_)
            | JwtErrorKind::Json(_)
            | JwtErrorKind::Utf8(_) => AuthError::NotAJwt,
            _ => AuthError::BadSignature,
        })
}

fn check_audience_and_issuer(claims: &Value, inner: &Inner) -> Result<(), AuthError> {
    if let Some(expected) = &inner.audience {
        let matches = match claims.get("aud") {
            Some(Value::String(aud)) => aud == expected,
            Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(expected)),
            _ => false,
        };
        if !matches {
            return Err(AuthError::WrongAudience);
        }
    }
    if let Some(expected) = &inner.issuer
        && claims.get("iss").and_then(Value::as_str) != Some(expected.as_str())
    {
        return Err(AuthError::WrongIssuer);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
