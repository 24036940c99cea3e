//! Verifying one request's token: the key its `alg` and `kid` select, then signature, times,
//! user claim, audience and issuer — each refusal with its reason.

use std::sync::Arc;

use hyper::header::HeaderValue;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind as JwtErrorKind};
use serde_json::{Map, Value};

use super::jwks::Jwks;
use super::keys::VerificationKey;
use super::{AuthError, Caller, ClaimPath, HMAC, LEEWAY_SECONDS, MAX_TOKEN_BYTES, user_id};

pub(super) struct Inner {
    pub(super) hmac: Option<DecodingKey>,
    pub(super) public_keys: Vec<VerificationKey>,
    pub(super) jwks: Option<Arc<Jwks>>,
    pub(super) audience: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) user_claim: ClaimPath,
    pub(super) anonymous_tokens: bool,
}

#[derive(Clone)]
pub struct Verifier {
    pub(super) inner: Arc<Inner>,
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
        Ok(Caller::User { id })
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
